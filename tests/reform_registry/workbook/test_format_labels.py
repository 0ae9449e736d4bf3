"""Code columns accept the code or its label (DESIGN §5): a workbook written with Chinese labels
imports exactly as the same workbook written with codes; export writes codes."""

import csv
import io

import pytest
from django.utils import translation

from reform_registry.workbook.exporter import export_registry, export_rows
from reform_registry.workbook.format import CODE_COLUMNS, cell_code

pytestmark = pytest.mark.django_db


def relabelled(texts: dict[str, str], language: str = "zh-hans") -> dict[str, str]:
    """The same sheets with every code cell written as its label in ``language``."""
    out = {}
    with translation.override(language):
        for name, text in texts.items():
            rows = list(csv.reader(io.StringIO(text)))
            header = rows[0]
            for row in rows[1:]:
                for column, (choices, _name) in CODE_COLUMNS.get(name, {}).items():
                    index = header.index(column)
                    if row[index]:
                        row[index] = str(choices(row[index]).label)
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            out[name] = buffer.getvalue()
    return out


def test_every_code_column_of_the_base_workbook_is_relabelled(wb):
    texts = relabelled(wb.base())
    assert "事业单位" in texts["units"] and "公益一类" in texts["units"]
    assert "正科级" in texts["units"] and "全额拨款" in texts["units"]
    assert "开发区" in texts["jurisdictions"] and "已批准" in texts["decisions"]
    assert "合并" in texts["events"] and "设立" in texts["events"]
    assert "事业编制" in texts["quota_transfers"] and "核定" in texts["quota_transfers"]
    assert "科级领导职数" in texts["quota_transfers"] and "事业编制" in texts["headcounts"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_import_as_codes(wb, run_import, wipe, files_of, tmp_path, language):
    assert run_import(wb.base()).errors == []
    export_registry(tmp_path / "codes")
    wipe()
    report = run_import(relabelled(wb.base(), language))
    assert report.errors == [] and report.applied
    export_registry(tmp_path / "labels")
    assert files_of(tmp_path / "codes") == files_of(tmp_path / "labels")
    # Importing the coded workbook now changes nothing: the labelled rows were stored as codes.
    again = run_import(wb.base())
    assert again.errors == []
    assert all(c["created"] == 0 for c in again.counts.values())


def test_export_writes_codes(wb, run_import):
    assert run_import(relabelled(wb.base())).errors == []
    rows = export_rows()
    assert {r["kind"] for r in rows["units"]} == {"department", "institution"}
    assert {r["type"] for r in rows["events"]} == {"change", "merge", "establish"}
    assert {r["reason"] for r in rows["quota_transfers"]} == {"grant", "reform", "establish"}


def test_a_row_with_labels_is_the_same_row_as_with_codes(wb, run_import):
    texts = wb.base()
    texts["jurisdictions"] += "150000,内蒙古自治区,,省级\n"
    texts["decisions"] += "包编发〔2021〕1号,后续调整,包头市委编委,2021-01-10,草稿\n"
    report = run_import(texts)
    assert report.errors == []
    assert report.counts["jurisdictions"] == {"created": 3, "skipped": 1}
    assert report.counts["decisions"] == {"created": 2, "skipped": 1}


def test_spellings():
    assert cell_code("units", "kind", "事业单位") == "institution"
    assert cell_code("units", "kind", " Institution ") == "institution"
    assert cell_code("units", "category", "公益二类") == "public_welfare_2"
    assert cell_code("units", "category", "经营类") == "business"
    assert cell_code("events", "category", "从事生产经营活动") == "business"
    assert cell_code("events", "type", "撤销") == "abolish"
    assert cell_code("events", "type", "MERGE") == "merge"
    assert cell_code("quota_transfers", "kind", "事业单位") is None  # not a quota kind
    assert cell_code("headcounts", "kind", "工勤编制") == "logistics"
    assert cell_code("decisions", "status", "已撤回") == "revoked"
    assert cell_code("jurisdictions", "level", "县级") == "county"
    assert cell_code("quota_transfers", "reason", "预收") == "pre_collection"


CODE_CELLS = [(sheet, column) for sheet, columns in CODE_COLUMNS.items() for column in columns]


@pytest.mark.parametrize(("sheet", "column"), CODE_CELLS)
def test_an_unknown_value_names_the_column_and_what_it_accepts(wb, run_import, sheet, column):
    texts = wb.base()
    rows = list(csv.reader(io.StringIO(texts[sheet])))
    rows[1][rows[0].index(column)] = "公益三类"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    texts[sheet] = buffer.getvalue()
    report = run_import(texts)
    assert [(e["sheet"], e["row"], e["column"]) for e in report.errors] == [(sheet, 2, column)]
    choices, name = CODE_COLUMNS[sheet][column]
    message = report.errors[0]["message"]
    assert message.startswith(f"“公益三类”不是有效的{name}（{column}）：可填 ")
    first_code, first_label = choices.choices[0]
    assert f"{first_code}/{first_label}、" in message


def test_the_message_in_english(wb, run_import):
    texts = wb.base()
    texts["units"] = texts["units"].replace(",public_welfare_1,division,", ",公益三类,division,", 1)
    with translation.override("en"):
        report = run_import(texts)
        message = report.errors[0]["message"]
    assert message.startswith("Category (category): “公益三类” is not a valid value; use one of: ")
    assert "administrative/Administrative functions, public_welfare_1/" in message
