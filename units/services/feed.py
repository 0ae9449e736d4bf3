"""The outbox of the change feed (DESIGN §9): every write that changes what the registry says
appends its entry here, as the last thing it does inside its transaction.

An entry's ``seq`` comes from one counter row (``FeedCounter``) that the append increments in
the writer's transaction. The increment locks the row until that transaction ends, so a second
writer's append waits until the first has committed or rolled back, and then takes the next
number: entries are numbered in the order their transactions commit, a rolled-back write leaves
no gap, and a consumer that has read ``after=N`` can never later find an entry numbered ``N`` or
below (which an ordinary sequence allows: numbers are drawn when transactions run, not when they
commit). On SQLite writes are serialised by the database anyway. The lock is taken at the end of
each write, so writers wait for each other only for the time between their append and their
commit.

Appends are set-based: a bulk write (a workbook's 10,000 registrations) is one entry whose units
are written in one COPY.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Max
from django.utils import timezone

from core.bulk import copy_values

from ..choices import FeedKind
from ..models import Decision, FeedCounter, FeedEntry, FeedEntryJurisdiction, FeedEntryUnit


@dataclass(frozen=True)
class FeedItem:
    """One entry to append: the kind of change, the decision, the units and jurisdictions it
    touches, and what else a consumer needs to know of it (JSON)."""

    kind: str
    decision_id: int | None = None
    unit_ids: Iterable[int] = ()
    jurisdiction_ids: Iterable[int] = ()
    payload: dict[str, Any] = field(default_factory=dict)


def _take_seqs(count: int) -> int:
    """Reserve ``count`` numbers; returns the last. Locks the counter row until the caller's
    transaction ends."""
    if not FeedCounter.objects.filter(pk=1).update(last_seq=F("last_seq") + count):
        # No counter row (a database emptied by hand): number on from the last entry.
        start = FeedEntry._base_manager.aggregate(last=Max("seq"))["last"] or 0
        FeedCounter.objects.get_or_create(pk=1, defaults={"last_seq": start})
        FeedCounter.objects.filter(pk=1).update(last_seq=F("last_seq") + count)
    last: int = FeedCounter.objects.values_list("last_seq", flat=True).get(pk=1)
    return last


def feed_append_many(items: Sequence[FeedItem]) -> list[FeedEntry]:
    """Append entries in this order, numbered one after the other. Must run inside the write's
    transaction (so that the entry is kept or rolled back with the write)."""
    if not items:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("feed entries are appended inside the transaction of their write")
    last = _take_seqs(len(items))
    first = last - len(items) + 1
    now = timezone.now()
    entries = [
        FeedEntry(
            seq=first + index,
            uid=uuid.uuid4(),
            kind=FeedKind(item.kind).value,
            at=now,
            decision_id=item.decision_id,
            payload=item.payload,
        )
        for index, item in enumerate(items)
    ]
    FeedEntry.objects.bulk_create(entries, batch_size=1000)
    copy_values(
        FeedEntryUnit,
        ("entry", "unit"),
        [
            (entry.seq, unit_id)
            for entry, item in zip(entries, items, strict=True)
            for unit_id in sorted(set(item.unit_ids))
        ],
    )
    copy_values(
        FeedEntryJurisdiction,
        ("entry", "jurisdiction"),
        [
            (entry.seq, jurisdiction_id)
            for entry, item in zip(entries, items, strict=True)
            for jurisdiction_id in sorted({j for j in item.jurisdiction_ids if j is not None})
        ],
    )
    return entries


def feed_append(
    kind: str,
    *,
    decision: Decision | int | None = None,
    unit_ids: Iterable[int] = (),
    jurisdiction_ids: Iterable[int | None] = (),
    payload: dict[str, Any] | None = None,
) -> FeedEntry:
    """Append one entry (``feed_append_many``)."""
    decision_id = decision.pk if isinstance(decision, Decision) else decision
    item = FeedItem(
        kind=kind,
        decision_id=decision_id,
        unit_ids=tuple(unit_ids),
        jurisdiction_ids=tuple(j for j in jurisdiction_ids if j is not None),
        payload=payload or {},
    )
    return feed_append_many([item])[0]
