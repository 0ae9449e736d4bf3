"""In headless Chromium: the admin's workbook check lists every error as a readable table."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reform_registry.workbook.writers import xlsx_bytes
from tests.fixtures.browser import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "upload-browser-2021"


def bad_workbook() -> bytes:
    unit = {"kind": "institution", "jurisdiction": "150200", "established_on": "2019-01-01"}
    return xlsx_bytes(
        {
            "jurisdictions": [{"code": "150200", "name": "包头市", "level": "city"}],
            "units": [
                {**unit, "key": "b1", "name": "包头市第一个有错误的事业单位", "credit_code": "BAD"},
                {**unit, "key": "b2", "name": "坏二", "business_functions": "perhaps"},
                {**unit, "key": "b3", "name": "坏三", "established_on": "2019/01/01"},
            ],
        }
    )


def test_the_check_report_is_a_table_of_errors(browser, live_server, tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)
    upload = tmp_path / "registry.xlsx"
    upload.write_bytes(bad_workbook())

    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/reform_registry/importbatch/add/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.set_input_files("#id_file", str(upload))
    page.locator("#content-main input[type=submit]").click()
    page.wait_for_selector("#workbook-errors")
    shot(page, "workbook-check-errors")

    table = page.locator("#workbook-errors")
    headers = table.locator("thead th")
    assert headers.all_inner_texts() == ["工作表", "行", "列", "标识", "原因"]
    rows = table.locator("tbody tr")
    assert rows.count() >= 3
    assert "b1" in rows.all_inner_texts()[0] or "b1" in " ".join(rows.all_inner_texts())
    # Each row is a table row: its five cells stand side by side under the five headers.
    for index in range(rows.count()):
        cells = rows.nth(index).locator("td")
        assert cells.count() == 5
        boxes = [cells.nth(i).bounding_box() for i in range(5)]
        header_boxes = [headers.nth(i).bounding_box() for i in range(5)]
        assert all(box and header for box, header in zip(boxes, header_boxes, strict=True))
        for cell, header in zip(boxes, header_boxes, strict=True):
            assert abs(cell["x"] - header["x"]) < 2 and abs(cell["width"] - header["width"]) < 2
        assert len({round(box["y"]) for box in boxes}) == 1
    # The reasons read in full: the reason column is the widest, the row number column narrow.
    widths = [headers.nth(i).bounding_box()["width"] for i in range(5)]
    assert widths[4] == max(widths) and widths[1] < 80
    assert page.locator("#workbook-confirm").count() == 0
