"""Reading is one permission (``units.roles.READ_PERMISSION``): every role grants it, and the
officials' pages, the API and the admin's unit lookup all ask for it, not for a group's name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from tests.fixtures.city_admin import PASSWORD
from units import roles

pytestmark = pytest.mark.django_db

SURFACES = [
    pytest.param(lambda: reverse("units:unit-list"), id="pages"),
    pytest.param(lambda: "/api/v1/units/", id="api"),
    pytest.param(lambda: reverse("admin:units_unit_changelist"), id="admin-unit-lookup"),
]


def _read_permission() -> Permission:
    app_label, codename = roles.READ_PERMISSION.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_every_role_grants_the_read_permission(world):
    for role in roles.ALL_ROLES:
        assert Group.objects.get(name=role).permissions.filter(pk=_read_permission().pk).exists()
        assert roles.may_read(world.users[role])
    assert roles.may_read(world.users["admin"])
    assert not roles.may_read(world.users["nobody"])


@pytest.mark.parametrize("address", SURFACES)
def test_the_permission_without_a_role_reads_every_surface(world, client, address):
    reader = User.objects.create_user("reader", "r@example.org", PASSWORD, is_staff=True)
    reader.user_permissions.add(_read_permission())
    client.force_login(reader)
    assert client.get(address()).status_code == 200


@pytest.mark.parametrize("address", SURFACES)
def test_a_role_without_the_permission_reads_no_surface(world, client, address):
    Group.objects.get(name=roles.OFFICIAL).permissions.remove(_read_permission())
    client.force_login(world.users[roles.OFFICIAL])
    assert client.get(address()).status_code == 403


def test_an_inactive_user_may_not_read(world):
    official = world.users[roles.OFFICIAL]
    official.is_active = False
    official.save()
    assert not roles.may_read(User.objects.get(pk=official.pk))
