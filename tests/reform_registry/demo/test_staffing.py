"""The staffing part of the demo: grants, the split's allocation, headcounts and an applied
campaign free over 2,000 quotas into the pool of 150200 in (2020-01-01, 2021-03-31]."""

import datetime as dt

import pytest

from reform_registry import demo
from reform_registry.demo.staffing import CAMPAIGN_NUMBER, load_staffing_demo
from staffing.models import HeadcountReport, RecoveryCampaign, Transfer
from staffing.selectors import ledger_problems, ledger_total, pool_inflow, unit_quota_panel
from units.models import Jurisdiction, Unit


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        atomic = transaction.atomic()
        atomic.__enter__()
        demo.build_demo()
        summary = load_staffing_demo()
        yield summary
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def test_pool_inflow_over_two_thousand(loaded, db):
    city = Jurisdiction.objects.get(code="150200")
    inflow = pool_inflow(city, demo.DEMO_BEFORE, demo.DEMO_AFTER)
    assert inflow.total > 2000
    assert inflow.by_kind["institution"] > 2000
    assert set(inflow.by_reason) == {"reform", "recovery", "pre_collection"}
    campaign = RecoveryCampaign.objects.get(decision__number=CAMPAIGN_NUMBER)
    assert campaign.status == "applied"
    assert campaign.on == dt.date(2021, 3, 1)
    assert inflow.by_reason["recovery"] + inflow.by_reason["pre_collection"] == campaign.total
    assert campaign.skips.exists()
    assert {line.rule for line in campaign.lines.all()} == {
        "share_of_vacancy",
        "remaining_vacancy",
        "pre_collection",
    }


def test_ledger_of_the_demo_is_sound(loaded, db):
    assert ledger_total() == 0
    assert ledger_problems(None) == []
    assert Transfer.objects.filter(derived=True).exists()
    split_allocation = Transfer.objects.filter(event__type="split", derived=False)
    assert split_allocation.count() >= 2
    assert HeadcountReport.objects.filter(as_of=dt.date(2021, 2, 1)).count() > 300


def test_leadership_posts_show_with_the_unit(loaded, db):
    unit = Unit.objects.get(key="bt-zjj")
    panel = unit_quota_panel(unit, dt.date(2021, 3, 31))
    assert [v.kind for v in panel.leadership] == ["leader_chief", "leader_deputy", "leader_section"]
    assert panel.leadership[0].balance == 1
    assert {v.kind for v in panel.staff} == {"institution", "administrative", "logistics"}
    assert any(v.balance > 0 for v in panel.staff)


def test_loading_twice_changes_nothing(loaded, db):
    count = Transfer.objects.count()
    assert load_staffing_demo() is None
    assert Transfer.objects.count() == count


def test_every_posted_transfer_and_headcount_is_in_the_audit_trail(loaded, db):
    from units.models import AuditEntry

    posted = set(
        Transfer.objects.filter(derived=False, campaign__isnull=True).values_list("id", flat=True)
    )
    audited = {
        int(i)
        for i in AuditEntry.objects.filter(
            object_type="staffing.transfer", action="create"
        ).values_list("object_id", flat=True)
        if i.isdigit()
    }
    assert posted and posted <= audited
    reports = set(HeadcountReport.objects.values_list("id", flat=True))
    audited_reports = {
        int(i)
        for i in AuditEntry.objects.filter(object_type="staffing.headcountreport").values_list(
            "object_id", flat=True
        )
    }
    assert reports == audited_reports
