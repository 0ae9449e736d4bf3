"""Importing a small workbook: counts, what it creates, idempotence."""

import datetime as dt

import pytest

from units import selectors
from units.models import AuditEntry, Decision, Unit, UnitVersion

pytestmark = pytest.mark.django_db


def test_import_creates_registry(wb, run_import):
    report = run_import(wb.base())
    assert report.errors == []
    assert report.applied
    assert report.counts["jurisdictions"] == {"created": 3, "skipped": 0}
    assert report.counts["units"] == {"created": 6, "skipped": 0}
    assert report.counts["events"] == {"created": 3, "skipped": 0}
    assert report.counts["decisions"] == {"created": 2, "skipped": 0}
    assert report.counts["caps"] == {"created": 1, "skipped": 0}
    assert Decision.objects.get(number="包编发〔2020〕12号").status == "approved"
    assert Decision.objects.get(number="包编发〔2021〕1号").status == "draft"
    hz = Unit.objects.get(key="hz")
    state = selectors.unit_state(unit=hz, on=dt.date(2021, 4, 1))
    assert state.name == "包头市住房合作服务中心"
    assert state.parent.key == "zjj"
    assert selectors.unit_state(unit=Unit.objects.get(key="hz1"), on=dt.date(2021, 4, 1)) is None
    fc = Unit.objects.get(key="fc")
    assert UnitVersion.objects.filter(unit=fc).count() == 2
    assert AuditEntry.objects.filter(action="import").count() == 1


def test_import_twice_changes_nothing(wb, run_import):
    assert run_import(wb.base()).errors == []
    audit_rows = AuditEntry.objects.count()
    versions = list(UnitVersion.objects.values_list("unit__key", "valid_from", "valid_to", "name"))
    report = run_import(wb.base())
    assert report.errors == []
    assert all(c["created"] == 0 for c in report.counts.values())
    assert report.counts["units"]["skipped"] == 6
    assert report.counts["events"]["skipped"] == 3
    assert report.counts["caps"]["skipped"] == 1
    assert (
        list(UnitVersion.objects.values_list("unit__key", "valid_from", "valid_to", "name"))
        == versions
    )
    # Only the import's own summary row is added.
    assert AuditEntry.objects.count() == audit_rows + 1


def test_dry_run_writes_nothing(wb, run_import):
    report = run_import(wb.base(), dry_run=True)
    assert report.errors == []
    assert report.counts["units"]["created"] == 6
    assert not report.applied
    assert not Unit.objects.exists()
    assert not AuditEntry.objects.exists()


def test_import_posts_quota_transfers_and_headcounts(wb, run_import):
    from staffing import selectors as staffing_selectors
    from staffing.models import HeadcountReport, Transfer
    from units.models import Jurisdiction

    report = run_import(wb.base())
    assert report.errors == []
    assert report.counts["quota_transfers"] == {"created": 7, "skipped": 0}
    assert report.counts["headcounts"] == {"created": 2, "skipped": 0}
    after = dt.date(2021, 4, 1)
    hz = Unit.objects.get(key="hz")
    assert staffing_selectors.unit_balances(hz, after)["institution"] == 10
    assert staffing_selectors.unit_balances(Unit.objects.get(key="zs"), after)["institution"] == 5
    assert (
        staffing_selectors.unit_balances(Unit.objects.get(key="hz1"), after).get("institution", 0)
        == 0
    )
    city = Jurisdiction.objects.get(code="150200")
    assert staffing_selectors.pool_balances(city, after)["institution"] == 6
    assert staffing_selectors.ledger_total(after) == 0
    assert HeadcountReport.objects.count() == 2
    # Explicit allocations replace the merge's defaults: nothing derived for it.
    assert not Transfer.objects.filter(derived=True, event__key="ev-merge").exists()
    assert run_import(wb.base()).counts["quota_transfers"] == {"created": 0, "skipped": 7}


def test_default_transfers_are_derived_not_imported(wb, run_import):
    from staffing.models import Transfer

    texts = wb.base()
    lines = [line for line in texts["quota_transfers"].splitlines() if ",ev-merge," not in line]
    texts["quota_transfers"] = "\n".join(lines) + "\n"
    assert run_import(texts).errors == []
    derived = Transfer.objects.filter(derived=True, event__key="ev-merge")
    assert sorted(derived.values_list("amount", flat=True)) == [6, 10]
    assert set(derived.values_list("to_account__unit__key", flat=True)) == {"hz"}


def test_revoked_decision_is_stored_and_revoked(wb, run_import, tmp_path, wipe, files_of):
    from reform_registry.workbook.exporter import export_registry

    texts = wb.base()
    texts["decisions"] += "包编发〔2020〕30号,撤回的决定,包头市委编委,2020-12-25,revoked\n"
    texts["events"] += "ev-rev,包编发〔2020〕30号,abolish,2021-01-15,fc,,,,,,,,,,,,,,,\n"
    report = run_import(texts)
    assert [e["message"] for e in report.errors] == []
    decision = Decision.objects.get(number="包编发〔2020〕30号")
    assert decision.status == "revoked" and decision.revoked_at is not None
    # Its event is stored but does not apply: fc still exists after 2021-01-15.
    assert selectors.unit_state(unit=Unit.objects.get(key="fc"), on=dt.date(2021, 6, 1))
    export_registry(tmp_path / "first")
    wipe()
    assert (
        run_import(
            {p.stem: p.read_text(encoding="utf-8") for p in (tmp_path / "first").iterdir()}
        ).errors
        == []
    )
    export_registry(tmp_path / "second")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
