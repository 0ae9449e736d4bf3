"""Validation is one pass (DESIGN §5): every row and column that can be checked on its own is
checked and reported together, whatever else is wrong; what needs the earlier sheets applied
comes after, and the report says which rows it could not check yet."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from reform_registry.models import ImportBatch
from reform_registry.workbook.readers import read_csv_texts
from reform_registry.workbook.writers import xlsx_bytes
from tests.reform_registry.workbook.test_importer_errors import (
    add_lines,
    assert_nothing_written,
    errors_of,
    replace_line,
)

pytestmark = pytest.mark.django_db


def six_mistakes(wb):
    """The base workbook with six independent mistakes in five sheets."""
    texts = wb.base()
    replace_line(
        texts, "decisions", "包编发〔2021〕1号", "包编发〔2021〕1号,后续调整,,2021-02-30,draft"
    )
    replace_line(
        texts,
        "units",
        "hz2,",
        "hz2,institution,包头市住房合作社二社,,,150200,zjj,公益三类,section,self,,true,false,false,,0,2019-01-01,",
    )
    replace_line(
        texts,
        "units",
        "fc,",
        "fc,institution,包头市房产服务中心,,12150200MB0000000X,150200,zjj,public_welfare_1,division,full,,false,false,false,,3,2019-01-01,",
    )
    replace_line(
        texts,
        "events",
        "ev-merge",
        "ev-merge,包编发〔2020〕12号,merge,2021-03-31,hz1;ghost,hz,,,,,,,,,,,,,,",
    )
    replace_line(texts, "headcounts", "fc,", "fc,institution,2020-06-30,十八")
    replace_line(
        texts,
        "quota_transfers",
        "2020-01-01,包编发〔2020〕12号,,institution,10,",
        "2020-01-01,包编发〔2020〕12号,,staff,10,external,hz1,grant",
    )
    return texts


SIX = [
    ("units", 4, "category", "hz2"),
    ("units", 5, "credit_code", "fc"),
    ("decisions", 3, "issued_on", "包编发〔2021〕1号"),
    ("events", 3, "sources", "ev-merge"),
    ("quota_transfers", 2, "kind", None),
    ("headcounts", 2, "actual", "fc"),
]


def test_six_mistakes_in_five_sheets_are_reported_in_one_import(wb, run_import):
    report = run_import(six_mistakes(wb))
    assert errors_of(report) == SIX
    messages = {(e["sheet"], e["column"]): e["message"] for e in report.errors}
    assert messages[("units", "category")].startswith(
        "“公益三类”不是有效的事业单位类别（category）：可填 administrative/承担行政职能、"
    )
    assert "校验位" in messages[("units", "credit_code")]
    assert "2021-02-30" in messages[("decisions", "issued_on")]
    assert "ghost" in messages[("events", "sources")]
    assert "staff" in messages[("quota_transfers", "kind")]
    assert "事业编制" in messages[("quota_transfers", "kind")]
    assert "十八" in messages[("headcounts", "actual")]
    assert not report.applied
    assert_nothing_written()


def test_the_rows_not_checked_yet_are_named_per_sheet(wb, run_import):
    report = run_import(six_mistakes(wb))
    notices = {n["sheet"]: n["message"] for n in report.notices}
    assert list(notices) == [
        "jurisdictions",
        "caps",
        "units",
        "decisions",
        "events",
        "quota_transfers",
        "headcounts",
    ]
    assert notices["jurisdictions"].endswith("第 2–4 行。")
    assert notices["units"].endswith("第 2–3、6–7 行。")
    assert notices["events"].endswith("第 2、4 行。")
    assert notices["quota_transfers"].endswith("第 3–8 行。")
    assert notices["headcounts"].endswith("第 3 行。")
    assert "须待上述错误改正" in notices["caps"]
    assert len(report.errors) == 6  # notices are not errors


def test_rows_depending_on_bad_rows_are_still_checked(wb, run_import):
    """A bad decision, event or unit does not hide the mistakes of the rows that refer to it:
    the event under a decision with a bad date, the unit created by an event under an unknown
    decision, the transfer under the bad decision."""
    texts = wb.base()
    replace_line(
        texts, "decisions", "包编发〔2021〕1号", "包编发〔2021〕1号,后续调整,,2021-02-30,draft"
    )
    add_lines(
        texts,
        "events",
        "ev-later,包编发〔2021〕1号,change,2021-06-01,fc,,,,,,,,,全额,,,,,,",
        "ev-new2,包编发〔2099〕1号,establish,2021-06-01,,nu,,,,,,,,,,,,,,",
    )
    add_lines(
        texts,
        "units",
        "nu,institution,新单位,,12150200MB0000000X,150200,zjj,,,,,false,false,false,,0,,ev-new2",
    )
    add_lines(
        texts, "quota_transfers", "2021-06-01,包编发〔2021〕1号,,institution,2,external,fc,gift"
    )
    report = run_import(texts)
    assert errors_of(report) == [
        ("units", 8, "credit_code", "nu"),
        ("decisions", 3, "issued_on", "包编发〔2021〕1号"),
        ("events", 5, "funding", "ev-later"),
        ("events", 6, "decision", "ev-new2"),
        ("quota_transfers", 9, "reason", None),
    ]
    assert "经费形式" in report.errors[2]["message"] and "全额拨款" in report.errors[2]["message"]
    assert_nothing_written()


def test_every_mistake_of_one_row_is_reported(wb, run_import):
    texts = add_lines(
        wb.base(),
        "units",
        "bad,机构,坏单位,,BADCODE,159999,nobody,公益三类,正处,全额,,perhaps,false,false,,-1,2019-13-01,ev-new",
    )
    report = run_import(texts)
    assert {e["column"] for e in report.errors if e["key"] == "bad"} == {
        "kind",
        "credit_code",
        "jurisdiction",
        "parent",
        "category",
        "rank",
        "funding",
        "business_functions",
        "internal_bodies",
        "established_on",
        "established_by",
    }


def test_what_needs_earlier_sheets_applied_comes_after(wb, run_import):
    late = "ev-late,包编发〔2020〕12号,change,2021-06-01,hz1,,新名称,,,,,,,,,,,,,"
    texts = add_lines(wb.base(), "events", late)
    replace_line(
        texts,
        "units",
        "hz2,",
        "hz2,institution,包头市住房合作社二社,,,150200,zjj,commercial,section,self,,true,false,false,,0,2019-01-01,",
    )
    report = run_import(texts)
    assert errors_of(report) == [("units", 4, "category", "hz2")]
    assert any(n["sheet"] == "events" and "第 2–5 行" in n["message"] for n in report.notices)

    fixed = add_lines(wb.base(), "events", late)
    report = run_import(fixed)
    assert errors_of(report) == [("events", 5, None, "ev-late")]
    assert "终止" in report.errors[0]["message"]
    # The ledger and the headcounts need the registry the events describe: not checked yet.
    notices = {n["sheet"]: n["message"] for n in report.notices}
    assert set(notices) == {"quota_transfers", "headcounts"}
    assert notices["quota_transfers"].endswith("第 2–8 行。")
    assert_nothing_written()


def test_a_clean_workbook_has_no_notices(wb, run_import):
    report = run_import(wb.base())
    assert report.errors == [] and report.notices == []


def test_the_command_lists_errors_and_notices(wb, tmp_path, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, text in six_mistakes(wb).items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="6 个错误"):
        call_command("import_registry", str(folder), "--dry-run")
    err = capsys.readouterr().err
    assert "公益三类" in err and "staff" in err and "十八" in err
    assert "jurisdictions: 以下各行须待上述错误改正" in err


def test_the_admin_report_shows_errors_and_notices(client, wb):
    user = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-12345678")
    client.force_login(user)
    data = read_csv_texts(six_mistakes(wb))
    rows = {name: [r.cells for r in sheet.rows] for name, sheet in data.sheets.items()}
    response = client.post(
        reverse("admin:reform_registry_importbatch_add"),
        {"file": SimpleUploadedFile("six.xlsx", xlsx_bytes(rows))},
    )
    batch = ImportBatch.objects.get()
    assert batch.status == "refused" and batch.error_count == 6
    html = client.get(response["Location"]).content.decode()
    assert 'id="workbook-errors"' in html and 'id="workbook-notices"' in html
    assert "公益三类" in html and "须待上述错误改正" in html
