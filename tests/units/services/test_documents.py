"""Documents of units: add (many or one), replace, withdraw; what is in force on a date; every
refusal writes nothing; each write has its audit rows and its feed entry."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from core.errors import RegistryError
from units import permissions, roles, services
from units.models import AuditEntry, FeedEntry, PowerListItem, UnitDocument
from units.selectors.documents import documents_by_number, documents_in_force, unit_documents
from units.services import DocumentInput, PowerItemInput

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def hospital(reg):
    return reg.register("hospital", name="市中心医院")


def counts():
    return (
        UnitDocument.objects.count(),
        PowerListItem.objects.count(),
        AuditEntry.objects.count(),
        FeedEntry.objects.count(),
    )


def sanding(unit, on, **rest):
    return services.document_add(
        unit=unit,
        kind="sanding",
        title=rest.pop("title", f"三定规定（{on.year}）"),
        issued_on=on,
        **rest,
    )


def in_force(unit, on, kind=None):
    return list(documents_in_force(unit, on, kind).values_list("title", flat=True))


def test_a_newer_document_supersedes_the_older_from_its_effective_date(hospital):
    old = sanding(hospital, D(2016, 3, 1), title="旧三定")
    new = services.document_replace(
        document=old,
        title="新三定",
        number="包编发[2020] 7号",
        issued_on=D(2020, 5, 10),
        effective_from=D(2020, 6, 1),
    )
    assert new.replaces == old and new.kind == "sanding"
    assert in_force(hospital, D(2016, 2, 29)) == []
    assert in_force(hospital, D(2016, 3, 1)) == ["旧三定"]
    assert in_force(hospital, D(2020, 5, 31)) == ["旧三定"]  # issued, not yet in effect
    assert in_force(hospital, D(2020, 6, 1)) == ["新三定"]
    statuses = {d.title: d.status for d in unit_documents(hospital, D(2020, 6, 1))}
    assert statuses == {"新三定": "in_force", "旧三定": "superseded"}
    statuses = {d.title: d.status for d in unit_documents(hospital, D(2020, 5, 31))}
    assert statuses == {"新三定": "pending", "旧三定": "in_force"}


def test_a_document_added_later_with_an_earlier_date_does_not_displace_the_newer(hospital):
    sanding(hospital, D(2020, 1, 1), title="2020")
    sanding(hospital, D(2018, 1, 1), title="2018")  # history entered out of order
    assert in_force(hospital, D(2019, 6, 1)) == ["2018"]
    assert in_force(hospital, D(2021, 6, 1)) == ["2020"]


def test_each_kind_has_its_own_document_in_force(reg, hospital):
    other = reg.register("school", name="市职业学院")
    sanding(hospital, D(2020, 1, 1))
    services.document_add(unit=hospital, kind="charter", title="医院章程", issued_on=D(2021, 1, 1))
    sanding(other, D(2019, 1, 1), title="学院三定")
    assert sorted(in_force(hospital, D(2021, 1, 1))) == ["三定规定（2020）", "医院章程"]
    assert in_force(hospital, D(2021, 1, 1), "charter") == ["医院章程"]
    both = documents_in_force([hospital, other], D(2021, 1, 1), "sanding")
    assert sorted(d.unit.key for d in both) == ["hospital", "school"]


def test_withdrawal_ends_a_document_and_does_not_bring_back_the_older(hospital):
    old = sanding(hospital, D(2016, 1, 1), title="旧三定")
    new = services.document_replace(document=old, title="新三定", issued_on=D(2020, 1, 1))
    before = counts()
    withdrawn = services.document_withdraw(
        document=new, withdrawn_on=D(2022, 1, 1), reason="机构撤销"
    )
    assert withdrawn.withdrawn_on == D(2022, 1, 1)
    assert in_force(hospital, D(2021, 12, 31)) == ["新三定"]
    assert in_force(hospital, D(2022, 1, 1)) == []
    assert {d.title: d.status for d in unit_documents(hospital, D(2022, 1, 1))} == {
        "新三定": "withdrawn",
        "旧三定": "superseded",
    }
    docs, items, audits, feeds = counts()
    assert (docs, items, audits, feeds) == (before[0], before[1], before[2] + 1, before[3] + 1)
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "withdraw" and entry.object_id == str(new.pk)
    assert entry.before["withdrawn_on"] is None and entry.after["withdrawn_on"] == "2022-01-01"
    feed = FeedEntry.objects.latest("seq")
    assert feed.kind == "document.withdrawn" and feed.payload["document"] == new.pk
    with pytest.raises(RegistryError, match="已于 2022-01-01 废止"):
        services.document_withdraw(document=new, withdrawn_on=D(2023, 1, 1))
    with pytest.raises(RegistryError, match="不能再被替换"):
        services.document_replace(document=new, title="再新", issued_on=D(2023, 1, 1))


def test_a_document_withdrawn_before_it_took_effect_supersedes_nothing(hospital):
    old = sanding(hospital, D(2016, 1, 1), title="旧三定")
    new = services.document_replace(
        document=old, title="作废的三定", issued_on=D(2020, 1, 1), effective_from=D(2020, 7, 1)
    )
    services.document_withdraw(document=new, withdrawn_on=D(2020, 3, 1))
    assert in_force(hospital, D(2021, 1, 1)) == ["旧三定"]


def test_add_writes_its_audit_row_and_feed_entry(hospital):
    document = services.document_add(
        unit=hospital,
        kind="power_list",
        number="包卫发（2021） 3号",
        title="市中心医院政事权限清单",
        issued_on=D(2021, 3, 1),
        file=ContentFile(PDF, name="清单.pdf"),
        items=[
            PowerItemInput(matter="内设机构设置", decides="department", basis="《条例》第五条"),
            PowerItemInput(matter="岗位设置", decides="institution"),
        ],
    )
    assert document.number_key == "包卫发〔2021〕3号"
    assert document.effective_from == D(2021, 3, 1)
    assert [(i.matter, i.decides) for i in document.items.all()] == [
        ("内设机构设置", "department"),
        ("岗位设置", "institution"),
    ]
    assert document.file.name.startswith(f"documents/{hospital.pk}/")
    assert document.file.name.endswith(".pdf")
    with document.file.open("rb") as stored:
        assert stored.read() == PDF
    entry = AuditEntry.objects.get(object_type="units.unitdocument", object_id=str(document.pk))
    assert entry.action == "create" and entry.after["items"][1]["matter"] == "岗位设置"
    feed = FeedEntry.objects.latest("seq")
    assert feed.kind == "document.added" and feed.payload["kind"] == "power_list"
    assert list(feed.unit_links.values_list("unit__key", flat=True)) == ["hospital"]


def test_document_numbers_are_normalised_and_searched_like_decisions(hospital):
    sanding(hospital, D(2020, 1, 1), number="包编发〔2020〕12号")
    found = documents_by_number("包编发[2020] 12号")
    assert [d.number for d in found] == ["包编发〔2020〕12号"]
    assert documents_by_number("2020〕12").count() == 1
    assert documents_by_number("2021").count() == 0
    with pytest.raises(RegistryError, match="已有文号"):
        services.document_add(
            unit=hospital,
            kind="charter",
            number="包编发（2020）12号",
            title="章程",
            issued_on=D(2021, 1, 1),
        )


NOT_A_PDF = ContentFile(b"PK\x03\x04 a zip file", name="x.pdf")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"file": NOT_A_PDF}, "不是 PDF 文件"),
        ({"kind": "poem"}, "未知的文件类型"),
        ({"title": "  "}, "文件标题不能为空"),
        ({"effective_from": D(2019, 12, 31)}, "早于印发日期"),
        ({"items": [PowerItemInput(matter="x", decides="department")]}, "只有政事权限清单"),
        (
            {"kind": "power_list", "items": [PowerItemInput(matter="x", decides="mayor")]},
            "决定方“mayor”未知",
        ),
        (
            {"kind": "power_list", "items": [PowerItemInput(matter="", decides="department")]},
            "事项不能为空",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(hospital, media, change, needle):
    values = {"unit": hospital, "kind": "sanding", "title": "三定", "issued_on": D(2020, 1, 1)}
    values.update(change)
    before = counts()
    with pytest.raises(RegistryError, match=needle):
        services.document_add(**values)
    assert counts() == before
    assert not any(media.rglob("*.pdf"))


def test_a_pdf_over_the_size_limit_is_refused(hospital, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    with pytest.raises(RegistryError, match="文件过大"):
        sanding(hospital, D(2020, 1, 1), file=ContentFile(PDF + b"0" * 100, name="big.pdf"))
    assert UnitDocument.objects.count() == 0


def test_bulk_add_refuses_all_when_one_row_is_bad(reg, hospital):
    school = reg.register("school", name="市职业学院")
    rows = [
        DocumentInput(unit=hospital, kind="sanding", title="三定", issued_on=D(2020, 1, 1)),
        DocumentInput(unit=school, kind="charter", title="章程", issued_on=D(2020, 1, 1)),
        DocumentInput(unit=school, kind="charter", title="同日章程", issued_on=D(2020, 1, 1)),
    ]
    before = counts()
    with pytest.raises(RegistryError, match="已有章程于 2020-01-01 生效") as refused:
        services.documents_add(documents=rows)
    assert len(refused.value.problems) == 1
    assert counts() == before
    added = services.documents_add(documents=rows[:2])
    assert [d.unit.key for d in added] == ["hospital", "school"]
    assert counts()[2:] == (before[2] + 2, before[3] + 2)


def test_a_same_day_clash_with_a_stored_document_is_refused(hospital):
    sanding(hospital, D(2020, 1, 1))
    with pytest.raises(RegistryError, match="已有“三定”规定于 2020-01-01 生效"):
        sanding(hospital, D(2020, 1, 1), title="另一份")


def test_replace_needs_a_later_effective_date(hospital):
    old = sanding(hospital, D(2020, 1, 1))
    with pytest.raises(RegistryError, match="必须晚于"):
        services.document_replace(document=old, title="新", issued_on=D(2020, 1, 1))
    assert UnitDocument.objects.count() == 1


@pytest.fixture
def county_clerk(reg):
    user = get_user_model().objects.create_user("county-clerk")
    user.groups.add(Group.objects.get(name=roles.CLERK))
    permissions.scope_grant(user=user, jurisdiction=reg.county)
    return get_user_model().objects.get(pk=user.pk)


def test_a_scoped_clerk_keeps_documents_only_of_units_in_scope(reg, hospital, county_clerk):
    local = reg.register("kdl-school", name="昆区职业学校", jurisdiction="150203")
    before = counts()
    with pytest.raises(permissions.NotPermitted, match="hospital"):
        sanding(hospital, D(2020, 1, 1), user=county_clerk)
    assert counts() == before
    mine = sanding(local, D(2020, 1, 1), user=county_clerk)
    assert mine.created_by == county_clerk
    city_doc = sanding(hospital, D(2020, 1, 1))
    with pytest.raises(permissions.NotPermitted):
        services.document_withdraw(document=city_doc, withdrawn_on=D(2021, 1, 1), user=county_clerk)
    with pytest.raises(permissions.NotPermitted):
        services.document_replace(
            document=city_doc, title="x", issued_on=D(2021, 1, 1), user=county_clerk
        )
    visible = UnitDocument.objects.restrict(county_clerk)
    assert list(visible.values_list("unit__key", flat=True)) == ["kdl-school"]
    assert [d.unit.key for d in documents_in_force(None, D(2021, 1, 1), queryset=visible)] == [
        "kdl-school"
    ]


def test_a_user_without_the_permission_is_refused(reg, hospital):
    reader = get_user_model().objects.create_user("reader")
    reader.groups.add(Group.objects.get(name=roles.OFFICIAL))
    with pytest.raises(RegistryError):
        sanding(hospital, D(2020, 1, 1), user=reader)
    assert UnitDocument.objects.count() == 0
