"""Search (DESIGN §6): the units whose current or former name, short name, credit code or key
holds a fragment, found through the n-gram index of ``units.services.search`` and ordered by
relevance — a whole name or short name first, then current texts before former ones."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from core.pagination import CappedPaginator

from ..models import Unit, UnitSearchEntry
from ..rules import query_grams, search_normal

# Beyond this many matches a list may give its count as a lower bound (``count_is_lower_bound``).
SEARCH_COUNT_LIMIT = 10_000

_TABLE = UnitSearchEntry._meta.db_table
FTS_TABLE = f"{_TABLE}_fts"


def _tsquery_lexeme(gram: str) -> str:
    return "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"


def _fts_phrase(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


def _entries_holding(fragment: str) -> QuerySet[UnitSearchEntry]:
    """The index rows whose text holds the normalised fragment: narrowed by the index to the
    rows holding all of its n-grams, then checked for the fragment itself."""
    grams = query_grams(fragment)
    if grams == [fragment] and fragment.isalnum():
        # One character, or two neighbours: holding the n-gram is holding the fragment.
        entries = UnitSearchEntry.objects.all()
    else:
        entries = UnitSearchEntry.objects.filter(text__contains=fragment)
    if not grams:
        return entries
    if connection.vendor == "postgresql":
        condition = RawSQL(
            # Unqualified: the only table of the subquery holding a column of that name.
            "grams @@ %s::tsquery",
            [" & ".join(_tsquery_lexeme(g) for g in grams)],
            output_field=BooleanField(),
        )
        return entries.alias(indexed=condition).filter(indexed=True)
    if connection.vendor == "sqlite":
        # FTS5's tokenizer keeps letters and digits only: an n-gram of punctuation alone is no
        # token, and narrows nothing.
        grams = [g for g in grams if any(c.isalnum() for c in g)]
        if not grams:
            return entries
        ids = RawSQL(
            f'SELECT rowid FROM "{FTS_TABLE}" WHERE "{FTS_TABLE}" MATCH %s',
            [" AND ".join(_fts_phrase(g) for g in grams)],
        )
        return entries.filter(id__in=ids)
    return entries


def search_fragment(text: str) -> str:
    """The text of a search as the index compares it (see ``units.rules.search_normal``)."""
    return search_normal(text)


def matching_unit_ids(text: str) -> QuerySet:
    """The ids of the units a search finds (a subquery: one row per matching index row)."""
    return _entries_holding(search_fragment(text)).values("unit_id")


def units_matching(text: str) -> QuerySet[Unit]:
    """Units whose current or former name, short name, credit code or key holds the text."""
    return Unit.objects.filter(id__in=matching_unit_ids(text))


def search_rank(text: str, *, unit_field: str = "unit_id") -> Case:
    """The relevance of each found unit (0 best), for ordering: 0 when a whole current or
    former name, short name, credit code or key equals the text, 1 when a current text holds
    it, 2 when only a former one does."""
    fragment = search_fragment(text)
    found = _entries_holding(fragment)
    whole = found.filter(text__contains=f"\n{fragment}\n").values("unit_id")
    current = found.filter(tier=UnitSearchEntry.CURRENT).values("unit_id")
    return Case(
        When(**{f"{unit_field}__in": whole}, then=Value(0)),
        When(**{f"{unit_field}__in": current}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def search_paginator(rows: Any, per_page: int, text: str | None) -> Paginator:
    """The paginator of a unit list (the pages' and the API's): a search (``text`` given)
    counts its matches only up to ``SEARCH_COUNT_LIMIT``."""
    if str(text or "").strip():
        return CappedPaginator(rows, per_page, limit=SEARCH_COUNT_LIMIT)
    return Paginator(rows, per_page)
