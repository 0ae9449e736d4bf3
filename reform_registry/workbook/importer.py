"""Importing a registry workbook (DESIGN §5): all or nothing, every bad row reported.

The importer reads rows, resolves their references (division codes, unit keys, decision
numbers, event keys), matches them with what is stored (identical rows are skipped, rows that
contradict a stored one are errors) and hands everything new to the services of ``units`` and
``staffing`` — the same services the admin uses, in their set-based forms:

1. jurisdictions (parents first) and decisions (drafts), then caps;
2. units with ``established_on``: ``units_register_bulk`` (derivation deferred);
3. events, with the units they create (``established_by``): ``events_create_bulk``;
4. the explicit quota transfers of those events (allocations, the funding of new units), on
   the drafts: planned, as a clerk enters them (``transfers_post_bulk``);
5. approved decisions: ``decisions_approve``, re-deriving every touched or registered unit in
   one pass, whatever the order of dates in the workbook, and counting the planned transfers;
   revoked decisions are stored with their events and recorded as revoked
   (``decision_record_revoked``): their events never apply, whatever later history
   contradicts them;
6. the other quota transfers, then headcounts (``staffing_sheets``). The ledger's invariants
   are checked once, over steps 4–6, when every transfer is in.

When a service refuses rows, the refused rows are reported and the service is called again
without them, so that one import lists every problem, not just the first. Any problem rolls the
whole import back; ``dry_run`` rolls back in any case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any, TypedDict

from django.db import transaction
from django.utils.translation import gettext as _

from core.bulk import chunked, fewer_collections
from core.errors import RegistryError
from core.jobs import Progress, no_progress
from units import audit, services
from units.choices import DecisionStatus
from units.models import (
    Event,
    EventParticipant,
    InstitutionCap,
    Unit,
    UnitRegistration,
)
from units.rules import ATTRIBUTE_FIELDS, clean_attributes
from units.services.approval import ApprovalTime

from . import checks, staffing_sheets
from .context import ImportContext, ImportReport
from .format import REQUIRED, SHEETS, Row, WorkbookData, birth_values, split_list


class _StoredEvent(TypedDict):
    """An event already stored, as the events sheet compares it with a row."""

    decision: str
    type: str
    effective_on: str
    units: dict[str, list[str]]  # unit keys, under "sources" and "targets"
    attributes: dict[str, Any]


class _Rollback(Exception):
    pass


def import_workbook(
    data: WorkbookData,
    *,
    dry_run: bool = False,
    user: Any = None,
    source: str = "",
    approved_at: ApprovalTime | None = None,
    approved_by: Any = None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Import the rows read from a workbook in one transaction; nothing is kept on any error
    (nor in a dry run). Writes are attributed to the current audit actor (the admin user or
    ``manage.py import_registry``). A load of history may say when and by whom its approved
    decisions were approved (``decisions_approve``'s ``approved_at`` and ``approved_by``);
    the workbook itself has no such columns, so by default they are approved now, by ``user``.
    ``progress`` hears each stage with the rows done of the workbook's rows (a job's page)."""
    importer = Importer(data, user=user)
    importer.progress = progress
    importer.approved_at, importer.approved_by = approved_at, approved_by
    importer.report.dry_run = dry_run
    try:
        with fewer_collections(), transaction.atomic():
            importer.run()
            if importer.report.errors or dry_run:
                raise _Rollback
            audit.record_summary(
                "import",
                "reform_registry.workbook",
                source or "workbook",
                {"source": source, "counts": importer.report.present_counts(data.sheets)},
            )
            importer.report.applied = True
    except _Rollback:
        pass
    progress(_("完成"), importer.row_total, importer.row_total)
    importer.report.errors.sort(
        key=lambda e: (
            list(SHEETS).index(e["sheet"]) if e.get("sheet") in SHEETS else -1,
            e.get("row") or 0,
        )
    )
    return importer.report


class Importer(ImportContext):
    """The import of one workbook, sheet after sheet (see the module's docstring)."""

    # When and by whom its approved decisions were approved, for a load of history.
    approved_at: ApprovalTime | None = None
    approved_by: Any = None
    progress: Progress = staticmethod(no_progress)

    @property
    def row_total(self) -> int:
        return sum(len(sheet.rows) for sheet in self.data.sheets.values())

    def stage(self, label: str, *done_sheets: str) -> None:
        """Tell ``progress`` the stage begun, with the rows of the sheets already done."""
        done = sum(len(self.data.sheets[n].rows) for n in done_sheets if n in self.data.sheets)
        self.progress(label, done, self.row_total)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> None:
        self.stage(_("检查各行"))
        for problem in self.data.problems:
            self.report.errors.append(
                {
                    "sheet": problem.get("sheet"),
                    "row": problem.get("row"),
                    "column": problem.get("column"),
                    "key": None,
                    "message": str(problem["message"]),
                }
            )
        for name, sheet in self.data.sheets.items():
            missing = [c for c in REQUIRED[name] if c not in sheet.columns]
            if missing:
                for column in missing:
                    self.error(
                        name,
                        None,
                        column,
                        _("缺少必需的列“%(column)s”；本表不予导入。") % {"column": column},
                    )
                continue
            self.sheets[name] = sheet
        checks.check_rows(self)
        if self.report.errors:
            checks.note_unchecked(
                self,
                self.sheets,
                _(
                    "以下各行须待上述错误改正后才能完成其余检查（与已存储记录比对、按日期执行事项、"
                    "编制余额）：第 %(rows)s 行。"
                ),
            )
            return
        order = ["jurisdictions", "decisions", "caps", "units", "events"]
        steps: list[tuple[str, Callable[[], None]]] = [
            ("jurisdictions", self.import_jurisdictions),
            ("decisions", self.import_decisions),
            ("caps", self.import_caps),
            ("units", self.import_units),
            ("events", self.import_events),
        ]
        for index, (name, step) in enumerate(steps):
            self.stage(_("处理工作表 %(sheet)s") % {"sheet": name}, *order[:index])
            step()
        self.stage(_("处理工作表 %(sheet)s") % {"sheet": staffing_sheets.TRANSFERS}, *order)
        transfers = staffing_sheets.Transfers(self)
        with transfers.checked_together():
            transfers.post_on_drafts()  # planned: the approval counts them
            self.apply_decisions()
            transfers.post_others()
        order.append(staffing_sheets.TRANSFERS)
        self.stage(_("处理工作表 %(sheet)s") % {"sheet": staffing_sheets.HEADCOUNTS}, *order)
        staffing_sheets.import_headcounts(self)
        if self.registry_refused:
            checks.note_unchecked(
                self,
                (staffing_sheets.TRANSFERS, staffing_sheets.HEADCOUNTS),
                _("以下各行须待上述事项能够执行后才能检查（编制余额、机构存续）：第 %(rows)s 行。"),
            )

    # -- jurisdictions ---------------------------------------------------------------------

    def import_jurisdictions(self) -> None:
        name = "jurisdictions"
        rows = self.rows(name)
        if not rows:
            return
        self.load_jurisdictions(r.get(c) for r in rows for c in ("code", "parent"))
        seen: dict[str, Row] = {}
        pending: dict[str, Row] = {}
        for row in rows:
            if not self.required(name, row, ("code", "name", "level")):
                continue
            code = row.get("code")
            if self.duplicate(name, row, seen, code):
                continue
            given = {c: row.get(c) for c in ("name", "parent", "level")}
            stored = self.jurisdictions.get(code)
            if stored is not None:
                current = {
                    "name": stored.name,
                    "parent": stored.parent.code if stored.parent else "",
                    "level": stored.level,
                }
                if not self.contradiction(name, row, current, given):
                    self.count(name, "skipped")
                continue
            pending[code] = row
        failed: set[str] = set()
        while pending:
            progress = False
            for code, row in list(pending.items()):
                parent_code = row.get("parent")
                parent = None
                if parent_code:
                    if parent_code in pending:
                        continue
                    parent = self.jurisdictions.get(parent_code)
                    if parent is None:
                        del pending[code]
                        failed.add(code)
                        if parent_code not in failed:
                            self.error(
                                name,
                                row,
                                "parent",
                                _("上级行政区划“%(code)s”不存在。") % {"code": parent_code},
                            )
                        continue
                del pending[code]
                progress = True
                try:
                    self.jurisdictions[code] = self.attempt(
                        partial(
                            services.jurisdiction_create,
                            code=code,
                            name=row.get("name"),
                            level=row.get("level"),
                            parent=parent,
                        )
                    )
                    self.count(name, "created")
                except RegistryError as exc:
                    failed.add(code)
                    self.problems_to_errors(name, row, exc.problems)
            if not progress:
                for row in pending.values():
                    self.error(name, row, "parent", _("上级行政区划形成循环。"))
                break

    # -- decisions -------------------------------------------------------------------------

    def import_decisions(self) -> None:
        name = "decisions"
        rows = self.rows(name)
        self.load_decisions(r.get("number") for r in rows)
        seen: dict[str, Row] = {}
        for row in rows:
            number = row.get("number")
            if not number:
                self.error(name, row, "number", _("必须填写文号。"))
                continue
            if self.duplicate(name, row, seen, number):
                continue
            self.decision_rows[number] = row
            ok = self.required(name, row, ("title", "status"))
            issued_on = self.date(name, row, "issued_on")
            status = row.get("status")
            if status and status not in DecisionStatus.values:
                self.error(
                    name,
                    row,
                    "status",
                    _("未知的决定状态“%(value)s”；可用：%(codes)s。")
                    % {"value": status, "codes": ", ".join(DecisionStatus.values)},
                )
                ok = False
            if not ok or issued_on is None:
                self.refused_decisions.add(number)
                continue
            stored = self.decisions.get(number)
            if stored is not None:
                current = {
                    "title": stored.title,
                    "issuer": stored.issuer,
                    "issued_on": stored.issued_on.isoformat(),
                    "status": stored.status,
                }
                given = {c: row.get(c) for c in current}
                if not self.contradiction(name, row, current, given):
                    self.count(name, "skipped")
                else:
                    self.refused_decisions.add(number)
                continue
            try:
                self.decisions[number] = self.attempt(
                    partial(
                        services.decision_create,
                        number=number,
                        title=row.get("title"),
                        issuer=row.get("issuer"),
                        issued_on=issued_on,
                        user=self.user,
                    )
                )
                self.new_decision_status[number] = status
                self.count(name, "created")
            except RegistryError as exc:
                self.refused_decisions.add(number)
                self.problems_to_errors(name, row, exc.problems)

    # -- caps ------------------------------------------------------------------------------

    def import_caps(self) -> None:
        name = "caps"
        rows = self.rows(name)
        if not rows:
            return
        self.load_jurisdictions(r.get("jurisdiction") for r in rows)
        stored = Counter(
            (code, on.isoformat(), str(cap), number or "")
            for code, on, cap, number in InstitutionCap.objects.filter(
                jurisdiction__code__in={r.get("jurisdiction") for r in rows}
            ).values_list("jurisdiction__code", "valid_from", "cap", "decision__number")
        )
        for row in rows:
            if not self.required(name, row, ("jurisdiction",)):
                continue
            valid_from = self.date(name, row, "valid_from")
            cap = self.integer(name, row, "cap")
            jurisdiction = self.jurisdictions.get(row.get("jurisdiction"))
            if jurisdiction is None:
                self.error(
                    name,
                    row,
                    "jurisdiction",
                    _("行政区划“%(code)s”不存在。") % {"code": row.get("jurisdiction")},
                )
            decision = self.decision(name, row, "decision", required=False)
            if (
                valid_from is None
                or cap is None
                or jurisdiction is None
                or (row.get("decision") and decision is None)
            ):
                continue
            signature = (jurisdiction.code, valid_from.isoformat(), str(cap), row.get("decision"))
            if stored[signature] > 0:
                stored[signature] -= 1
                self.count(name, "skipped")
                continue
            try:
                self.attempt(
                    partial(
                        services.institution_cap_set,
                        jurisdiction=jurisdiction,
                        valid_from=valid_from,
                        cap=cap,
                        decision=decision,
                    )
                )
                self.count(name, "created")
            except RegistryError as exc:
                self.problems_to_errors(name, row, exc.problems)

    # -- units -----------------------------------------------------------------------------

    def import_units(self) -> None:
        name = "units"
        rows = self.rows(name)
        self.new_units: dict[str, tuple[Row, services.NewUnit, str]] = {}
        if not rows:
            return
        stored_kind, stored_birth = _stored_units({r.get("key") for r in rows if r.get("key")})

        seen: dict[str, Row] = {}
        registrations: list[services.RegistrationInput] = []
        for row in rows:
            if not self.required(name, row, ("key", "kind")):
                continue
            key = row.get("key")
            if self.duplicate(name, row, seen, key):
                continue
            self.unit_rows[key] = row
            cells = row.cells
            raw = {c: v for c in ATTRIBUTE_FIELDS if (v := cells.get(c, "")) != ""}
            # Values are checked by the services that store them (clean_attributes); here
            # only to compare a row with a stored unit.
            values = raw
            ok = True
            if key in stored_kind:
                values, problems = clean_attributes(raw, birth=True)
                self.problems_to_errors(name, row, problems)
                ok = not problems
            # The first pass (checks.py) has checked the dates and the references.
            on = self.date(name, row, "established_on", required=False)
            by = row.get("established_by")
            if not ok:
                self.refused_units.add(key)
                continue
            if key in stored_kind:
                on_text, by_text, attributes = stored_birth.get(key, ("", "", {}))
                current = {
                    "kind": stored_kind[key],
                    "established_on": on_text,
                    "established_by": by_text,
                    **_texts(birth_values(attributes)),
                }
                given = {
                    "kind": row.get("kind"),
                    "established_on": on.isoformat() if on else "",
                    "established_by": by,
                    **_texts(birth_values(values)),
                }
                if not self.contradiction(name, row, current, given):
                    self.count(name, "skipped")
                else:
                    self.refused_units.add(key)
                continue
            if on is not None:
                registrations.append(services.RegistrationInput(key, row.get("kind"), on, values))
            else:
                self.new_units[key] = (row, services.NewUnit(key, row.get("kind"), values), by)

        def register(items: list[services.RegistrationInput]) -> list[Unit]:
            return services.units_register_bulk(rows=items, derive=False, user=self.user)

        passed = self.in_passes(
            registrations,
            register,
            self.refused_rows(key_of=lambda r: r.key, locate=lambda p: ("units", p.get("unit"))),
        )
        units = passed[1] if passed else []
        self.registered_ids = [u.pk for u in units]
        self.count(name, "created", len(units))

    # -- events ----------------------------------------------------------------------------

    def import_events(self) -> None:
        name = "events"
        rows = self.rows(name)
        stored = _stored_events({r.get("key") for r in rows if r.get("key")})
        self.load_decisions(r.get("decision") for r in rows)

        seen: dict[str, Row] = {}
        inputs: list[services.EventInput] = []
        claimed: set[str] = set()
        for row in rows:
            if not self.required(name, row, ("key", "type")):
                continue
            key = row.get("key")
            if self.duplicate(name, row, seen, key):
                continue
            self.event_rows[key] = row
            effective_on = self.date(name, row, "effective_on")
            decision = self.decision(name, row, "decision", required=True)
            sources = split_list(row.get("sources"))
            targets = split_list(row.get("targets"))
            cells = row.cells
            raw = {c: v for c in ATTRIBUTE_FIELDS if (v := cells.get(c, "")) != ""}
            if key in stored:
                self.compare_stored_event(row, stored[key], raw, sources, targets)
                continue
            if decision is None or effective_on is None:
                continue
            if any(u in self.refused_units for u in (*sources, *targets)):
                continue  # the unit's own row is reported
            existing, new = [], []
            for unit in targets:
                # A target created by this event is new; any other (stored, registered, or
                # created by another event) is an existing unit (what absorb needs).
                if unit in self.new_units and self.new_units[unit][2] == key:
                    new.append(self.new_units[unit][1])
                    claimed.add(unit)
                else:
                    existing.append(unit)
            inputs.append(
                services.EventInput(
                    decision=decision,
                    key=key,
                    type=row.get("type"),
                    effective_on=effective_on,
                    sources=sources,
                    targets=existing,
                    new_units=new,
                    attributes=raw,
                )
            )
        self.refuse_unclaimed_units(claimed, stored)

        def create(items: list[services.EventInput]) -> list[Event]:
            return services.events_create_bulk(rows=items, user=self.user)

        passed = self.in_passes(
            inputs,
            create,
            self.refused_rows(key_of=lambda e: e.key, locate=self.locate_event_problem),
        )
        created = passed[1] if passed else []
        self.count(name, "created", len(created))
        created_keys = {e.key for e in created}
        self.count(
            "units",
            "created",
            sum(len(i.new_units) for i in inputs if i.key in created_keys),
        )

    def compare_stored_event(
        self,
        row: Row,
        current: _StoredEvent,
        raw: dict[str, str],
        sources: list[str],
        targets: list[str],
    ) -> None:
        """A row of an event already stored: skipped when identical, else every differing
        column reported."""
        values, problems = clean_attributes(raw, birth=False)
        if problems:
            self.problems_to_errors("events", row, problems)
            return
        current_texts = {
            "decision": current["decision"],
            "type": current["type"],
            "effective_on": current["effective_on"],
            "sources": ";".join(sorted(current["units"]["sources"])),
            "targets": ";".join(sorted(current["units"]["targets"])),
            **_texts(current["attributes"]),
        }
        given = {
            "decision": row.get("decision"),
            "type": row.get("type"),
            "effective_on": row.get("effective_on"),
            "sources": ";".join(sorted(sources)),
            "targets": ";".join(sorted(targets)),
            **_texts(values),
        }
        for column in set(current_texts) - set(given):
            given[column] = ""
        if not self.contradiction("events", row, current_texts, given):
            self.count("events", "skipped")

    def refuse_unclaimed_units(self, claimed: set[str], stored: dict[str, _StoredEvent]) -> None:
        """A new unit that no event of the workbook creates is refused on its row."""
        for unit, (row, _new, by) in self.new_units.items():
            if unit in claimed:
                continue
            self.refused_units.add(unit)
            if by in self.event_rows and by not in stored:
                message = _("事项 %(event)s 的 targets 中没有该机构。") % {"event": by}
            elif by in stored:
                message = _("事项 %(event)s 已存储，不能再由它设立新机构。") % {"event": by}
            else:
                message = _("设立事项“%(event)s”不存在。") % {"event": by}
            self.error("units", row, "established_by", message)

    def locate_event_problem(self, problem: dict) -> tuple[str, str | None]:
        unit = problem.get("unit")
        if unit in self.new_units and problem.get("column") in (*ATTRIBUTE_FIELDS, "kind", "key"):
            return "units", unit
        return "events", problem.get("event")

    # -- approvals -------------------------------------------------------------------------

    def apply_decisions(self) -> None:
        approved = [
            self.decisions[n]
            for n, status in self.new_decision_status.items()
            if status == DecisionStatus.APPROVED
        ]
        self.report.approvals = sum(
            1 for s in self.new_decision_status.values() if s != DecisionStatus.DRAFT
        )
        try:
            if approved:
                self.attempt(
                    lambda: services.decisions_approve(
                        decisions=approved,
                        user=self.user,
                        extra_unit_ids=self.registered_ids,
                        approved_at=self.approved_at,
                        approved_by=self.approved_by,
                    )
                )
            elif self.registered_ids:
                self.attempt(
                    lambda: services.rederive(unit_ids=self.registered_ids, action="register")
                )
        except RegistryError as exc:
            self.registry_refused = True
            for problem in exc.problems:
                event, unit = problem.get("event"), problem.get("unit")
                if event and event in self.event_rows:
                    self.error("events", self.event_rows[event], None, problem["message"], event)
                elif unit and unit in self.unit_rows:
                    self.error("units", self.unit_rows[unit], None, problem["message"], unit)
                elif problem.get("decision") in self.decision_rows:
                    number = problem["decision"]
                    self.error(
                        "decisions", self.decision_rows[number], "status", problem["message"]
                    )
                else:
                    self.error("decisions", None, None, problem["message"])
            return
        for number, status in self.new_decision_status.items():
            if status != DecisionStatus.REVOKED:
                continue
            decision = self.decisions[number]
            try:
                self.attempt(
                    partial(services.decision_record_revoked, decision=decision, user=self.user)
                )
            except RegistryError as exc:
                self.problems_to_errors("decisions", self.decision_rows[number], exc.problems)

    # -- set-based calls, repeated without the refused rows ----------------------------------

    def refused_rows(
        self, *, key_of: Callable[[Any], str], locate: Callable[[dict], tuple[str, str | None]]
    ) -> Callable[[RegistryError, list[Any]], set[int]]:
        """What ``in_passes`` asks when a service refuses units or events: report each problem
        on the row it locates (a unit refused with its event), and the refused items."""
        rows_of = {"units": self.unit_rows, "events": self.event_rows}

        def refused(exc: RegistryError, items: list[Any]) -> set[int]:
            keys: set[str] = set()
            located = []
            for problem in exc.problems:
                sheet, key = locate(problem)
                owner = problem.get("event") if sheet == "units" else key
                if sheet == "units":
                    self.refused_units.add(key or "")
                if sheet == "units" and owner:
                    keys.add(owner)
                elif key:
                    keys.add(key)
                located.append((problem, sheet, key))
            for item in items:
                if key_of(item) in keys:
                    self.refused_units.update(n.key for n in getattr(item, "new_units", ()))
            for problem, sheet, key in located:
                if (
                    problem.get("column") in ("sources", "targets")
                    and problem.get("unit") in self.refused_units
                ):
                    continue  # reported on the unit's own row (or its event's)
                row = rows_of[sheet].get(key or "")
                self.error(sheet, row, problem.get("column"), problem["message"], key or "")
            return {i for i, item in enumerate(items) if key_of(item) in keys}

        return refused


def _stored_units(keys: set[str]) -> tuple[dict[str, str], dict[str, tuple[str, str, dict]]]:
    """Of the units already stored among these keys: their kind, and their birth (date of
    registration or creating event, and the attributes they were born with)."""
    stored_kind: dict[str, str] = {}
    stored_birth: dict[str, tuple[str, str, dict]] = {}
    stored_ids: list[int] = []
    for batch in chunked(sorted(keys)):
        for unit_id, key, kind in (
            Unit.objects.filter(key__in=batch).order_by().values_list("id", "key", "kind")
        ):
            stored_kind[key] = kind
            stored_ids.append(unit_id)
    for batch in chunked(stored_ids):
        for key, established_on, attributes in UnitRegistration.objects.filter(
            unit_id__in=batch
        ).values_list("unit__key", "established_on", "attributes"):
            stored_birth[key] = (established_on.isoformat(), "", attributes)
        for key, event_key, attributes in EventParticipant.objects.filter(
            creates=True, unit_id__in=batch
        ).values_list("unit__key", "event__key", "attributes"):
            stored_birth[key] = ("", event_key, attributes)
    return stored_kind, stored_birth


def _stored_events(keys: set[str]) -> dict[str, _StoredEvent]:
    """The events already stored among these keys, as the events sheet compares them."""
    stored: dict[str, _StoredEvent] = {}
    for batch in chunked(sorted(keys)):
        for event in Event.objects.filter(key__in=batch).select_related("decision"):
            stored[event.key] = {
                "decision": event.decision.number,
                "type": event.type,
                "effective_on": event.effective_on.isoformat(),
                "units": {"sources": [], "targets": []},
                "attributes": event.attributes or {},
            }
        for key, role, unit in EventParticipant.objects.filter(event__key__in=batch).values_list(
            "event__key", "role", "unit__key"
        ):
            stored[key]["units"][role + "s"].append(unit)
    return stored


def _texts(values: dict[str, Any]) -> dict[str, str]:
    """Attribute values as the text of their cells, for comparing rows with stored values."""
    out = {}
    for name in ATTRIBUTE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = "" if value is None else str(value)
    return out
