"""The first pass of an import (DESIGN §5): every row of every sheet, checked on its own.

Required cells, dates, whole numbers, booleans, codes (a label becomes its code here, for the
second pass and the services), credit codes, keys, references to keys present in the workbook
or the database, rows that share a key, and the shape of events are checked for every row,
whatever else is wrong, and every problem is reported together. What needs the earlier sheets
applied — matching rows with stored ones, applying events in date order, the balances of the
ledger — is the second pass (``ImportContext.run``). It runs only on a workbook that passes this one;
otherwise a notice per sheet names the rows it has not reached.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.bulk import chunked
from staffing.rules import MAX_AMOUNT
from units.models import Event, Unit
from units.rules import ATTRIBUTE_FIELDS, clean_attributes, event_structure_problems
from units.validators import division_code_validator, unit_key_validator

from .context import ImportContext
from .format import KEY_COLUMN, SHEETS, Row, cell_code, code_problem, split_list

EXTERNAL = "external"
POOL = "pool:"
# The sheets whose rows have a key of their own (others' KEY_COLUMN only names a row).
KEYED = ("jurisdictions", "units", "decisions", "events")


def check_rows(context: ImportContext) -> None:
    """Check every row of every sheet the import accepted; report every problem."""
    RowChecks(context).run()


def note_unchecked(context: ImportContext, names: Iterable[str], message: str) -> None:
    """One notice per sheet: the rows without an error of their own that ``message`` says
    could not be checked (it has a ``%(rows)s`` placeholder)."""
    bad = {(e["sheet"], e["row"]) for e in context.report.errors}
    wanted = set(names)
    for name in [n for n in SHEETS if n in wanted]:
        numbers = [r.number for r in context.rows(name) if (name, r.number) not in bad]
        if numbers:
            context.report.notices.append(
                {
                    "sheet": name,
                    "row": None,
                    "column": None,
                    "key": None,
                    "message": message % {"rows": row_ranges(numbers)},
                }
            )


def row_ranges(numbers: list[int]) -> str:
    """Row numbers as runs: ``2–5、8、10–11``."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return _("、").join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def _stored(model: type[Unit] | type[Event], keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for batch in chunked(sorted({k for k in keys if k})):
        found.update(model.objects.filter(key__in=batch).order_by().values_list("key", flat=True))
    return found


class RowChecks:
    def __init__(self, context: ImportContext):
        self.context = context
        self.error = context.error
        rows = context.rows
        # Keys the workbook holds (a sheet refused for a missing column still names its rows).
        in_book: dict[str, set[str]] = {name: set() for name in KEYED}
        for name, sheet in context.data.sheets.items():
            if name in KEYED:
                in_book[name] = {r.get(KEY_COLUMN[name]) for r in sheet.rows} - {""}
        accounts = {r.get(c) for r in rows("quota_transfers") for c in ("from", "to")}
        unit_refs = {
            *(r.get("parent") for name in ("units", "events") for r in rows(name)),
            *(
                k
                for r in rows("events")
                for c in ("sources", "targets")
                for k in split_list(r.get(c))
            ),
            *(r.get("unit") for r in rows("headcounts")),
            *(a for a in accounts if a != EXTERNAL and not a.startswith(POOL)),
        }
        codes = {
            *(r.get("parent") for r in rows("jurisdictions")),
            *(r.get("jurisdiction") for name in ("caps", "units", "events") for r in rows(name)),
            *(a[len(POOL) :] for a in accounts if a.startswith(POOL)),
        }
        numbers = {
            r.get("decision") for name in ("caps", "events", "quota_transfers") for r in rows(name)
        }
        event_refs = {
            *(r.get("established_by") for r in rows("units")),
            *(r.get("event") for r in rows("quota_transfers")),
        }
        context.load_jurisdictions(codes - in_book["jurisdictions"])
        context.load_decisions(numbers - in_book["decisions"])
        self.jurisdictions = in_book["jurisdictions"] | set(context.jurisdictions)
        self.decisions = in_book["decisions"] | set(context.decisions)
        self.units = in_book["units"] | _stored(Unit, unit_refs - in_book["units"])
        self.stored_events = _stored(Event, event_refs | in_book["events"])
        self.events = in_book["events"] | self.stored_events
        # Who creates whom, as the workbook says: a unit's established_by, an event's targets.
        units, events = (context.data.sheets.get(n) for n in ("units", "events"))
        self.born_by = {r.get("key"): r.get("established_by") for r in units.rows} if units else {}
        self.targets_of = (
            {r.get("key"): set(split_list(r.get("targets"))) for r in events.rows} if events else {}
        )

    def run(self) -> None:
        for name, check in (
            ("jurisdictions", self.jurisdiction_row),
            ("caps", self.cap_row),
            ("units", self.unit_row),
            ("decisions", self.decision_row),
            ("events", self.event_row),
            ("quota_transfers", self.transfer_row),
            ("headcounts", self.headcount_row),
        ):
            rows = self.context.rows(name)
            for row in rows:
                check(name, row)
            if name in KEYED:
                self.shared_keys(name, rows)

    # -- cells -----------------------------------------------------------------------------

    def code(self, sheet: str, row: Row, column: str, *, required: bool = False) -> bool:
        """Read a code cell (code or label), writing the code into the row; False if bad."""
        text = row.get(column)
        if not text:
            if required:
                self.context.required(sheet, row, (column,))
            return not required
        found = cell_code(sheet, column, text)
        if found is None:
            self.error(sheet, row, column, code_problem(sheet, column, text))
            return False
        row.cells[column] = found
        return True

    def number(
        self, sheet: str, row: Row, column: str, low: int, below: str, above: str | None = None
    ) -> None:
        """A required whole number of at least ``low`` (and, with ``above``, at most
        ``MAX_AMOUNT``); ``below`` and ``above`` say what is wrong with one outside."""
        if not self.context.required(sheet, row, (column,)):
            return
        value = self.context.integer(sheet, row, column)
        if value is not None and value < low:
            self.error(sheet, row, column, below % {"v": value})
        elif value is not None and above and value > MAX_AMOUNT:
            self.error(sheet, row, column, above % {"v": value, "max": MAX_AMOUNT})

    def key(self, sheet: str, row: Row, column: str) -> None:
        text = row.get(column)
        if text:
            try:
                unit_key_validator(text)
            except ValidationError as exc:
                self.error(sheet, row, column, " ".join(exc.messages))

    def refer(
        self, sheet: str, row: Row, column: str, known: set[str], message: str, name: str
    ) -> bool:
        """A reference cell (optional here) to a key in ``known``; ``message`` names the key
        with the placeholder ``name``."""
        text = row.get(column)
        if text and text not in known:
            self.error(sheet, row, column, message % {name: text})
            return False
        return True

    def decision(self, sheet: str, row: Row, *, required: bool) -> None:
        if required:
            self.context.required(sheet, row, ("decision",))
        self.refer(sheet, row, "decision", self.decisions, _("决定“%(number)s”不存在。"), "number")

    def attributes(self, sheet: str, row: Row, *, birth: bool, kind: str | None = None) -> None:
        """The attribute columns of a unit or an event (codes, booleans, numbers, credit code,
        lengths; for a unit at birth, its name and jurisdiction; with ``kind``, a credit code
        that fits it) and their references."""
        bad = {c for c in ("category", "rank", "funding") if not self.code(sheet, row, c)}
        cells = row.cells
        raw = {c: v for c in ATTRIBUTE_FIELDS if (v := cells.get(c, "")) != "" and c not in bad}
        for problem in clean_attributes(raw, birth=birth, kind=kind)[1]:
            self.error(sheet, row, problem.get("column"), problem["message"])
        self.refer(
            sheet, row, "jurisdiction", self.jurisdictions, _("行政区划“%(code)s”不存在。"), "code"
        )
        self.refer(sheet, row, "parent", self.units, _("主管单位“%(unit)s”不存在。"), "unit")

    def shared_keys(self, sheet: str, rows: list[Row]) -> None:
        """Rows that share a key must be identical (the copies are then skipped)."""
        column = KEY_COLUMN[sheet]
        first: dict[str, Row] = {}
        for row in rows:
            key = row.get(column)
            if not key:
                continue
            seen = first.setdefault(key, row)
            if seen is not row and seen.cells != row.cells:
                self.error(
                    sheet,
                    row,
                    column,
                    _("与第 %(row)d 行的标识相同但内容不同。") % {"row": seen.number},
                )

    # -- sheets ----------------------------------------------------------------------------

    def jurisdiction_row(self, name: str, row: Row) -> None:
        if self.context.required(name, row, ("code",)):
            try:
                division_code_validator(row.get("code"))
            except ValidationError:
                self.error(
                    name,
                    row,
                    "code",
                    _("行政区划代码“%(code)s”必须是6位数字。") % {"code": row.get("code")},
                )
        self.context.required(name, row, ("name",))
        self.code(name, row, "level", required=True)
        self.refer(
            name, row, "parent", self.jurisdictions, _("上级行政区划“%(code)s”不存在。"), "code"
        )

    def cap_row(self, name: str, row: Row) -> None:
        self.context.required(name, row, ("jurisdiction",))
        self.refer(
            name, row, "jurisdiction", self.jurisdictions, _("行政区划“%(code)s”不存在。"), "code"
        )
        self.context.date(name, row, "valid_from")
        self.number(name, row, "cap", 0, _("机构限额不能为负数。"))
        self.decision(name, row, required=False)

    def unit_row(self, name: str, row: Row) -> None:
        key = row.get("key")
        self.context.required(name, row, ("key",))
        self.key(name, row, "key")
        self.code(name, row, "kind", required=True)
        self.attributes(name, row, birth=True, kind=row.get("kind"))
        on = self.context.date(name, row, "established_on", required=False)
        by = row.get("established_by")
        if row.get("established_on") and on is None:
            pass  # reported as a date
        elif bool(on) == bool(by):
            self.error(
                name,
                row,
                "established_on",
                _(
                    "必须填写 established_on（存量登记日期）或 established_by（设立事项），且只能填一个。"
                ),
            )
        missing = _("设立事项“%(event)s”不存在。")
        known = self.refer(name, row, "established_by", self.events, missing, "event")
        if by and known and by in self.targets_of and key not in self.targets_of[by]:
            self.error(
                name,
                row,
                "established_by",
                _("事项 %(event)s 的 targets 中没有该机构。") % {"event": by},
            )

    def decision_row(self, name: str, row: Row) -> None:
        self.context.required(name, row, ("number", "title"))
        self.context.date(name, row, "issued_on")
        self.code(name, row, "status", required=True)

    def event_row(self, name: str, row: Row) -> None:
        key = row.get("key")
        self.context.required(name, row, ("key",))
        self.key(name, row, "key")
        typed = self.code(name, row, "type", required=True)
        self.context.date(name, row, "effective_on")
        self.decision(name, row, required=True)
        units: dict[str, list[str]] = {}
        known = True
        for column in ("sources", "targets"):
            units[column] = split_list(row.get(column))
            for unit in units[column]:
                if unit not in self.units:
                    known = False
                    self.error(name, row, column, _("机构“%(unit)s”不存在。") % {"unit": unit})
        self.attributes(name, row, birth=False)
        if typed and known and key and key not in self.stored_events:
            targets = units["targets"]
            new = [t for t in targets if self.born_by.get(t) == key]
            for problem in event_structure_problems(
                key=key,
                type_=row.get("type"),
                sources=units["sources"],
                existing_targets=[t for t in targets if t not in new],
                new_targets=new,
                attributes={c: v for c in ATTRIBUTE_FIELDS if (v := row.get(c))},
            ):
                self.error(name, row, None, problem["message"])

    def account(self, name: str, row: Row, column: str) -> None:
        spelling = row.get(column)
        if spelling == EXTERNAL:
            return
        if spelling.startswith(POOL):
            if spelling[len(POOL) :] not in self.jurisdictions:
                self.error(
                    name, row, column, _("编制周转池“%(a)s”的行政区划不存在。") % {"a": spelling}
                )
        elif spelling not in self.units:
            self.error(
                name,
                row,
                column,
                _("账户“%(a)s”不存在（应为机构标识、pool:行政区划代码或 external）。")
                % {"a": spelling},
            )

    def transfer_row(self, name: str, row: Row) -> None:
        self.context.date(name, row, "date")
        self.decision(name, row, required=True)
        self.refer(name, row, "event", self.events, _("事项“%(event)s”不存在。"), "event")
        self.code(name, row, "kind", required=True)
        self.number(
            name,
            row,
            "amount",
            1,
            _("划转数量必须大于零（%(v)s）。"),
            _("划转数量 %(v)s 超出上限 %(max)d。"),
        )
        ends = [c for c in ("from", "to") if self.context.required(name, row, (c,))]
        for column in ends:
            self.account(name, row, column)
        if len(ends) == 2 and row.get("from") == row.get("to"):
            self.error(name, row, "to", _("转出账户和转入账户不能相同。"))
        self.code(name, row, "reason", required=True)

    def headcount_row(self, name: str, row: Row) -> None:
        self.context.required(name, row, ("unit",))
        self.refer(name, row, "unit", self.units, _("机构“%(unit)s”不存在。"), "unit")
        self.code(name, row, "kind", required=True)
        self.context.date(name, row, "as_of")
        self.number(
            name,
            row,
            "actual",
            0,
            _("实有人数应为非负整数，而不是“%(v)s”。"),
            _("实有人数 %(v)d 超出上限 %(max)d。"),
        )
