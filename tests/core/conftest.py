"""A small registry for the read-policy tests: a city (包头市) with two sibling districts,
昆都仑区 (the scope of the walking user) and 青山区, each with a department and institutions.

Every unit name is a distinctive string, so that finding it in a response means the response
shows that unit. One decision of the city touches all three (a merge inside 昆都仑区, an
abolition in 青山区, and a 昆都仑区 institution absorbed into a city one), another touches the
city only; a draft of the city creates a unit that has no version yet, and the walking user
has a draft of its own. The ledger holds grants, the transfers those events derive (one of them
across the district's border), headcounts, both pools and a recovery campaign in 昆都仑区 and
in the city; there are caps, documents, attachments, scopes, audit entries and workbook uploads
inside and outside the scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from core import audit as actor_context
from reform_registry.models import ImportBatch
from staffing import services as staffing
from staffing.models import Account, RecoveryCampaign, Transfer
from staffing.services import external_account, pool_account, unit_account
from units import permissions, roles, services
from units.models import AuditEntry, Decision, Event, Jurisdiction, Unit, UnitDocument
from units.services import NewUnit, RegistrationInput

D = dt.date
BORN = D(2015, 1, 1)
REFORM = D(2020, 6, 1)
CITY, INSIDE, SIBLING = "150200", "150203", "150204"

# key -> (kind, jurisdiction, name, supervising department)
UNITS: dict[str, tuple[str, str, str, str | None]] = {
    "kdlbureau": ("department", INSIDE, "昆区锦程督导局", None),
    "kdlalpha": ("institution", INSIDE, "昆区琥珀研究所", "kdlbureau"),
    "kdlbeta": ("institution", INSIDE, "昆区翡翠服务站", "kdlbureau"),
    "kdlgamma": ("institution", INSIDE, "昆区玛瑙测绘队", "kdlbureau"),
    "kdldelta": ("institution", INSIDE, "昆区珊瑚培训部", "kdlbureau"),
    "citybureau": ("department", CITY, "市域穹顶管理局", None),
    "cityomega": ("institution", CITY, "市域星河档案馆", "citybureau"),
    "citysigma": ("institution", CITY, "市域云海检测院", "citybureau"),
    "qsbureau": ("department", SIBLING, "青区松柏事务局", None),
    "qsdelta": ("institution", SIBLING, "青区麒麟养护所", "qsbureau"),
    "qsepsilon": ("institution", SIBLING, "青区凤凰信息站", "qsbureau"),
}
MERGED = ("kdlmerged", "昆区琉璃综合中心")  # born in 昆都仑区 by the merge
RENAMED = "市域云海检测研究院"  # citysigma's later name
DRAFT_NEW = ("citydraft", "市域晨曦筹建处")  # born in the city by a draft: no version yet
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Registry:
    """What the walk fills path parameters with, inside and outside the walking user's scope."""

    user: User
    admin: User
    inside: dict[str, list[Any]] = field(default_factory=dict)
    outside: dict[str, list[Any]] = field(default_factory=dict)
    unit_keys: dict[str, list[str]] = field(default_factory=dict)
    inside_texts: set[str] = field(default_factory=set)
    outside_texts: set[str] = field(default_factory=set)

    def add(self, model: type, inside: list[Any], outside: list[Any]) -> None:
        self.inside[model._meta.label_lower] = inside
        self.outside[model._meta.label_lower] = outside


def _user(name: str, groups: list[str], **extra: Any) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", "Registry-2021!", **extra)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _event(
    key: str,
    type_: str,
    sources: list[str],
    *,
    targets: tuple[str, ...] | list[str] = (),
    new: tuple[str, dict[str, Any]] | None = None,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The arguments of ``services.event_create`` for an event on the reform's date (the
    walking user's own draft takes effect later)."""
    return {
        "key": key,
        "type": type_,
        "effective_on": D(2021, 4, 1) if key == "ev-kdl-own" else REFORM,
        "sources": sources,
        "targets": list(targets),
        "new_units": [NewUnit(new[0], "institution", new[1])] if new else [],
        "attributes": attributes,
    }


def _decision(
    number: str,
    title: str,
    issued_on: dt.date,
    *events: dict[str, Any],
    attachment: str = "",
    approve: bool = True,
    user: Any = None,
) -> Decision:
    decision = services.decision_create(number=number, title=title, issued_on=issued_on, user=user)
    for event in events:
        services.event_create(decision=decision, user=user, **event)
    if attachment:
        services.attachment_add(decision=decision, file=_pdf(f"{number}.pdf"), title=attachment)
    if approve:
        services.decision_approve(decision=decision)
    return decision


def build_registry() -> Registry:
    city = services.jurisdiction_create(code=CITY, name="包头市", level="city")
    inside = services.jurisdiction_create(code=INSIDE, name="昆都仑区", level="county", parent=city)
    sibling = services.jurisdiction_create(code=SIBLING, name="青山区", level="county", parent=city)
    services.units_register_bulk(
        rows=[
            RegistrationInput(
                key,
                kind,
                BORN,
                {"name": name, "jurisdiction": code, "parent": parent}
                if parent
                else {"name": name, "jurisdiction": code},
            )
            for key, (kind, code, name, parent) in UNITS.items()
        ]
    )
    units = {u.key: u for u in Unit.objects.all()}
    baseline = _decision("包编发〔2015〕1号", "核定编制", D(2015, 1, 1))
    grants = {"kdlalpha": 10, "kdlbeta": 6, "kdlgamma": 4, "kdldelta": 3}
    grants.update({"cityomega": 8, "citysigma": 12, "qsdelta": 5, "qsepsilon": 3})
    for key, amount in grants.items():
        staffing.transfer_post(
            date=D(2016, 1, 1),
            kind="institution",
            amount=amount,
            from_account=external_account(),
            to_account=unit_account(units[key].pk),
            decision=baseline,
            reason="grant",
        )
    merged = {"name": MERGED[1], "jurisdiction": INSIDE, "parent": "kdlbureau"}
    wide = _decision(
        "包编发〔2020〕21号",
        "全市事业单位改革（第一批）",
        D(2020, 5, 1),
        _event("ev-wide-merge", "merge", ["kdlalpha", "kdlbeta"], new=(MERGED[0], merged)),
        _event("ev-wide-abolish", "abolish", ["qsdelta"]),
        _event("ev-wide-absorb", "absorb", ["kdlgamma"], targets=["cityomega"]),
        attachment="第一批文件",
    )
    city_only = _decision(
        "包编发〔2020〕22号",
        "市直机构更名",
        D(2020, 5, 2),
        _event("ev-city-rename", "change", ["citysigma"], attributes={"name": RENAMED}),
        attachment="更名文件",
    )
    draft_new = {"name": DRAFT_NEW[1], "jurisdiction": CITY}
    city_draft = _decision(
        "包编发〔2021〕5号",
        "筹建新机构",
        D(2021, 1, 5),
        _event("ev-city-draft", "establish", [], new=(DRAFT_NEW[0], draft_new)),
        approve=False,
    )
    recover_inside = _decision("昆编发〔2021〕2号", "收回空编", D(2021, 5, 1))
    for key, actual in (("kdlmerged", 10), ("kdldelta", 1), ("citysigma", 5), ("qsepsilon", 2)):
        staffing.headcount_report(
            unit=Unit.objects.get(key=key), kind="institution", as_of=D(2021, 1, 1), actual=actual
        )
    inside_campaign = staffing.campaign_preview(
        jurisdiction=inside, on=D(2021, 6, 1), decision=recover_inside
    )
    staffing.campaign_apply(campaign=inside_campaign)
    city_campaign = staffing.campaign_preview(
        jurisdiction=city, on=D(2021, 6, 1), decision=city_only
    )
    services.institution_cap_set(jurisdiction=inside, valid_from=D(2019, 1, 1), cap=9)
    services.institution_cap_set(jurisdiction=city, valid_from=D(2019, 1, 1), cap=30)
    units = {u.key: u for u in Unit.objects.all()}
    UnitDocument.objects.create(
        unit=units["kdlmerged"],
        kind="three_determinations",
        title="昆区三定规定",
        issued_on=D(2020, 7, 1),
    )
    UnitDocument.objects.create(
        unit=units["cityomega"],
        kind="three_determinations",
        title="市域三定规定",
        issued_on=D(2020, 7, 1),
    )

    user = _user("walker", list(roles.ALL_ROLES), is_staff=True)
    permissions.scope_grant(user=user, jurisdiction=inside)
    other = _user("qs-clerk", [roles.CLERK], is_staff=True)
    permissions.scope_grant(user=other, jurisdiction=sibling)
    admin = User.objects.create_superuser("root", "root@example.org", "Registry-2021!")
    Token.objects.create(user=admin)  # a row for the admin's token screens
    with actor_context.acting(user=user):
        own = _decision(
            "昆编发〔2021〕1号",
            "区属机构调整",
            D(2021, 3, 1),
            _event("ev-kdl-own", "change", ["kdlmerged"], attributes={"rank": "section"}),
            approve=False,
            user=user,
        )
    report = {
        "errors": [{"sheet": "units", "row": 2, "key": "qsepsilon", "message": "青区凤凰信息站"}]
    }
    outside_batch = ImportBatch.objects.create(
        filename="city.xlsx", content=b"", status="refused", report=report, uploaded_by=admin
    )
    inside_batch = ImportBatch.objects.create(
        filename="kdl.xlsx", content=b"", status="refused", report={"errors": []}, uploaded_by=user
    )

    registry = Registry(user=user, admin=admin)
    in_keys = {"kdlbureau", "kdlalpha", "kdlbeta", "kdlgamma", "kdldelta", "kdlmerged"}
    out_keys = {"citybureau", "cityomega", "citysigma", "qsbureau", "qsdelta", "qsepsilon"}
    out_keys.add(DRAFT_NEW[0])
    for keys, texts in ((in_keys, registry.inside_texts), (out_keys, registry.outside_texts)):
        texts.update(keys)
        for unit in Unit.objects.filter(key__in=keys).prefetch_related("versions"):
            texts.update(v.name for v in unit.versions.all())
    registry.outside_texts.add(DRAFT_NEW[1])

    def pks(model, **lookup) -> list[Any]:
        return list(model._default_manager.filter(**lookup).values_list("pk", flat=True))

    def unit_pks(keys) -> list[int]:
        return pks(Unit, key__in=keys)

    from staffing.models import HeadcountReport, QuotaKind
    from units.models import Department, Institution, InstitutionCap, JurisdictionScope

    registry.unit_keys = {"inside": sorted(in_keys), "outside": sorted(out_keys)}
    registry.add(Unit, unit_pks(in_keys), unit_pks(out_keys))
    registry.add(Department, unit_pks(["kdlbureau"]), unit_pks(["citybureau", "qsbureau"]))
    registry.add(
        Institution,
        unit_pks(["kdlmerged", "kdlgamma"]),
        unit_pks(["cityomega", "qsdelta", DRAFT_NEW[0]]),
    )
    registry.add(Decision, [wide.pk, own.pk], [city_only.pk, city_draft.pk, baseline.pk])
    registry.add(Event, ["ev-wide-merge", "ev-wide-absorb"], ["ev-wide-abolish", "ev-city-rename"])
    registry.add(Jurisdiction, [INSIDE], [CITY, SIBLING])
    registry.add(
        InstitutionCap,
        pks(InstitutionCap, jurisdiction=inside),
        pks(InstitutionCap, jurisdiction=city),
    )
    registry.add(
        JurisdictionScope, pks(JurisdictionScope, user=user), pks(JurisdictionScope, user=other)
    )
    registry.add(
        AuditEntry,
        pks(AuditEntry, user=user)[:2],
        pks(AuditEntry, user__isnull=True, object_repr__contains="qsdelta")[:2],
    )
    registry.add(
        Account,
        [unit_account(units["kdlmerged"].pk).pk, pool_account(inside.pk).pk],
        [
            unit_account(units["cityomega"].pk).pk,
            pool_account(city.pk).pk,
            pool_account(sibling.pk).pk,
            external_account().pk,
        ],
    )
    registry.add(
        Transfer,
        pks(Transfer, to_account__unit__key="kdlalpha")[:1]
        + pks(Transfer, from_account__unit__key="kdlalpha")[:1],
        pks(Transfer, to_account__unit__key="citysigma")[:1]
        + pks(Transfer, from_account__unit__key="kdlgamma", to_account__unit__key="cityomega")[:1]
        + pks(Transfer, from_account__unit__key="qsdelta")[:1],
    )
    registry.add(
        HeadcountReport,
        pks(HeadcountReport, unit__key="kdlmerged"),
        pks(HeadcountReport, unit__key="citysigma"),
    )
    registry.add(RecoveryCampaign, [inside_campaign.pk], [city_campaign.pk])
    registry.add(ImportBatch, [inside_batch.pk], [outside_batch.pk])
    registry.add(QuotaKind, ["institution"], [])
    return registry


@pytest.fixture
def scoped_registry(db, settings, tmp_path) -> Registry:
    settings.MEDIA_ROOT = tmp_path
    return build_registry()
