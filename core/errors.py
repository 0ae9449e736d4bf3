"""The one error type of the application."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """A refused write or a bad input. ``problems`` lists every problem found.

    Each problem is a dict with at least ``message``; services add what locates it
    (``event``, ``unit``, ``date``, ``amount``, ``sheet``, ``row``, ``column`` …).
    """

    def __init__(self, message: str, *, problems: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.extra = extra
        self.problems = problems if problems is not None else [{"message": message, **extra}]

    def __str__(self) -> str:
        if len(self.problems) <= 1:
            return self.message
        return self.message + "\n" + "\n".join(f"- {p['message']}" for p in self.problems)
