"""Export → import into an empty database → export gives identical files; rows in any order
give the same registry."""

import random

import pytest
from django.core.management import call_command

from reform_registry.workbook import read_workbook
from reform_registry.workbook.exporter import export_registry
from reform_registry.workbook.importer import import_workbook
from units import services

pytestmark = pytest.mark.django_db


def shuffled(texts: dict[str, str], seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    out = {}
    for name, text in texts.items():
        header, *lines = text.strip("\n").split("\n")
        rng.shuffle(lines)
        out[name] = "\n".join([header, *lines]) + "\n"
    return out


def test_round_trip_csv_and_xlsx(wb, run_import, wipe, files_of, tmp_path):
    assert run_import(wb.base()).errors == []
    export_registry(tmp_path / "first")
    export_registry(tmp_path / "first.xlsx")
    wipe()
    report = import_workbook(read_workbook(tmp_path / "first"))
    assert report.errors == []
    export_registry(tmp_path / "second")
    export_registry(tmp_path / "second.xlsx")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "second")
    assert (tmp_path / "first.xlsx").read_bytes() == (tmp_path / "second.xlsx").read_bytes()
    # The workbook form reads back to the same rows as the csv form.
    from_xlsx = read_workbook(tmp_path / "first.xlsx")
    from_csv = read_workbook(tmp_path / "first")
    assert from_xlsx.problems == from_csv.problems == []
    for name, sheet in from_csv.sheets.items():
        assert [r.cells for r in from_xlsx.sheets[name].rows] == [r.cells for r in sheet.rows]
    wipe()
    assert import_workbook(read_workbook(tmp_path / "first.xlsx")).errors == []
    export_registry(tmp_path / "third")
    assert files_of(tmp_path / "first") == files_of(tmp_path / "third")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_rows_give_the_same_registry(wb, run_import, wipe, files_of, tmp_path, seed):
    assert run_import(wb.base()).errors == []
    export_registry(tmp_path / "ordered")
    wipe()
    report = run_import(shuffled(wb.base(), seed))
    assert report.errors == []
    export_registry(tmp_path / "shuffled")
    assert files_of(tmp_path / "ordered") == files_of(tmp_path / "shuffled")
    assert services.registry_differences() == []


def test_commands(wb, run_import, tmp_path, capsys):
    assert run_import(wb.base()).errors == []
    call_command("export_registry", str(tmp_path / "out.xlsx"))
    call_command("import_registry", str(tmp_path / "out.xlsx"), "--dry-run")
    out = capsys.readouterr().out
    assert "units：新建 0，相同跳过 6" in out
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "units.csv").write_text("key,kind,name\nx,institution,无区划\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_registry", str(bad))
    err = capsys.readouterr().err
    assert "jurisdiction" in err
