"""The mechanism of the read policy: every model of the registry says once how it restricts
itself, its querysets apply it (to prefetched rows too), and unlimited users are not filtered."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from core.restrict import RestrictedQuerySet, is_restricted, restriction, visible_among
from units.models import Event, EventParticipant, Unit

APPS = ("units", "staffing", "reform_registry")


def registry_models():
    return [model for label in APPS for model in apps.get_app_config(label).get_models()]


@pytest.fixture
def users(db):
    from django.contrib.auth.models import User

    from units import permissions, services

    city = services.jurisdiction_create(code="150200", name="包头市", level="city")
    scoped = User.objects.create_user("scoped")
    permissions.scope_grant(user=scoped, jurisdiction=city)
    return scoped, User.objects.create_superuser("root")


DECLARATIONS = ("restricted_through", "restricted_by", "restriction")


@pytest.mark.parametrize("model", registry_models(), ids=lambda m: m._meta.label)
def test_every_model_restricts_itself(model, users):
    scoped, superuser = users
    assert isinstance(model._default_manager.all(), RestrictedQuerySet)
    declared = any(name in vars(model) for name in DECLARATIONS)
    inherited = model._meta.proxy and model._meta.concrete_model is not model
    assert declared or inherited, f"{model._meta.label} says nothing of how it restricts itself"
    list(model._default_manager.restrict(scoped)[:1])  # the declaration can be applied
    assert restriction(model, superuser) is None
    assert restriction(model, None) is None


def test_users_without_a_scope_and_the_system_are_not_limited(scoped_registry):
    from django.contrib.auth.models import User

    clerk = User.objects.create_user("unscoped")
    assert not is_restricted(Unit, clerk)
    assert Unit.objects.restrict(clerk).count() == Unit.objects.count()
    assert is_restricted(Unit, scoped_registry.user)
    assert is_restricted(Unit, AnonymousUser())
    assert not Unit.objects.restrict(AnonymousUser()).exists()


def test_rows_and_prefetched_rows_are_restricted(scoped_registry):
    user = scoped_registry.user
    keys = set(Unit.objects.restrict(user).values_list("key", flat=True))
    assert keys == set(scoped_registry.unit_keys["inside"])
    events = Event.objects.prefetch_related(
        Prefetch("participants", EventParticipant.objects.select_related("unit"))
    ).restrict(user)
    by_event = {e.key: sorted(p.unit.key for p in e.participants.all()) for e in events}
    # The city's decision touches three jurisdictions: of its events the user reads those
    # touching 昆都仑区, and of their units only those of 昆都仑区.
    assert by_event["ev-wide-absorb"] == ["kdlgamma"]
    assert by_event["ev-wide-merge"] == ["kdlalpha", "kdlbeta", "kdlmerged"]
    assert "ev-wide-abolish" not in by_event and "ev-city-rename" not in by_event


def test_visible_among_costs_no_query_for_unlimited_users(scoped_registry, django_db_setup):
    from django.db import connection

    ids = list(Unit.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert visible_among(Unit, ids, scoped_registry.admin) == set(ids)
    assert len(queries) == 0
    assert visible_among(Unit, ids, scoped_registry.user) == set(
        Unit.objects.filter(key__in=scoped_registry.unit_keys["inside"]).values_list(
            "pk", flat=True
        )
    )
