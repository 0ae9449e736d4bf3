"""The task the worker runs (django-tasks): a background job of ``reform_registry.jobs``."""

from django_tasks import task


@task()
def run_job(job_id: int) -> str:
    from .jobs import job_run

    return job_run(job_id=job_id)
