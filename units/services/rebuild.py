"""The whole registry re-derived from registrations and approved events: rebuilt, or compared
with what is stored (``rebuild_registry [--check]``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit
from ..models import Unit, UnitVersion
from ..rules import ATTRIBUTE_FIELDS
from .approval import rederive
from .derivation import derive_checked, stored_signature
from .search import search_index_differences, search_index_store


def registry_differences() -> list[dict]:
    """Compare every stored version, and the search index, with a fresh derivation; [] when
    they agree."""
    derivation = derive_checked(None)
    differences: list[dict] = [dict(p, kind="problem") for p in derivation.problems]
    stored: dict[int, list[tuple]] = {}
    for version in UnitVersion.objects.order_by("unit_id", "valid_from").iterator(chunk_size=5000):
        stored.setdefault(version.unit_id, []).append(stored_signature(version))
    for uid in sorted(set(stored) | set(derivation.versions)):
        want = [v.signature() for v in derivation.versions.get(uid, [])]
        have = stored.get(uid, [])
        if want != have:
            differences.append(
                {
                    "kind": "difference",
                    "unit": derivation.keys.get(uid, str(uid)),
                    "stored": [_describe(s) for s in have],
                    "derived": [_describe(s) for s in want],
                    "message": _("机构 %(unit)s：存储的版本与事项推导的不一致。")
                    % {"unit": derivation.keys.get(uid, uid)},
                }
            )
    if not derivation.problems:
        differences += search_index_differences(derivation)
    return differences


def _describe(signature: tuple) -> dict[str, Any]:
    valid_from, valid_to, opened, closed, kind, *values = signature
    return {
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        **dict(zip(ATTRIBUTE_FIELDS, values, strict=True)),
    }


@transaction.atomic
def registry_rebuild() -> int:
    """Re-derive every version (and the search index) from registrations and approved events;
    returns units touched."""
    derivation = rederive(unit_ids=None, action="rebuild")
    search_index_store(Unit.objects.values_list("id", flat=True), derivation)
    audit.record_summary("rebuild", "units.unitversion", "*", {"units": len(derivation.versions)})
    return len(derivation.versions)
