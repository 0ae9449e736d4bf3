"""The sheets and columns of the registry workbook, and how values are written in cells."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from units.projection import ATTRIBUTE_FIELDS

# Sheet name -> columns, in the order they are written (DESIGN §5).
SHEETS: dict[str, tuple[str, ...]] = {
    "jurisdictions": ("code", "name", "parent", "level"),
    "caps": ("jurisdiction", "valid_from", "cap", "decision"),
    "units": ("key", "kind", *ATTRIBUTE_FIELDS, "established_on", "established_by"),
    "decisions": ("number", "title", "issuer", "issued_on", "status"),
    "events": ("key", "decision", "type", "effective_on", "sources", "targets", *ATTRIBUTE_FIELDS),
    "quota_transfers": ("date", "decision", "event", "kind", "amount", "from", "to", "reason"),
    "headcounts": ("unit", "kind", "as_of", "actual"),
}

# Columns a sheet cannot do without (a sheet that has rows but lacks one is refused).
REQUIRED: dict[str, tuple[str, ...]] = {
    "jurisdictions": ("code", "name", "level"),
    "caps": ("jurisdiction", "valid_from", "cap"),
    "units": ("key", "kind", "name", "jurisdiction"),
    "decisions": ("number", "title", "issued_on", "status"),
    "events": ("key", "decision", "type", "effective_on"),
    "quota_transfers": ("date", "decision", "kind", "amount", "from", "to", "reason"),
    "headcounts": ("unit", "kind", "as_of", "actual"),
}

# The column that names a row (its key), where the sheet has one.
KEY_COLUMN: dict[str, str] = {
    "jurisdictions": "code",
    "units": "key",
    "decisions": "number",
    "events": "key",
    "caps": "jurisdiction",
    "headcounts": "unit",
}

# Columns written as numbers in a workbook (every other cell is text).
NUMBER_COLUMNS = {"cap", "amount", "actual", "internal_bodies"}

LIST_SEPARATOR = ";"


@dataclass
class Row:
    """One data row: its number in the sheet (the header is row 1) and its cells as text."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class WorkbookData:
    """What was read: the sheets present, and problems of form (unknown sheets, columns)."""

    sheets: dict[str, Sheet] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell as the text the contract speaks of: dates ISO, booleans true/false, whole numbers
    without a decimal point."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def format_value(value: object) -> str:
    """A value of the registry as written in a csv cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
