"""The unit list of the pages and of the API is one FilterSet (``UnitFilterSet``, through
``units.selectors.units.unit_list``): the same parameter names give the same units on both, and a name
that is neither a filter nor one the surface reads itself is refused on both, listing the
known ones."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from reform_registry import reports
from units import services
from units.filtersets import UnitFilterSet

BORN = dt.date(2010, 1, 1)
FILTERS = sorted(UnitFilterSet.base_filters)
API_OWN = ["format", "page", "page_size"]
PAGE_OWN = ["format", "page"]

# A value of every filter that finds some but not all units of the registry below.
VALUES = {
    "as_of": "2015-01-01",
    "status": "all",
    "key": "I1",
    "kind": "institution",
    "name": "一中心",
    "short_name": "一中",
    "credit_code": "",
    "jurisdiction": "150202",
    "subdivisions": "true",
    "parent": "D",
    "category": "public_welfare_1",
    "rank": "section",
    "funding": "full",
    "sector": "教育",
    "business_functions": "true",
    "market_replaceable": "false",
    "pending_wind_down": "false",
    "functions": "教学",
    "internal_bodies": "3",
    "internal_bodies_min": "3",
    "internal_bodies_max": "2",
    "q": "二中心",
}


@pytest.fixture
def registry(db):
    city = services.jurisdiction_create(code="150200", name="包头市", level="city")
    services.jurisdiction_create(code="150202", name="东河区", level="county", parent=city)
    services.unit_register(
        key="D",
        kind="department",
        established_on=BORN,
        attributes={"name": "市教育局", "jurisdiction": "150200"},
    )
    services.unit_register(
        key="I1",
        kind="institution",
        established_on=BORN,
        attributes={
            "name": "市一中心",
            "short_name": "一中",
            "jurisdiction": "150200",
            "parent": "D",
            "category": "public_welfare_1",
            "rank": "section",
            "funding": "full",
            "sector": "教育",
            "business_functions": True,
            "functions": "教学",
            "internal_bodies": 3,
        },
    )
    services.unit_register(
        key="I2",
        kind="institution",
        established_on=BORN,
        attributes={"name": "区二中心", "jurisdiction": "150202", "internal_bodies": 1},
    )


@pytest.fixture
def user_client(client, admin_user):
    client.force_login(admin_user)
    return client


def api_keys(client, params):
    response = client.get("/api/v1/units/", params)
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


def page_keys(client, params):
    response = client.get("/units/", params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return [v.unit.key for v in response.context["page"].object_list]


def test_every_filter_has_a_value_here():
    assert set(VALUES) == set(FILTERS)


@pytest.mark.parametrize("name", FILTERS)
def test_the_same_parameter_gives_the_same_units_on_the_page_and_the_api(
    registry, user_client, name
):
    params = {name: VALUES[name]} if VALUES[name] else {name: "91350100M000100Y43"}
    if name == "subdivisions":
        params["jurisdiction"] = "150200"
    assert api_keys(user_client, params) == page_keys(user_client, params)


def test_the_filters_find_what_they_say(registry, user_client):
    assert api_keys(user_client, {"jurisdiction": "150200"}) == ["D", "I1"]
    assert api_keys(user_client, {"jurisdiction": "150200", "subdivisions": "true"}) == [
        "D",
        "I1",
        "I2",
    ]
    assert page_keys(user_client, {"parent": "D", "business_functions": "true"}) == ["I1"]
    assert page_keys(user_client, {"q": "二中心"}) == ["I2"]
    assert page_keys(user_client, {"as_of": "2009-12-31"}) == []


def unknown_parameter_message(response, path) -> str:
    if path.startswith("/api/"):
        problems = response.json()["error"]["problems"]
        assert [p["parameter"] for p in problems] == ["colour"]
        return problems[0]["message"]
    # The page still lists what the known parameters find.
    assert [v.unit.key for v in response.context["page"].object_list] == ["I1", "I2"]
    return response.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("path", "own"), [("/api/v1/units/", API_OWN), ("/units/", PAGE_OWN)])
def test_an_unknown_parameter_is_refused_listing_the_known_ones(
    registry, user_client, language, path, own
):
    user_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = user_client.get(path, {"colour": "red", "kind": "institution"})
    assert response.status_code == 400
    message = unknown_parameter_message(response, path)
    assert ", ".join(sorted([*FILTERS, *own])) in message
    assert ("未知的参数“colour”" in message) == (language == "zh-hans")
    assert ("Unknown parameter “colour”" in message) == (language == "en")


def test_the_surfaces_own_parameters_are_known(registry, user_client):
    assert user_client.get("/units/", {"page": "1"}).status_code == 200
    assert user_client.get("/units/", {"format": "csv"}).status_code == 200
    response = user_client.get("/api/v1/units/", {"page": "1", "page_size": "5", "format": "json"})
    assert response.status_code == 200
    # page_size is the API's, not the page's.
    assert user_client.get("/units/", {"page_size": "5"}).status_code == 400


def test_a_bad_value_is_named_alike(registry, user_client):
    api = user_client.get("/api/v1/units/", {"category": "nonsense"}).json()["error"]
    page = user_client.get("/units/", {"category": "nonsense"}).content.decode()
    assert api["problems"] == [{"parameter": "category", "message": "“nonsense”不是可选的值。"}]
    assert "事业单位类别：“nonsense”不是可选的值。" in page


def test_every_list_of_the_api_refuses_an_unknown_parameter(registry, user_client):
    for path in ("/api/v1/jurisdictions/", "/api/v1/events/", "/api/v1/transfers/"):
        response = user_client.get(path, {"colour": "red"})
        assert response.status_code == 400, path
        assert response.json()["error"]["problems"][0]["parameter"] == "colour"


# --- the dates of a reform: one rule for the dashboard and the API -----------------------------


@pytest.mark.parametrize("after", ["2020-01-01", "2019-12-31"])
def test_a_reform_needs_its_baseline_strictly_before_the_after_date(registry, user_client, after):
    query = {"jurisdiction": "150200", "before": "2020-01-01", "after": after}
    with translation.override("zh-hans"):
        expected = reports.reform_period_problem(
            before=dt.date(2020, 1, 1), after=dt.date.fromisoformat(after)
        )
    api = user_client.get("/api/v1/reports/reform-summary/", query)
    assert api.status_code == 400
    assert api.json()["error"]["problems"] == [{"parameter": "after", "message": expected}]
    page = user_client.get("/reports/reform/", query)
    assert page.status_code == 400 and expected in page.content.decode()
    query["after"] = "2020-01-02"
    assert user_client.get("/api/v1/reports/reform-summary/", query).status_code == 200
    assert user_client.get("/reports/reform/", query).status_code == 200
