"""The staffing sheets of the workbook (quota_transfers, headcounts), through the services of
``staffing``. Kept apart so that the registry sheets work on their own."""

from __future__ import annotations

from typing import Any


def export_rows() -> dict[str, list[dict[str, Any]]]:
    return {"quota_transfers": [], "headcounts": []}


def import_sheets(importer: Any) -> None:
    """Import quota_transfers and headcounts rows (after the registry sheets)."""
    for name in ("quota_transfers", "headcounts"):
        for row in importer.rows(name):
            importer.error(name, row, None, "not supported yet")
