"""Documents of units (DESIGN §2): the one definition of the document in force on a date, and
a unit's documents with their standing on a date. The report, the unit page, the API and the
admin all call these.

A document of a unit is in force on a date when it has taken effect (``effective_from`` on or
before), it has not been withdrawn by then (``withdrawn_on`` after the date, or none), and no
newer document of the same kind of the same unit has taken effect since: a newer one (a later
``effective_from``, or the same date and entered later) supersedes it from its effective date.
A document withdrawn on or before its own effective date never took effect and supersedes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from ..choices import DocumentKind
from ..models import Unit, UnitDocument
from ..rules import decision_number_key

IN_FORCE = "in_force"
SUPERSEDED = "superseded"
WITHDRAWN = "withdrawn"
PENDING = "pending"


def _unit_filter(units: Any) -> Q:
    if isinstance(units, Unit):
        return Q(unit=units)
    if isinstance(units, QuerySet):
        return Q(unit__in=units.values("pk")) if units.model is not Unit else Q(unit__in=units)
    ids = [u.pk if isinstance(u, Unit) else u for u in units]
    return Q(unit__in=ids)


def took_effect() -> Q:
    """The documents that took effect at all (not withdrawn on or before their effective date)."""
    return Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=F("effective_from"))


def not_withdrawn_on(as_of: dt.date) -> Q:
    return Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=as_of)


def in_force_condition(as_of: dt.date) -> Q:
    """The condition a document meets to be in force on ``as_of`` (to filter any queryset of
    documents)."""
    newer = (
        UnitDocument._base_manager.filter(
            unit=OuterRef("unit"), kind=OuterRef("kind"), effective_from__lte=as_of
        )
        .filter(
            Q(effective_from__gt=OuterRef("effective_from"))
            | Q(effective_from=OuterRef("effective_from"), pk__gt=OuterRef("pk"))
        )
        .filter(took_effect())
    )
    return Q(effective_from__lte=as_of) & not_withdrawn_on(as_of) & ~Q(Exists(newer))


def documents_in_force(
    units: Unit | QuerySet | Iterable[Unit | int] | None,
    as_of: dt.date,
    kind: str | DocumentKind | None = None,
    *,
    queryset: QuerySet[UnitDocument] | None = None,
) -> QuerySet[UnitDocument]:
    """The documents of these units (a unit, a queryset of units or of ids, or ``None`` for all
    the rows of ``queryset``) in force on ``as_of``, of one kind or of every kind: at most one
    per unit and kind. ``queryset`` is the (restricted) queryset of documents to start from."""
    documents = UnitDocument.objects.all() if queryset is None else queryset
    if units is not None:
        documents = documents.filter(_unit_filter(units))
    if kind is not None:
        documents = documents.filter(kind=kind)
    return documents.filter(in_force_condition(as_of))


def document_status(document: UnitDocument, as_of: dt.date, in_force_ids: set[int]) -> str:
    """The standing of a document on ``as_of``: in force, superseded, withdrawn or not yet in
    effect (``in_force_ids``: the documents in force then, from ``documents_in_force``)."""
    if document.pk in in_force_ids:
        return IN_FORCE
    if document.withdrawn_on is not None and document.withdrawn_on <= as_of:
        return WITHDRAWN
    if document.effective_from > as_of:
        return PENDING
    return SUPERSEDED


def unit_documents(
    unit: Unit, as_of: dt.date, *, queryset: QuerySet[UnitDocument] | None = None
) -> list[UnitDocument]:
    """Every document of a unit, newest first within each kind, each with ``status`` set to
    its standing on ``as_of``; power lists come with their items."""
    documents = UnitDocument.objects.all() if queryset is None else queryset
    rows = list(
        documents.filter(unit=unit)
        .select_related("decision", "replaces")
        .prefetch_related("items")
        .order_by("kind", "-effective_from", "-id")
    )
    in_force = set(documents_in_force(unit, as_of, queryset=documents).values_list("pk", flat=True))
    for row in rows:
        row.status = document_status(row, as_of, in_force)
    return rows


def documents_by_number(
    number: str, *, queryset: QuerySet[UnitDocument] | None = None
) -> QuerySet[UnitDocument]:
    """The documents whose number matches ``number`` in its compared form (brackets, widths and
    spaces aside); a fragment matches too."""
    documents = UnitDocument.objects.all() if queryset is None else queryset
    key = decision_number_key(number)
    if not key:
        return documents
    return documents.filter(number_key__contains=key)
