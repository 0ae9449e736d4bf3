"""Documents of units (机构文件, DESIGN §2): add (many at once, or one), replace, withdraw.

Each write checks the user's permission and jurisdiction scope, writes its audit rows and
appends its feed entry, all in one transaction; a refused write writes nothing. Which document
is in force on a date is ``units.selectors.documents.documents_in_force``: a document added with
a later effective date supersedes the older one of its kind from that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import RegistryError

from .. import audit, permissions
from ..choices import DocumentKind, FeedKind, PowerDecider
from ..models import Decision, PowerListItem, Unit, UnitDocument
from ..rules import decision_number_key
from ..validators import validate_pdf
from .feed import feed_append

DOCUMENT_KINDS = set(DocumentKind.values)
DECIDERS = set(PowerDecider.values)


@dataclass
class PowerItemInput:
    """One matter of a power list: what, on which basis, who decides (``department`` or
    ``institution``)."""

    matter: str
    decides: str
    basis: str = ""


@dataclass
class DocumentInput:
    """A document to add. ``effective_from`` defaults to ``issued_on``; ``items`` only for a
    power list."""

    unit: Unit
    kind: str
    title: str
    issued_on: dt.date
    effective_from: dt.date | None = None
    number: str = ""
    decision: Decision | None = None
    file: File | None = None
    items: Sequence[PowerItemInput] = field(default_factory=tuple)
    replaces: UnitDocument | None = None


def document_snapshot(
    document: UnitDocument, items: Sequence[PowerItemInput | PowerListItem] | None = None
) -> dict[str, Any]:
    """What the audit trail records of a document (with ``items`` as given, or as stored)."""
    return {
        "unit": document.unit.key,
        "kind": document.kind,
        "number": document.number,
        "title": document.title,
        "issued_on": document.issued_on.isoformat(),
        "effective_from": document.effective_from.isoformat(),
        "decision": document.decision.number if document.decision_id else None,  # type: ignore[union-attr]
        "file": document.file.name or None,
        "replaces": document.replaces_id,
        "withdrawn_on": document.withdrawn_on.isoformat() if document.withdrawn_on else None,
        "withdrawal_reason": document.withdrawal_reason,
        "items": [
            {"matter": i.matter, "basis": i.basis, "decides": i.decides}
            for i in (document.items.all() if items is None else items)
        ],
    }


def _problems_of(row: DocumentInput, where: dict[str, Any]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []

    def refuse(column: str, message: str) -> None:
        problems.append({**where, "column": column, "message": message})

    if row.kind not in DOCUMENT_KINDS:
        refuse("kind", _("未知的文件类型“%(kind)s”。") % {"kind": row.kind})
    if not (row.title or "").strip():
        refuse("title", _("文件标题不能为空。"))
    if not isinstance(row.issued_on, dt.date):
        refuse("issued_on", _("印发日期不能为空。"))
    elif row.effective_from is not None and row.effective_from < row.issued_on:
        refuse(
            "effective_from",
            _("生效日期 %(effective)s 早于印发日期 %(issued)s。")
            % {"effective": row.effective_from.isoformat(), "issued": row.issued_on.isoformat()},
        )
    if row.items and row.kind != DocumentKind.POWER_LIST:
        refuse("items", _("只有政事权限清单才有事项。"))
    for index, item in enumerate(row.items, start=1):
        if not (item.matter or "").strip():
            refuse("items", _("第 %(n)d 项：事项不能为空。") % {"n": index})
        if item.decides not in DECIDERS:
            refuse(
                "items",
                _("第 %(n)d 项：决定方“%(decides)s”未知（应为主管部门或事业单位）。")
                % {"n": index, "decides": item.decides},
            )
    if row.file:
        try:
            validate_pdf(row.file)
        except ValidationError as exc:
            refuse("file", " ".join(exc.messages))
    if row.decision is not None and row.decision.pk is None:
        refuse("decision", _("依据文件不存在。"))
    return problems


def _clashes(rows: Sequence[DocumentInput], cleaned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Numbers and (kind, effective date) pairs that a unit already has, or that two of the
    rows share."""
    problems: list[dict[str, Any]] = []
    unit_ids = {row.unit.pk for row in rows}
    taken_numbers = set(
        UnitDocument._base_manager.filter(unit__in=unit_ids)
        .exclude(number_key="")
        .values_list("unit_id", "number_key")
    )
    taken_dates = set(
        UnitDocument._base_manager.filter(unit__in=unit_ids, withdrawn_on__isnull=True).values_list(
            "unit_id", "kind", "effective_from"
        )
    )
    for row, values in zip(rows, cleaned, strict=True):
        where = {"unit": row.unit.key, "document": row.title}
        number_key = values["number_key"]
        if number_key:
            if (row.unit.pk, number_key) in taken_numbers:
                problems.append(
                    {
                        **where,
                        "column": "number",
                        "message": _("机构 %(unit)s 已有文号为“%(number)s”的文件。")
                        % {"unit": row.unit.key, "number": row.number},
                    }
                )
            taken_numbers.add((row.unit.pk, number_key))
        date_key = (row.unit.pk, row.kind, values["effective_from"])
        if date_key in taken_dates:
            problems.append(
                {
                    **where,
                    "column": "effective_from",
                    "message": _("机构 %(unit)s 已有%(kind)s于 %(date)s 生效。")
                    % {
                        "unit": row.unit.key,
                        "kind": DocumentKind(row.kind).label,
                        "date": values["effective_from"].isoformat(),
                    },
                }
            )
        taken_dates.add(date_key)
    return problems


def _insert(
    rows: Sequence[DocumentInput], *, user: Any, action: str, feed_kind: str
) -> list[UnitDocument]:
    problems: list[dict[str, Any]] = []
    cleaned: list[dict[str, Any]] = []
    for index, row in enumerate(rows, start=1):
        where = {"row": index, "unit": getattr(row.unit, "key", None), "document": row.title}
        if not isinstance(row.unit, Unit) or row.unit.pk is None:
            problems.append({**where, "column": "unit", "message": _("机构不存在。")})
            cleaned.append({})
            continue
        problems.extend(_problems_of(row, where))
        cleaned.append(
            {
                "number_key": decision_number_key(row.number),
                "effective_from": row.effective_from or row.issued_on,
            }
        )
    if problems:
        raise RegistryError.from_problems(problems, cause=_("机构文件被拒绝："))
    permissions.check_units_in_scope(user, [row.unit for row in rows])
    problems = _clashes(rows, cleaned)
    if problems:
        raise RegistryError.from_problems(problems, cause=_("机构文件被拒绝："))
    acting = user if getattr(user, "pk", None) else None
    documents = []
    for row, values in zip(rows, cleaned, strict=True):
        document = UnitDocument(
            unit=row.unit,
            kind=row.kind,
            number=(row.number or "").strip(),
            number_key=values["number_key"],
            title=row.title.strip(),
            issued_on=row.issued_on,
            effective_from=values["effective_from"],
            decision=row.decision,
            replaces=row.replaces,
            created_by=acting,
        )
        if row.file:
            document.file.save("document.pdf", row.file, save=False)
        documents.append(document)
    documents = UnitDocument.objects.bulk_create(documents, batch_size=1000)
    PowerListItem.objects.bulk_create(
        [
            PowerListItem(
                document=document,
                position=position,
                matter=item.matter.strip(),
                basis=(item.basis or "").strip(),
                decides=item.decides,
            )
            for document, row in zip(documents, rows, strict=True)
            for position, item in enumerate(row.items, start=1)
        ],
        batch_size=1000,
    )
    audit.record_many(
        action,
        [
            (d, None, document_snapshot(d, row.items))
            for d, row in zip(documents, rows, strict=True)
        ],
    )
    for document in documents:
        feed_append(
            feed_kind,
            decision=document.decision_id,
            unit_ids=[document.unit_id],
            payload={
                "document": document.pk,
                "kind": document.kind,
                "number": document.number,
                "effective_from": document.effective_from.isoformat(),
                **({"replaces": document.replaces_id} if document.replaces_id else {}),
            },
        )
    return documents


@transaction.atomic
def documents_add(*, documents: Sequence[DocumentInput], user: Any = None) -> list[UnitDocument]:
    """Add many documents at once (the importer's form): all are checked, and one bad row
    refuses them all with every problem listed."""
    permissions.require(user, "units.add_unitdocument")
    return _insert(documents, user=user, action="create", feed_kind=FeedKind.DOCUMENT_ADDED)


def document_add(
    *,
    unit: Unit,
    kind: str,
    title: str,
    issued_on: dt.date,
    effective_from: dt.date | None = None,
    number: str = "",
    decision: Decision | None = None,
    file: File | None = None,
    items: Sequence[PowerItemInput] = (),
    user: Any = None,
) -> UnitDocument:
    """Add one document (``documents_add``)."""
    row = DocumentInput(
        unit=unit,
        kind=kind,
        title=title,
        issued_on=issued_on,
        effective_from=effective_from,
        number=number,
        decision=decision,
        file=file,
        items=tuple(items),
    )
    return documents_add(documents=[row], user=user)[0]


def _locked(document: UnitDocument) -> UnitDocument:
    try:
        return (
            UnitDocument.objects.select_for_update(of=("self",))
            .select_related("unit", "decision")
            .get(pk=document.pk)
        )
    except UnitDocument.DoesNotExist:
        raise RegistryError(_("文件不存在。")) from None


@transaction.atomic
def document_replace(
    *,
    document: UnitDocument,
    title: str,
    issued_on: dt.date,
    effective_from: dt.date | None = None,
    number: str = "",
    decision: Decision | None = None,
    file: File | None = None,
    items: Sequence[PowerItemInput] = (),
    user: Any = None,
) -> UnitDocument:
    """Issue a new document of the same unit and kind in place of ``document``: the new one
    supersedes it from its effective date, which must come after the old one's."""
    permissions.require(user, "units.add_unitdocument")
    old = _locked(document)
    permissions.check_units_in_scope(user, [old.unit])
    if old.withdrawn_on is not None:
        raise RegistryError(
            _("文件“%(title)s”已于 %(date)s 废止，不能再被替换。")
            % {"title": old.title, "date": old.withdrawn_on.isoformat()}
        )
    start = effective_from or issued_on
    if isinstance(start, dt.date) and start <= old.effective_from:
        raise RegistryError(
            _("新文件的生效日期 %(new)s 必须晚于被替换文件的生效日期 %(old)s。")
            % {"new": start.isoformat(), "old": old.effective_from.isoformat()},
            column="effective_from",
        )
    row = DocumentInput(
        unit=old.unit,
        kind=old.kind,
        title=title,
        issued_on=issued_on,
        effective_from=effective_from,
        number=number,
        decision=decision,
        file=file,
        items=tuple(items),
        replaces=old,
    )
    new = _insert([row], user=user, action="create", feed_kind=FeedKind.DOCUMENT_REPLACED)[0]
    audit.record("replace", old, before=document_snapshot(old), after={"replaced_by": new.pk})
    return new


@transaction.atomic
def document_withdraw(
    *, document: UnitDocument, withdrawn_on: dt.date, reason: str = "", user: Any = None
) -> UnitDocument:
    """Withdraw (废止) a document from a date: it is no longer in force from then on, and no
    older document of its kind comes back in its place."""
    permissions.require(user, "units.change_unitdocument")
    locked = _locked(document)
    permissions.check_units_in_scope(user, [locked.unit])
    if locked.withdrawn_on is not None:
        raise RegistryError(
            _("文件“%(title)s”已于 %(date)s 废止。")
            % {"title": locked.title, "date": locked.withdrawn_on.isoformat()}
        )
    if not isinstance(withdrawn_on, dt.date):
        raise RegistryError(_("废止日期不能为空。"), column="withdrawn_on")
    if withdrawn_on < locked.issued_on:
        raise RegistryError(
            _("废止日期 %(date)s 早于文件的印发日期 %(issued)s。")
            % {"date": withdrawn_on.isoformat(), "issued": locked.issued_on.isoformat()},
            column="withdrawn_on",
        )
    before = document_snapshot(locked)
    locked.withdrawn_on = withdrawn_on
    locked.withdrawn_by = user if getattr(user, "pk", None) else None
    locked.withdrawal_reason = (reason or "").strip()[:300]
    locked.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    audit.record("withdraw", locked, before=before, after=document_snapshot(locked))
    feed_append(
        FeedKind.DOCUMENT_WITHDRAWN,
        decision=locked.decision_id,
        unit_ids=[locked.unit_id],
        payload={
            "document": locked.pk,
            "kind": locked.kind,
            "number": locked.number,
            "withdrawn_on": withdrawn_on.isoformat(),
        },
    )
    return locked
