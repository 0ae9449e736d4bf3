"""Reading workbooks: the streaming reader agrees with openpyxl on workbooks written by hand
(real date cells, numbers, booleans, shared strings, gaps), and cells become contract text."""

import datetime as dt
import io

from openpyxl import Workbook

from reform_registry.workbook.readers import read_xlsx, read_xlsx_openpyxl


def handmade_workbook() -> bytes:
    book = Workbook()
    units = book.active
    units.title = "units"
    units.append(
        [
            "key",
            "kind",
            "name",
            "jurisdiction",
            "internal_bodies",
            "business_functions",
            "established_on",
        ]
    )
    units.append(["a1", "institution", "甲中心", 150200, 3, True, dt.date(2019, 1, 1)])
    units.append([None] * 7)  # a blank row in between is skipped
    units.append(["a2", "institution", "乙中心", "150200", 0.0, False, dt.datetime(2019, 6, 30)])
    transfers = book.create_sheet("quota_transfers")
    transfers.append(["date", "decision", "event", "kind", "amount", "from", "to", "reason"])
    transfers.append(
        [
            dt.date(2020, 1, 1),
            "包编发〔2020〕1号",
            None,
            "institution",
            12,
            "external",
            "a1",
            "grant",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_streaming_reader_agrees_with_openpyxl():
    content = handmade_workbook()
    fast = read_xlsx(io.BytesIO(content))
    slow = read_xlsx_openpyxl(io.BytesIO(content))
    assert fast.problems == slow.problems == []
    assert list(fast.sheets) == list(slow.sheets) == ["units", "quota_transfers"]
    for name, sheet in fast.sheets.items():
        assert sheet.columns == slow.sheets[name].columns
        assert [(r.number, r.cells) for r in sheet.rows] == [
            (r.number, r.cells) for r in slow.sheets[name].rows
        ]
    rows = fast.sheets["units"].rows
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].cells == {
        "key": "a1",
        "kind": "institution",
        "name": "甲中心",
        "jurisdiction": "150200",
        "internal_bodies": "3",
        "business_functions": "true",
        "established_on": "2019-01-01",
    }
    assert rows[1].get("internal_bodies") == "0"
    assert rows[1].get("established_on") == "2019-06-30"
    assert fast.sheets["quota_transfers"].rows[0].get("date") == "2020-01-01"


def test_not_a_workbook():
    data = read_xlsx(io.BytesIO(b"plain text"))
    assert data.sheets == {}
    assert "xlsx" in data.problems[0]["message"]


def test_unknown_sheet_and_columns():
    book = Workbook()
    book.active.title = "unitz"
    sheet = book.create_sheet("events")
    sheet.append(["key", "decision", "type", "effective_on", "colour"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = read_xlsx(io.BytesIO(buffer.getvalue()))
    messages = [p["message"] for p in data.problems]
    assert any("unitz" in m for m in messages)
    assert any("colour" in m for m in messages)
