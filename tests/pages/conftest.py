"""A small registry for the page tests: a city, two departments, institutions, a merge."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User

from units import services
from units.choices import JurisdictionLevel
from units.services import NewUnit

D = dt.date
DECISION = "包编发〔2020〕12号"


def build_registry(extra_institutions: int = 0) -> dict:
    """Build the fixture registry; ``extra_institutions`` more under the housing bureau."""
    city = services.jurisdiction_create(code="150200", name="包头市", level=JurisdictionLevel.CITY)
    services.jurisdiction_create(
        code="150271", name="稀土高新区", level=JurisdictionLevel.ZONE, parent=city
    )
    rows = [
        services.RegistrationInput(
            "zhujian",
            "department",
            D(2010, 1, 1),
            {"name": "市住房和城乡建设局", "jurisdiction": "150200"},
        ),
        services.RegistrationInput(
            "keji", "department", D(2010, 1, 1), {"name": "市科学技术局", "jurisdiction": "150200"}
        ),
    ]
    for key, name in [
        ("fangguan", "市房产管理中心"),
        ("gongjijin", "市住房公积金服务中心"),
        ("hezuoshe", "市住房合作社"),
    ]:
        rows.append(
            services.RegistrationInput(
                key,
                "institution",
                D(2012, 1, 1),
                {
                    "name": name,
                    "jurisdiction": "150200",
                    "parent": "zhujian",
                    "category": "public_welfare_1",
                    "rank": "division",
                    "funding": "full",
                },
            )
        )
    for i in range(extra_institutions):
        rows.append(
            services.RegistrationInput(
                f"extra-{i:04d}",
                "institution",
                D(2012, 1, 1),
                {"name": f"市住建服务站{i:04d}", "jurisdiction": "150200", "parent": "zhujian"},
            )
        )
    rows.append(
        services.RegistrationInput(
            "kjqb",
            "institution",
            D(2012, 1, 1),
            {
                "name": "市科技情报研究所",
                "jurisdiction": "150200",
                "parent": "keji",
                "category": "business",
                "pending_wind_down": True,
            },
        )
    )
    services.units_register_bulk(rows=rows)
    decision = services.decision_create(
        number=DECISION,
        title="关于市住建系统事业单位改革的决定",
        issued_on=D(2020, 6, 1),
        issuer="市委编委",
    )
    services.event_create(
        decision=decision,
        key="ev-merge",
        type="merge",
        effective_on=D(2020, 6, 30),
        sources=["fangguan", "gongjijin"],
        new_units=[
            NewUnit(
                "fangchan-fuwu",
                "institution",
                {
                    "name": "市房产和住房公积金服务中心",
                    "jurisdiction": "150200",
                    "parent": "zhujian",
                    "category": "public_welfare_1",
                },
            )
        ],
    )
    services.event_create(
        decision=decision,
        key="ev-abolish",
        type="abolish",
        effective_on=D(2021, 1, 1),
        sources=["hezuoshe"],
    )
    services.event_create(
        decision=decision,
        key="ev-rename",
        type="change",
        effective_on=D(2020, 9, 1),
        sources=["kjqb"],
        attributes={"name": "市科技信息中心"},
    )
    services.decision_approve(decision=decision)
    grant_quotas(decision)
    draft = services.decision_create(
        number="包编发〔2021〕3号", title="草稿：设立市大数据中心", issued_on=D(2021, 2, 1)
    )
    services.event_create(
        decision=draft,
        key="ev-bigdata",
        type="establish",
        effective_on=D(2021, 3, 1),
        new_units=[
            NewUnit(
                "dashuju",
                "institution",
                {"name": "市大数据中心", "jurisdiction": "150200", "parent": "keji"},
            )
        ],
    )
    return {"decision": decision, "draft": draft}


def grant_quotas(decision) -> None:
    """Institution quotas for the housing units, and a headcount report for one of them."""
    from staffing import services as staffing_services
    from staffing.services import external_account, unit_account
    from units.models import Unit

    grants = decision_create_grant()
    staffing_services.transfers_post_bulk(
        rows=[
            staffing_services.TransferInput(
                date=D(2015, 1, 1),
                kind="institution",
                amount=amount,
                from_account=external_account(),
                to_account=unit_account(Unit.objects.get(key=key).pk),
                decision=grants,
                reason="grant",
            )
            for key, amount in [("fangguan", 20), ("gongjijin", 12), ("hezuoshe", 5)]
        ]
    )
    staffing_services.headcount_report(
        unit=Unit.objects.get(key="fangchan-fuwu"),
        kind="institution",
        as_of=D(2021, 1, 1),
        actual=35,
    )


def decision_create_grant():
    grants = services.decision_create(
        number="包编发〔2014〕1号", title="核定编制", issued_on=D(2014, 12, 1)
    )
    return services.decision_approve(decision=grants)


@pytest.fixture
def registry(db):
    return build_registry()


@pytest.fixture
def official(db):
    user = User.objects.create_user("official", password="official-pass-2021")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="units", codename="view_unit")
    )
    return user


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client
