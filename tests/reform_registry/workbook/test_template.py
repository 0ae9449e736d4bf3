"""The blank workbook (DESIGN §5): every sheet's header and one example row, the codes sheet,
drop-down lists on the code columns; it imports as written and empty; the command writes it
and the admin upload page offers it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reform_registry.models import ImportBatch
from reform_registry.workbook import read_workbook
from reform_registry.workbook.format import CODE_COLUMNS, CODES_SHEET, SHEETS
from reform_registry.workbook.importer import import_workbook
from reform_registry.workbook.readers import read_xlsx
from reform_registry.workbook.template import template_bytes
from units.models import Decision, Event, Unit

pytestmark = pytest.mark.django_db

TEMPLATE_URL = "admin:reform_registry_importbatch_template"


def book_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def codes_in(book, formula: str) -> list[str]:
    """The cells of the codes sheet that a drop-down's formula refers to."""
    sheet_name, cells = formula.split("!")
    assert sheet_name == CODES_SHEET
    return [c[0].value for c in book[sheet_name][cells.replace("$", "")]]


def test_every_sheet_has_its_header_and_one_example_row():
    book = book_of(template_bytes())
    assert book.sheetnames == [*SHEETS, CODES_SHEET]
    for name, columns in SHEETS.items():
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[0] == columns
        assert len(rows) == 2 and any(rows[1])


def test_the_codes_sheet_lists_every_code_with_its_label():
    book = book_of(template_bytes())
    rows = list(book[CODES_SHEET].iter_rows(values_only=True))
    assert rows[0][:4] == ("columns", "name", "code", "label")
    listed = {(where, code, label) for where, _name, code, label, *_rest in rows[1:]}
    for sheet, columns in CODE_COLUMNS.items():
        for column, (choices, _name) in columns.items():
            found = [(c, lb) for where, c, lb in listed if f"{sheet}.{column}" in where.split("; ")]
            assert sorted(found) == sorted((c, str(label)) for c, label in choices.choices)


def test_every_code_column_carries_a_drop_down_of_its_labels():
    book = book_of(template_bytes())
    for sheet, columns in CODE_COLUMNS.items():
        validations = book[sheet].data_validations.dataValidation
        by_column = {}
        for validation in validations:
            assert validation.type == "list"
            for cells in validation.sqref.ranges:
                assert cells.min_row == 2 and cells.min_col == cells.max_col
                by_column[SHEETS[sheet][cells.min_col - 1]] = validation
        assert set(by_column) == set(columns)
        for column, (choices, _name) in columns.items():
            labels = codes_in(book, by_column[column].formula1)
            assert labels == [str(label) for _code, label in choices.choices]
    assert not book[CODES_SHEET].data_validations.dataValidation


def test_the_template_imports_as_written_and_again():
    data = read_xlsx(io.BytesIO(template_bytes()))
    assert data.problems == []  # the codes sheet is passed over
    report = import_workbook(data)
    assert report.errors == [] and report.notices == [] and report.applied
    assert all(report.counts[name] == {"created": 1, "skipped": 0} for name in SHEETS)
    decision = Decision.objects.get()
    assert decision.status == "draft"  # importing the template approves nothing
    event = Event.objects.get()
    assert event.decision == decision and event.type == "change"
    unit = Unit.objects.get()
    assert unit.kind == "institution"
    again = import_workbook(read_xlsx(io.BytesIO(template_bytes())))
    assert again.errors == []
    assert all(again.counts[name] == {"created": 0, "skipped": 1} for name in SHEETS)


def test_the_template_in_english_imports_too():
    with translation.override("en"):
        content = template_bytes()
    book = book_of(content)
    assert book["units"]["B2"].value == "Public institution"
    assert import_workbook(read_xlsx(io.BytesIO(content))).errors == []


def test_the_empty_template_imports_without_error():
    book = book_of(template_bytes())
    for name in SHEETS:
        book[name].delete_rows(2)
    buffer = io.BytesIO()
    book.save(buffer)
    data = read_xlsx(io.BytesIO(buffer.getvalue()))
    assert data.problems == []
    assert all(not sheet.rows for sheet in data.sheets.values())
    report = import_workbook(data)
    assert report.errors == [] and report.notices == []
    assert not Unit.objects.exists() and not Decision.objects.exists()


def test_the_command_writes_the_template(tmp_path, capsys):
    path = tmp_path / "blank" / "template.xlsx"
    call_command("export_registry", "--template", str(path))
    assert path.read_bytes() == template_bytes()
    assert str(path) in capsys.readouterr().out
    assert read_workbook(path).problems == []
    with pytest.raises(CommandError, match=".xlsx"):
        call_command("export_registry", "--template", str(tmp_path / "template"))
    with pytest.raises(CommandError, match="--template"):
        call_command("export_registry", str(tmp_path / "x.xlsx"), "--template", str(path))
    with pytest.raises(CommandError, match="PATH"):
        call_command("export_registry")


def test_the_admin_upload_page_offers_the_template(client):
    user = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-12345678")
    client.force_login(user)
    page = client.get(reverse("admin:reform_registry_importbatch_add")).content.decode()
    url = reverse(TEMPLATE_URL)
    assert f'href="{url}"' in page and 'id="workbook-template"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="registry-template.xlsx"'
    assert response.content == template_bytes()
    # Uploaded as downloaded, it passes the check.
    client.post(
        reverse("admin:reform_registry_importbatch_add"),
        {"file": SimpleUploadedFile("registry-template.xlsx", response.content)},
    )
    assert ImportBatch.objects.get().status == "checked"


def test_the_template_needs_the_right_to_upload(client):
    official = get_user_model().objects.create_user("reader", password="pw-12345678", is_staff=True)
    official.groups.add(Group.objects.get(name="official"))
    client.force_login(official)
    assert client.get(reverse(TEMPLATE_URL)).status_code == 403
    client.logout()
    response = client.get(reverse(TEMPLATE_URL))
    assert response.status_code == 302 and "login" in response["Location"]
