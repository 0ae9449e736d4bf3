"""The worker as a real process (manage.py run_worker, on the queue TASKS_BACKEND names): it
runs a queued import; killed (SIGKILL) in the middle of one, nothing of the import is written
and the next worker to start marks the job failed with its reason."""

import os
import signal
import sys

from tests.fixtures.big_workbook import big_workbook
from tests.fixtures.worker import WorkerSite, worker_site

__all__ = ["worker_site"]

QUEUE_IMPORT = """
import json
from pathlib import Path
from django.contrib.auth import get_user_model
from reform_registry.jobs import job_enqueue
from reform_registry.models import ImportBatch, Job
user = get_user_model().objects.create_superuser("chief", "c@example.org", "pw-12345678")
batch = ImportBatch.objects.create(
    filename="big.xlsx", content=Path({path!r}).read_bytes(), status="checked", uploaded_by=user
)
job = job_enqueue(kind=Job.Kind.WORKBOOK_IMPORT, batch=batch, user=user)
print(json.dumps(job.pk))
"""

STATE = """
import json
from reform_registry.models import Job
from units.models import AuditEntry, Unit
job = Job.objects.select_related("batch").get(pk={job})
print(json.dumps({{"state": job.state, "error": job.error, "batch": job.batch.status,
    "units": Unit.objects.count(), "done": job.done, "total": job.total,
    "imports": AuditEntry.objects.filter(action="import", object_type="reform_registry.workbook").count()}}))
"""


def queue_import(site: WorkerSite, tmp_path, institutions: int) -> int:
    path = tmp_path / "big.xlsx"
    path.write_bytes(big_workbook(institutions))
    job = site.python(QUEUE_IMPORT.format(path=str(path)))
    assert isinstance(job, int)
    return job


def test_the_worker_runs_a_queued_import(worker_site, tmp_path):
    job = queue_import(worker_site, tmp_path, 300)
    ran = worker_site.manage("run_worker", "--batch")
    state = worker_site.python(STATE.format(job=job))
    assert state == {
        "state": "succeeded",
        "error": "",
        "batch": "imported",
        "units": 301,
        "done": 304,
        "total": 304,
        "imports": 1,
    }, ran.stdout + ran.stderr


def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_and_the_job_fails(
    worker_site, tmp_path
):
    job = queue_import(worker_site, tmp_path, 6000)
    worker = worker_site.popen(sys.executable, "manage.py", "run_worker")
    try:
        # Past the units sheet: its 6,001 units are written, inside the import's transaction.
        progress = worker_site.wait_for(
            lambda: (p := worker_site.progress(job)) and p["done"] > 6000 and p
        )
        assert isinstance(progress, dict)
        stage = progress["stage"]
        # The process running the job (on Redis, the worker's work horse), and the worker.
        os.kill(int(progress["worker"].rpartition(":")[2]), signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert stage != "完成"
    state = worker_site.python(STATE.format(job=job))
    assert state["state"] == "running" and state["units"] == 0 and state["imports"] == 0

    # The next worker to start fails the job its dead predecessor left running.
    worker_site.manage("run_worker", "--batch")
    state = worker_site.python(STATE.format(job=job))
    assert state["state"] == "failed" and "已中断" in state["error"]
    assert state["units"] == 0 and state["imports"] == 0 and state["batch"] == "checked"
