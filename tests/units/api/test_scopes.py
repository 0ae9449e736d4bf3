"""A user limited to a jurisdiction sees only it and what lies below, through every endpoint."""

import pytest
from rest_framework.authtoken.models import Token

from staffing.models import HeadcountReport
from tests.fixtures.reform_api import _user
from units.models import JurisdictionScope


@pytest.fixture
def county_client(client, reform):
    user = _user("county1", "official", perms=["staffing.add_headcountreport"])
    JurisdictionScope.objects.create(user=user, jurisdiction=reform["county"])
    token = Token.objects.create(user=user).key
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def keys(response, field="key"):
    assert response.status_code == 200, response.content
    return [row[field] for row in response.json()["results"]]


def test_lists_are_limited_to_the_scope(county_client):
    assert keys(county_client.get("/api/v1/units/", {"as_of": "2020-01-01"})) == ["I10"]
    assert keys(county_client.get("/api/v1/jurisdictions/"), "code") == ["150202"]
    assert keys(county_client.get("/api/v1/decisions/"), "number") == []
    assert keys(county_client.get("/api/v1/events/")) == []
    assert keys(county_client.get("/api/v1/transfers/"), "id") == []
    assert keys(county_client.get("/api/v1/headcounts/"), "id") == []
    assert keys(county_client.get("/api/v1/balances/"), "account") == []


def test_units_outside_the_scope_are_404(county_client):
    assert county_client.get("/api/v1/units/I1/").status_code == 404
    assert county_client.get("/api/v1/units/I6/history/").status_code == 404
    assert county_client.get("/api/v1/units/I10/").status_code == 200
    assert county_client.get("/api/v1/jurisdictions/150200/").status_code == 404


def test_reports_need_a_jurisdiction_in_scope(county_client):
    params = {"before": "2020-01-01", "after": "2021-03-31"}
    outside = county_client.get(
        "/api/v1/reports/reform-summary/", {"jurisdiction": "150200", **params}
    )
    assert outside.status_code == 403
    inside = county_client.get(
        "/api/v1/reports/reform-summary/", {"jurisdiction": "150202", **params}
    )
    assert inside.status_code == 200 and inside.json()["institutions_before"] == 1
    missing = county_client.get("/api/v1/reports/institutions/")
    assert missing.status_code == 400
    assert missing.json()["error"]["problems"][0]["parameter"] == "jurisdiction"


def test_headcount_outside_the_scope_is_refused(county_client):
    response = county_client.post(
        "/api/v1/headcounts/",
        {"unit": "I6", "as_of": "2021-01-02", "actual": 1},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not HeadcountReport.objects.filter(as_of="2021-01-02").exists()
    ok = county_client.post(
        "/api/v1/headcounts/",
        {"unit": "I10", "as_of": "2021-01-02", "actual": 1},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
