"""Each database constraint of the staffing models refuses bad data."""

import datetime as dt
import importlib

import pytest
from django.db import IntegrityError, transaction

from staffing.ledger import external_account
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
from staffing.services import headcount_report
from units.exceptions import RegistryError

D = dt.date


def refused(factory):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory()


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
    refused(lambda: QuotaKind.objects.create(code="other", name="x"))


def test_account_constraints(ledger):
    unit = ledger.unit("a")
    Account.objects.create(type="unit", unit=unit)
    Account.objects.create(type="pool", jurisdiction=ledger.city)
    Account.objects.create(type="external")
    refused(lambda: Account.objects.create(type="unit", unit=unit))  # one per unit
    refused(lambda: Account.objects.create(type="pool", jurisdiction=ledger.city))  # one pool
    refused(lambda: Account.objects.create(type="external"))  # one external
    other = ledger.unit("b")
    refused(lambda: Account.objects.create(type="unit"))  # unit account without unit
    refused(lambda: Account.objects.create(type="pool", unit=other))
    refused(lambda: Account.objects.create(type="external", jurisdiction=ledger.city))
    refused(lambda: Account.objects.create(type="unit", unit=other, jurisdiction=ledger.city))


@pytest.fixture
def transfer_kwargs(ledger):
    unit = ledger.unit("a")
    return {
        "date": D(2015, 1, 1),
        "kind": "institution",
        "amount": 1,
        "from_account": external_account(),
        "to_account": ledger.account(unit),
        "decision": ledger.decision(),
        "reason": "grant",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 0},
        {"reason": "gift"},
        {"kind": "other"},
        {"derived": True},  # derived without event
        {"planned": True},  # planned without event
    ],
)
def test_transfer_constraints(transfer_kwargs, change):
    refused(lambda: Transfer.objects.create(**{**transfer_kwargs, **change}))


def test_transfer_from_equals_to_and_single_reversal(transfer_kwargs):
    refused(
        lambda: Transfer.objects.create(
            **{**transfer_kwargs, "to_account": transfer_kwargs["from_account"]}
        )
    )
    original = Transfer.objects.create(**transfer_kwargs)
    refused(lambda: Transfer.objects.create(**{**transfer_kwargs, "reverses": original}))
    Transfer.objects.create(**{**transfer_kwargs, "reason": "reversal", "reverses": original})
    refused(
        lambda: Transfer.objects.create(
            **{**transfer_kwargs, "reason": "reversal", "reverses": original}
        )
    )


def test_headcount_constraints(ledger):
    unit = ledger.unit("a")
    HeadcountReport.objects.create(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=1)
    refused(
        lambda: HeadcountReport.objects.create(
            unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=2
        )
    )
    refused(
        lambda: HeadcountReport.objects.create(
            unit=unit, kind="institution", as_of=D(2020, 2, 1), actual=-1
        )
    )
    refused(
        lambda: HeadcountReport.objects.create(unit=unit, kind="x", as_of=D(2020, 2, 1), actual=1)
    )


def test_campaign_constraints(ledger):
    unit = ledger.unit("a")
    base = {"jurisdiction": ledger.city, "on": D(2021, 1, 1), "decision": ledger.decision()}
    refused(lambda: RecoveryCampaign.objects.create(**base, share=0))
    refused(lambda: RecoveryCampaign.objects.create(**base, share=2))
    refused(lambda: RecoveryCampaign.objects.create(**base, status="done"))
    refused(lambda: RecoveryCampaign.objects.create(**base, rounding="up"))
    refused(lambda: RecoveryCampaign.objects.create(**base, kind="x"))
    refused(lambda: RecoveryCampaign.objects.create(**base, status="applied"))
    campaign = RecoveryCampaign.objects.create(**base)
    line = {"campaign": campaign, "unit": unit, "balance": 1, "actual": 0, "vacancy": 1}
    refused(lambda: CampaignLine.objects.create(**line, rule="share_of_vacancy", amount=0))
    refused(lambda: CampaignLine.objects.create(**line, rule="rule9", amount=1))
    CampaignLine.objects.create(**line, rule="share_of_vacancy", amount=1)
    refused(lambda: CampaignLine.objects.create(**line, rule="share_of_vacancy", amount=1))
    CampaignSkip.objects.create(campaign=campaign, unit=unit)
    refused(lambda: CampaignSkip.objects.create(campaign=campaign, unit=unit))


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
