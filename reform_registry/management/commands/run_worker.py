"""``manage.py run_worker``: the job worker of the configured queue (TASKS_BACKEND), after
failing the jobs a dead worker of this host left running."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from reform_registry.jobs import jobs_sweep_orphans


class Command(BaseCommand):
    help = "Run the background job worker (database queue or Redis, per TASKS_BACKEND)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="Run the queued jobs, then exit.")

    def handle(self, *args: Any, batch: bool = False, **options: Any) -> None:
        swept = jobs_sweep_orphans()
        if swept:
            self.stderr.write(f"{swept} job(s) left running by a dead worker marked failed")
        verbosity = options.get("verbosity", 1)
        if settings.TASKS_BACKEND == "redis":
            call_command(
                "rqworker",
                "default",
                job_class="django_tasks_rq.Job",
                burst=batch,
                verbosity=verbosity,
            )
        else:
            call_command(
                "db_worker",
                "--queue-name=default",
                "--interval=0.5",
                "--no-startup-delay",
                "--no-reload",
                *(["--batch"] if batch else []),
                verbosity=verbosity,
            )
