"""Fixtures of these tests: the small workbook written as csv text (tests/fixtures/workbook_sheets.py)."""

from tests.fixtures.workbook_sheets import files_of, run_import, wb, wipe

__all__ = ["files_of", "run_import", "wb", "wipe"]
