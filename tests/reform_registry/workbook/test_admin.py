"""Admin upload: dry-run report (counts per sheet, every error), confirm, audit attribution."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reform_registry.models import ImportBatch
from reform_registry.workbook.exporter import export_rows
from reform_registry.workbook.writers import xlsx_bytes
from units.models import AuditEntry, Decision, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook_bytes(wb, run_import, wipe):
    assert run_import(wb.base()).errors == []
    data = xlsx_bytes(export_rows())
    wipe()
    return data


@pytest.fixture
def admin_client_user(client):
    user = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-12345678")
    client.force_login(user)
    return client, user


def upload(client, content, name="baotou.xlsx"):
    return client.post(
        reverse("admin:reform_registry_importbatch_add"),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_upload_review_confirm(admin_client_user, workbook_bytes):
    client, user = admin_client_user
    page = client.get(reverse("admin:reform_registry_importbatch_add"))
    assert page.status_code == 200
    assert "jurisdictions" in page.content.decode()

    response = upload(client, workbook_bytes)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:reform_registry_importbatch_review", args=[batch.pk]
    )
    assert batch.status == "checked"
    assert not Unit.objects.exists()  # only checked

    review = client.get(response["Location"])
    html = review.content.decode()
    assert review.status_code == 200
    assert 'id="workbook-counts"' in html and 'id="workbook-confirm"' in html
    assert batch.report["counts"]["units"] == {"created": 6, "skipped": 0}

    confirmed = client.post(response["Location"])
    assert confirmed.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.imported_by == user
    assert Unit.objects.count() == 6
    assert Decision.objects.get(number="包编发〔2020〕12号").approved_by == user
    summary = AuditEntry.objects.get(action="import", object_type="reform_registry.workbook")
    assert summary.user == user and summary.actor == "chief"
    assert summary.after["counts"]["units"]["created"] == 6
    assert AuditEntry.objects.filter(object_type="units.unit", user=user).count() == 6
    # Confirming twice is refused, nothing changes.
    client.post(response["Location"])
    assert Unit.objects.count() == 6


def test_bad_workbook_lists_every_error(admin_client_user, wb, run_import, wipe):
    client, _user = admin_client_user
    texts = wb.base()
    texts["units"] += "b1,institution,坏一,,BADCODE,150200,,,,,,false,false,false,,0,2019-01-01,\n"
    texts["units"] += "b2,institution,坏二,,,150200,,,,,,perhaps,false,false,,0,2019-01-01,\n"
    from reform_registry.workbook.readers import read_csv_texts  # noqa: F401

    # Write the bad rows into an xlsx through the writer: import the good part, export, append.
    assert run_import(wb.base()).errors == []
    rows = export_rows()
    rows["units"] = list(rows["units"]) + [
        {
            "key": "b1",
            "kind": "institution",
            "name": "坏一",
            "credit_code": "BADCODE",
            "jurisdiction": "150200",
            "established_on": "2019-01-01",
        },
        {
            "key": "b2",
            "kind": "institution",
            "name": "坏二",
            "jurisdiction": "150200",
            "business_functions": "perhaps",
            "established_on": "2019-01-01",
        },
    ]
    content = xlsx_bytes(rows)
    wipe()
    response = upload(client, content)
    batch = ImportBatch.objects.get()
    assert batch.status == "refused"
    html = client.get(response["Location"]).content.decode()
    assert 'id="workbook-errors"' in html and 'id="workbook-confirm"' not in html
    assert "b1" in html and "b2" in html and "credit_code" in html and "business_functions" in html
    assert client.post(response["Location"]).status_code == 302
    assert not Unit.objects.exists()


def test_not_an_xlsx(admin_client_user):
    client, _user = admin_client_user
    response = upload(client, b"code,name\n", name="x.csv")
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    # A renamed text file is refused in the interface's language, and nothing is stored.
    entries = AuditEntry.objects.count()
    response = upload(client, b"code,name\n150200,\xe5\x8c\x85\xe5\xa4\xb4\n", name="x.xlsx")
    html = response.content.decode()
    assert response.status_code == 200
    assert "文件 x.xlsx 不是 .xlsx 工作簿" in html
    assert "File is not a zip file" not in html
    assert not ImportBatch.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_a_renamed_text_file_read_as_a_workbook_says_so_in_chinese(tmp_path):
    from reform_registry.workbook.readers import read_workbook

    path = tmp_path / "registry.xlsx"
    path.write_text("key,name\n", encoding="utf-8")
    problems = read_workbook(path).problems
    assert [p["message"] for p in problems] == [
        "该文件不是 .xlsx 工作簿（也不是 CSV 文件夹），不是有效的 .xlsx 文件。"
    ]


def test_a_clerk_cannot_approve_through_a_workbook(client, workbook_bytes):
    clerk = get_user_model().objects.create_user("clerk1", password="pw-12345678", is_staff=True)
    clerk.groups.add(Group.objects.get(name="clerk"))
    client.force_login(clerk)
    response = upload(client, workbook_bytes)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == "refused"
    assert any("批准权限" in e["message"] for e in batch.report["errors"])
    page = client.get(response["Location"]).content.decode()
    assert 'id="workbook-confirm"' not in page
    client.post(response["Location"])
    assert not Unit.objects.exists()
