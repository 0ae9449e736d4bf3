"""Reads of jurisdictions: a jurisdiction and its subdivisions.

This module reads the models only, so that the read policy (``units.permissions``) and the
selectors of every other subject can import it."""

from __future__ import annotations

from django.db import connection

from ..models import Jurisdiction

MAX_JURISDICTION_DEPTH = 20


def jurisdiction_ids(jurisdiction: Jurisdiction, *, subdivisions: bool) -> list[int]:
    """The jurisdiction, and with ``subdivisions`` all its descendants (one recursive query)."""
    if not subdivisions:
        return [jurisdiction.pk]
    table = Jurisdiction._meta.db_table
    sql = f"""
        WITH RECURSIVE tree(id, depth) AS (
            SELECT id, 0 FROM {table} WHERE id = %s
            UNION
            SELECT j.id, tree.depth + 1 FROM {table} j JOIN tree ON j.parent_id = tree.id
            WHERE tree.depth < {MAX_JURISDICTION_DEPTH}
        )
        SELECT DISTINCT id FROM tree
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [jurisdiction.pk])
        return [row[0] for row in cursor.fetchall()]
