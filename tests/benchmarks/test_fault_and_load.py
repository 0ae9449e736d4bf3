"""The verdicts of the fault script and the figures of the load script (their pure parts; the
scripts themselves serve the app and are run by hand, see their docstrings)."""

import json

from benchmarks.fault_db_restart import judge
from benchmarks.load import percentile

SHAPE = {
    "error": {"status": 503, "code": "unavailable", "message": "数据库暂时不可用", "problems": []}
}


def test_an_answer_in_the_error_shape_passes():
    assert judge({"status": 200, "body": "{}"}) is None
    assert judge({"status": 503, "body": json.dumps(SHAPE, ensure_ascii=False)}) is None


def test_a_traceback_an_html_page_or_no_answer_fails():
    assert "traceback" in judge({"status": 500, "body": "Traceback (most recent call last):"})
    assert "error shape" in judge({"status": 500, "body": "<html>服务器出错</html>"})
    assert "no answer" in judge({"status": None, "body": "ConnectionResetError()"})
    assert "unexpected" in judge({"status": 404, "body": "{}"})


def test_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([], 0.5) == 0.0
