"""What the reports share: the rounding of their ratios and the names of departments."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from units.choices import UnitKind
from units.models import Unit, UnitVersion

FOUR = Decimal("0.0001")
TWO = Decimal("0.01")


def ratio(numerator: int, denominator: int, places: Decimal = FOUR) -> Decimal | None:
    """numerator ÷ denominator rounded half up, or None when the denominator is zero."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def department_names(
    ids: set[int], *, before: dt.date, after: dt.date
) -> dict[int, tuple[str, str]]:
    """Key and name of each department among the given units, as on ``after`` (or ``before``
    if it ended): one query. Supervising units that are not departments are left out."""
    if not ids:
        return {}
    # Plain SQL: thousands of ids (integers from the database, inlined) would cost more to
    # prepare through the ORM than the query itself.
    version, unit = UnitVersion._meta.db_table, Unit._meta.db_table
    id_list = ", ".join(str(int(i)) for i in sorted(ids))
    sql = f"""
        SELECT v.unit_id, u.key, v.name, v.valid_from
        FROM {version} v JOIN {unit} u ON u.id = v.unit_id
        WHERE v.kind = %s AND v.unit_id IN ({id_list})
          AND ((v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s))
            OR (v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)))
    """
    b, a = before.isoformat(), after.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(sql, [UnitKind.DEPARTMENT.value, b, b, a, a])
        rows = cursor.fetchall()
    return latest_names(rows)


def latest_names(rows: Any) -> dict[int, tuple[str, str]]:
    """Of rows (unit id, key, name, valid from), the key and the latest name of each unit."""
    names: dict[int, tuple[str, str, Any]] = {}
    for unit_id, key, name, valid_from in rows:
        if unit_id not in names or names[unit_id][2] < valid_from:
            names[unit_id] = (key, name, valid_from)
    return {uid: (key, name) for uid, (key, name, _f) in names.items()}
