"""Registration of units that existed before the registry (no event creates them): each is
registered as existing from a date, with its state at birth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.bulk import chunked, copy_values, insert_with_ids
from core.errors import RegistryError

from .. import audit, permissions
from ..choices import FeedKind
from ..models import Unit, UnitRegistration
from ..rules import UNIT_KINDS, clean_attributes
from ..validators import unit_key_validator
from .approval import rederive
from .feed import feed_append


@dataclass
class RegistrationInput:
    key: str
    kind: str
    established_on: dt.date
    attributes: dict[str, Any] = field(default_factory=dict)


def unit_register(
    *, key: str, kind: str, established_on: dt.date, attributes: dict[str, Any], user: Any = None
) -> Unit:
    """Register one unit as existing from a date with its state at birth."""
    units = units_register_bulk(
        rows=[RegistrationInput(key, kind, established_on, attributes)], user=user
    )
    return units[0]


def _registration_problems(
    rows: Sequence[RegistrationInput],
) -> tuple[list[tuple[RegistrationInput, dict]], list[dict]]:
    """Check every row (key, kind, state at birth, keys already taken); return the rows with
    their cleaned attributes, and every problem found."""
    problems: list[dict] = []
    cleaned: list[tuple[RegistrationInput, dict]] = []
    seen: set[str] = set()
    for row in rows:
        where = {"unit": row.key}
        try:
            unit_key_validator(row.key)
        except ValidationError as exc:
            problems.append({**where, "column": "key", "message": " ".join(exc.messages)})
            continue
        if row.key in seen:
            problems.append(
                {
                    **where,
                    "column": "key",
                    "message": _("机构标识“%(key)s”重复。") % {"key": row.key},
                }
            )
            continue
        seen.add(row.key)
        if row.kind not in UNIT_KINDS:
            problems.append(
                {
                    **where,
                    "column": "kind",
                    "message": _("未知的机构类别“%(kind)s”。") % {"kind": row.kind},
                }
            )
        values, bad = clean_attributes(row.attributes, birth=True, kind=row.kind)
        problems.extend({**where, **p, "message": f"{row.key}: {p['message']}"} for p in bad)
        cleaned.append((row, values))
    existing: set[str] = set()
    for batch in chunked([r.key for r, _v in cleaned]):
        existing.update(Unit.objects.filter(key__in=batch).order_by().values_list("key", flat=True))
    for key in sorted(existing):
        problems.append(
            {"unit": key, "column": "key", "message": _("机构标识“%(key)s”已存在。") % {"key": key}}
        )
    return cleaned, problems


@transaction.atomic
def units_register_bulk(
    *, rows: Sequence[RegistrationInput], derive: bool = True, user: Any = None
) -> list[Unit]:
    """Register many units at once: validate all, create all, derive their first versions.

    With ``derive=False`` the caller re-derives them later in the same transaction (the
    workbook importer does it once, together with the events it approves)."""
    permissions.require(user, "units.add_unit")
    permissions.check_jurisdictions_in_scope(
        user, [(row.attributes or {}).get("jurisdiction") for row in rows]
    )
    cleaned, problems = _registration_problems(rows)
    if problems:
        raise RegistryError(
            _("登记被拒绝：%(n)d 个问题。") % {"n": len(problems)}, problems=problems
        )
    units = insert_with_ids(Unit, [Unit(key=r.key, kind=r.kind) for r, _v in cleaned])
    copy_values(
        UnitRegistration,
        ("unit", "established_on", "attributes"),
        [
            (unit.pk, row.established_on, values)
            for unit, (row, values) in zip(units, cleaned, strict=True)
        ],
    )
    audit.record_many(
        "register",
        [
            (
                unit,
                None,
                {"kind": row.kind, "established_on": row.established_on.isoformat(), **values},
            )
            for unit, (row, values) in zip(units, cleaned, strict=True)
        ],
    )
    if derive:
        rederive(unit_ids=[u.pk for u in units], action="register")
    if units:
        feed_append(
            FeedKind.UNIT_REGISTERED, unit_ids=[u.pk for u in units], payload={"units": len(units)}
        )
    return units
