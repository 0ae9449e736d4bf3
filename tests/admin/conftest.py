"""Fixtures of the admin tests: a city with a district, departments and institutions in both,
and one user per role (the groups come from the data migration)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from units import permissions, roles, services
from units.services import NewUnit

D = dt.date
CITY = "150200"
DISTRICT = "150203"  # 昆都仑区
OTHER_DISTRICT = "150204"  # 青山区
PASSWORD = "Registry-2021!"


def ensure_role_groups() -> None:
    """Transactional tests flush the database, groups included; put them back."""
    if Group.objects.filter(name=roles.CLERK).exists():
        return
    importlib.import_module("units.migrations.0004_role_groups").create_groups(apps, None)
    importlib.import_module("units.migrations.0007_clerks_register_units").grant(apps, None)


class World:
    def __init__(self) -> None:
        self.city = services.jurisdiction_create(code=CITY, name="包头市", level="city")
        self.district = services.jurisdiction_create(
            code=DISTRICT, name="昆都仑区", level="county", parent=self.city
        )
        self.other = services.jurisdiction_create(
            code=OTHER_DISTRICT, name="青山区", level="county", parent=self.city
        )
        self.housing = self.register("city-housing", "department", name="包头市住房和城乡建设局")
        self.district_office = self.register(
            "kdl-office", "department", name="昆都仑区政府办公室", jurisdiction=DISTRICT
        )
        self.a = self.register(
            "city-a", name="包头市房产服务中心", parent="city-housing", category="public_welfare_1"
        )
        self.b = self.register(
            "city-b", name="包头市住房保障中心", parent="city-housing", category="public_welfare_2"
        )
        self.k1 = self.register(
            "kdl-1", name="昆都仑区档案馆", parent="kdl-office", jurisdiction=DISTRICT
        )
        self.k2 = self.register(
            "kdl-2", name="昆都仑区信息中心", parent="kdl-office", jurisdiction=DISTRICT
        )
        self.q1 = self.register("qs-1", name="青山区档案馆", jurisdiction=OTHER_DISTRICT)
        self.users = {role: self.user(role, roles=[role]) for role in roles.ALL_ROLES}
        self.users["district-clerk"] = self.user("district-clerk", roles=[roles.CLERK])
        permissions.scope_grant(user=self.users["district-clerk"], jurisdiction=self.district)
        self.users["admin"] = User.objects.create_superuser("admin", "a@example.org", PASSWORD)
        self.users["nobody"] = self.user("nobody", roles=[])

    @staticmethod
    def register(key: str, kind: str = "institution", **attributes: Any):
        attributes.setdefault("jurisdiction", CITY)
        return services.unit_register(
            key=key, kind=kind, established_on=D(2015, 1, 1), attributes=attributes
        )

    @staticmethod
    def user(name: str, *, roles: list[str], staff: bool = True) -> User:
        user = User.objects.create_user(name, f"{name}@example.org", PASSWORD, is_staff=staff)
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    def merge_draft(self, number: str = "包编发〔2020〕12号", user=None):
        decision = services.decision_create(
            number=number, title="合并住房事业单位", issued_on=D(2020, 6, 1), user=user
        )
        services.event_create(
            decision=decision,
            key=f"merge-{decision.pk}",
            type="merge",
            effective_on=D(2021, 3, 31),
            sources=["city-a", "city-b"],
            new_units=[
                NewUnit(
                    f"city-ab-{decision.pk}",
                    "institution",
                    {"name": "包头市住房服务中心", "jurisdiction": CITY, "parent": "city-housing"},
                )
            ],
            user=user,
        )
        decision.refresh_from_db()
        return decision


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    ensure_role_groups()
    return World()


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_
