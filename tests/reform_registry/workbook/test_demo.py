"""The demo of ``make run`` is a workbook kept in the repository: it is what the builder
produces, it round-trips, and load_demo loads it (then applies the recovery campaign)."""

import pytest
from django.core.management import call_command

from reform_registry.demo.workbook import DEMO_WORKBOOK, demo_rows
from reform_registry.workbook import read_workbook
from reform_registry.workbook.exporter import export_registry
from reform_registry.workbook.importer import import_workbook
from reform_registry.workbook.writers import write_workbook
from units import services

pytestmark = pytest.mark.django_db


def cells(data):
    return {name: [r.cells for r in sheet.rows] for name, sheet in data.sheets.items()}


def test_committed_demo_workbook_is_what_the_builder_produces(tmp_path):
    write_workbook(demo_rows(), tmp_path / "built.xlsx")
    built = read_workbook(tmp_path / "built.xlsx")
    committed = read_workbook(DEMO_WORKBOOK)
    assert committed.problems == []
    assert cells(built) == cells(committed), (
        "the demo changed: regenerate the workbook with "
        "`manage.py export_registry --demo reform_registry/demo/baotou-2021.xlsx`"
    )


def test_demo_round_trip(tmp_path, wipe, files_of):
    report = import_workbook(read_workbook(DEMO_WORKBOOK))
    assert report.errors == []
    assert report.counts["events"]["created"] > 100
    assert services.registry_differences() == []
    export_registry(tmp_path / "first")
    export_registry(tmp_path / "first.xlsx")
    assert cells(read_workbook(tmp_path / "first.xlsx")) == cells(read_workbook(DEMO_WORKBOOK))
    wipe()
    assert import_workbook(read_workbook(tmp_path / "first")).errors == []
    export_registry(tmp_path / "second")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    again = import_workbook(read_workbook(tmp_path / "first"))
    assert again.errors == []
    assert all(c["created"] == 0 for c in again.counts.values())


def test_load_demo_loads_the_workbook_and_applies_the_campaign(settings):
    from staffing.models import RecoveryCampaign
    from units.models import AuditEntry

    settings.DEBUG = False
    call_command("load_demo")
    campaign = RecoveryCampaign.objects.get()
    assert campaign.status == "applied" and campaign.total > 0
    assert AuditEntry.objects.filter(
        action="import", actor="manage.py load_demo", object_id="baotou-2021.xlsx"
    ).exists()
    call_command("load_demo")  # a second run changes nothing
    assert RecoveryCampaign.objects.count() == 1
    assert services.registry_differences() == []
