"""Round trip on generate_registry data (every event type; quotas when the staffing hook
exists): export → import into an empty database → export gives identical files."""

import pytest

from reform_registry.demo.generate import generate_registry
from reform_registry.workbook import read_workbook
from reform_registry.workbook.exporter import export_registry
from reform_registry.workbook.importer import import_workbook
from units import services

pytestmark = pytest.mark.django_db


def test_generated_registry_round_trip(tmp_path, wipe, files_of):
    result = generate_registry(institutions=150, seed=3)
    assert len(result["event_types"]) >= 6
    export_registry(tmp_path / "first")
    wipe()
    report = import_workbook(read_workbook(tmp_path / "first"))
    assert report.errors == []
    assert report.counts["events"]["created"] == result["events"]
    assert services.registry_differences() == []
    export_registry(tmp_path / "second")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    again = import_workbook(read_workbook(tmp_path / "second"), dry_run=True)
    assert again.errors == []
    assert all(c["created"] == 0 for c in again.counts.values())
