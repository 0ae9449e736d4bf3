"""What the steps of a workbook import share (DESIGN §5): the report, the rows and the
references resolved so far, the readers of cells, and the calls of set-based services repeated
without the rows they refuse. The importer and the staffing sheets both work on one
``ImportContext``; neither imports the other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from core.bulk import chunked
from core.dates import parse_iso_date
from core.errors import RegistryError
from units.models import Decision, Jurisdiction

from .format import KEY_COLUMN, SHEETS, Row, Sheet, WorkbookData

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class ImportReport:
    """Counts per sheet (created / skipped as identical) and every error found."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {"created": 0, "skipped": 0} for name in SHEETS}
    )
    errors: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False
    approvals: int = 0  # decisions the import approves (or approves and revokes)
    # Rows whose checks had to wait for errors to be fixed: one entry per sheet, shaped as
    # an error (sheet, message).
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def present_counts(self, sheets: Iterable[str]) -> dict[str, dict[str, int]]:
        return {name: self.counts[name] for name in SHEETS if name in set(sheets)}


def describe_error(error: dict[str, Any]) -> str:
    """One error as a line: sheet, row, column, key, reason."""
    parts = []
    if error.get("sheet"):
        parts.append(str(error["sheet"]))
    if error.get("row"):
        parts.append(_("第 %(row)d 行") % {"row": error["row"]})
    if error.get("column"):
        parts.append(_("列 %(column)s") % {"column": error["column"]})
    if error.get("key"):
        parts.append("[" + str(error["key"]) + "]")
    where = " ".join(parts)
    return f"{where}: {error['message']}" if where else str(error["message"])


class ImportContext:
    """What the steps of one import share: the rows of its sheets, the references resolved so
    far (jurisdictions, decisions), what was refused, and the report every step writes to;
    with the readers of cells, which report what they cannot read."""

    def __init__(self, data: WorkbookData, *, user: Any = None):
        self.data = data
        self.user = user if getattr(user, "pk", None) else None
        self.report = ImportReport()
        self.jurisdictions: dict[str, Jurisdiction] = {}
        self.decisions: dict[str, Decision] = {}
        self.new_decision_status: dict[str, str] = {}
        self.decision_rows: dict[str, Row] = {}
        self.refused_decisions: set[str] = set()
        self.unit_rows: dict[str, Row] = {}
        self.refused_units: set[str] = set()
        self.registered_ids: list[int] = []
        self.event_rows: dict[str, Row] = {}
        self.sheets: dict[str, Sheet] = {}
        self.registry_refused = False  # the approval of the workbook's decisions failed

    # -- reporting -------------------------------------------------------------------------

    def error(
        self, sheet: str, row: Row | None, column: str | None, message: str, key: str = ""
    ) -> None:
        if not key and row is not None and sheet in KEY_COLUMN:
            key = row.get(KEY_COLUMN[sheet])
        self.report.errors.append(
            {
                "sheet": sheet,
                "row": row.number if row else None,
                "column": column or None,
                "key": key or None,
                "message": str(message),
            }
        )

    def count(self, sheet: str, what: str, n: int = 1) -> None:
        self.report.counts[sheet][what] += n

    # -- cells -----------------------------------------------------------------------------

    def date(self, sheet: str, row: Row, column: str, *, required: bool = True) -> dt.date | None:
        text = row.get(column)
        if not text:
            if required:
                self.error(sheet, row, column, _("必须填写日期（YYYY-MM-DD）。"))
            return None
        try:
            if len(text) != 10:
                raise ValueError
            return parse_iso_date(text)
        except ValueError:
            self.error(
                sheet,
                row,
                column,
                _("“%(value)s”不是有效日期，应为 YYYY-MM-DD。") % {"value": text},
            )
            return None

    def integer(self, sheet: str, row: Row, column: str) -> int | None:
        text = row.get(column)
        try:
            return int(text)
        except ValueError:
            self.error(sheet, row, column, _("“%(value)s”不是整数。") % {"value": text})
            return None

    def required(self, sheet: str, row: Row, columns: Sequence[str]) -> bool:
        ok = True
        for column in columns:
            if not row.get(column):
                self.error(sheet, row, column, _("必须填写“%(column)s”。") % {"column": column})
                ok = False
        return ok

    def problems_to_errors(
        self, sheet: str, row: Row | None, problems: Iterable[dict], key: str = ""
    ) -> None:
        for problem in problems:
            self.error(sheet, row, problem.get("column"), problem["message"], key)

    def duplicate(self, sheet: str, row: Row, seen: dict[str, Row], key: str) -> bool:
        """True when the key was seen before in this sheet (identical: skipped; else error)."""
        first = seen.get(key)
        if first is None:
            seen[key] = row
            return False
        if first.cells == row.cells:
            self.count(sheet, "skipped")
        else:
            self.error(
                sheet,
                row,
                KEY_COLUMN.get(sheet),
                _("与第 %(row)d 行的标识相同但内容不同。") % {"row": first.number},
            )
        return True

    def contradiction(
        self, sheet: str, row: Row, stored: dict[str, str], given: dict[str, str]
    ) -> bool:
        """Compare a row with the stored row of the same key; report every differing column."""
        differing = [c for c in given if given[c] != stored.get(c)]
        for column in differing:
            self.error(
                sheet,
                row,
                column,
                _("与已存储的记录矛盾：已存储“%(stored)s”，工作簿为“%(given)s”。")
                % {"stored": stored.get(column, ""), "given": given[column]},
            )
        return bool(differing)

    @staticmethod
    def attempt(call: Callable[[], T]) -> T:
        with transaction.atomic():
            return call()

    # -- sheets and references ----------------------------------------------------------

    def rows(self, name: str) -> list[Row]:
        sheet = self.sheets.get(name)
        return sheet.rows if sheet else []

    def load_jurisdictions(self, codes: Iterable[str]) -> None:
        wanted = [c for c in set(codes) if c and c not in self.jurisdictions]
        for batch in chunked(wanted):
            for j in Jurisdiction.objects.filter(code__in=batch).select_related("parent"):
                self.jurisdictions[j.code] = j

    def load_decisions(self, numbers: Iterable[str]) -> None:
        wanted = [n for n in set(numbers) if n and n not in self.decisions]
        for batch in chunked(wanted):
            for d in Decision.objects.filter(number__in=batch):
                self.decisions[d.number] = d

    def decision(self, sheet: str, row: Row, column: str, *, required: bool) -> Decision | None:
        """The decision a row refers to; ``None`` (with an error unless it was refused)."""
        number = row.get(column)
        if not number:
            if required:
                self.error(sheet, row, column, _("必须填写决定文号。"))
            return None
        if number not in self.decisions:
            self.load_decisions([number])
        found = self.decisions.get(number)
        if found is None and number not in self.refused_decisions:
            self.error(sheet, row, column, _("决定“%(number)s”不存在。") % {"number": number})
        return found

    def in_passes(
        self,
        items: list[T],
        call: Callable[[list[T]], R],
        refused: Callable[[RegistryError, list[T]], set[int]],
    ) -> tuple[list[T], R] | None:
        """Call a set-based service with the items, each pass in a savepoint; when it refuses
        some, ``refused`` reports the problems and gives the positions of the refused items,
        and the service is called again without them. Returns the items that went in and what
        the service returned, or None when none went in (nothing left, or nothing to leave
        out)."""
        while items:
            try:
                return items, self.attempt(partial(call, items))
            except RegistryError as exc:
                left_out = refused(exc, items)
                remaining = [item for i, item in enumerate(items) if i not in left_out]
                if len(remaining) == len(items):
                    return None
                items = remaining
        return None
