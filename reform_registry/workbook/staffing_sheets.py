"""The staffing sheets of the workbook: ``quota_transfers`` and ``headcounts``, through the
services of ``staffing`` (``transfers_post_bulk``, ``headcount_report``).

Transfers go in around the approvals (``Transfers``): the explicit transfers of the events of
the workbook's own decisions first, on the drafts (planned, as a clerk enters them, so that the
approval counts them), then the others. The ledger's invariants are checked once, when every
transfer is in: an approval may count an allocation out of a source that a grant of the same
workbook funds.

Only facts are exported: explicit transfers (grants, explicit allocations of events, campaign
recoveries and pre-collections, reallocations, returns, reversals). Default transfers of events
are derived (``Transfer.derived``) and are derived again by the import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from core.bulk import chunked
from core.errors import RegistryError
from staffing import services as staffing_services
from staffing.models import Account, HeadcountReport, Transfer
from staffing.selectors import account_spellings
from units.models import Event, Unit

from .context import ImportContext
from .format import Row

TRANSFERS = "quota_transfers"
HEADCOUNTS = "headcounts"


def _transfer_rows(qs) -> list[dict[str, Any]]:
    found = list(
        qs.values_list(
            "date",
            "decision__number",
            "event__key",
            "kind",
            "amount",
            "from_account_id",
            "to_account_id",
            "reason",
        )
    )
    spell = account_spellings({a for row in found for a in (row[5], row[6])})
    rows = [
        {
            "date": on,
            "decision": number,
            "event": event or "",
            "kind": kind,
            "amount": amount,
            "from": spell[from_id],
            "to": spell[to_id],
            "reason": reason,
        }
        for on, number, event, kind, amount, from_id, to_id, reason in found
    ]
    rows.sort(
        key=lambda r: (
            r["date"],
            r["decision"],
            r["event"],
            r["kind"],
            r["from"],
            r["to"],
            r["reason"],
            r["amount"],
        )
    )
    return rows


def export_rows() -> dict[str, list[dict[str, Any]]]:
    transfers = _transfer_rows(Transfer.objects.filter(derived=False))
    headcounts = [
        {"unit": key, "kind": kind, "as_of": as_of, "actual": actual}
        for key, kind, as_of, actual in HeadcountReport.objects.order_by(
            "unit__key", "kind", "as_of"
        )
        .values_list("unit__key", "kind", "as_of", "actual")
        .iterator(chunk_size=5000)
    ]
    return {TRANSFERS: transfers, HEADCOUNTS: headcounts}


def _signature(row: dict[str, Any]) -> tuple[str, ...]:
    return (
        row["date"].isoformat(),
        row["decision"],
        row["event"],
        row["kind"],
        str(row["amount"]),
        row["from"],
        row["to"],
        row["reason"],
    )


class Transfers:
    """The rows of ``quota_transfers`` in the two steps of an import (see ``ImportContext.run``)."""

    def __init__(self, context: ImportContext):
        self.context = context
        drafts = context.new_decision_status  # decisions the import stores, drafts until approved
        self.on_drafts: list[Row] = []
        self.others: list[Row] = []
        for row in context.rows(TRANSFERS):
            on_draft = bool(row.get("event")) and row.get("decision") in drafts
            (self.on_drafts if on_draft else self.others).append(row)
        self.posted: list[tuple[Row, staffing_services.TransferInput]] = []

    def post_on_drafts(self) -> None:
        """The explicit transfers of the events of the decisions this import stores."""
        self.posted += import_transfers(self.context, self.on_drafts)

    def post_others(self) -> None:
        """Every other transfer (after the approvals: they need the registry applied)."""
        self.posted += import_transfers(self.context, self.others)

    @contextmanager
    def checked_together(self) -> Iterator[None]:
        """Check the ledger once at the end of the block; report its problems on the rows."""
        try:
            with staffing_services.ledger_checks_deferred():
                yield
        except RegistryError as exc:
            for problem in exc.problems:
                located = _locate_balance_problem(problem, self.posted)
                self.context.error(
                    TRANSFERS, located, "amount" if located else None, problem["message"]
                )


def _resolve_accounts(context: ImportContext, rows: list[Row]) -> dict[str, Account]:
    """Accounts by spelling, creating the accounts of units and pools that have none yet."""
    return staffing_services.accounts_by_spelling(
        r.get(c) for r in rows for c in ("from", "to") if r.get(c)
    )


def import_transfers(
    context: ImportContext, rows: list[Row]
) -> list[tuple[Row, staffing_services.TransferInput]]:
    """Post these rows of ``quota_transfers``; returns those posted (identical stored rows are
    skipped, refused rows reported)."""
    if not rows:
        return []
    context.load_decisions(r.get("decision") for r in rows)
    event_keys = sorted({r.get("event") for r in rows if r.get("event")})
    events: dict[str, Event] = {}
    for batch in chunked(event_keys):
        events.update((e.key, e) for e in Event.objects.filter(key__in=batch))
    stored = Counter(
        _signature(r)
        for r in _transfer_rows(
            Transfer.objects.filter(
                derived=False,
                decision__number__in={r.get("decision") for r in rows},
            )
        )
    )
    accounts = _resolve_accounts(context, rows)
    items: list[tuple[Row, staffing_services.TransferInput]] = []
    for row in rows:
        item = _transfer_input(context, row, events, accounts)
        if item is None:
            continue
        signature = _signature(
            {
                **{c: row.get(c) for c in ("event", "kind", "from", "to", "reason")},
                "date": item.date,
                "decision": item.decision.number,
                "amount": item.amount,
            }
        )
        if stored[signature] > 0:
            stored[signature] -= 1
            context.count(TRANSFERS, "skipped")
            continue
        items.append((row, item))
    if context.registry_refused:
        return []  # the ledger's checks need the registry the workbook describes
    passed = context.in_passes(
        items,
        lambda batch: staffing_services.transfers_post_bulk(
            rows=[t for _r, t in batch], user=context.user
        ),
        partial(_refused_transfers, context),
    )
    if passed is None:
        return []
    posted, created = passed
    context.count(TRANSFERS, "created", len(created))
    return posted


def _transfer_input(
    context: ImportContext, row: Row, events: dict[str, Event], accounts: dict[str, Account]
) -> staffing_services.TransferInput | None:
    """The transfer a row asks for, or None (with its errors reported)."""
    on = context.date(TRANSFERS, row, "date")
    decision = context.decision(TRANSFERS, row, "decision", required=True)
    amount = context.integer(TRANSFERS, row, "amount") if row.get("amount") else None
    if amount is None and not row.get("amount"):
        context.error(TRANSFERS, row, "amount", _("必须填写数量。"))
    event = None
    if row.get("event"):
        event = events.get(row.get("event"))
        if event is None and row.get("event") not in context.event_rows:
            context.error(
                TRANSFERS,
                row,
                "event",
                _("事项“%(event)s”不存在。") % {"event": row.get("event")},
            )
    ends = {column: _account(context, row, column, accounts) for column in ("from", "to")}
    if (
        on is None
        or decision is None
        or amount is None
        or (row.get("event") and event is None)
        or ends["from"] is None
        or ends["to"] is None
    ):
        return None
    return staffing_services.TransferInput(
        date=on,
        kind=row.get("kind"),
        amount=amount,
        from_account=ends["from"],
        to_account=ends["to"],
        decision=decision,
        reason=row.get("reason"),
        event=event,
    )


def _account(
    context: ImportContext, row: Row, column: str, accounts: dict[str, Account]
) -> Account | None:
    """The account a row names in a column, or None (reported unless its unit's row is)."""
    spelling = row.get(column)
    account = accounts.get(spelling)
    if account is None:
        message: str | None
        if spelling.startswith("pool:"):
            message = _("编制周转池“%(a)s”的行政区划不存在。") % {"a": spelling}
        elif spelling in context.refused_units:
            message = None  # reported on the unit's own row
        else:
            message = _("账户“%(a)s”不存在（应为机构标识、pool:行政区划代码或 external）。") % {
                "a": spelling
            }
        if message:
            context.error(TRANSFERS, row, column, message)
    return account


def _refused_transfers(
    context: ImportContext,
    exc: RegistryError,
    items: list[tuple[Row, staffing_services.TransferInput]],
) -> set[int]:
    """Report each problem of a refused batch of transfers on its row; the refused rows."""
    refused: set[int] = set()
    for problem in exc.problems:
        located: Row | None
        if "row" in problem:  # numbered from 1 in the order given
            located = items[problem["row"] - 1][0]
        else:
            located = _locate_balance_problem(problem, items)
        context.error(
            TRANSFERS,
            located,
            problem.get("column") or ("amount" if problem.get("rule") else None),
            problem["message"],
        )
        if located is not None:
            refused.add(located.number)
    return {i for i, (row, _t) in enumerate(items) if row.number in refused}


def _locate_balance_problem(
    problem: dict, items: list[tuple[Row, staffing_services.TransferInput]]
) -> Row | None:
    """The last transfer row, on or before the problem's date, that moves the problem's kind
    out of (or, for holdings outside a unit's life, into) the account it names."""
    account = str(problem.get("account") or "")
    kind = problem.get("kind")
    date = str(problem.get("date") or "")
    column = "from" if problem.get("rule") == "negative" else "to"
    candidates = [
        row
        for row, t in items
        if t.kind == kind
        and t.date.isoformat() <= date
        and (f"（{row.get(column)}）" in account or row.get(column) == account)
    ]
    if not candidates and problem.get("rule") != "negative":
        candidates = [
            row for row, t in items if t.kind == kind and f"（{row.get(column)}）" in account
        ]
    return max(candidates, key=lambda r: (r.get("date"), r.number)) if candidates else None


def import_headcounts(context: ImportContext) -> None:
    rows = context.rows(HEADCOUNTS)
    if not rows:
        return
    keys = sorted({r.get("unit") for r in rows if r.get("unit")})
    units: dict[str, Unit] = {}
    for batch in chunked(keys):
        units.update((u.key, u) for u in Unit.objects.filter(key__in=batch))
    stored: set[tuple[str, str, str, str]] = set()
    for batch in chunked(keys):
        stored.update(
            (key, kind, as_of.isoformat(), str(actual))
            for key, kind, as_of, actual in HeadcountReport.objects.filter(
                unit__key__in=batch
            ).values_list("unit__key", "kind", "as_of", "actual")
        )
    items: list[tuple[Row, staffing_services.HeadcountInput]] = []
    for row in rows:
        if not context.required(HEADCOUNTS, row, ("unit", "kind")):
            continue
        as_of = context.date(HEADCOUNTS, row, "as_of")
        actual = context.integer(HEADCOUNTS, row, "actual")
        unit = units.get(row.get("unit"))
        if unit is None:
            if row.get("unit") not in context.refused_units:
                context.error(
                    HEADCOUNTS,
                    row,
                    "unit",
                    _("机构“%(unit)s”不存在。") % {"unit": row.get("unit")},
                )
            continue
        if as_of is None or actual is None or context.registry_refused:
            continue
        signature = (unit.key, row.get("kind"), as_of.isoformat(), str(actual))
        if signature in stored:
            context.count(HEADCOUNTS, "skipped")
            continue
        stored.add(signature)
        items.append(
            (
                row,
                staffing_services.HeadcountInput(
                    unit=unit, kind=row.get("kind"), as_of=as_of, actual=actual
                ),
            )
        )
    passed = context.in_passes(
        items,
        lambda batch: staffing_services.headcounts_report_bulk(
            rows=[h for _r, h in batch], user=context.user
        ),
        partial(_refused_headcounts, context),
    )
    if passed is not None:
        context.count(HEADCOUNTS, "created", len(passed[1]))


def _refused_headcounts(
    context: ImportContext,
    exc: RegistryError,
    items: list[tuple[Row, staffing_services.HeadcountInput]],
) -> set[int]:
    """Report each problem of a refused batch of headcounts on its row; the refused rows."""
    refused: set[int] = set()
    for problem in exc.problems:
        located = items[problem["row"] - 1][0] if "row" in problem else None
        context.error(HEADCOUNTS, located, None, problem["message"])
        if located is not None:
            refused.add(located.number)
    return {i for i, (row, _h) in enumerate(items) if row.number in refused}
