"""The explicit transfers of a workbook's events count at the approval the same workbook makes:
a split with its allocation, establishments funded from the pool and from external, and a
merge with an explicit allocation, whether their sources got their quotas in an earlier import
or in the same workbook. A transfer that neither allocates nor funds is refused with the rule it
breaks, and nothing is written."""

import datetime as dt

import pytest

from reform_registry.workbook.exporter import export_registry
from staffing.models import Transfer
from staffing.selectors import ledger_total, pool_balances, unit_balances
from units.models import Decision, Jurisdiction, Unit

pytestmark = pytest.mark.django_db

D = dt.date
REFORM = "包编发〔2021〕5号"
SPLIT_ON, NEW_ON, MERGE_ON = D(2021, 6, 1), D(2021, 7, 1), D(2021, 8, 1)
DAY = dt.timedelta(days=1)


def unit_line(key: str, name: str, *, on: str = "", by: str = "") -> str:
    return (
        f"{key},institution,{name},,,150200,zjj,public_welfare_1,division,full,,"
        f"false,false,false,,1,{on},{by}"
    )


def event_line(key: str, type_: str, on: dt.date, sources: str, targets: str) -> str:
    return ",".join([key, REFORM, type_, on.isoformat(), sources, targets, *[""] * 14])


def transfer_line(on: dt.date, event: str, kind: str, amount: int, from_: str, to: str, reason):
    return ",".join([on.isoformat(), REFORM, event, kind, str(amount), from_, to, reason])


def add(texts: dict[str, str], sheet: str, *lines: str) -> dict[str, str]:
    texts[sheet] += "\n".join(lines) + "\n"
    return texts


def earlier(wb) -> dict[str, str]:
    """The base workbook and two more institutions with their grants (the first import)."""
    texts = wb.base()
    add(
        texts,
        "units",
        unit_line("ma", "合并前甲中心", on="2019-01-01"),
        unit_line("mb", "合并前乙中心", on="2019-01-01"),
    )
    add(
        texts,
        "quota_transfers",
        "2020-01-01,包编发〔2020〕12号,,institution,5,external,ma,grant",
        "2020-01-01,包编发〔2020〕12号,,institution,4,external,mb,grant",
    )
    return texts


# The reform decision's rows: after the rows of ``earlier`` (numbered from there).
REFORM_TRANSFERS = [
    transfer_line(SPLIT_ON, "ev-split", "institution", 12, "fc", "fca", "reform"),
    transfer_line(SPLIT_ON, "ev-split", "institution", 8, "fc", "fcb", "reform"),
    transfer_line(SPLIT_ON, "ev-split", "leader_section", 2, "fc", "fca", "reform"),
    transfer_line(NEW_ON, "ev-xc", "institution", 4, "pool:150200", "xc", "establish"),
    transfer_line(NEW_ON, "ev-wb", "institution", 3, "external", "wb", "establish"),
    transfer_line(NEW_ON, "ev-wb", "leader_chief", 1, "external", "wb", "grant"),
    transfer_line(MERGE_ON, "ev-merge2", "institution", 5, "ma", "mc", "reform"),
    transfer_line(MERGE_ON, "ev-merge2", "institution", 3, "mb", "mc", "reform"),
    transfer_line(MERGE_ON, "ev-merge2", "institution", 1, "mb", "pool:150200", "reform"),
]
FIRST_REFORM_ROW = 2 + 9  # header, the base's seven transfers and the two grants of ``earlier``


def with_reform(wb, extra_transfers=()) -> dict[str, str]:
    """``earlier`` and an approved reform decision: a split, two establishments, a merge."""
    texts = earlier(wb)
    add(texts, "decisions", f"{REFORM},改革方案,包头市委编委,2021-05-01,approved")
    add(
        texts,
        "units",
        unit_line("fca", "房产服务甲中心", by="ev-split"),
        unit_line("fcb", "房产服务乙中心", by="ev-split"),
        unit_line("xc", "信息创新中心", by="ev-xc"),
        unit_line("wb", "外资服务中心", by="ev-wb"),
        unit_line("mc", "合并后中心", by="ev-merge2"),
    )
    add(
        texts,
        "events",
        event_line("ev-split", "split", SPLIT_ON, "fc", "fca;fcb"),
        event_line("ev-xc", "establish", NEW_ON, "", "xc"),
        event_line("ev-wb", "establish", NEW_ON, "", "wb"),
        event_line("ev-merge2", "merge", MERGE_ON, "ma;mb", "mc"),
    )
    return add(texts, "quota_transfers", *REFORM_TRANSFERS, *extra_transfers)


def held(key: str, on: dt.date, kind: str = "institution") -> int:
    return unit_balances(Unit.objects.get(key=key), on).get(kind, 0)


def pool(on: dt.date) -> int:
    return pool_balances(Jurisdiction.objects.get(code="150200"), on).get("institution", 0)


def assert_reform_counted() -> None:
    assert held("fc", SPLIT_ON - DAY) == 20 and held("fc", SPLIT_ON - DAY, "leader_section") == 2
    assert held("fc", SPLIT_ON) == 0 and held("fc", SPLIT_ON, "leader_section") == 0
    assert held("fca", SPLIT_ON) == 12 and held("fca", SPLIT_ON, "leader_section") == 2
    assert held("fcb", SPLIT_ON) == 8
    # The pool got hz2's six at the first merge; the new centre takes four of them.
    assert pool(NEW_ON - DAY) == 6
    assert held("xc", NEW_ON - DAY) == 0 and held("xc", NEW_ON) == 4
    assert held("wb", NEW_ON) == 3 and held("wb", NEW_ON, "leader_chief") == 1
    assert pool(NEW_ON) == 2
    assert held("ma", MERGE_ON - DAY) == 5 and held("mb", MERGE_ON - DAY) == 4
    assert held("ma", MERGE_ON) == 0 and held("mb", MERGE_ON) == 0
    assert held("mc", MERGE_ON) == 8 and pool(MERGE_ON) == 3
    assert ledger_total(MERGE_ON) == 0
    # Explicit allocations replace the defaults; nothing is planned any more.
    assert not Transfer.objects.filter(derived=True, event__key__in=["ev-split", "ev-merge2"])
    assert not Transfer.objects.filter(planned=True).exists()


def test_the_reform_counts_at_its_approval_over_stored_quotas(wb, run_import):
    """The sources hold quotas of an earlier import when the reform is imported."""
    assert run_import(earlier(wb)).errors == []
    report = run_import(with_reform(wb))
    assert report.errors == []
    assert report.counts["quota_transfers"] == {"created": 9, "skipped": 9}
    assert Decision.objects.get(number=REFORM).status == "approved"
    assert_reform_counted()


def test_the_reform_counts_in_one_import_with_the_grants(wb, run_import, wipe, files_of, tmp_path):
    report = run_import(with_reform(wb))
    assert report.errors == []
    assert report.counts["quota_transfers"] == {"created": 18, "skipped": 0}
    assert_reform_counted()
    # Export, import into an empty database, export: the same files.
    export_registry(tmp_path / "first")
    wipe()
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (tmp_path / "first").iterdir()}
    assert run_import(texts).errors == []
    assert_reform_counted()
    export_registry(tmp_path / "second")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")


def stored_transfers() -> list[tuple]:
    columns = ("date", "kind", "amount", "from_account", "to_account", "derived", "planned")
    return sorted(Transfer.objects.values_list(*columns))


def test_importing_the_reform_twice_changes_nothing(wb, run_import):
    assert run_import(with_reform(wb)).errors == []
    transfers = stored_transfers()
    report = run_import(with_reform(wb))
    assert report.errors == []
    assert all(c["created"] == 0 for c in report.counts.values())
    assert report.counts["quota_transfers"] == {"created": 0, "skipped": 18}
    assert stored_transfers() == transfers
    assert_reform_counted()


# The rule broken (the column at fault), the row's date, event, accounts and reason, and what
# the message says.
BROKEN = {
    "date": (SPLIT_ON + DAY, "ev-split", "fc", "fcb", "reform", "生效日期 2021-06-01"),
    "from": (NEW_ON, "ev-xc", "hz", "xc", "establish", "external（为目标机构核拨编制）转出，hz"),
    "to": (SPLIT_ON, "ev-split", "fc", "hz", "reform", "目标机构或编制周转池，hz 两者都不是"),
    "to of a funding": (NEW_ON, "ev-wb", "external", "pool:150200", "grant", "pool:150200 不是"),
    "reason": (NEW_ON, "ev-xc", "pool:150200", "xc", "reform", "而不是 reform"),
}


@pytest.mark.parametrize("earlier_import", [False, True], ids=["one import", "over stored"])
@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_a_transfer_that_neither_allocates_nor_funds_is_refused(
    wb, run_import, rule, earlier_import
):
    if earlier_import:
        assert run_import(earlier(wb)).errors == []
    stored = Transfer.objects.count(), Unit.objects.count()
    on, event, from_, to, reason, message = BROKEN[rule]
    line = transfer_line(on, event, "institution", 1, from_, to, reason)
    report = run_import(with_reform(wb, [line]))
    column = rule.split()[0]
    row = FIRST_REFORM_ROW + len(REFORM_TRANSFERS)
    assert [(e["sheet"], e["row"], e["column"]) for e in report.errors] == [
        ("quota_transfers", row, column)
    ]
    assert message in report.errors[0]["message"]
    assert not report.applied
    assert (Transfer.objects.count(), Unit.objects.count()) == stored
    assert not Decision.objects.filter(number=REFORM).exists()


def test_a_funding_that_overdraws_the_pool_is_reported_on_its_row(wb, run_import):
    texts = with_reform(wb)
    texts["quota_transfers"] = texts["quota_transfers"].replace(
        "ev-xc,institution,4,pool:150200", "ev-xc,institution,9,pool:150200"
    )
    report = run_import(texts)
    row = FIRST_REFORM_ROW + 3
    # The pool is short from that day on (again after the merge returns one).
    assert {(e["sheet"], e["row"], e["column"]) for e in report.errors} == {
        ("quota_transfers", row, "amount")
    }
    message = report.errors[0]["message"]
    assert "pool:150200" in message and "2021-07-01" in message and "-3" in message
    assert not Unit.objects.exists()
