"""The demo of ``make run`` as a registry workbook kept in the repository.

``demo_rows()`` builds the Baotou demo (``reform_registry.demo`` and the staffing demo's grants,
split allocation and headcounts) inside a transaction that is rolled back, and returns it as
workbook rows. The recovery campaign is left out: ``load_demo`` imports the workbook and then
applies the campaign with ``staffing.demo.apply_demo_campaign`` (so that the campaign, its
lines and its skipped units exist as such, not only as transfers).

Regenerate the committed file (on an empty registry, e.g. a fresh SQLite database)::

    DEBUG=1 .venv/bin/python manage.py export_registry --demo reform_registry/workbook/demo/baotou-2021.xlsx
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import RegistryError
from units.models import Decision, Unit

from .exporter import export_rows
from .writers import Rows

DEMO_WORKBOOK = Path(__file__).resolve().parent / "demo" / "baotou-2021.xlsx"


class _Rollback(Exception):
    pass


def _campaign_number() -> str:
    from staffing.demo import CAMPAIGN_NUMBER

    return CAMPAIGN_NUMBER


def demo_rows() -> Rows:
    """The demo as workbook rows, built in a transaction that is rolled back."""
    from reform_registry import demo
    from staffing.demo import load_staffing_demo

    if Unit.objects.exists() or Decision.objects.exists():
        raise RegistryError(_("演示工作簿只能在空的登记簿上生成。"))
    rows: Rows = {}
    try:
        with transaction.atomic():
            demo.build_demo()
            load_staffing_demo()
            rows = without_campaign(export_rows())
            raise _Rollback
    except _Rollback:
        pass
    return rows


def without_campaign(rows: Rows) -> Rows:
    """The rows without the recovery campaign's decision and transfers."""
    number = _campaign_number()
    out = dict(rows)
    out["decisions"] = [r for r in rows["decisions"] if r["number"] != number]
    out["quota_transfers"] = [r for r in rows["quota_transfers"] if r["decision"] != number]
    return out
