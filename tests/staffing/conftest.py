"""Fixtures of the staffing tests: a city with a county, registered units, approved decisions."""

import datetime as dt
import itertools

import pytest

from staffing.services import external_account, pool_account, transfer_post, unit_account
from units import services as unit_services
from units.models import Jurisdiction

D = dt.date
_numbers = itertools.count(1)
REGISTERED = D(2010, 1, 1)
GRANTED = D(2015, 1, 1)


@pytest.fixture
def city(db):
    return unit_services.jurisdiction_create(code="150200", name="包头市", level="city")


@pytest.fixture
def county(city):
    return unit_services.jurisdiction_create(
        code="150203", name="昆都仑区", level="county", parent=city
    )


class Ledger:
    """Small helpers to build a registry and a ledger in tests."""

    def __init__(self, city: Jurisdiction):
        self.city = city

    def decision(self, *, approved: bool = True, number: str | None = None):
        number = number or f"包编发〔2020〕{next(_numbers)}号"
        decision = unit_services.decision_create(
            number=number, title="测试决定", issued_on=D(2020, 1, 1)
        )
        if approved:
            unit_services.decision_approve(decision=decision)
        return decision

    def unit(self, key: str, *, kind: str = "institution", since=REGISTERED, **attributes):
        attributes.setdefault("name", key + "中心")
        attributes.setdefault("jurisdiction", self.city.code)
        return unit_services.unit_register(
            key=key, kind=kind, established_on=since, attributes=attributes
        )

    def grant(self, unit, amount: int, *, on=GRANTED, kind="institution", decision=None):
        return transfer_post(
            date=on,
            kind=kind,
            amount=amount,
            from_account=external_account(),
            to_account=unit_account(unit.pk),
            decision=decision or self.decision(),
            reason="grant",
        )

    def move(
        self,
        source,
        target,
        amount,
        *,
        on,
        kind="institution",
        reason="reallocation",
        decision=None,
        event=None,
    ):
        """A transfer between two accounts (under a new approved decision unless one is given,
        with the event whose explicit transfer it is)."""
        return transfer_post(
            date=on,
            kind=kind,
            amount=amount,
            from_account=source,
            to_account=target,
            decision=decision or self.decision(),
            event=event,
            reason=reason,
        )

    def pool(self, jurisdiction=None):
        return pool_account((jurisdiction or self.city).pk)

    def account(self, unit):
        return unit_account(unit.pk)

    def event(self, decision, key, type_, on, *, sources=(), targets=(), new=()):
        return unit_services.event_create(
            decision=decision,
            key=key,
            type=type_,
            effective_on=on,
            sources=list(sources),
            targets=list(targets),
            new_units=[
                unit_services.NewUnit(
                    k, "institution", {"name": k + "中心", "jurisdiction": self.city.code}
                )
                for k in new
            ],
        )


@pytest.fixture
def ledger(city):
    return Ledger(city)
