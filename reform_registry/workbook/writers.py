"""Writing a workbook: ``.xlsx`` (openpyxl write-only, fixed timestamps so that the same
registry gives the same bytes) or a folder of UTF-8 ``.csv`` files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .format import NUMBER_COLUMNS, SHEETS, format_value

FIXED_TIME = dt.datetime(2000, 1, 1)

Rows = dict[str, Iterable[dict[str, object]]]


def write_workbook(rows: Rows, path: str | Path) -> Path:
    """``.xlsx`` paths give a workbook, any other path a folder of csv files."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(xlsx_bytes(rows))
    else:
        write_csv_folder(rows, path)
    return path


def write_csv_folder(rows: Rows, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns in SHEETS.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in rows.get(name, ()):
                writer.writerow([format_value(row.get(c)) for c in columns])


def xlsx_bytes(rows: Rows, *, finish: Callable[[Any], None] | None = None) -> bytes:
    """The rows as a workbook; ``finish``, given the openpyxl workbook once every sheet is
    written, may add to it (the template adds its codes and drop-down lists)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "reform-registry"
    for name, columns in SHEETS.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for row in rows.get(name, ()):
            sheet.append([_xlsx_cell(c, row.get(c)) for c in columns])
    if finish is not None:
        finish(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return _normalized_zip(buffer.getvalue())


def _xlsx_cell(column: str, value: object) -> object:
    if column in NUMBER_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
        return value
    text = format_value(value)
    return text if text != "" else None


def _normalized_zip(data: bytes) -> bytes:
    """The same archive with fixed member timestamps and properties, so output is stable."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _fixed_core(content)
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, content)
    return out.getvalue()


def _fixed_core(content: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", content
    )
