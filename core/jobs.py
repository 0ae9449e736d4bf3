"""Background-job plumbing that the services may use without knowing the job record.

A service that runs long (a workbook import, a campaign, the rebuild) takes a ``progress``
callback and calls it at each stage with the rows done of the total; the job runner
(``reform_registry.jobs``) passes one that publishes the progress to the job's page, and
everything else passes nothing (``no_progress``).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


def no_progress(stage: str, done: int, total: int) -> None:
    """The progress of a run nobody watches: nothing is published."""
