"""Background jobs: start one (``job_enqueue``), run it in the worker (``job_run``, called by
``reform_registry.tasks.run_job``), read its live progress (``job_progress``), and fail the jobs
whose worker died (``jobs_sweep_orphans``, when a worker starts).

While a job runs, its progress (stage, rows done of total) is published through the ``jobs``
cache, not the job's row: a workbook import is one transaction, and the row could not be seen
(PostgreSQL) or even written (SQLite) from outside it before it commits.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import acting
from core.errors import RegistryError
from core.jobs import Progress
from units import audit

from .models import ImportBatch, Job

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 24 * 3600


def _progress_key(job_id: int) -> str:
    return f"job-progress:{job_id}"


def worker_name() -> str:
    """This process as a job's ``worker``: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


@transaction.atomic
def job_enqueue(
    *, kind: str, user: Any = None, batch: ImportBatch | None = None, params: dict | None = None
) -> Job:
    """Record a job and queue it for the worker (once the transaction commits)."""
    from .tasks import run_job

    job = Job.objects.create(
        kind=kind,
        batch=batch,
        params=params or {},
        started_by=user if getattr(user, "pk", None) else None,
    )
    audit.record("enqueue", job, after={"kind": kind, "batch": batch.pk if batch else None})
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def publisher(job: Job) -> Progress:
    """The progress callback of a running job: publishes each stage to the job's page."""

    def publish(stage: str, done: int, total: int) -> None:
        caches["jobs"].set(
            _progress_key(job.pk),
            {"stage": str(stage)[:100], "done": done, "total": total, "worker": worker_name()},
            PROGRESS_SECONDS,
        )

    return publish


def job_progress(job: Job) -> dict[str, Any]:
    """What the job's page shows of it: its state, and its progress (live while it runs)."""
    progress = {"stage": job.stage, "done": job.done, "total": job.total}
    if job.state == Job.State.RUNNING:
        live = caches["jobs"].get(_progress_key(job.pk)) or {}
        progress.update({k: live[k] for k in ("stage", "done", "total") if k in live})
    return {
        "state": job.state,
        "state_display": job.get_state_display(),
        "finished": job.finished,
        **progress,
        "error": job.error,
    }


def _run_workbook_check(job: Job, progress: Progress) -> dict[str, Any]:
    from .workbook.services import import_batch_recheck

    assert job.batch is not None
    batch = import_batch_recheck(batch=job.batch, user=job.started_by, progress=progress)
    return {"batch": batch.pk, "status": batch.status, "report": batch.report}


def _run_workbook_import(job: Job, progress: Progress) -> dict[str, Any]:
    from .workbook.services import import_batch_apply

    assert job.batch is not None
    batch = import_batch_apply(batch=job.batch, user=job.started_by, progress=progress)
    if batch.status != ImportBatch.Status.IMPORTED:
        raise JobRefused(
            _("登记簿在检查之后已有变化，工作簿现在有错误，未导入。"),
            {"batch": batch.pk, "status": batch.status, "report": batch.report},
        )
    return {"batch": batch.pk, "status": batch.status, "report": batch.report}


def _run_rebuild(job: Job, progress: Progress) -> dict[str, Any]:
    from units.services.rebuild import registry_rebuild

    progress(_("重建各单位的版本与检索索引"), 0, 1)
    with transaction.atomic():
        units = registry_rebuild()
    progress(_("完成"), 1, 1)
    return {"units": units}


def _run_campaigns(job: Job, progress: Progress) -> dict[str, Any]:
    """Apply previewed recovery campaigns of several jurisdictions, each in its own
    transaction (as ``campaign_apply`` does); the result is their table."""
    from staffing.models import RecoveryCampaign
    from staffing.services import campaign_apply

    campaigns = list(
        RecoveryCampaign.objects.filter(pk__in=job.params.get("campaigns", []))
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "pk")
    )
    rows: list[dict[str, Any]] = []
    for index, campaign in enumerate(campaigns):
        progress(
            _("执行收回行动：%(jurisdiction)s") % {"jurisdiction": campaign.jurisdiction.name},
            index,
            len(campaigns),
        )
        row: dict[str, Any] = {
            "campaign": campaign.pk,
            "jurisdiction": campaign.jurisdiction.code,
            "name": campaign.jurisdiction.name,
        }
        try:
            applied = campaign_apply(campaign=campaign, user=job.started_by)
        except RegistryError as exc:
            row.update(status=_("未执行"), total="", lines="", error=exc.message)
        else:
            row.update(
                status=applied.get_status_display(),
                total=applied.total,
                lines=applied.lines.count(),
                error="",
            )
        rows.append(row)
    progress(_("完成"), len(campaigns), len(campaigns))
    result = {"campaigns": rows}
    refused = sum(1 for row in rows if row["error"])
    if refused:
        raise JobRefused(_("%(n)s 个收回行动未能执行。") % {"n": refused}, result)
    return result


RUNNERS: dict[str, Callable[[Job, Progress], dict[str, Any]]] = {
    Job.Kind.WORKBOOK_CHECK: _run_workbook_check,
    Job.Kind.WORKBOOK_IMPORT: _run_workbook_import,
    Job.Kind.REBUILD: _run_rebuild,
    Job.Kind.CAMPAIGN_APPLY: _run_campaigns,
}


class JobRefused(RegistryError):
    """A job that ran to its end but whose work was refused: failed, with its result kept."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def _finish(job: Job, *, state: str, result: dict[str, Any], error: str = "") -> None:
    last = caches["jobs"].get(_progress_key(job.pk)) or {}
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(
            state=state,
            result=result,
            error=error,
            stage=last.get("stage", ""),
            done=last.get("done", 0),
            total=last.get("total", 0),
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        audit.record("finish", job, after={"state": state, "error": error})
    caches["jobs"].delete(_progress_key(job.pk))


def job_run(*, job_id: int) -> str:
    """Run a queued job in this worker; returns the state it ended in. A job already taken
    (by another worker, or run before) is left alone."""
    with transaction.atomic():
        taken = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, started_at=timezone.now(), worker=worker_name()
        )
    job = Job.objects.filter(pk=job_id).select_related("batch", "started_by").first()
    if job is None or not taken:
        return job.state if job else ""
    runner = RUNNERS.get(job.kind)
    try:
        if runner is None:
            raise RegistryError(_("未知的任务种类。"))
        with acting(user=job.started_by, name=f"job:{job.kind}"):
            result = runner(job, publisher(job))
    except JobRefused as exc:
        _finish(job, state=Job.State.FAILED, result=exc.result, error=exc.message)
    except RegistryError as exc:
        _finish(job, state=Job.State.FAILED, result={}, error=exc.message)
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        _finish(
            job,
            state=Job.State.FAILED,
            result={},
            error=_("任务出错：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
    else:
        _finish(job, state=Job.State.SUCCEEDED, result=result)
    return job.state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def jobs_sweep_orphans() -> int:
    """Fail the jobs left running by a worker of this host that is gone (killed in the middle
    of a job): a job is one transaction, so nothing of it was written. Returns the jobs failed."""
    host = socket.gethostname()
    failed = 0
    for job in Job.objects.filter(state=Job.State.RUNNING, worker__startswith=f"{host}:"):
        pid = job.worker.rpartition(":")[2]
        if pid.isdigit() and _alive(int(pid)):
            continue
        with transaction.atomic():
            swept = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
                state=Job.State.FAILED,
                finished_at=timezone.now(),
                error=_(
                    "执行该任务的工作进程（%(worker)s）已中断，任务未完成，未写入任何数据；"
                    "请重新提交。"
                )
                % {"worker": job.worker},
            )
            if swept:
                job.refresh_from_db()
                audit.record("fail", job, after={"state": job.state, "error": job.error})
                failed += 1
        caches["jobs"].delete(_progress_key(job.pk))
    return failed
