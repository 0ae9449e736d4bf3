"""Reading a workbook (``.xlsx``, streamed with openpyxl's read-only mode) or a folder of
``.csv`` files into rows of text. Nothing here knows the registry's rules."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO
from xml.parsers import expat

from django.utils.translation import gettext as _

from core.bulk import fewer_collections

from . import xlsx_stream
from .format import CODES_SHEET, SHEETS, Row, Sheet, WorkbookData, cell_text


def read_workbook(source: str | Path | IO[bytes]) -> WorkbookData:
    """Read an ``.xlsx`` file (path or binary file) or a folder of ``.csv`` files."""
    with fewer_collections():
        return _read(source)


def _read(source: str | Path | IO[bytes]) -> WorkbookData:
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            return read_csv_folder(path)
        if not path.exists():
            data = WorkbookData()
            data.problems.append({"message": _("找不到文件或文件夹：%(path)s") % {"path": path}})
            return data
        with path.open("rb") as handle:
            return read_xlsx(handle)
    return read_xlsx(source)


def read_xlsx(handle: IO[bytes]) -> WorkbookData:
    """Read a workbook with the streaming reader of ``xlsx_stream``; a file it cannot make
    sense of is read again with openpyxl (read-only), which then names the problem."""
    data = WorkbookData()
    try:
        for name, rows in xlsx_stream.sheets(handle):
            _collect(data, name, rows)
        return data
    except (*UNREADABLE, expat.ExpatError):
        handle.seek(0)
    return read_xlsx_openpyxl(handle)


# What reading a file that is not a sound .xlsx raises (ParseError is a SyntaxError).
UNREADABLE = (zipfile.BadZipFile, KeyError, IndexError, TypeError, ValueError, SyntaxError, OSError)


def _unreadable(data: WorkbookData, exc: Exception) -> WorkbookData:
    if isinstance(exc, zipfile.BadZipFile):
        message = _("该文件不是 .xlsx 工作簿（也不是 CSV 文件夹），不是有效的 .xlsx 文件。")
    else:
        message = _("工作簿已损坏，无法读取（不是有效的 .xlsx 文件）。")
    data.problems.append({"message": message})
    return data


def read_xlsx_openpyxl(handle: IO[bytes]) -> WorkbookData:
    from openpyxl import load_workbook

    data = WorkbookData()
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except UNREADABLE as exc:
        return _unreadable(data, exc)
    try:
        for worksheet in book.worksheets:
            _collect(
                data,
                worksheet.title,
                enumerate(worksheet.iter_rows(values_only=True), start=1),
            )
    except UNREADABLE as exc:  # a sheet's XML is broken
        return _unreadable(WorkbookData(), exc)
    finally:
        book.close()
    return data


def read_csv_folder(folder: Path) -> WorkbookData:
    data = WorkbookData()
    for path in sorted(folder.glob("*.csv")):
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                _collect(data, path.stem, enumerate(csv.reader(handle), start=1))
        except UnicodeDecodeError:
            data.problems.append(
                {
                    "sheet": path.stem,
                    "message": _("文件不是 UTF-8 编码：%(file)s") % {"file": path.name},
                }
            )
    return data


def read_csv_texts(texts: dict[str, str]) -> WorkbookData:
    """Sheets given as csv text by name (used by tests and uploads of csv files)."""
    data = WorkbookData()
    for name, text in texts.items():
        _collect(data, name, enumerate(csv.reader(io.StringIO(text)), start=1))
    return data


def _collect(data: WorkbookData, name: str, lines: Iterable[tuple[int, Iterable[object]]]) -> None:
    """Add one sheet: ``lines`` are (row number, cell values) with the header first."""
    name = name.strip()
    if name == CODES_SHEET:
        return  # the list of codes of a template: for the reader of the workbook, not its data
    if name not in SHEETS:
        data.problems.append(
            {
                "sheet": name,
                "message": _("未知的工作表“%(sheet)s”；可用：%(sheets)s。")
                % {"sheet": name, "sheets": ", ".join(SHEETS)},
            }
        )
        return
    if name in data.sheets:
        data.problems.append(
            {"sheet": name, "message": _("工作表“%(sheet)s”出现了两次。") % {"sheet": name}}
        )
        return
    iterator: Iterator[tuple[int, Iterable[object]]] = iter(lines)
    header: list[str] = []
    for _number, values in iterator:
        header = [cell_text(v) for v in values]
        if any(header):
            break
    while header and not header[-1]:
        header.pop()
    sheet = Sheet(name=name, columns=header)
    data.sheets[name] = sheet
    known = set(SHEETS[name])
    seen: set[str] = set()
    for column in header:
        if column in seen:
            data.problems.append(
                {
                    "sheet": name,
                    "row": 1,
                    "column": column,
                    "message": _("列“%(column)s”出现了两次。") % {"column": column},
                }
            )
        elif column not in known:
            data.problems.append(
                {
                    "sheet": name,
                    "row": 1,
                    "column": column or None,
                    "message": _("未知的列“%(column)s”；本表可用：%(columns)s。")
                    % {"column": column, "columns": ", ".join(SHEETS[name])},
                }
            )
        seen.add(column)
    width = len(header)
    for number, values in iterator:
        texts = [cell_text(v) for v in values]
        texts += [""] * (width - len(texts))
        if not any(texts):
            continue
        extra = [t for t in texts[width:] if t]
        if extra:
            data.problems.append(
                {
                    "sheet": name,
                    "row": number,
                    "message": _("该行在表头之外还有内容：%(values)s")
                    % {"values": ", ".join(extra)},
                }
            )
        sheet.rows.append(
            Row(
                number,
                {column: text for column, text in zip(header, texts, strict=False) if column},
            )
        )
