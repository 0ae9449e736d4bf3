"""Inserting many rows fast: PostgreSQL's COPY, or ``bulk_create`` on other databases.

Rows whose ids the caller does not need (versions, audit rows, ledger lines) go as plain values
or instances; rows whose ids it needs get them from the table's sequence first. The values
go through the same conversions Django applies (``auto_now_add`` stamps, foreign keys by id,
JSON encoded with the field's encoder), and every constraint of the table still applies.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import call
from typing import Any

from django.db import connection, models
from django.db.models.expressions import Col

_pace_lock = threading.Lock()
_pace_users = 0
_pace_before: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections(threshold: int = 50_000) -> Iterator[None]:
    """Bulk work (reading and importing a workbook) allocates hundreds of thousands of objects
    that live until it ends; the cycle collector's default pace (every 700 allocations) then
    spends a tenth of the time walking them. Inside the block it runs every ``threshold``
    allocations; the pace comes back as it was when the last block open (nested, or in another
    thread) ends. Objects a server froze with ``gc.freeze()`` stay frozen."""
    global _pace_users, _pace_before
    with _pace_lock:
        if _pace_users == 0:
            _pace_before = gc.get_threshold()
            gc.set_threshold(threshold, *_pace_before[1:])
        _pace_users += 1
    try:
        yield
    finally:
        with _pace_lock:
            _pace_users -= 1
            if _pace_users == 0:
                gc.set_threshold(*_pace_before)


# How many ids one statement sends, where a list is cut into batches.
CHUNK = 5000


def chunked(items: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """The items in lists of at most ``size``."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _converter(field: models.Field):
    """A function giving the COPY text of a value of this field (chosen once per column)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        assert isinstance(field, models.JSONField)
        encode = (field.encoder or json.JSONEncoder)(ensure_ascii=False).encode  # made once

        def json_text(value: object) -> str:
            if value is None:
                return "\\N"
            text = encode(value)
            # JSON text has no raw tab, newline or carriage return: only backslashes to double.
            return text.replace("\\", "\\\\") if "\\" in text else text

        return json_text
    if kind == "BooleanField":
        return lambda value: "\\N" if value is None else ("t" if value else "f")

    def text(value: object) -> str:
        if value is None:
            return "\\N"
        # The common exact types first, without isinstance.
        if type(value) is str:
            return value.translate(_ESCAPES) if _NEEDS_ESCAPE(value) else value
        if type(value) is int:
            return str(value)
        if type(value) is dt.date:
            return value.isoformat()
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, int | float):
            return str(value)
        prepared = field.get_db_prep_save(value, connection)
        return "\\N" if prepared is None else str(prepared).translate(_ESCAPES)

    return text


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is not a column")
    return field


class _CopyLines:
    """What COPY reads from: the rows' text lines, formatted as PostgreSQL asks for them, so
    that the server stores one chunk while the next is being formatted."""

    def __init__(self, lines: Iterator[str], rows_per_read: int = 1000):
        self.lines = lines
        self.rows_per_read = rows_per_read

    def read(self, size: int = -1) -> str:
        return "".join(islice(self.lines, self.rows_per_read))


def _copy(model: type[models.Model], fields: Sequence[models.Field], lines: Iterator[str]) -> None:
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, _CopyLines(lines))


def copy_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[object]]
) -> int:
    """Insert rows of plain values (in the order of ``names``: field names or attnames, foreign
    keys given by id) without building model instances on PostgreSQL (COPY); elsewhere through
    ``bulk_create``. Columns not named get no default: name every column that has one."""
    if not rows:
        return 0
    fields = [_concrete_field(model, name) for name in names]
    if connection.vendor != "postgresql":
        attnames = [f.attname for f in fields]
        model._default_manager.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=2000
        )
        return len(rows)
    converters = [_converter(f) for f in fields]
    width = len(converters)

    def lines() -> Iterator[str]:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{model._meta.label}: {len(row)} values for {width} columns")
            yield "\t".join(map(call, converters, row)) + "\n"

    _copy(model, fields, lines())
    return len(rows)


def _copy_objects(
    model: type[models.Model], objects: Sequence[models.Model], fields: list[models.Field]
) -> None:
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    columns = [(_converter(f), f.attname) for f in fields]  # converters chosen once per column

    def lines() -> Iterator[str]:
        for obj in objects:
            for field in stamped:
                field.pre_save(obj, add=True)
            yield "\t".join([convert(getattr(obj, name)) for convert, name in columns]) + "\n"

    _copy(model, fields, lines())


def copy_insert(model: type[models.Model], objects: Sequence[models.Model]) -> int:
    """Insert unsaved instances without returning their ids; returns how many."""
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=2000)
        return len(objects)
    _copy_objects(model, objects, [f for f in model._meta.concrete_fields if not f.primary_key])
    return len(objects)


def insert_with_ids(model: type[models.Model], objects: list, *, batch_size: int = 5000) -> list:
    """Insert unsaved instances and give them their ids: on PostgreSQL the ids are drawn from
    the table's sequence and the rows sent with COPY (the fast path for thousands of rows);
    elsewhere ``bulk_create``. Every constraint of the table applies either way."""
    if not objects:
        return objects
    if connection.vendor != "postgresql" or len(objects) < 1000:
        return model._default_manager.bulk_create(objects, batch_size=batch_size)
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
    _copy_objects(model, objects, list(meta.concrete_fields))
    return objects


# Lists of at least this many ids or keys go to PostgreSQL as one array parameter.
ARRAY_IN_THRESHOLD = 100


_INTEGER_COLUMNS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
}
_TEXT_COLUMNS = {"CharField", "TextField", "SlugField"}


def _all_plain(values: list | tuple) -> bool:
    """Whether every value is a plain int, or every value a plain str."""
    kind = type(values[0])
    return (kind is int or kind is str) and all(type(v) is kind for v in values)


def _plain_values(lookup) -> list | None:
    """The values of a long ``__in`` list when they are plain ints on an integer column (a
    foreign key's target included) or plain strs on a text column: for those, preparing each
    value for the database gives it back unchanged, so it need not be done one by one."""
    values = lookup.rhs
    if not isinstance(values, list | tuple | set | frozenset) or len(values) < ARRAY_IN_THRESHOLD:
        return None
    if not isinstance(lookup.lhs, Col):
        return None
    field = lookup.lhs.output_field
    path = getattr(field, "path_infos", None)
    if path:
        field = path[-1].target_fields[-1]
    kind = field.get_internal_type()
    wanted = int if kind in _INTEGER_COLUMNS else str if kind in _TEXT_COLUMNS else None
    values = list(values)
    if wanted is None or type(values[0]) is not wanted or not _all_plain(values):
        return None
    return values


def use_arrays_for_long_in_lists() -> None:
    """``field__in=[…]`` with thousands of plain ids or keys (as the set-based services write
    them): the values are not prepared one by one when that changes none of them, and on
    PostgreSQL they go as ``field = ANY(%s)`` with one array parameter instead of thousands of
    placeholders. The same rows and the same index scans, without building and parsing one
    parameter per value (a large share of the time of bulk imports). Other lookups and other
    values unchanged."""
    from django.db.models import lookups
    from django.db.models.fields import related_lookups
    from django.db.models.sql.query import Query

    original = lookups.In.as_sql
    if getattr(original, "uses_arrays", False):
        return

    original_resolve = Query.resolve_lookup_value

    def resolve_lookup_value(self, value, *args, **kwargs):
        # Plain values hold no expression to resolve: a long list of them is kept as it is.
        if type(value) is list and len(value) >= ARRAY_IN_THRESHOLD and _all_plain(value):
            return value
        return original_resolve(self, value, *args, **kwargs)

    def as_sql(self, compiler, connection):
        if connection.vendor == "postgresql" and self.rhs_is_direct_value():
            values = [v for v in self.rhs if v is not None]
            if len(values) >= ARRAY_IN_THRESHOLD and _all_plain(values):
                lhs, lhs_params = self.process_lhs(compiler, connection)
                return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return original(self, compiler, connection)

    def preparing(original_prep):
        def get_prep_lookup(self):
            plain = _plain_values(self)
            return plain if plain is not None else original_prep(self)

        return get_prep_lookup

    as_sql.uses_arrays = True  # type: ignore[attr-defined]
    Query.resolve_lookup_value = resolve_lookup_value  # type: ignore[method-assign]
    lookups.In.as_sql = as_sql  # type: ignore[method-assign]
    lookups.In.get_prep_lookup = preparing(lookups.In.get_prep_lookup)  # type: ignore[method-assign]
    related_lookups.RelatedIn.get_prep_lookup = preparing(  # type: ignore[method-assign]
        related_lookups.RelatedIn.get_prep_lookup
    )
