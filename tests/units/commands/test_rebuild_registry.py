"""manage.py rebuild_registry [--check]: stored versions always agree with the events."""

import datetime as dt
import io

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from units.models import AuditEntry, UnitVersion

D = dt.date


@pytest.fixture
def worked(reg):
    """Normal work: registrations, every kind of event, a revocation, out-of-order approvals."""
    reg.department("dept")
    for key in ("a", "b", "c", "d"):
        reg.register(key, parent="dept")
    later = reg.draft(reg.event("ab", "abolish", D(2022, 1, 1), sources=["d"]))
    reg.decide(
        reg.event(
            "m",
            "merge",
            D(2020, 1, 1),
            sources=["a", "b"],
            new_units=[reg.new("ab", parent="dept")],
        )
    )
    from units import services

    services.decision_approve(decision=later)
    reg.decide(reg.event("ch", "change", D(2019, 1, 1), sources=["c"], attributes={"name": "丙"}))
    revoked = reg.decide(
        reg.event("ch2", "change", D(2021, 1, 1), sources=["c"], attributes={"name": "x"})
    )
    services.decision_revoke(decision=revoked)
    reg.decide(
        reg.event(
            "sp", "split", D(2021, 1, 1), sources=["c"], new_units=[reg.new("c1"), reg.new("c2")]
        )
    )
    return reg


def check():
    out = io.StringIO()
    call_command("rebuild_registry", "--check", stdout=out)
    return out.getvalue()


def test_no_differences_after_normal_work(worked):
    assert "No differences" in check()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda: UnitVersion.objects.filter(unit__key="ab").update(name="篡改"),
        lambda: UnitVersion.objects.filter(unit__key="a").update(valid_to=D(2020, 2, 1)),
        lambda: UnitVersion.objects.filter(unit__key="c1").delete(),
        lambda: UnitVersion.objects.filter(unit__key="c", valid_to=D(2019, 1, 1)).update(
            internal_bodies=9
        ),
    ],
    ids=["name", "end date", "missing", "attribute"],
)
def test_check_reports_a_tampered_version_then_rebuild_fixes_it(worked, tamper):
    tamper()
    out = io.StringIO()
    with pytest.raises(CommandError, match="difference"):
        call_command("rebuild_registry", "--check", stdout=out)
    report = out.getvalue()
    assert "stored:" in report and "derived:" in report
    assert "存储的版本与事项推导的不一致" in report

    out = io.StringIO()
    call_command("rebuild_registry", stdout=out)
    assert "Re-derived" in out.getvalue()
    assert "No differences" in check()


def test_check_exits_non_zero(worked):
    UnitVersion.objects.filter(unit__key="ab").update(name="篡改")
    with pytest.raises(SystemExit) as info:
        execute_from_command_line(["manage.py", "rebuild_registry", "--check"])
    assert info.value.code != 0


def test_check_names_the_tampered_unit_only(worked):
    UnitVersion.objects.filter(unit__key="ab").update(name="篡改")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 difference"):
        call_command("rebuild_registry", "--check", stdout=out)
    assert "机构 ab：" in out.getvalue()
    assert "篡改" in out.getvalue()


def test_check_writes_nothing(worked):
    UnitVersion.objects.filter(unit__key="ab").update(name="篡改")
    before = worked.snapshot()
    with pytest.raises(CommandError):
        call_command("rebuild_registry", "--check", stdout=io.StringIO())
    assert worked.snapshot() == before


def test_rebuild_is_audited_as_the_command(worked):
    call_command("rebuild_registry", stdout=io.StringIO())
    entry = AuditEntry.objects.filter(action="rebuild").get()
    assert entry.actor == "manage.py rebuild_registry"
    assert entry.after == {"units": 8}


def test_rebuild_refuses_when_the_events_are_inconsistent(worked):
    """An event written behind the services that cannot apply: reported, nothing rebuilt."""
    from units.models import Decision, Event, EventParticipant, Unit

    decision = Decision.objects.get(events__key="m")
    event = Event.objects.create(
        decision=decision, key="late", type="abolish", effective_on=D(2023, 1, 1)
    )
    EventParticipant.objects.create(event=event, unit=Unit.objects.get(key="a"), role="source")
    before = worked.snapshot()
    with pytest.raises(CommandError, match="late"):
        call_command("rebuild_registry", stdout=io.StringIO())
    assert worked.snapshot() == before
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_registry", "--check", stdout=out)
    assert "late" in out.getvalue()
