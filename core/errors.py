"""The one error type of the application."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


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

    @classmethod
    def from_problems(
        cls, problems: list[dict[str, Any]], *, cause: str = "", cause_with_one: bool = True
    ) -> RegistryError:
        """The error that refuses something for these problems (at least one): ``cause``
        (e.g. "编制划转被拒绝：") then the one problem, or how many there are and the first.
        With ``cause_with_one=False`` a single problem is told alone."""
        first = problems[0]["message"]
        lead = cause if not cause or cause.endswith("：") else cause + " "
        if len(problems) == 1:
            return cls(lead + first if cause_with_one else first, problems=problems)
        told = _("共 %(n)d 个问题，第一个：%(first)s") % {"n": len(problems), "first": first}
        return cls(lead + told, problems=problems)

    def __str__(self) -> str:
        if len(self.problems) <= 1:
            return self.message
        return self.message + "\n" + "\n".join(f"- {p['message']}" for p in self.problems)
