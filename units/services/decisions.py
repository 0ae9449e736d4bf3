"""Draft decisions and their attachments: create, edit, delete while the decision is a draft.

A draft is edited under its row lock and its revision number, so that two clerks saving the
same draft one after the other do not overwrite each other unknowingly.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RegistryError

from .. import audit, permissions
from ..choices import DecisionStatus
from ..models import Decision, DecisionAttachment, Unit
from ..rules import decision_number_key


def decision_snapshot(decision: Decision) -> dict[str, Any]:
    """What the audit trail records of a decision."""
    return {
        "number": decision.number,
        "title": decision.title,
        "issuer": decision.issuer,
        "issued_on": decision.issued_on.isoformat() if decision.issued_on else None,
        "status": decision.status,
        "revision": decision.revision,
    }


def draft_locked(decision: Decision, revision: int | None = None) -> Decision:
    """The decision, locked, refused unless it is a draft at the revision the user edited."""
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != DecisionStatus.DRAFT:
        raise RegistryError(
            _("决定 %(number)s 的状态为“%(status)s”，不能再修改。")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if revision is not None and locked.revision != revision:
        raise RegistryError(
            _(
                "决定 %(number)s 已被他人修改（当前修订号 %(current)d，您编辑的是 %(yours)d）。请重新打开后再保存。"
            )
            % {"number": locked.number, "current": locked.revision, "yours": revision}
        )
    return locked


def revisions_bump(decision_ids: Iterable[int]) -> None:
    """Count one more revision of each of these drafts (their events changed)."""
    Decision.objects.filter(pk__in=list(decision_ids)).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )


def revision_bump(decision: Decision) -> None:
    revisions_bump([decision.pk])
    decision.refresh_from_db(fields=["revision", "updated_at"])


def number_refusal(number: str, *, user: Any = None, exclude: int | None = None) -> None:
    """Refuse a document number that a stored decision (other than ``exclude``) already has,
    compared in one form (``decision_number_key``: brackets, widths and spaces aside). The
    message names that decision, with the address of its page, when the user may read it."""
    same = Decision.objects.filter(number_key=decision_number_key(number))
    existing = (same if exclude is None else same.exclude(pk=exclude)).first()
    if existing is None:
        return
    if not Decision.objects.restrict(user).filter(pk=existing.pk).exists():
        raise RegistryError(
            _("文号“%(number)s”已存在：与已有决定 %(existing)s 相同（该决定不在您的管辖范围内）。")
            % {"number": number, "existing": existing.number},
            column="number",
        )
    link = existing.get_absolute_url()
    raise RegistryError(
        _(
            "文号“%(number)s”已存在：与已有决定 %(existing)s《%(title)s》相同"
            "（比较文号时不计括号〔〕[]【】()、全角半角和空格的差别），见 %(link)s"
        )
        % {"number": number, "existing": existing.number, "title": existing.title, "link": link},
        column="number",
        decision=existing.number,
        link=link,
    )


def orphans_delete(units: Iterable[Unit]) -> None:
    """Delete the units that no event brings into being any more (created by a draft's event
    that was deleted or changed)."""
    for unit in units:
        if not unit.participations.exists():
            audit.record("delete", unit, before={"key": unit.key, "kind": unit.kind})
            unit.delete()


@transaction.atomic
def decision_create(
    *, number: str, title: str, issued_on: dt.date, issuer: str = "", user: Any = None
) -> Decision:
    permissions.require(user, "units.add_decision")
    number = (number or "").strip()
    if not number:
        raise RegistryError(_("文号不能为空。"))
    if not (title or "").strip():
        raise RegistryError(_("标题不能为空。"))
    number_refusal(number, user=user)
    decision = Decision.objects.create(
        number=number,
        title=title.strip(),
        issuer=issuer,
        issued_on=issued_on,
        created_by=user if getattr(user, "pk", None) else None,
    )
    audit.record("create", decision, after=decision_snapshot(decision))
    return decision


@transaction.atomic
def decision_update(
    *, decision: Decision, revision: int | None = None, user: Any = None, **fields: Any
) -> Decision:
    """Edit a draft's number, title, issuer or issue date. ``revision`` guards against a
    concurrent edit: when someone saved in between, the write is refused."""
    permissions.require(user, "units.change_decision")
    locked = draft_locked(decision, revision)
    permissions.check_decisions_in_scope(user, [locked])
    before = decision_snapshot(locked)
    allowed = {"number", "title", "issuer", "issued_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise RegistryError(_("不能修改的字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if "number" in fields:
        number = (fields["number"] or "").strip()
        if not number:
            raise RegistryError(_("文号不能为空。"))
        number_refusal(number, user=user, exclude=locked.pk)
        fields["number"] = number
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.revision += 1
    locked.save(update_fields=[*fields, "revision", "updated_at"])
    audit.record("update", locked, before=before, after=decision_snapshot(locked))
    decision.__dict__.update({k: getattr(locked, k) for k in (*fields, "revision", "updated_at")})
    return locked


@transaction.atomic
def decision_delete(*, decision: Decision, revision: int | None = None, user: Any = None) -> None:
    permissions.require(user, "units.delete_decision")
    locked = draft_locked(decision, revision)
    permissions.check_decisions_in_scope(user, [locked])
    created_units = list(
        Unit.objects.filter(participations__event__decision=locked, participations__creates=True)
    )
    snapshot = decision_snapshot(locked)
    audit.record("delete", locked, before=snapshot)
    locked.delete()
    orphans_delete(created_units)


# ---------------------------------------------------------------------------------------------
# Attachments of draft decisions
# ---------------------------------------------------------------------------------------------


def _attachment_snapshot(attachment: DecisionAttachment) -> dict[str, Any]:
    return {
        "decision": attachment.decision.number,
        "title": attachment.title,
        "file": attachment.file.name,
    }


@transaction.atomic
def attachment_add(
    *, decision: Decision, file: Any, title: str = "", user: Any = None
) -> DecisionAttachment:
    """Attach the document of a draft decision; it must be a PDF file."""
    permissions.require(user, "units.add_decisionattachment")
    locked = draft_locked(decision)
    permissions.check_decisions_in_scope(user, [locked])
    name = os.path.basename(getattr(file, "name", "") or "")
    head = file.read(5)
    file.seek(0)
    if not name.lower().endswith(".pdf") or head != b"%PDF-":
        raise RegistryError(
            _("附件“%(name)s”必须是PDF文件。") % {"name": name}, column="file", unit=None
        )
    attachment = DecisionAttachment(decision=locked, title=(title or "").strip())
    attachment.file.save(name, file, save=False)
    attachment.save()
    audit.record("attach", attachment, after=_attachment_snapshot(attachment))
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: DecisionAttachment, user: Any = None) -> None:
    """Remove an attachment of a draft decision (the stored file is kept)."""
    permissions.require(user, "units.delete_decisionattachment")
    locked = draft_locked(attachment.decision)
    permissions.check_decisions_in_scope(user, [locked])
    audit.record("detach", attachment, before=_attachment_snapshot(attachment))
    attachment.delete()
