"""The mechanism of the read policy (DESIGN §8): every queryset restricts itself to a user.

Each model says once how its rows restrict themselves, in one of two ways:

* ``restricted_through = "unit"``: a row is visible when the row its foreign key points to is;
* ``restricted_by = "app.module.function"``: the dotted path of the app's rule, a function
  ``(user) -> Q | None`` (for models whose rule reads other models of the app);
* a classmethod ``restriction(user) -> Q | None``: the condition itself, ``None`` when the
  user is not limited (nothing to filter).

``RestrictedQuerySet.restrict(user)`` applies the declaration to the rows, and to the rows of
every ``Prefetch`` the queryset carries. ``user=None`` is the system (a command, a service
called without a user): it is never limited. Every surface restricts through this one method:
viewsets and filter choices through ``core.api``, admin screens and their forms through
``core.admin``, pages through the helpers below.

Who is limited, and to what, is not decided here: the declarations of the models call the rule
of their app. This module imports no app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self, TypeVar, cast

from django import forms
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.module_loading import import_string

_M = TypeVar("_M", bound=models.Model)


def restriction(model: type[models.Model], user: Any) -> Q | None:
    """The condition the rows of a model meet to be visible to a user, or ``None`` when the
    user sees them all."""
    if user is None:
        return None
    path = getattr(model, "restricted_through", None)
    if path is not None:
        related = model._meta.get_field(path).related_model
        assert isinstance(related, type) and issubclass(related, models.Model)
        inner = restriction(related, user)
        if inner is None:
            return None
        return Q(**{f"{path}__in": related._base_manager.filter(inner).values("pk")})
    rule = getattr(model, "restricted_by", None)
    if rule is not None:
        # The dotted path of the app's rule, resolved when first asked (as Django resolves
        # "app.Model" strings), so that a model can name the rule that reads the models.
        condition_of_rule: Q | None = import_string(rule)(user)
        return condition_of_rule
    declared = getattr(model, "restriction", None)
    if declared is None:
        raise ImproperlyConfigured(
            f"{model._meta.label} does not say how it restricts itself to a user "
            "(restricted_through, restricted_by or a restriction classmethod)."
        )
    condition: Q | None = declared(user)
    return condition


def is_restricted(model: type[models.Model], user: Any) -> bool:
    """Whether the user is limited to some of the rows of a model."""
    return restriction(model, user) is not None


def visible_values(model: type[models.Model], user: Any, field: str = "pk") -> Any:
    """A subquery of ``field`` over the rows the user may see, or ``None`` when the user sees
    them all: what another model's declaration builds on (``Q(decision__in=…)``)."""
    condition = restriction(model, user)
    if condition is None:
        return None
    return model._base_manager.filter(condition).values(field)


def visible_among(model: type[models.Model], ids: Iterable[Any], user: Any) -> set[Any]:
    """Those of the given primary keys whose rows the user may see (no query when the user
    sees them all)."""
    ids = set(ids)
    condition = restriction(model, user)
    if condition is None or not ids:
        return ids
    return set(model._base_manager.filter(condition, pk__in=ids).values_list("pk", flat=True))


def own_rows(user: Any, field: str) -> Q:
    """Rows whose ``field`` is the user (none for an anonymous user)."""
    pk = getattr(user, "pk", None)
    return Q(**{field: pk}) if pk is not None else Q(pk__in=[])


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that can restrict itself to what a user may read."""

    def restrict(self, user: Any) -> Self:
        """The rows (and the prefetched related rows) the user may read."""
        condition = restriction(self.model, user)
        queryset: Any = self if condition is None else self.filter(condition)
        lookups = queryset._prefetch_related_lookups
        if any(_restrictable(lookup) for lookup in lookups):
            queryset = queryset._chain()
            queryset._prefetch_related_lookups = tuple(
                Prefetch(lookup.prefetch_through, lookup.queryset.restrict(user), lookup.to_attr)
                if _restrictable(lookup)
                else lookup
                for lookup in lookups
            )
        return cast(Self, queryset)


def _restrictable(lookup: Any) -> bool:
    return isinstance(lookup, Prefetch) and isinstance(lookup.queryset, RestrictedQuerySet)


# The default manager of every model of the registry.
RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def restrict_field(field: Any, user: Any) -> Any:
    """A form field that chooses rows (a unit, a jurisdiction) offers and accepts only those the
    user may see: an outside row is as unknown as one that does not exist."""
    queryset = getattr(field, "queryset", None)
    if isinstance(queryset, RestrictedQuerySet):
        field.queryset = queryset.restrict(user)
    return field


def restrict_choices(form: forms.BaseForm, user: Any) -> None:
    """Every field of a form that chooses rows, restricted (``restrict_field``)."""
    for field in form.fields.values():
        restrict_field(field, user)


# ---------------------------------------------------------------------------------------------
# For viewsets and pages
# ---------------------------------------------------------------------------------------------


class RestrictedFilterSetMixin:
    """A filter set whose filters that choose rows (a unit by key, a decision by number) offer
    and accept only those its request's user may read."""

    request: Any

    @property
    def form(self) -> Any:
        form = super().form  # type: ignore[misc]
        if not getattr(form, "_restricted", False):
            restrict_choices(form, getattr(self.request, "user", None))
            form._restricted = True
        return form


class RestrictedViewSetMixin:
    """A viewset whose lists, details and downloads read only what the request's user may
    read: its ``get_queryset`` is restricted (an outside row is a 404, lists leave it out), and
    so are the choices of its ``filterset_class`` (``RestrictedFilterSetMixin``)."""

    request: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        filterset = cls.__dict__.get("filterset_class")
        if filterset is not None and not issubclass(filterset, RestrictedFilterSetMixin):
            cls.filterset_class = type(  # type: ignore[attr-defined]
                filterset.__name__, (RestrictedFilterSetMixin, filterset), {}
            )

    def get_queryset(self) -> Any:
        return super().get_queryset().restrict(self.request.user)  # type: ignore[misc]


def restricted(queryset: QuerySet[_M], user: Any) -> QuerySet[_M]:
    """``queryset.restrict(user)``, for a queryset typed as a plain one (the querysets of every
    model of the registry are restricted querysets)."""
    return cast(RestrictedQuerySet, queryset).restrict(user)


def visible(queryset: QuerySet[_M], request: Any) -> QuerySet[_M]:
    """The rows of a queryset the request's user may read."""
    return restricted(queryset, request.user)


def get_visible_or_404(queryset: QuerySet[_M], request: Any, **lookup: Any) -> _M:
    """The one row the lookup names, or 404 when there is none or the user may not read it."""
    return get_object_or_404(visible(queryset, request), **lookup)


def require_visible(obj: models.Model, request: Any, message: str = "") -> None:
    """Refuse (403) a request about a row its user may not read (a report asked for a
    jurisdiction outside the user's scope)."""
    model = type(obj)
    if obj.pk not in visible_among(model, [obj.pk], request.user):
        raise PermissionDenied(message)
