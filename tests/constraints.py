"""The named database constraints of the apps, and checks that a row breaks a given one.

Each ``Meta.constraints`` entry is known by its name; a unique field (``unique=True``, a
one-to-one) by ``"<app>.<Model>.<field> unique"``. A refused write names the constraint it
broke: PostgreSQL gives the constraint's name (and for a unique field its columns); SQLite names
a check constraint, and a unique one by the columns it covers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction


@dataclass(frozen=True)
class Constraint:
    name: str
    table: str
    columns: tuple[str, ...]  # the columns of a unique constraint; () for a check

    def named_by(self, error: IntegrityError) -> bool:
        """Whether the database's refusal names this constraint."""
        cause = error.__cause__
        diag = getattr(cause, "diag", None)
        if diag is not None:  # PostgreSQL
            if diag.constraint_name == self.name:
                return True
            detail = re.match(r"Key \((.*?)\)=", diag.message_detail or "")
            return bool(self.columns and detail and tuple(detail[1].split(", ")) == self.columns)
        message = str(error)
        if not self.columns:
            return message == f"CHECK constraint failed: {self.name}"
        listed = ", ".join(f"{self.table}.{column}" for column in self.columns)
        return message == f"UNIQUE constraint failed: {listed}"


def _columns(model: type[models.Model], names: Iterable[str]) -> tuple[str, ...]:
    return tuple(model._meta.get_field(name).column for name in names)  # type: ignore[union-attr]


def named_constraints(*app_labels: str) -> dict[str, Constraint]:
    """Every named constraint and unique field of the concrete models of the apps."""
    found: dict[str, Constraint] = {}
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            for constraint in meta.constraints:
                fields = getattr(constraint, "fields", ()) or ()
                found[constraint.name] = Constraint(
                    constraint.name, meta.db_table, _columns(model, fields)
                )
            for field in meta.concrete_fields:
                if field.unique and not field.primary_key:
                    name = f"{meta.label}.{field.name} unique"
                    found[name] = Constraint(name, meta.db_table, (field.column,))
    return found


def assert_refused(constraint: Constraint, build: Callable[[], Any]) -> None:
    """``build`` writes what ``constraint`` forbids: the database refuses it, naming it."""
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        build()
    assert constraint.named_by(refusal.value), (
        f"{constraint.name} expected, the {connection.vendor} database said: {refusal.value}"
    )


def assert_invalid(name: str, instance: models.Model) -> None:
    """The model's validation refuses ``instance`` by its constraint ``name``."""
    constraint = next(c for c in instance._meta.constraints if c.name == name)
    with pytest.raises(ValidationError):
        constraint.validate(type(instance), instance)
