"""Every list and detail also answers under a format suffix (``/units.csv``), as ``?format=``."""

import pytest

PATHS = [
    ("/api/v1/units.csv", "text/csv"),
    ("/api/v1/units/I6.json", "application/json"),
    ("/api/v1/units/I6/history.json", "application/json"),
    ("/api/v1/units/N1/lineage.csv", "text/csv"),
    ("/api/v1/balances.csv", "text/csv"),
    ("/api/v1/events.json", "application/json"),
]


@pytest.mark.parametrize(("path", "content_type"), PATHS)
def test_format_suffix_paths_answer(api, ledger, path, content_type):
    response = api.get(path)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith(content_type)
