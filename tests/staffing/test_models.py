"""Each database constraint of the staffing models refuses bad data."""

import datetime as dt
import importlib

import pytest
from django.utils import timezone

from core.errors import RegistryError
from staffing.models import (
    Account,
    CampaignLine,
    CampaignSkip,
    HeadcountReport,
    QuotaKind,
    RecoveryCampaign,
    Transfer,
)
from staffing.selectors import latest_headcounts, unit_vacancies
from staffing.services import external_account, headcount_report
from tests.fixtures.constraints import assert_refused, named_constraints
from units.models import Unit

D = dt.date


def test_quota_kinds_come_from_the_migration(db):
    # Transactional tests elsewhere in the suite flush tables; run the migration's step again
    # (it is idempotent) so that the test reads what the migration writes.
    from django.apps import apps

    migration = importlib.import_module("staffing.migrations.0002_quota_kinds")
    migration.create_kinds(apps, None)
    migration.create_kinds(apps, None)
    kinds = dict(QuotaKind.objects.values_list("code", "name"))
    assert kinds == {
        "institution": "事业编制",
        "administrative": "行政编制",
        "logistics": "工勤编制",
        "leader_chief": "正职领导职数",
        "leader_deputy": "副职领导职数",
        "leader_section": "科级领导职数",
    }
    assert list(QuotaKind.objects.filter(leadership=True).values_list("code", flat=True)) == [
        "leader_chief",
        "leader_deputy",
        "leader_section",
    ]


def unit(ledger, key="a"):
    """The unit of the cases, registered once."""
    return Unit.objects.filter(key=key).first() or ledger.unit(key)


def twice(model, **values):
    return [model.objects.create(**values) for _ in range(2)]


def transfer_values(ledger, **change):
    """A valid grant to a new unit, with the given change."""
    return {
        "date": D(2015, 1, 1),
        "kind": "institution",
        "amount": 1,
        "from_account": external_account(),
        "to_account": ledger.account(unit(ledger)),
        "decision": ledger.decision(),
        "reason": "grant",
        **change,
    }


def transfer(ledger, **change):
    return Transfer.objects.create(**transfer_values(ledger, **change))


def reversals(ledger, *, reason="reversal", times=1):
    """A grant and ``times`` reversals of it."""
    values = transfer_values(ledger)
    original = Transfer.objects.create(**values)
    for _ in range(times):
        Transfer.objects.create(**{**values, "reason": reason, "reverses": original})


def headcount(ledger, **change):
    values = {"unit": unit(ledger), "kind": "institution", "as_of": D(2020, 1, 1), "actual": 1}
    return HeadcountReport.objects.create(**{**values, **change})


def campaign(ledger, **change):
    values = {"jurisdiction": ledger.city, "on": D(2021, 1, 1), "decision": ledger.decision()}
    return RecoveryCampaign.objects.create(**{**values, **change})


def line(ledger, *, times=1, **change):
    values = {
        "campaign": campaign(ledger),
        "unit": unit(ledger),
        "balance": 1,
        "actual": 0,
        "vacancy": 1,
        "rule": "share_of_vacancy",
        "amount": 1,
    }
    return [CampaignLine.objects.create(**{**values, **change}) for _ in range(times)]


def pool_with_unit(ledger):
    return Account.objects.create(type="pool", unit=unit(ledger, "b"))


def unit_with_jurisdiction(ledger):
    return Account.objects.create(type="unit", unit=unit(ledger, "b"), jurisdiction=ledger.city)


# A write that breaks each constraint, keyed by the constraint's name (and a variant after a
# space); tests/test_constraint_coverage.py requires one for every constraint of the models.
CASES = {
    "staffing_quotakind_code_valid": lambda ledger: QuotaKind.objects.create(
        code="other", name="x"
    ),
    "staffing_account_owner_matches_type": lambda ledger: Account.objects.create(type="unit"),
    "staffing_account_owner_matches_type (pool with a unit)": pool_with_unit,
    "staffing_account_owner_matches_type (external with a jurisdiction)": (
        lambda ledger: Account.objects.create(type="external", jurisdiction=ledger.city)
    ),
    "staffing_account_owner_matches_type (unit with a jurisdiction)": unit_with_jurisdiction,
    "staffing_account_one_per_unit": lambda ledger: twice(Account, type="unit", unit=unit(ledger)),
    "staffing_account_one_pool_per_jurisdiction": (
        lambda ledger: twice(Account, type="pool", jurisdiction=ledger.city)
    ),
    "staffing_account_one_external": lambda ledger: twice(Account, type="external"),
    "staffing_transfer_amount_positive": lambda ledger: transfer(ledger, amount=0),
    "staffing_transfer_distinct_accounts": (
        lambda ledger: transfer(ledger, to_account=external_account())
    ),
    "staffing_transfer_reason_valid": lambda ledger: transfer(ledger, reason="gift"),
    "staffing_transfer_kind_valid": lambda ledger: transfer(ledger, kind="other"),
    "staffing_transfer_derived_from_event": lambda ledger: transfer(ledger, derived=True),
    "staffing_transfer_planned_only_for_events": lambda ledger: transfer(ledger, planned=True),
    "staffing_transfer_reversal_reason": lambda ledger: reversals(ledger, reason="grant"),
    "staffing_transfer_reversed_once": lambda ledger: reversals(ledger, times=2),
    "staffing_headcountreport_actual_not_negative": lambda ledger: headcount(ledger, actual=-1),
    "staffing_headcountreport_kind_valid": lambda ledger: headcount(ledger, kind="x"),
    "staffing_headcountreport_one_per_date": (
        lambda ledger: twice(
            HeadcountReport,
            unit=unit(ledger),
            kind="institution",
            as_of=D(2020, 1, 1),
            actual=1,
        )
    ),
    "staffing_recoverycampaign_share_in_range": lambda ledger: campaign(ledger, share=0),
    "staffing_recoverycampaign_share_in_range (above one)": lambda ledger: campaign(
        ledger, share=2
    ),
    "staffing_recoverycampaign_status_valid": lambda ledger: campaign(
        ledger, status="done", applied_at=timezone.now()
    ),
    "staffing_recoverycampaign_rounding_valid": lambda ledger: campaign(ledger, rounding="up"),
    "staffing_recoverycampaign_kind_valid": lambda ledger: campaign(ledger, kind="x"),
    "staffing_recoverycampaign_applied_has_time": lambda ledger: campaign(ledger, status="applied"),
    "staffing_campaignline_amount_positive": lambda ledger: line(ledger, amount=0),
    "staffing_campaignline_rule_valid": lambda ledger: line(ledger, rule="rule9"),
    "staffing_campaignline_once_per_rule": lambda ledger: line(ledger, times=2),
    "staffing_campaignskip_once": (
        lambda ledger: twice(CampaignSkip, campaign=campaign(ledger), unit=unit(ledger))
    ),
}


def constraint_of(case: str) -> str:
    return case.split(" ")[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_constraint_refuses_bad_data(ledger, case):
    assert_refused(named_constraints("staffing")[constraint_of(case)], lambda: CASES[case](ledger))


def test_the_good_rows_of_the_cases_are_accepted(ledger):
    """The rows the cases start from are valid, so each case fails for the reason it names."""
    Account.objects.create(type="unit", unit=unit(ledger, "b"))
    Account.objects.create(type="pool", jurisdiction=ledger.city)
    Account.objects.create(type="external")
    reversals(ledger)  # one reversal of a grant
    headcount(ledger, as_of=D(2021, 1, 1), actual=0)
    line(ledger, amount=1)
    campaign(ledger, share=1, status="applied", applied_at=timezone.now())
    assert Transfer.objects.count() == 2


def test_headcount_report_service(ledger):
    unit = ledger.unit("a", since=D(2010, 1, 1))
    ledger.grant(unit, 10)
    first = headcount_report(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=7)
    assert headcount_report(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=7) == first
    with pytest.raises(RegistryError, match="不一致"):
        headcount_report(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=8)
    with pytest.raises(RegistryError, match="不能为负数"):
        headcount_report(unit=unit, kind="institution", as_of=D(2020, 2, 1), actual=-1)
    with pytest.raises(RegistryError, match="不存在"):
        headcount_report(unit=unit, kind="institution", as_of=D(2009, 2, 1), actual=1)
    with pytest.raises(RegistryError, match="编制类型"):
        headcount_report(unit=unit, kind="nope", as_of=D(2020, 2, 1), actual=1)
    with pytest.raises(RegistryError, match="上限"):
        headcount_report(unit=unit, kind="institution", as_of=D(2020, 2, 1), actual=10**12)
    headcount_report(unit=unit, kind="institution", as_of=D(2021, 1, 1), actual=12)
    assert latest_headcounts([unit.pk], on=D(2020, 6, 1)) == {
        (unit.pk, "institution"): (D(2020, 1, 1), 7)
    }
    rows = {v.kind: v for v in unit_vacancies(unit, D(2020, 6, 1))}
    assert rows["institution"].vacancy == 3 and not rows["institution"].over_staffed
    rows = {v.kind: v for v in unit_vacancies(unit, D(2021, 6, 1))}
    assert rows["institution"].vacancy == -2 and rows["institution"].over_staffed
    assert rows["logistics"].vacancy is None
