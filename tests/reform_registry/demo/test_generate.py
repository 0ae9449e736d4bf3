"""generate_registry: every event type, consistent versions, deterministic for a seed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reform_registry.demo.generate import (
    Generator,
    generated_institutions,
)
from units import selectors, services
from units.choices import DecisionStatus, EventType, UnitKind
from units.models import Decision, Event, Jurisdiction, UnitVersion

pytestmark = pytest.mark.django_db


def test_generate_small_registry_with_every_event_type():
    out = StringIO()
    call_command("generate_registry", institutions=300, seed=7, stdout=out)
    assert "generate_registry took" in out.getvalue()
    assert set(Event.objects.values_list("type", flat=True).distinct()) == set(EventType.values)
    assert not Decision.objects.exclude(status=DecisionStatus.APPROVED).exists()
    assert generated_institutions(7) == 300
    # Changes include renames, transfers between departments, reclassifications and flags.
    changed = set()
    for attributes in Event.objects.filter(type=EventType.CHANGE).values_list(
        "attributes", flat=True
    ):
        changed.update(attributes)
    assert {"name", "parent", "category", "rank", "pending_wind_down"} <= changed
    assert Jurisdiction.objects.count() >= 3
    assert services.registry_differences() == []
    check = StringIO()
    call_command("rebuild_registry", "--check", stdout=check)
    assert "No differences" in check.getvalue()
    # Every institution has a supervising department of its own jurisdiction.
    versions = UnitVersion.objects.filter(kind=UnitKind.INSTITUTION).select_related("parent")
    assert all(v.parent_id for v in versions)
    last = Event.objects.order_by("-effective_on").first().effective_on
    counts = selectors.institutions_per_department(on=last)
    assert sum(counts.values()) == selectors.counted_institutions(on=last).count()
    # Every unit carries the short name an office writes, kept through its renames, and search
    # finds a department through it.
    assert not UnitVersion.objects.filter(short_name="").exists()
    department = UnitVersion.objects.filter(kind=UnitKind.DEPARTMENT).first()
    assert department.name.endswith(department.short_name[1:])
    assert department.unit_id in set(
        selectors.units_matching(department.short_name).values_list("id", flat=True)
    )


def test_generator_is_deterministic():
    def plan(seed):
        generator = Generator(institutions=500, seed=seed)
        generator.plan()
        return (
            [(r.key, r.attributes) for r in generator.registrations],
            [(i, e.key, e.type, e.effective_on, list(e.sources)) for i, e in generator.events],
        )

    assert plan(3) == plan(3)
    assert plan(3) != plan(4)


def test_generate_refuses_a_second_run_and_bad_numbers():
    call_command("generate_registry", institutions=50, seed=1, stdout=StringIO())
    with pytest.raises(CommandError, match="990000"):
        call_command("generate_registry", institutions=50, seed=2, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("generate_registry", institutions=0, stdout=StringIO())
