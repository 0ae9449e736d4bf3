"""The search index (DESIGN §6): each unit's searchable texts and their n-grams, stored whenever
its versions are, rebuilt by ``rebuild_registry`` and compared by its ``--check``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.bulk import chunked, copy_values

from ..models import UnitSearchEntry
from ..rules import lexemes_of, quoted_lexemes, search_grams, search_text
from .derivation import Derivation

SEARCHED_FIELDS = ("name", "short_name", "credit_code")
ENTRY_COLUMNS = ("unit", "tier", "text", "grams")

EntryRow = tuple[int, int, str, str]


def search_entry_rows(
    unit_id: int, key: str, versions: Sequence[Mapping[str, Any]]
) -> list[EntryRow]:
    """The index rows of one unit (``ENTRY_COLUMNS``) from its versions' values in date order:
    the latest version's texts and the key as current; the earlier texts that the current ones
    do not repeat as former."""
    if not versions:
        return []
    now = search_text([key] + [str(versions[-1].get(f) or "") for f in SEARCHED_FIELDS])
    earlier = (str(v.get(f) or "") for v in versions[:-1] for f in SEARCHED_FIELDS)
    former = search_text(t for t in earlier if f"\n{t}\n" not in now)
    rows = [(unit_id, UnitSearchEntry.CURRENT, now)]
    if former != "\n":
        rows.append((unit_id, UnitSearchEntry.FORMER, former))
    return [(uid, tier, text, quoted_lexemes(search_grams(text))) for uid, tier, text in rows]


def _derived_rows(derivation: Derivation, unit_ids: Iterable[int]) -> list[EntryRow]:
    rows: list[EntryRow] = []
    for uid in unit_ids:
        versions = [v.values for v in derivation.versions.get(uid, ())]
        rows += search_entry_rows(uid, derivation.keys.get(uid, ""), versions)
    return rows


def search_index_store(unit_ids: Iterable[int], derivation: Derivation) -> None:
    """Replace the index rows of these units with those of their derived versions (inside the
    transaction that stores the versions)."""
    ids = sorted(set(unit_ids))
    for batch in chunked(ids):
        UnitSearchEntry.objects.filter(unit_id__in=batch).delete()
    copy_values(UnitSearchEntry, ENTRY_COLUMNS, _derived_rows(derivation, ids))


def search_index_differences(derivation: Derivation) -> list[dict]:
    """The units whose stored index rows differ from those of their derived versions."""
    want: dict[int, list[tuple]] = {}
    for uid, tier, text, grams in _derived_rows(derivation, sorted(derivation.versions)):
        want.setdefault(uid, []).append((tier, text, lexemes_of(grams)))
    have: dict[int, list[tuple]] = {}
    for uid, tier, text, grams in (
        UnitSearchEntry.objects.order_by("unit_id", "tier")
        .values_list("unit_id", "tier", "text", "grams")
        .iterator(chunk_size=5000)
    ):
        have.setdefault(uid, []).append((tier, text, lexemes_of(grams)))
    return [
        {
            "kind": "difference",
            "unit": derivation.keys.get(uid, str(uid)),
            "stored": [{"tier": t, "text": text.strip()} for t, text, _g in have.get(uid, [])],
            "derived": [{"tier": t, "text": text.strip()} for t, text, _g in want.get(uid, [])],
            "message": _("机构 %(unit)s：检索索引与其版本不一致。")
            % {"unit": derivation.keys.get(uid, uid)},
        }
        for uid in sorted(set(want) | set(have))
        if want.get(uid, []) != have.get(uid, [])
    ]
