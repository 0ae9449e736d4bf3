"""Every class of bad row is refused with sheet, row, column, key and reason — all of them,
and nothing is written."""

import pytest

from units.models import Decision, Jurisdiction, Unit

pytestmark = pytest.mark.django_db


def errors_of(report):
    return [(e["sheet"], e["row"], e["column"], e["key"]) for e in report.errors]


def replace_line(texts, sheet, startswith, new_line):
    lines = texts[sheet].splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(startswith))
    lines[index] = new_line
    texts[sheet] = "\n".join(lines) + "\n"
    return texts


def add_lines(texts, sheet, *lines):
    texts[sheet] = texts[sheet] + "\n".join(lines) + "\n"
    return texts


def assert_nothing_written():
    assert not Jurisdiction.objects.exists()
    assert not Unit.objects.exists()
    assert not Decision.objects.exists()


def test_bad_credit_code(wb, run_import):
    texts = replace_line(
        wb.base(),
        "units",
        "fc,",
        "fc,institution,包头市房产服务中心,,12150200MB0000000X,150200,zjj,public_welfare_1,division,full,,false,false,false,,3,2019-01-01,",
    )
    report = run_import(texts)
    assert errors_of(report) == [("units", 5, "credit_code", "fc")]
    assert "校验位" in report.errors[0]["message"]
    assert_nothing_written()


def test_unknown_references(wb, run_import):
    texts = wb.base()
    add_lines(
        texts,
        "units",
        "x1,institution,某中心,,,159999,,,,,,false,false,false,,0,2019-01-01,",
        "x2,institution,某中心二,,,150200,nobody,,,,,false,false,false,,0,2019-01-01,",
    )
    add_lines(
        texts,
        "events",
        "ev-x,包编发〔2099〕1号,abolish,2021-03-31,fc,,,,,,,,,,,,,,,",
        "ev-y,包编发〔2020〕12号,abolish,2021-03-31,ghost,,,,,,,,,,,,,,,",
    )
    add_lines(texts, "caps", "159999,2021-01-01,10,")
    report = run_import(texts)
    assert sorted(errors_of(report), key=str) == sorted(
        [
            ("caps", 3, "jurisdiction", "159999"),
            ("units", 8, "jurisdiction", "x1"),
            ("units", 9, "parent", "x2"),
            ("events", 5, "decision", "ev-x"),
            ("events", 6, "sources", "ev-y"),
        ],
        key=str,
    )
    messages = " ".join(e["message"] for e in report.errors)
    assert "159999" in messages and "nobody" in messages and "ghost" in messages
    assert_nothing_written()


def test_bad_date_and_unknown_codes(wb, run_import):
    texts = wb.base()
    replace_line(
        texts, "decisions", "包编发〔2021〕1号", "包编发〔2021〕1号,后续调整,,2021-02-30,draft"
    )
    replace_line(
        texts,
        "units",
        "hz2,",
        "hz2,institution,包头市住房合作社二社,,,150200,zjj,commercial,section,self,,true,false,false,,0,2019-01-01,",
    )
    replace_line(texts, "jurisdictions", "150271", "150271,稀土高新区,150200,district")
    add_lines(texts, "events", "ev-z,包编发〔2020〕12号,dissolve,2021-03-31,hz1,,,,,,,,,,,,,,,")
    report = run_import(texts)
    found = {(e["sheet"], e["column"]) for e in report.errors}
    assert ("decisions", "issued_on") in found
    assert ("units", "category") in found
    assert ("jurisdictions", None) in found or ("jurisdictions", "level") in found
    assert any(e["sheet"] == "events" and e["key"] == "ev-z" for e in report.errors)
    assert any("2021-02-30" in e["message"] for e in report.errors)
    assert any("commercial" in e["message"] for e in report.errors)
    assert any("district" in e["message"] for e in report.errors)
    assert any("dissolve" in e["message"] for e in report.errors)
    assert_nothing_written()


def test_event_on_a_unit_that_has_ended(wb, run_import):
    texts = add_lines(
        wb.base(), "events", "ev-late,包编发〔2020〕12号,change,2021-06-01,hz1,,新名称,,,,,,,,,,,,,"
    )
    report = run_import(texts)
    assert errors_of(report) == [("events", 5, None, "ev-late")]
    assert "终止" in report.errors[0]["message"]
    assert_nothing_written()


def test_merge_with_one_source(wb, run_import):
    texts = replace_line(
        wb.base(),
        "events",
        "ev-merge",
        "ev-merge,包编发〔2020〕12号,merge,2021-03-31,hz1,hz,,,,,,,,,,,,,,",
    )
    report = run_import(texts)
    assert [e for e in report.errors if e["key"] == "ev-merge"]
    assert all(e["sheet"] == "events" for e in report.errors)
    assert "来源" in report.errors[0]["message"]
    assert_nothing_written()


def test_negative_cap(wb, run_import):
    texts = add_lines(wb.base(), "caps", "150271,2021-03-31,-5,")
    report = run_import(texts)
    assert errors_of(report) == [("caps", 3, "cap", "150271")]
    assert_nothing_written()


def test_row_contradicting_a_stored_one(wb, run_import):
    assert run_import(wb.base()).errors == []
    texts = replace_line(
        wb.base(),
        "units",
        "hz2,",
        "hz2,institution,包头市住房合作社第二社,,,150200,zjj,business,section,self,,true,false,false,,0,2019-01-01,",
    )
    replace_line(texts, "jurisdictions", "150271", "150271,高新区,150200,zone")
    replace_line(
        texts,
        "events",
        "ev-rename",
        "ev-rename,包编发〔2020〕12号,change,2021-02-02,fc,,包头市房产事务服务中心,,,,,,,,,,,,,",
    )
    units_before = Unit.objects.count()
    report = run_import(texts)
    assert sorted(errors_of(report), key=str) == sorted(
        [
            ("jurisdictions", 2, "name", "150271"),
            ("units", 4, "name", "hz2"),
            ("events", 2, "effective_on", "ev-rename"),
        ],
        key=str,
    )
    assert "已存储" in report.errors[0]["message"]
    assert Unit.objects.count() == units_before


def test_contradicting_rows_within_the_workbook(wb, run_import):
    texts = add_lines(wb.base(), "decisions", "包编发〔2021〕1号,另一个标题,,2021-01-10,draft")
    report = run_import(texts)
    assert errors_of(report) == [("decisions", 4, "number", "包编发〔2021〕1号")]


def test_identical_duplicate_rows_are_skipped(wb, run_import):
    texts = add_lines(wb.base(), "jurisdictions", "150000,内蒙古自治区,,province")
    report = run_import(texts)
    assert report.errors == []
    assert report.counts["jurisdictions"] == {"created": 3, "skipped": 1}


def test_missing_required_column(wb, run_import):
    texts = wb.base()
    texts["decisions"] = texts["decisions"].replace(
        "number,title,issuer,issued_on,status", "number,title,issuer,issued,status"
    )
    report = run_import(texts)
    found = {(e["sheet"], e["column"]) for e in report.errors}
    assert ("decisions", "issued_on") in found  # the missing column
    assert ("decisions", "issued") in found  # the unknown one
    assert_nothing_written()


def test_every_bad_row_is_listed(wb, run_import):
    texts = wb.base()
    for n in range(5):
        add_lines(
            texts,
            "units",
            f"bad{n},institution,坏{n},,BADCODE,150200,,,,,,false,false,false,,0,2019-01-01,",
        )
    report = run_import(texts)
    assert [e["key"] for e in report.errors] == [f"bad{n}" for n in range(5)]
    assert [e["row"] for e in report.errors] == [8, 9, 10, 11, 12]


def test_target_not_created_by_its_event(wb, run_import):
    texts = replace_line(
        wb.base(),
        "events",
        "ev-new",
        "ev-new,包编发〔2020〕12号,establish,2021-03-31,,,,,,,,,,,,,,,,",
    )
    report = run_import(texts)
    assert ("units", 7, "established_by", "zs") in errors_of(report)


def test_negative_amount(wb, run_import):
    texts = add_lines(
        wb.base(),
        "quota_transfers",
        "2020-02-01,包编发〔2020〕12号,,institution,-3,external,fc,grant",
    )
    report = run_import(texts)
    assert errors_of(report) == [("quota_transfers", 9, "amount", None)]
    assert "大于零" in report.errors[0]["message"]
    assert_nothing_written()


def test_overdraft_of_a_pool(wb, run_import):
    texts = add_lines(
        wb.base(),
        "quota_transfers",
        "2021-05-01,包编发〔2020〕12号,,institution,8,pool:150200,fc,reallocation",
    )
    report = run_import(texts)
    assert errors_of(report) == [("quota_transfers", 9, "amount", None)]
    message = report.errors[0]["message"]
    assert "pool:150200" in message and "2021-05-01" in message and "-2" in message
    assert_nothing_written()


def test_bad_account_and_unknown_codes_in_staffing_sheets(wb, run_import):
    texts = add_lines(
        wb.base(),
        "quota_transfers",
        "2020-02-01,包编发〔2020〕12号,,institution,3,nobody,fc,grant",
        "2020-02-01,包编发〔2020〕12号,,staff,3,external,fc,grant",
        "2020-02-01,包编发〔2020〕12号,,institution,3,external,fc,gift",
    )
    add_lines(texts, "headcounts", "fc,institution,2020-06-31,3", "ghost,institution,2020-06-30,3")
    report = run_import(texts)
    found = errors_of(report)
    assert ("quota_transfers", 9, "from", None) in found
    assert {("quota_transfers", 10, "kind", None), ("quota_transfers", 11, "reason", None)} <= set(
        found
    )
    assert ("headcounts", 4, "as_of", "fc") in found
    assert ("headcounts", 5, "unit", "ghost") in found
    assert any("staff" in e["message"] for e in report.errors)
    assert any("gift" in e["message"] for e in report.errors)


def test_a_number_that_differs_from_a_stored_one_only_in_brackets_is_refused(wb, run_import):
    from units.models import AuditEntry

    assert run_import(wb.base()).errors == []
    stored = Decision.objects.get(number="包编发〔2020〕12号")
    texts = {
        "decisions": wb.sheet(
            "number,title,issuer,issued_on,status",
            "包编发[2020]12号,市直事业单位改革方案,包头市委编委,2020-12-20,draft",
        )
    }
    decisions, audit = Decision.objects.count(), AuditEntry.objects.count()
    report = run_import(texts)
    assert errors_of(report) == [("decisions", 2, "number", "包编发[2020]12号")]
    message = report.errors[0]["message"]
    assert "包编发〔2020〕12号" in message and "《市直事业单位改革方案》" in message
    assert stored.get_absolute_url() in message
    assert (Decision.objects.count(), AuditEntry.objects.count()) == (decisions, audit)


def test_two_rows_whose_numbers_differ_only_in_brackets_are_refused(wb, run_import):
    texts = add_lines(wb.base(), "decisions", "包编发（2021） 1号,另一个决定,,2021-01-10,draft")
    report = run_import(texts)
    assert errors_of(report) == [("decisions", 4, "number", "包编发（2021） 1号")]
    assert "包编发〔2021〕1号" in report.errors[0]["message"]
    assert_nothing_written()


def test_an_enterprise_code_for_an_institution_is_refused(wb, run_import):
    texts = replace_line(
        wb.base(),
        "units",
        "fc,",
        "fc,institution,包头市房产服务中心,,91350100M000100Y43,150200,zjj,public_welfare_1,division,full,,false,false,false,,3,2019-01-01,",
    )
    report = run_import(texts)
    assert errors_of(report) == [("units", 5, "credit_code", "fc")]
    message = report.errors[0]["message"]
    assert "91350100M000100Y43" in message and "应以 12 开头" in message
    assert_nothing_written()


def test_a_change_to_a_code_of_another_kind_is_refused(wb, run_import):
    texts = replace_line(
        wb.base(),
        "events",
        "ev-rename",
        "ev-rename,包编发〔2020〕12号,change,2021-02-01,fc,,,,11150200MB0000001R,,,,,,,,,,,",
    )
    report = run_import(texts)
    assert [(e["sheet"], e["row"], e["column"]) for e in report.errors] == [
        ("events", 2, "credit_code")
    ]
    assert "事业单位的代码应以 12 开头" in report.errors[0]["message"]
    assert_nothing_written()


def test_a_headcount_dated_after_today_is_refused(wb, run_import):
    texts = add_lines(wb.base(), "headcounts", "fc,institution,2030-01-01,201")
    report = run_import(texts)
    assert errors_of(report) == [("headcounts", 4, None, "fc")]
    message = report.errors[0]["message"]
    assert "2030-01-01" in message and "晚于今天" in message
    assert_nothing_written()
