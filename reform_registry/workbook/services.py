"""Writes of workbook uploads in the admin: check (a dry run kept as a report), then import."""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RegistryError
from core.jobs import Progress, no_progress
from units import audit

from ..models import ImportBatch
from .context import ImportReport
from .importer import import_workbook
from .readers import read_xlsx

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _report_json(report: ImportReport, sheets: list[str]) -> dict[str, Any]:
    return {
        "counts": report.present_counts(sheets),
        "errors": report.errors,
        "notices": report.notices,
        "approvals": report.approvals,
    }


def _run(
    batch: ImportBatch, *, dry_run: bool, user: Any, progress: Progress = no_progress
) -> ImportReport:
    data = read_xlsx(io.BytesIO(bytes(batch.content)))
    report = import_workbook(
        data, dry_run=dry_run, user=user, source=batch.filename, progress=progress
    )
    batch.report = _report_json(report, list(data.sheets))
    return report


def upload_check(*, filename: str, size: int, handle: IO[bytes]) -> None:
    """Refuse an upload that is not an ``.xlsx`` workbook of an acceptable size (checked
    before the file is read whole)."""
    if not filename.lower().endswith(".xlsx"):
        raise RegistryError(_("只能上传 .xlsx 工作簿。"))
    if size > MAX_UPLOAD_BYTES:
        raise RegistryError(_("文件太大（上限 50 MB）。"))
    if not zipfile.is_zipfile(handle):
        raise RegistryError(
            _("文件 %(name)s 不是 .xlsx 工作簿：请上传用 Excel 或 WPS 保存的 .xlsx 文件。")
            % {"name": filename}
        )


def workbook_row_count(*, content: bytes) -> int:
    """The rows of a workbook's sheets (what decides whether the admin imports it in the
    background)."""
    data = read_xlsx(io.BytesIO(content))
    return sum(len(sheet.rows) for sheet in data.sheets.values())


@transaction.atomic
def import_batch_store(*, filename: str, content: bytes, user: Any = None) -> ImportBatch:
    """Store an uploaded workbook to be checked by the job worker (``import_batch_recheck``)."""
    upload_check(filename=filename, size=len(content), handle=io.BytesIO(content))
    batch = ImportBatch.objects.create(
        filename=filename[:255],
        content=content,
        status=ImportBatch.Status.PENDING,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    audit.record("store", batch, after={"filename": batch.filename, "status": batch.status})
    return batch


@transaction.atomic
def import_batch_recheck(
    *, batch: ImportBatch, user: Any = None, progress: Progress = no_progress
) -> ImportBatch:
    """Check a stored workbook with a dry run (nothing of it is imported)."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != ImportBatch.Status.PENDING:
        raise RegistryError(
            _("该工作簿当前状态为“%(status)s”，不能检查。")
            % {"status": locked.get_status_display()}
        )
    report = _run(locked, dry_run=True, user=user, progress=progress)
    locked.status = ImportBatch.Status.CHECKED if report.ok else ImportBatch.Status.REFUSED
    locked.save()
    audit.record(
        "check",
        locked,
        after={"filename": locked.filename, "status": locked.status, "errors": len(report.errors)},
    )
    return locked


@transaction.atomic
def import_batch_check(*, filename: str, content: bytes, user: Any = None) -> ImportBatch:
    """Store an uploaded workbook and check it with a dry run (nothing of it is imported)."""
    upload_check(filename=filename, size=len(content), handle=io.BytesIO(content))
    batch = ImportBatch(
        filename=filename[:255],
        content=content,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    report = _run(batch, dry_run=True, user=user)
    batch.status = ImportBatch.Status.CHECKED if report.ok else ImportBatch.Status.REFUSED
    batch.save()
    audit.record(
        "check",
        batch,
        after={"filename": batch.filename, "status": batch.status, "errors": len(report.errors)},
    )
    return batch


@transaction.atomic
def import_batch_apply(
    *, batch: ImportBatch, user: Any = None, progress: Progress = no_progress
) -> ImportBatch:
    """Import a checked workbook for real. The registry may have changed since the check: the
    import is checked again, and refused (with its errors) if it no longer goes in cleanly."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != ImportBatch.Status.CHECKED:
        raise RegistryError(
            _("该工作簿当前状态为“%(status)s”，不能导入。")
            % {"status": locked.get_status_display()}
        )
    if locked.report.get("approvals") and not (
        getattr(user, "has_perm", None) and user.has_perm("units.approve_decision")
    ):
        raise RegistryError(_("该工作簿包含已批准或已撤回的决定，导入它需要批准决定的权限。"))
    report = _run(locked, dry_run=False, user=user, progress=progress)
    if report.ok:
        locked.status = ImportBatch.Status.IMPORTED
        locked.imported_by = user if getattr(user, "pk", None) else None
        locked.imported_at = timezone.now()
    else:
        locked.status = ImportBatch.Status.REFUSED
    locked.save()
    audit.record(
        "import" if report.ok else "refuse",
        locked,
        after={"filename": locked.filename, "status": locked.status, **locked.report},
    )
    batch.refresh_from_db()
    return batch
