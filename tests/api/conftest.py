"""A small hand-computed reform for the API and report tests, written once per module.

City 150200 with one county 150202 below it; three departments; on 2020-01-01 the city level
counts 10 institutions (D1: 7, D2: 2, D3: 1) plus one business institution pending wind-down
(not counted) and one institution of the county. An approved decision (2020-06-01) merges
I1+I2+I3 into N1, abolishes I4 and absorbs I7 into I6; a draft abolishes I5 on 2021-01-01.
"""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from rest_framework.authtoken.models import Token

from units import roles, services
from units.services import NewUnit, RegistrationInput

BEFORE = dt.date(2020, 1, 1)
AFTER = dt.date(2021, 3, 31)
BORN = dt.date(2000, 1, 1)


def _inst(key, name, parent, jurisdiction="150200", **extra):
    attributes = {"name": name, "jurisdiction": jurisdiction, "parent": parent}
    attributes.setdefault("category", "public_welfare_1")
    attributes.update(extra)
    return RegistrationInput(key, "institution", BORN, attributes)


@pytest.fixture(scope="module")
def shared_registry(django_db_setup, django_db_blocker):
    """The example reform with its quotas, written once per test module."""
    with rolled_back(django_db_blocker):
        registry = build_reform()
        build_ledger(registry)
        yield registry


@pytest.fixture
def reform(db, shared_registry):
    return shared_registry


def build_reform():
    city = services.jurisdiction_create(code="150200", name="包头市", level="city")
    county = services.jurisdiction_create(code="150202", name="东河区", level="county", parent=city)
    services.jurisdiction_create(code="150300", name="乌海市", level="city")
    departments = [
        RegistrationInput(key, "department", BORN, {"name": name, "jurisdiction": "150200"})
        for key, name in (("D1", "市住建局"), ("D2", "市农牧局"), ("D3", "市文旅局"))
    ]
    institutions = [
        _inst("I1", "住房合作社一", "D1", category="business"),
        _inst("I2", "住房合作社二", "D1", rank="section", funding="self"),
        _inst("I3", "房地产开发中心", "D1", sector="住房"),
        _inst("I4", "住建档案馆", "D1", credit_code=""),
        _inst("I5", "市政设施服务中心", "D1", market_replaceable=True),
        _inst("I11", "建设工程质量站", "D1", funding="full", rank="division"),
        _inst("I12", "园林绿化所", "D1", business_functions=True),
        _inst("I6", "农牧技术推广中心", "D2", category="public_welfare_2", short_name="农技中心"),
        _inst("I7", "种子管理站", "D2"),
        _inst("I8", "文化馆", "D3", internal_bodies=4),
        _inst("I9", "旅游开发公司", "D3", category="business", pending_wind_down=True),
        _inst("I10", "东河区住建服务站", "D1", jurisdiction="150202"),
    ]
    services.units_register_bulk(rows=departments + institutions)
    decision = services.decision_create(
        number="包编发〔2020〕12号", title="市直事业单位改革", issued_on=dt.date(2020, 5, 20)
    )
    on = dt.date(2020, 6, 1)
    services.event_create(
        decision=decision,
        key="E-MERGE",
        type="merge",
        effective_on=on,
        sources=["I1", "I2", "I3"],
        new_units=[
            NewUnit(
                "N1",
                "institution",
                {"name": "住房保障服务中心", "jurisdiction": "150200", "parent": "D1"},
            )
        ],
    )
    services.event_create(
        decision=decision, key="E-ABOLISH", type="abolish", effective_on=on, sources=["I4"]
    )
    services.event_create(
        decision=decision,
        key="E-ABSORB",
        type="absorb",
        effective_on=on,
        sources=["I7"],
        targets=["I6"],
        attributes={"name": "农牧业技术服务中心"},
    )
    services.decision_approve(decision=decision)
    draft = services.decision_create(
        number="包编发〔2021〕3号", title="撤销市政设施服务中心", issued_on=dt.date(2020, 12, 1)
    )
    services.event_create(
        decision=draft,
        key="E-DRAFT",
        type="abolish",
        effective_on=dt.date(2021, 1, 1),
        sources=["I5"],
    )
    services.institution_cap_set(jurisdiction=city, valid_from=dt.date(2019, 1, 1), cap=5)
    services.institution_cap_set(jurisdiction=city, valid_from=dt.date(2021, 1, 1), cap=8)
    return {"city": city, "county": county, "decision": decision, "draft": draft}


def _user(username, *groups, perms=()):
    user = User.objects.create_user(username, password="pw-" + username)
    for name in groups:
        group, _created = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    for codename in perms:
        app, code = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=code)
        )
    return user


@pytest.fixture
def official(db):
    return _user("official1", roles.OFFICIAL)


@pytest.fixture
def reader_token(db):
    user = _user("system1", roles.API_CLIENT)
    return Token.objects.create(user=user).key


@pytest.fixture
def api(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def ledger(reform):
    return reform


def build_ledger(reform):
    """Quotas granted on 2000-01-01 under the approved decision: I1 10, I4 6, I6 5 (and 1
    section-level leader post to I6); headcounts of I6 and N1."""
    import datetime as dt

    from staffing import services as staffing_services
    from staffing.services import external_account, unit_account
    from units.models import Unit

    decision = reform["decision"]
    units = {u.key: u for u in Unit.objects.all()}
    for key, kind, amount in (
        ("I1", "institution", 10),
        ("I4", "institution", 6),
        ("I6", "institution", 5),
        ("I6", "leader_section", 1),
    ):
        staffing_services.transfer_post(
            date=BORN,
            kind=kind,
            amount=amount,
            from_account=external_account(),
            to_account=unit_account(units[key].pk),
            decision=decision,
            reason="grant",
        )
    staffing_services.headcount_report(
        unit=units["I6"], kind="institution", as_of=dt.date(2021, 1, 1), actual=3
    )
    staffing_services.headcount_report(
        unit=units["N1"], kind="institution", as_of=dt.date(2021, 1, 1), actual=12
    )
    return reform


@pytest.fixture
def writer_token(db):
    return make_writer_token()


def make_writer_token():
    user = _user("system2", roles.API_CLIENT, perms=["staffing.add_headcountreport"])
    return Token.objects.create(user=user).key


@contextmanager
def rolled_back(django_db_blocker):
    """Data shared by the tests of one module: written once inside a transaction that is
    rolled back when the module is done (each test still runs in its own savepoint)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
