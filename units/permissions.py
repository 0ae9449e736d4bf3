"""Who may do what: roles (auth groups of ``units.roles``) and jurisdiction scopes.

A user with no ``JurisdictionScope`` row is not limited; with one or more, the user sees and
touches only units whose jurisdiction is one of those or below. The services call the checks
here (``user=None`` means a command or the system: no check). Reads are restricted through
``core.restrict``: the models declare how they restrict themselves, and those of jurisdictions,
units and versions call the rule here (``*_restriction``), so the rule holds whatever page,
admin screen, endpoint or report is used.

A unit's jurisdiction is that of its latest version; a unit without versions (the new unit of a
draft event, or a registration not yet derived) has the jurisdiction it is given at birth.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import RegistryError

from . import audit
from .models import (
    Decision,
    EventParticipant,
    Jurisdiction,
    JurisdictionScope,
    Unit,
    UnitRegistration,
    UnitVersion,
)
from .selectors.jurisdictions import jurisdiction_ids

_CACHE = "_registry_jurisdiction_ids"
_CODES = "_registry_jurisdiction_codes"
SCOPED = "_registry_has_scope"  # set on a session's user by units.backends.RegistryBackend

APPROVE = "units.approve_decision"


class NotPermitted(RegistryError):
    """A write refused because of the user's role or jurisdiction scope."""

    code = "forbidden"


def _is_system(user: Any) -> bool:
    return user is None


def is_unrestricted(user: Any) -> bool:
    return user is None or bool(getattr(user, "is_superuser", False))


def user_jurisdiction_ids(user: Any) -> set[int] | None:
    """Ids of the jurisdictions a user may touch (their scopes and all below), or ``None`` when
    the user is not limited. An anonymous user may touch none."""
    if is_unrestricted(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return set()
    if hasattr(user, _CACHE):
        cached: set[int] | None = getattr(user, _CACHE)
        return cached
    if getattr(user, SCOPED, True) is False:  # loaded knowing that no scope limits the user
        setattr(user, _CACHE, None)
        return None
    roots = list(
        Jurisdiction.objects.filter(
            pk__in=JurisdictionScope.objects.filter(user=user).values("jurisdiction_id")
        )
    )
    result: set[int] | None
    if not roots:
        result = None
    else:
        result = set()
        for root in roots:
            result.update(jurisdiction_ids(root, subdivisions=True))
    setattr(user, _CACHE, result)
    return result


def forget_scope(user: Any) -> None:
    """Drop the cached scope of a user object (after its scopes change)."""
    for name in (_CACHE, _CODES, SCOPED):
        if user is not None and hasattr(user, name):
            delattr(user, name)


def user_jurisdiction_codes(user: Any) -> set[str] | None:
    """Division codes of the jurisdictions a user may touch, or ``None`` when not limited."""
    ids = user_jurisdiction_ids(user)
    if ids is None:
        return None
    if not hasattr(user, _CODES):
        codes = set(Jurisdiction.objects.filter(pk__in=ids).values_list("code", flat=True))
        setattr(user, _CODES, codes)
    cached: set[str] = getattr(user, _CODES)
    return cached


# ---------------------------------------------------------------------------------------------
# Role checks
# ---------------------------------------------------------------------------------------------


def require(user: Any, perm: str, message: str | None = None) -> None:
    """Refuse unless the user holds the permission (``user=None``: a command, allowed)."""
    if _is_system(user):
        return
    if getattr(user, "is_active", True) and user.has_perm(perm):
        return
    raise NotPermitted(message or _("您没有执行此操作的权限（%(perm)s）。") % {"perm": perm})


def can_approve(user: Any) -> bool:
    return user is not None and user.has_perm(APPROVE)


def require_approver(user: Any) -> None:
    require(user, APPROVE, _("只有具有批准权限的用户可以批准或撤回改革决定。"))


# ---------------------------------------------------------------------------------------------
# Jurisdiction of units
# ---------------------------------------------------------------------------------------------


def unit_jurisdiction_ids(unit_ids: Iterable[int]) -> dict[int, int | None]:
    """The jurisdiction id of each unit: of its latest version, else of its state at birth."""
    ids = set(unit_ids)
    result: dict[int, int | None] = dict.fromkeys(ids)
    if not ids:
        return result
    seen: set[int] = set()
    for unit_id, jurisdiction_id in (
        UnitVersion.objects.filter(unit_id__in=ids)
        .order_by("unit_id", "-valid_from")
        .values_list("unit_id", "jurisdiction_id")
    ):
        if unit_id not in seen:
            seen.add(unit_id)
            result[unit_id] = jurisdiction_id
    missing = ids - seen
    if missing:
        codes: dict[int, str] = {}
        for unit_id, attrs in UnitRegistration.objects.filter(unit_id__in=missing).values_list(
            "unit_id", "attributes"
        ):
            codes[unit_id] = (attrs or {}).get("jurisdiction") or ""
        for unit_id, attrs in EventParticipant.objects.filter(
            unit_id__in=missing, creates=True
        ).values_list("unit_id", "attributes"):
            codes.setdefault(unit_id, (attrs or {}).get("jurisdiction") or "")
        by_code = dict(
            Jurisdiction.objects.filter(code__in=set(codes.values())).values_list("code", "id")
        )
        for unit_id, code in codes.items():
            result[unit_id] = by_code.get(code)
    return result


def _unit_ids(units: Iterable[Unit | int]) -> list[int]:
    return [u.pk if isinstance(u, Unit) else int(u) for u in units]


def units_out_of_scope(user: Any, units: Iterable[Unit | int]) -> list[int]:
    """Ids of the given units the user may not touch."""
    allowed = user_jurisdiction_ids(user)
    ids = _unit_ids(units)
    if allowed is None or not ids:
        return []
    where = unit_jurisdiction_ids(ids)
    return [uid for uid in ids if where.get(uid) not in allowed]


def check_units_in_scope(user: Any, units: Iterable[Unit | int], *, event: str = "") -> None:
    """Refuse when any of the units lies outside the user's jurisdictions."""
    outside = units_out_of_scope(user, units)
    if not outside:
        return
    keys: dict[int, str] = dict(Unit.objects.filter(pk__in=outside).values_list("pk", "key"))
    problems = [
        {
            "event": event or None,
            "unit": keys.get(uid, str(uid)),
            "message": _("机构 %(unit)s 不在您的管辖范围内。") % {"unit": keys.get(uid, uid)},
        }
        for uid in outside
    ]
    raise NotPermitted(
        _("您只能处理本人管辖范围内的机构：")
        + "、".join(keys.get(uid, str(uid)) for uid in outside),
        problems=problems,
    )


def check_jurisdictions_in_scope(
    user: Any, codes: Iterable[str | None], *, event: str = ""
) -> None:
    """Refuse when a unit would be placed in a jurisdiction outside the user's scope."""
    allowed = user_jurisdiction_codes(user)
    if allowed is None:
        return
    outside = sorted({c for c in codes if c and c not in allowed})
    if outside:
        raise NotPermitted(
            _("行政区划 %(codes)s 不在您的管辖范围内。") % {"codes": "、".join(outside)},
            problems=[
                {
                    "event": event or None,
                    "jurisdiction": code,
                    "message": _("行政区划 %(code)s 不在您的管辖范围内。") % {"code": code},
                }
                for code in outside
            ],
        )


def decision_unit_ids(decision_ids: Iterable[int]) -> set[int]:
    return set(
        EventParticipant.objects.filter(event__decision_id__in=list(decision_ids)).values_list(
            "unit_id", flat=True
        )
    )


def check_decisions_in_scope(user: Any, decisions: Iterable[Decision]) -> None:
    """Refuse when a decision touches any unit outside the user's jurisdictions."""
    if user_jurisdiction_ids(user) is None:
        return
    check_units_in_scope(user, decision_unit_ids(d.pk for d in decisions))


# ---------------------------------------------------------------------------------------------
# Reads: the rule the restrictions of jurisdictions, units and versions call (core.restrict)
# ---------------------------------------------------------------------------------------------


def latest_versions_in(jurisdiction_ids: Iterable[int]) -> QuerySet[UnitVersion]:
    """Latest versions (none later for the same unit) lying in the given jurisdictions; read
    through the jurisdiction index, so a district's scope costs what the district holds."""
    later = UnitVersion.objects.filter(unit=OuterRef("unit"), valid_from__gt=OuterRef("valid_from"))
    return UnitVersion.objects.filter(jurisdiction_id__in=list(jurisdiction_ids)).exclude(
        Exists(later)
    )


def jurisdictions_restriction(user: Any) -> Q | None:
    """Jurisdictions within the user's scopes (``Jurisdiction.restriction``)."""
    ids = user_jurisdiction_ids(user)
    return None if ids is None else Q(pk__in=sorted(ids))


def versions_restriction(user: Any) -> Q | None:
    """Versions of units whose latest version lies in the user's jurisdictions: the whole
    history of a unit in scope, nothing of one outside (``UnitVersion.restriction``)."""
    ids = user_jurisdiction_ids(user)
    return None if ids is None else Q(unit__in=latest_versions_in(ids).values("unit_id"))


def units_restriction(user: Any) -> Q | None:
    """Units whose latest version lies in the user's jurisdictions, and units without any
    version yet (the new unit of a draft, a registration not yet derived) born in one of them
    (``Unit.restriction``)."""
    ids = user_jurisdiction_ids(user)
    if ids is None:
        return None
    codes = sorted(user_jurisdiction_codes(user) or ())
    unversioned = ~Exists(UnitVersion.objects.filter(unit=OuterRef("unit_id")))
    registered = UnitRegistration.objects.filter(unversioned, attributes__jurisdiction__in=codes)
    created = EventParticipant.objects.filter(
        unversioned, creates=True, attributes__jurisdiction__in=codes
    )
    return (
        Q(pk__in=latest_versions_in(ids).values("unit_id"))
        | Q(pk__in=registered.values("unit_id"))
        | Q(pk__in=created.values("unit_id"))
    )


def check_event_scope(
    user: Any,
    *,
    units: Iterable[Unit | int] = (),
    codes: Iterable[str | None] = (),
    event: str = "",
) -> None:
    """Refuse an event touching a unit, or placing one, outside the user's jurisdictions."""
    if user_jurisdiction_ids(user) is None:
        return
    check_units_in_scope(user, units, event=event)
    check_jurisdictions_in_scope(user, codes, event=event)


# ---------------------------------------------------------------------------------------------
# Granting and withdrawing scopes
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def scope_grant(*, user: Any, jurisdiction: Jurisdiction) -> JurisdictionScope:
    """Limit a user to a jurisdiction (and below), in addition to their other scopes."""
    if JurisdictionScope.objects.filter(user=user, jurisdiction=jurisdiction).exists():
        raise RegistryError(_("该用户已有此管辖范围。"))
    scope = JurisdictionScope.objects.create(user=user, jurisdiction=jurisdiction)
    audit.record(
        "grant", scope, after={"user": user.get_username(), "jurisdiction": jurisdiction.code}
    )
    forget_scope(user)
    return scope


@transaction.atomic
def scope_revoke(*, scope: JurisdictionScope) -> None:
    audit.record(
        "withdraw",
        scope,
        before={"user": scope.user.get_username(), "jurisdiction": scope.jurisdiction.code},
    )
    scope.delete()
    forget_scope(scope.user)
