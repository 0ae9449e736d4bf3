"""reform_summary on the hand-computed example of tests/fixtures/reform_api.py."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reform_registry.reports import reform_summary
from units.models import AuditEntry, Decision, UnitVersion

BEFORE = dt.date(2020, 1, 1)
AFTER = dt.date(2021, 3, 31)


def test_city_level_figures(reform):
    s = reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER)
    assert (s.institutions_before, s.institutions_after) == (10, 6)
    assert s.reduction_rate == Decimal("0.4000")
    assert s.departments_baseline == 3
    assert s.avg_per_department_before == Decimal("3.33")
    assert s.avg_per_department_after == Decimal("2.00")
    assert s.involved_departments == 2
    assert s.involved_at_most_3 == 1
    assert s.share_at_most_3 == Decimal("0.5000")
    assert s.institution_cap == 8
    assert s.headroom_share == Decimal("0.2500")
    rows = {d.key: (d.name, d.before, d.after, d.involved) for d in s.departments}
    assert rows == {
        "D1": ("市住建局", 7, 4, True),
        "D2": ("市农牧局", 2, 1, True),
        "D3": ("市文旅局", 1, 1, False),
    }


def test_pending_wind_down_counted_on_request(reform):
    s = reform_summary(
        jurisdiction=reform["city"], before=BEFORE, after=AFTER, exclude_pending=False
    )
    assert (s.institutions_before, s.institutions_after) == (11, 7)


def test_subdivisions(reform):
    s = reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER, subdivisions=True)
    assert (s.institutions_before, s.institutions_after) == (11, 7)
    assert {d.key: (d.before, d.after) for d in s.departments}["D1"] == (8, 5)


def test_include_drafts_writes_nothing(reform):
    versions = UnitVersion.objects.count()
    audits = AuditEntry.objects.count()
    s = reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER, include_drafts=True)
    assert s.institutions_after == 5
    assert s.involved_at_most_3 == 2
    assert s.share_at_most_3 == Decimal("1.0000")
    assert s.drafts_included == ["包编发〔2021〕3号"]
    assert UnitVersion.objects.count() == versions
    assert AuditEntry.objects.count() == audits
    assert Decision.objects.get(pk=reform["draft"].pk).status == "draft"
    plain = reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER)
    assert plain.institutions_after == 6


def test_include_drafts_only_reads(reform):
    """The preview of drafts derives in memory: it writes no row and locks none."""
    with CaptureQueriesContext(connection) as queries:
        s = reform_summary(
            jurisdiction=reform["city"], before=BEFORE, after=AFTER, include_drafts=True
        )
    assert s.institutions_after == 5
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT"))
        or "FOR UPDATE" in q["sql"].upper()
    ]
    assert writes == []


def test_include_drafts_counts_the_quotas_their_approval_would_move(reform):
    """A draft abolishing a unit that holds quotas sends them to the pool once approved."""
    from staffing import services as staffing_services
    from staffing.services import external_account, unit_account
    from units.models import Unit

    staffing_services.transfer_post(
        date=dt.date(2000, 1, 1),
        kind="institution",
        amount=4,
        from_account=external_account(),
        to_account=unit_account(Unit.objects.get(key="I5").pk),
        decision=reform["decision"],
        reason="grant",
    )
    args = {"jurisdiction": reform["city"], "before": BEFORE, "after": AFTER}
    plain = reform_summary(**args).quotas_recovered
    preview = reform_summary(**args, include_drafts=True).quotas_recovered
    assert preview.total == plain.total + 4
    assert preview.by_kind["institution"] == plain.by_kind.get("institution", 0) + 4
    assert reform_summary(**args).quotas_recovered == plain


def test_no_cap_and_empty_jurisdiction(reform):
    from units.models import Jurisdiction

    s = reform_summary(
        jurisdiction=Jurisdiction.objects.get(code="150300"), before=BEFORE, after=AFTER
    )
    assert s.institutions_before == 0
    assert s.reduction_rate is None
    assert s.institution_cap is None and s.headroom_share is None
    assert s.departments == []


def test_both_query_shapes_give_the_same_figures(reform, monkeypatch):
    from reform_registry.reports import reform as summary_module

    local = reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER)
    monkeypatch.setattr(summary_module, "LOCAL_JURISDICTIONS", 0)
    wide = reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER)
    assert local == wide


def test_include_drafts_refuses_what_their_approval_would_refuse(reform):
    """The preview of drafts walks the ledger as the approval does: a draft whose explicit
    allocation takes more quotas out of its source than it holds cannot be previewed, with the
    approval's own reason, and nothing is written."""
    import pytest

    from core.errors import RegistryError
    from staffing import services as staffing_services
    from staffing.services import external_account, pool_account, unit_account
    from units import services
    from units.models import Event, Unit

    source = unit_account(Unit.objects.get(key="I5").pk)
    staffing_services.transfer_post(
        date=dt.date(2000, 1, 1),
        kind="institution",
        amount=4,
        from_account=external_account(),
        to_account=source,
        decision=reform["decision"],
        reason="grant",
    )
    event = Event.objects.get(decision=reform["draft"])
    staffing_services.transfer_post(
        date=event.effective_on,
        kind="institution",
        amount=6,
        from_account=source,
        to_account=pool_account(reform["city"].pk),
        decision=reform["draft"],
        event=event,
        reason="reform",
    )
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(RegistryError) as previewed:
        reform_summary(jurisdiction=reform["city"], before=BEFORE, after=AFTER, include_drafts=True)
    assert "包编发〔2021〕3号" in str(previewed.value)
    assert "-2" in str(previewed.value)
    with pytest.raises(RegistryError) as approved:
        services.decision_approve(decision=reform["draft"])
    assert "-2" in str(approved.value)
    assert AuditEntry.objects.count() == audit_rows
    assert Decision.objects.get(pk=reform["draft"].pk).status == "draft"
