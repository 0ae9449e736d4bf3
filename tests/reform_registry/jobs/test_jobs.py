"""Background jobs in the admin, run here as the worker runs them (reform_registry.jobs):
a large workbook is checked, then imported, by jobs whose pages show their progress and then
the report; the progress endpoint is restricted; a job left running by a dead worker is failed
with its reason; rebuild_registry is started from the admin."""

import io
import os
import socket

import django_rq
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reform_registry.jobs import job_progress, job_run, jobs_sweep_orphans, publisher
from reform_registry.models import ImportBatch, Job
from reform_registry.workbook.importer import import_workbook
from reform_registry.workbook.readers import read_xlsx
from tests.fixtures.big_workbook import big_workbook
from units.models import AuditEntry, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def job_settings(settings, tmp_path):
    settings.WORKBOOK_BACKGROUND_ROWS = 50
    settings.CACHES = {
        **settings.CACHES,
        "jobs": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "job-progress"),
        },
    }
    return settings


@pytest.fixture
def chief(client):
    user = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-12345678")
    client.force_login(user)
    return user


def upload(client, content, name="big.xlsx"):
    return client.post(
        reverse("admin:reform_registry_importbatch_add"),
        {"file": SimpleUploadedFile(name, content)},
    )


def progress_of(client, job):
    response = client.get(reverse("admin:reform_registry_job_progress", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def test_a_large_workbook_is_checked_then_imported_by_jobs(
    client, chief, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, big_workbook(80))
    check = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reform_registry_job_change", args=[check.pk])
    assert check.kind == Job.Kind.WORKBOOK_CHECK and check.state == Job.State.QUEUED
    assert check.batch.status == ImportBatch.Status.PENDING and check.started_by == chief
    # Queued for the worker.
    if settings.TASKS_BACKEND == "database":
        assert DBTaskResult.objects.filter(args_kwargs__args=[check.pk]).count() == 1
    else:
        queue = django_rq.get_queue("default")
        assert [job.args for job in queue.get_jobs()][-1:] == [(check.pk,)]
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-bar"' in page and "jobs/job_progress.js" in page and "排队中" in page
    assert progress_of(client, check)["state"] == "queued"
    # The review of a workbook still being checked leads to the job.
    review = reverse("admin:reform_registry_importbatch_review", args=[check.batch.pk])
    assert client.get(review)["Location"] == response["Location"]

    assert job_run(job_id=check.pk) == Job.State.SUCCEEDED
    check.refresh_from_db()
    assert check.batch.status == ImportBatch.Status.CHECKED and not Unit.objects.exists()
    assert (check.stage, check.done, check.total) == ("完成", 84, 84)
    assert check.result["report"]["counts"]["units"] == {"created": 81, "skipped": 0}
    page = client.get(response["Location"]).content.decode()
    assert 'id="workbook-counts"' in page and "已完成" in page and 'id="job-batch"' in page
    assert progress_of(client, check) | {"error": ""} == {
        "state": "succeeded",
        "state_display": "已完成",
        "finished": True,
        "stage": "完成",
        "done": 84,
        "total": 84,
        "error": "",
    }

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(review)
    load = Job.objects.get(kind=Job.Kind.WORKBOOK_IMPORT)
    assert confirmed["Location"] == reverse("admin:reform_registry_job_change", args=[load.pk])
    # A second confirmation while it is queued does not queue a second import.
    assert client.post(review)["Location"] == confirmed["Location"]
    assert Job.objects.filter(kind=Job.Kind.WORKBOOK_IMPORT).count() == 1

    assert job_run(job_id=load.pk) == Job.State.SUCCEEDED
    assert job_run(job_id=load.pk) == Job.State.SUCCEEDED  # run once: a second run does nothing
    load.refresh_from_db()
    assert load.batch.status == ImportBatch.Status.IMPORTED
    assert Unit.objects.count() == 81
    assert AuditEntry.objects.filter(action="finish", object_id=str(load.pk)).exists()
    page = client.get(confirmed["Location"]).content.decode()
    assert "81" in page and "已导入" in page


def test_a_small_workbook_is_still_checked_at_once(client, chief):
    response = upload(client, big_workbook(10))
    batch = ImportBatch.objects.get()
    assert response["Location"].endswith(f"/{batch.pk}/review/")
    assert batch.status == ImportBatch.Status.CHECKED and not Job.objects.exists()


def test_a_refused_workbook_job_fails_with_the_report(client, chief):
    upload(client, big_workbook(60))
    job = Job.objects.get()
    assert job_run(job_id=job.pk) == Job.State.SUCCEEDED
    job.batch.refresh_from_db()
    assert job.batch.status == ImportBatch.Status.CHECKED
    # Meanwhile the workbook's department is registered, differently (as an institution).
    assert import_workbook(read_xlsx(io.BytesIO(big_workbook(0)))).errors == []
    Unit.objects.filter(key="zjj").update(kind="institution")
    client.post(reverse("admin:reform_registry_importbatch_review", args=[job.batch.pk]))
    load = Job.objects.get(kind=Job.Kind.WORKBOOK_IMPORT)
    assert job_run(job_id=load.pk) == Job.State.FAILED
    load.refresh_from_db()
    assert "未导入" in load.error and load.result["report"]["errors"]
    assert Unit.objects.count() == 1
    page = client.get(reverse("admin:reform_registry_job_change", args=[load.pk]))
    assert 'id="workbook-errors"' in page.content.decode()


def test_the_progress_of_a_running_job_is_live(client, chief):
    job = Job.objects.create(kind=Job.Kind.REBUILD, state=Job.State.RUNNING, started_by=chief)
    publisher(job)("处理工作表 units", 40, 100)
    assert job_progress(job)["done"] == 40
    assert progress_of(client, job)["stage"] == "处理工作表 units"


def test_a_user_reads_only_their_own_jobs(client, chief):
    staff = get_user_model().objects.create_user("clerk", password="pw-12345678", is_staff=True)
    mine = Job.objects.create(kind=Job.Kind.REBUILD, started_by=staff)
    theirs = Job.objects.create(kind=Job.Kind.REBUILD, started_by=chief)
    client.force_login(staff)
    assert (
        client.get(reverse("admin:reform_registry_job_progress", args=[mine.pk])).status_code == 200
    )
    for name in ("admin:reform_registry_job_progress", "admin:reform_registry_job_change"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("admin:reform_registry_job_changelist")).content.decode()
    assert f"#{mine.pk}" in listing and f"#{theirs.pk}" not in listing
    assert "job-rebuild" not in listing
    assert client.post(reverse("admin:reform_registry_job_rebuild")).status_code == 403
    assert client.get(reverse("admin:reform_registry_job_change", args=["x"])).status_code == 404


def test_rebuild_registry_is_started_from_the_admin(
    client, chief, django_capture_on_commit_callbacks
):
    listing = client.get(reverse("admin:reform_registry_job_changelist")).content.decode()
    assert 'id="job-rebuild"' in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:reform_registry_job_rebuild"))
    job = Job.objects.get()
    assert job.kind == Job.Kind.REBUILD and response.status_code == 302
    assert job_run(job_id=job.pk) == Job.State.SUCCEEDED
    job.refresh_from_db()
    assert job.result == {"units": 0}
    assert 'id="job-result"' in client.get(response["Location"]).content.decode()


def test_a_job_left_running_by_a_dead_worker_is_failed_with_its_reason():
    host = socket.gethostname()
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)  # a process id that no longer runs
    orphan = Job.objects.create(
        kind=Job.Kind.REBUILD, state=Job.State.RUNNING, worker=f"{host}:{dead}"
    )
    alive = Job.objects.create(
        kind=Job.Kind.REBUILD, state=Job.State.RUNNING, worker=f"{host}:{os.getpid()}"
    )
    elsewhere = Job.objects.create(
        kind=Job.Kind.REBUILD, state=Job.State.RUNNING, worker=f"other-host:{dead}"
    )
    assert jobs_sweep_orphans() == 1
    orphan.refresh_from_db()
    assert orphan.state == Job.State.FAILED and "已中断" in orphan.error and orphan.finished_at
    assert Job.objects.get(pk=alive.pk).state == Job.State.RUNNING
    assert Job.objects.get(pk=elsewhere.pk).state == Job.State.RUNNING
    assert AuditEntry.objects.filter(action="fail", object_id=str(orphan.pk)).exists()
