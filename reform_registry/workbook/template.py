"""The blank workbook clerks fill in (DESIGN §5): every sheet with its header and one example
row, a ``codes`` sheet listing the codes of every code column with their labels, and on every
code column a drop-down list of those labels (a code, or the English label, is accepted too).

The example rows belong together — the event renames the example unit under the example
decision, the transfer is that event's allocation — and they import cleanly into any registry:
the jurisdiction 990000 matches no real one (no province has the code 99), the decision is a
draft, so importing the template approves nothing. The importer passes over the codes sheet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from units.rules import credit_code_check_character

from .format import CODE_COLUMNS, CODES_SHEET, SHEETS
from .writers import Rows, xlsx_bytes

JURISDICTION = "990000"
DECISION = "示例编发〔2024〕1号"
UNIT = "example-center"
EVENT = "example-rename"
# Cells of the codes sheet: one row per code, grouped by the choices of a column.
CODES_HEADER = ("columns", "name", "code", "label")
LABEL_COLUMN = "D"
LAST_ROW = 1_048_576  # a drop-down covers a whole column below the header


def _label(sheet: str, column: str, code: str) -> str:
    """The label of a code, as a clerk writes it in the column."""
    choices, _name = CODE_COLUMNS[sheet][column]
    return str(choices(code).label)


def example_rows() -> Rows:
    """One row per sheet, consistent with each other; code cells hold labels, as clerks write."""
    credit_code = "12" + JURISDICTION + "MB0000001"
    return {
        "jurisdictions": [
            {
                "code": JURISDICTION,
                "name": "示例市",
                "level": _label("jurisdictions", "level", "city"),
            }
        ],
        "caps": [
            {
                "jurisdiction": JURISDICTION,
                "valid_from": dt.date(2024, 1, 1),
                "cap": 120,
                "decision": DECISION,
            }
        ],
        "units": [
            {
                "key": UNIT,
                "kind": _label("units", "kind", "institution"),
                "name": "示例市示例服务中心",
                "short_name": "示例中心",
                "credit_code": credit_code + credit_code_check_character(credit_code),
                "jurisdiction": JURISDICTION,
                "category": _label("units", "category", "public_welfare_1"),
                "rank": _label("units", "rank", "section"),
                "funding": _label("units", "funding", "full"),
                "sector": "示例",
                "business_functions": False,
                "market_replaceable": False,
                "pending_wind_down": False,
                "functions": _("示例行：导入前请删除或改写。"),
                "internal_bodies": 3,
                "established_on": dt.date(2020, 1, 1),
            }
        ],
        "decisions": [
            {
                "number": DECISION,
                "title": "关于示例市示例服务中心更名的批复（示例）",
                "issuer": "示例市委编委",
                "issued_on": dt.date(2024, 1, 10),
                "status": _label("decisions", "status", "draft"),
            }
        ],
        "events": [
            {
                "key": EVENT,
                "decision": DECISION,
                "type": _label("events", "type", "change"),
                "effective_on": dt.date(2024, 2, 1),
                "sources": [UNIT],
                "name": "示例市示例事务服务中心",
            }
        ],
        "quota_transfers": [
            {
                "date": dt.date(2024, 2, 1),
                "decision": DECISION,
                "event": EVENT,
                "kind": _label("quota_transfers", "kind", "institution"),
                "amount": 2,
                "from": UNIT,
                "to": f"pool:{JURISDICTION}",
                "reason": _label("quota_transfers", "reason", "reallocation"),
            }
        ],
        "headcounts": [
            {
                "unit": UNIT,
                "kind": _label("headcounts", "kind", "institution"),
                "as_of": dt.date(2023, 12, 31),
                "actual": 8,
            }
        ],
    }


def code_groups() -> list[tuple[type[TextChoices], Any, list[str]]]:
    """The choices of the code columns, each once: (choices, column in words, columns as
    ``sheet.column``), in the order of the sheets."""
    groups: dict[type[TextChoices], tuple[Any, list[str]]] = {}
    for sheet, columns in CODE_COLUMNS.items():
        for column, (choices, name) in columns.items():
            groups.setdefault(choices, (name, []))[1].append(f"{sheet}.{column}")
    return [(choices, name, columns) for choices, (name, columns) in groups.items()]


def _add_codes(book: Any) -> None:
    """The codes sheet, and a drop-down of its labels on every code column of every sheet."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    codes = book.create_sheet(CODES_SHEET)
    codes.append(
        [*CODES_HEADER, "", _("各表第 2 行是示例，导入前请删除或改写。代码列可填代码或名称。")]
    )
    ranges: dict[str, str] = {}
    row = 1
    for choices, name, places in code_groups():
        first = row + 1
        for code, label in choices.choices:
            codes.append(["; ".join(places), str(name), code, str(label)])
            row += 1
        for place in places:
            ranges[place] = f"{CODES_SHEET}!${LABEL_COLUMN}${first}:${LABEL_COLUMN}${row}"
    for sheet, columns in CODE_COLUMNS.items():
        worksheet = book[sheet]
        for column in columns:
            letter = get_column_letter(SHEETS[sheet].index(column) + 1)
            validation = DataValidation(
                type="list",
                formula1=ranges[f"{sheet}.{column}"],
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="information",
                error=_("可从列表中选择名称，也可填写代码（见 codes 表）。"),
            )
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            worksheet.data_validations.append(validation)


def template_bytes() -> bytes:
    return xlsx_bytes(example_rows(), finish=_add_codes)


def write_template(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_bytes())
    return path
