"""Reading the change feed (DESIGN §9): the entries of the outbox after a ``seq``, as a user may
read them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from core.restrict import restricted, visible_among

from ..models import Decision, FeedEntry, FeedEntryJurisdiction, FeedEntryUnit

MAX_LIMIT = 1000


def feed_page(*, user: Any, after: int, limit: int) -> tuple[list[FeedEntry], int]:
    """The entries after ``after`` the user may read, at most ``limit``, each carrying the keys
    of its units, the codes of its jurisdictions and its decision's number that the user reads;
    and the ``after`` of the next request. A fixed number of queries whatever the limit."""
    units: Any = FeedEntryUnit.objects.select_related("unit").order_by("unit__key")
    jurisdictions: Any = FeedEntryJurisdiction.objects.select_related("jurisdiction").order_by(
        "jurisdiction__code"
    )
    queryset = (
        FeedEntry.objects.filter(seq__gt=after)
        .select_related("decision")
        .prefetch_related(
            Prefetch("unit_links", units), Prefetch("jurisdiction_links", jurisdictions)
        )
    )
    entries: list[FeedEntry] = list(restricted(queryset, user).order_by("seq")[:limit])
    decisions = visible_among(Decision, {e.decision_id for e in entries if e.decision_id}, user)
    for entry in entries:
        entry.unit_keys = [link.unit.key for link in entry.unit_links.all()]
        entry.jurisdiction_codes = [
            link.jurisdiction.code for link in entry.jurisdiction_links.all()
        ]
        entry.decision_number = (
            entry.decision.number
            if entry.decision is not None and entry.decision_id in decisions
            else None
        )
    return entries, entries[-1].seq if entries else after
