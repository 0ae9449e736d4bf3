"""The demo of ``make run`` as a registry workbook kept in the repository
(``DEMO_WORKBOOK``).

``demo_rows()`` builds the Baotou demo (``build.build_demo`` and the staffing demo's grants,
split allocation and headcounts) inside a transaction that is rolled back, and returns it as
workbook rows. The recovery campaign is left out: ``load_demo`` imports the workbook
(``demo_workbook_import``) and then applies the campaign with
``staffing.apply_demo_campaign`` (so that the campaign, its lines and its skipped units exist
as such, not only as transfers).

Regenerate the committed file (on an empty registry, e.g. a fresh SQLite database)::

    DEBUG=1 .venv/bin/python manage.py export_registry --demo reform_registry/demo/baotou-2021.xlsx
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import RegistryError
from reform_registry.workbook import read_workbook
from reform_registry.workbook.context import describe_error
from reform_registry.workbook.exporter import export_rows
from reform_registry.workbook.importer import import_workbook
from reform_registry.workbook.writers import Rows
from units.models import Decision, Unit

from .approvals import approval_time, demo_approver
from .build import build_demo, demo_loaded
from .staffing import CAMPAIGN_NUMBER, load_staffing_demo

DEMO_WORKBOOK = Path(__file__).resolve().parent / "baotou-2021.xlsx"


class _Rollback(Exception):
    pass


def demo_rows() -> Rows:
    """The demo as workbook rows, built in a transaction that is rolled back."""
    if Unit.objects.exists() or Decision.objects.exists():
        raise RegistryError(_("演示工作簿只能在空的登记簿上生成。"))
    rows: Rows = {}
    try:
        with transaction.atomic():
            build_demo()
            load_staffing_demo()
            rows = without_campaign(export_rows())
            raise _Rollback
    except _Rollback:
        pass
    return rows


def without_campaign(rows: Rows) -> Rows:
    """The rows without the recovery campaign's decision and transfers."""
    out = dict(rows)
    out["decisions"] = [r for r in rows["decisions"] if r["number"] != CAMPAIGN_NUMBER]
    out["quota_transfers"] = [
        r for r in rows["quota_transfers"] if r["decision"] != CAMPAIGN_NUMBER
    ]
    return out


def demo_workbook_import() -> dict[str, int] | None:
    """Import the committed demo workbook like ``import_registry`` does, each decision approved
    on the day it was issued by the demo's approver; returns what was created, or None when the
    demo is already there."""
    if demo_loaded():
        return None
    report = import_workbook(
        read_workbook(DEMO_WORKBOOK),
        source=DEMO_WORKBOOK.name,
        approved_at=approval_time,
        approved_by=demo_approver(),
    )
    if report.errors:
        raise RegistryError(
            "演示工作簿无法导入：" + "；".join(describe_error(e) for e in report.errors[:20]),
            problems=report.errors,
        )
    created = {name: counts["created"] for name, counts in report.counts.items()}
    return {
        "jurisdictions": created["jurisdictions"],
        "registrations": created["units"],
        "decisions": created["decisions"],
        "events": created["events"],
    }
