"""The registry as workbook rows (DESIGN §5), in a stable order so that the same registry
always gives the same files: export → import into an empty database → export is identical.

Only facts are exported: jurisdictions, caps, the birth state of every unit, decisions, events,
explicit and campaign quota transfers (default transfers of events are derived again on import)
and headcount reports. Versions are derived and are not exported."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from units.choices import ParticipantRole
from units.models import (
    Decision,
    Event,
    EventParticipant,
    InstitutionCap,
    Jurisdiction,
    UnitRegistration,
)
from units.rules import ATTRIBUTE_FIELDS

from . import staffing_sheets
from .format import birth_values
from .writers import Rows, write_workbook


def export_rows() -> Rows:
    """Every sheet's rows, as lists of dicts keyed by column."""
    rows: Rows = {
        "jurisdictions": list(_jurisdictions()),
        "caps": list(_caps()),
        "units": _units(),
        "decisions": list(_decisions()),
        "events": _events(),
    }
    rows.update(staffing_sheets.export_rows())
    return rows


def export_registry(path: str | Path) -> Path:
    return write_workbook(export_rows(), path)


def _jurisdictions() -> Iterator[dict[str, Any]]:
    for code, name, parent, level in Jurisdiction.objects.order_by("code").values_list(
        "code", "name", "parent__code", "level"
    ):
        yield {"code": code, "name": name, "parent": parent or "", "level": level}


def _caps() -> Iterator[dict[str, Any]]:
    for code, valid_from, cap, decision in InstitutionCap.objects.order_by(
        "jurisdiction__code", "valid_from"
    ).values_list("jurisdiction__code", "valid_from", "cap", "decision__number"):
        yield {"jurisdiction": code, "valid_from": valid_from, "cap": cap, "decision": decision}


def _units() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key, kind, established_on, attributes in (
        UnitRegistration.objects.values_list(
            "unit__key", "unit__kind", "established_on", "attributes"
        )
        .order_by()
        .iterator(chunk_size=5000)
    ):
        rows.append(
            {
                "key": key,
                "kind": kind,
                **birth_values(attributes),
                "established_on": established_on,
                "established_by": "",
            }
        )
    for key, kind, event_key, attributes in (
        EventParticipant.objects.filter(creates=True)
        .values_list("unit__key", "unit__kind", "event__key", "attributes")
        .order_by()
        .iterator(chunk_size=5000)
    ):
        rows.append(
            {
                "key": key,
                "kind": kind,
                **birth_values(attributes),
                "established_on": "",
                "established_by": event_key,
            }
        )
    rows.sort(key=lambda r: r["key"])
    return rows


def _decisions() -> Iterator[dict[str, Any]]:
    for number, title, issuer, issued_on, status in Decision.objects.order_by(
        "issued_on", "number"
    ).values_list("number", "title", "issuer", "issued_on", "status"):
        yield {
            "number": number,
            "title": title,
            "issuer": issuer,
            "issued_on": issued_on,
            "status": status,
        }


def _events() -> list[dict[str, Any]]:
    sources: dict[int, list[str]] = defaultdict(list)
    targets: dict[int, list[str]] = defaultdict(list)
    for event_id, role, key in (
        EventParticipant.objects.order_by("event_id", "role", "position", "id")
        .values_list("event_id", "role", "unit__key")
        .iterator(chunk_size=5000)
    ):
        (sources if role == ParticipantRole.SOURCE else targets)[event_id].append(key)
    rows: list[dict[str, Any]] = []
    for event_id, key, number, type_, effective_on, attributes in (
        Event.objects.order_by("effective_on", "key")
        .values_list("id", "key", "decision__number", "type", "effective_on", "attributes")
        .iterator(chunk_size=5000)
    ):
        row: dict[str, Any] = {
            "key": key,
            "decision": number,
            "type": type_,
            "effective_on": effective_on,
            "sources": sources.get(event_id, []),
            "targets": targets.get(event_id, []),
        }
        for name in ATTRIBUTE_FIELDS:
            if name in (attributes or {}):
                value = attributes[name]
                row[name] = "" if value is None else value
        rows.append(row)
    return rows
