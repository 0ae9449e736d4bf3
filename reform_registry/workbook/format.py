"""The sheets and columns of the registry workbook, and how values are written in cells."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from staffing.choices import QuotaKindCode, TransferReason
from units.choices import (
    Category,
    DecisionStatus,
    EventType,
    Funding,
    JurisdictionLevel,
    Rank,
    UnitKind,
    unknown_code_message,
)
from units.rules import ATTRIBUTE_FIELDS, DEFAULTS

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

_UNIT_CODES: dict[str, tuple[type[TextChoices], Promise]] = {
    "category": (Category, gettext_lazy("事业单位类别")),
    "rank": (Rank, gettext_lazy("机构规格")),
    "funding": (Funding, gettext_lazy("经费形式")),
}
# The code columns of each sheet: the codes a cell may stand for, and the column in words.
CODE_COLUMNS: dict[str, dict[str, tuple[type[TextChoices], Promise]]] = {
    "jurisdictions": {"level": (JurisdictionLevel, gettext_lazy("层级"))},
    "units": {"kind": (UnitKind, gettext_lazy("机构类别")), **_UNIT_CODES},
    "decisions": {"status": (DecisionStatus, gettext_lazy("决定状态"))},
    "events": {"type": (EventType, gettext_lazy("事项类型")), **_UNIT_CODES},
    "quota_transfers": {
        "kind": (QuotaKindCode, gettext_lazy("编制类型")),
        "reason": (TransferReason, gettext_lazy("划转事由")),
    },
    "headcounts": {"kind": (QuotaKindCode, gettext_lazy("编制类型"))},
}
# Other names clerks give a code (DESIGN §2 writes business as 从事生产经营活动/经营类).
CODE_ALIASES: dict[type[TextChoices], dict[str, str]] = {Category: {"经营类": Category.BUSINESS}}

# The sheet of a template that lists the codes with their labels; an import passes it over.
CODES_SHEET = "codes"

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


@functools.cache
def _spellings(choices: type[TextChoices]) -> dict[str, str]:
    """Every accepted spelling of the codes of a choices class (case folded) -> its code."""
    table = {code.casefold(): code for code in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in choices.choices:
                table.setdefault(str(label).casefold(), code)
    for alias, code in CODE_ALIASES.get(choices, {}).items():
        table.setdefault(alias.casefold(), str(code))
    return table


def cell_code(sheet: str, column: str, text: str) -> str | None:
    """The code a cell of a code column stands for — the code itself, its Chinese label or its
    English label — or ``None`` for anything else. Every code column of every sheet is read
    through this one function; export writes the codes."""
    choices, _name = CODE_COLUMNS[sheet][column]
    return _spellings(choices).get(text.strip().casefold())


def code_problem(sheet: str, column: str, text: str) -> str:
    """The message for a cell of a code column that ``cell_code`` does not understand."""
    choices, name = CODE_COLUMNS[sheet][column]
    return unknown_code_message(choices, name, column, text)


def birth_values(attributes: dict[str, Any]) -> dict[str, Any]:
    """A unit's state at birth with every attribute present (defaults where not given)."""
    values = dict(DEFAULTS)
    values.update(attributes or {})
    return values
