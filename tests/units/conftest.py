"""Fixtures of the registry-core tests: a small city with departments and institutions, and a
helper that enters decisions the way a clerk does (draft, events, approval)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from units import services
from units.models import AuditEntry, Decision, Event, EventParticipant, Unit, UnitVersion
from units.services import NewUnit

D = dt.date
CITY = "150200"
COUNTY = "150203"
REGISTERED = D(2015, 1, 1)
DEPARTMENTS_FROM = D(2010, 1, 1)


def new(key: str, kind: str = "institution", **attributes: Any) -> NewUnit:
    """A unit created by an event, with a name and the city's jurisdiction unless given."""
    attributes.setdefault("name", key + "名称")
    attributes.setdefault("jurisdiction", CITY)
    return NewUnit(key=key, kind=kind, attributes=attributes)


def event(key: str, type: str, on: dt.date, **rest: Any) -> dict[str, Any]:
    return {"key": key, "type": type, "effective_on": on, **rest}


class Registry:
    """Enters registry data through the services, as the admin and the importer do."""

    def __init__(self) -> None:
        self.city = services.jurisdiction_create(code=CITY, name="包头市", level="city")
        self.county = services.jurisdiction_create(
            code=COUNTY, name="昆都仑区", level="county", parent=self.city
        )
        self._numbers = 0

    def register(
        self,
        key: str,
        kind: str = "institution",
        on: dt.date = REGISTERED,
        **attributes: Any,
    ) -> Unit:
        attributes.setdefault("name", key + "名称")
        attributes.setdefault("jurisdiction", CITY)
        return services.unit_register(key=key, kind=kind, established_on=on, attributes=attributes)

    def department(self, key: str, on: dt.date = DEPARTMENTS_FROM, **attributes: Any) -> Unit:
        return self.register(key, "department", on, **attributes)

    def draft(self, *events: dict[str, Any], number: str | None = None) -> Decision:
        self._numbers += 1
        decision = services.decision_create(
            number=number or f"包编发〔2020〕{self._numbers}号",
            title=f"改革决定{self._numbers}",
            issued_on=D(2020, 1, 1),
            issuer="包头市机构编制委员会",
        )
        for spec in events:
            services.event_create(decision=decision, **spec)
        decision.refresh_from_db()
        return decision

    def decide(self, *events: dict[str, Any], number: str | None = None) -> Decision:
        decision = self.draft(*events, number=number)
        return services.decision_approve(decision=decision)

    new = staticmethod(new)
    event = staticmethod(event)

    @staticmethod
    def snapshot() -> dict[str, Any]:
        return snapshot()

    @staticmethod
    def counts() -> dict[str, int]:
        return counts()

    @staticmethod
    def versions(key: str) -> list[tuple]:
        """(valid_from, valid_to, name, parent key, opened by, closed by) of a unit's versions."""
        return [
            (
                v.valid_from,
                v.valid_to,
                v.name,
                v.parent.key if v.parent else None,
                v.opened_by.key if v.opened_by else None,
                v.closed_by.key if v.closed_by else None,
            )
            for v in UnitVersion.objects.filter(unit__key=key)
            .select_related("parent", "opened_by", "closed_by")
            .order_by("valid_from")
        ]

    @staticmethod
    def version_on(key: str, on: dt.date) -> UnitVersion | None:
        from units.selectors import unit_state

        return unit_state(unit=Unit.objects.get(key=key), on=on)


@pytest.fixture
def reg(db) -> Registry:
    return Registry()


@pytest.fixture
def registry_class(db) -> type[Registry]:
    """For tests that build the registry afresh several times (inside savepoints)."""
    return Registry


def counts() -> dict[str, int]:
    """Rows of every table the core writes (a refused write must leave them unchanged)."""
    from units.models import UnitRegistration

    return {
        model.__name__: model.objects.count()
        for model in (
            Unit,
            UnitVersion,
            UnitRegistration,
            Decision,
            Event,
            EventParticipant,
            AuditEntry,
        )
    }


def snapshot() -> dict[str, Any]:
    """Counts plus the stored versions and decision statuses."""
    return {
        "counts": counts(),
        "versions": sorted(
            UnitVersion.objects.values_list(
                "unit__key", "valid_from", "valid_to", "name", "parent_id", "opened_by_id"
            )
        ),
        "statuses": sorted(Decision.objects.values_list("number", "status", "revision")),
    }
