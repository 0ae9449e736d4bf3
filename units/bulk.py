"""Inserting many rows fast: PostgreSQL's COPY, or ``bulk_create`` on other databases.

For rows whose ids the caller does not need (versions, audit rows, ledger lines). The values
go through the same conversions Django applies (``auto_now_add`` stamps, foreign keys by id,
JSON encoded with the field's encoder), and every constraint of the table still applies.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Sequence

from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _converter(field: models.Field):
    """A function giving the COPY text of a value of this field (chosen once per column)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        assert isinstance(field, models.JSONField)
        encoder = field.encoder

        def json_text(value: object) -> str:
            if value is None:
                return "\\N"
            text = json.dumps(value, cls=encoder, ensure_ascii=False)
            # JSON text has no raw tab, newline or carriage return: only backslashes to double.
            return text.replace("\\", "\\\\") if "\\" in text else text

        return json_text
    if kind == "BooleanField":
        return lambda value: "\\N" if value is None else ("t" if value else "f")

    def text(value: object) -> str:
        if value is None:
            return "\\N"
        if type(value) is str:
            return value.translate(_ESCAPES) if _NEEDS_ESCAPE(value) else value
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, int | float):
            return str(value)
        prepared = field.get_db_prep_save(value, connection)
        return "\\N" if prepared is None else str(prepared).translate(_ESCAPES)

    return text


def _text(field: models.Field, value: object) -> str:
    """The COPY text of one value of a field."""
    return _converter(field)(value)


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is not a column")
    return field


def copy_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[object]]
) -> int:
    """COPY rows of plain values (in the order of ``names``: field names or attnames) into
    the model's table; PostgreSQL only."""
    if not rows:
        return 0
    meta = model._meta
    fields = [_concrete_field(model, name) for name in names]
    converters = [_converter(f) for f in fields]
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join([convert(v) for convert, v in zip(converters, row, strict=True)]))
        write("\n")
    buffer.seek(0)
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)
    return len(rows)


def copy_insert(model: type[models.Model], objects: Sequence[models.Model]) -> int:
    """Insert unsaved instances without returning their ids; returns how many."""
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=2000)
        return len(objects)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
    buffer = io.StringIO()
    write = buffer.write
    columns = [(_converter(f), f.attname) for f in fields]
    for obj in objects:
        write("\t".join([convert(getattr(obj, name)) for convert, name in columns]))
        write("\n")
    buffer.seek(0)
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)
    return len(objects)


# Lists of at least this many ids or keys go to PostgreSQL as one array parameter.
ARRAY_IN_THRESHOLD = 100


def use_arrays_for_long_in_lists() -> None:
    """On PostgreSQL, write ``field__in=[…]`` with thousands of plain ids or keys as
    ``field = ANY(%s)`` with one array parameter instead of thousands of placeholders: the
    same rows and the same index scans, without building and parsing one parameter per value
    (a large share of the time of bulk imports). Other lookups and other databases unchanged."""
    from django.db.models import lookups

    original = lookups.In.as_sql
    if getattr(original, "uses_arrays", False):
        return

    def as_sql(self, compiler, connection):
        if connection.vendor == "postgresql" and self.rhs_is_direct_value():
            values = [v for v in self.rhs if v is not None]
            if len(values) >= ARRAY_IN_THRESHOLD and (
                all(type(v) is int for v in values) or all(type(v) is str for v in values)
            ):
                lhs, lhs_params = self.process_lhs(compiler, connection)
                return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return original(self, compiler, connection)

    as_sql.uses_arrays = True  # type: ignore[attr-defined]
    lookups.In.as_sql = as_sql  # type: ignore[method-assign]
