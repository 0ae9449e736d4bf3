"""Balances, transfers and headcounts through /api/v1/."""

import datetime as dt

import pytest
from django.utils import timezone

from staffing.models import HeadcountReport
from units.models import AuditEntry


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_balances_of_units_and_pools(api, ledger):
    rows = results(api.get("/api/v1/balances/", {"as_of": "2021-03-31", "kind": "institution"}))
    held = {r["account"]: r["balances"]["institution"] for r in rows}
    assert held["N1"] == 10  # merged from I1
    assert held["pool:150200"] == 6  # abolished I4
    assert held["I6"] == 5 and held["I1"] == 0 and held["I4"] == 0
    assert held["external"] == -21
    before = results(api.get("/api/v1/balances/", {"as_of": "2020-01-01", "unit": "I1"}))
    assert before[0]["balances"]["institution"] == 10
    assert before[0]["balances"]["leader_section"] == 0
    assert before[0]["as_of"] == "2020-01-01" and before[0]["type"] == "unit"


def test_balance_filters(api, ledger):
    pools = results(api.get("/api/v1/balances/", {"type": "pool"}))
    assert [r["account"] for r in pools] == ["pool:150200"]
    assert pools[0]["jurisdiction"] == "150200"
    city = results(api.get("/api/v1/balances/", {"jurisdiction": "150200", "as_of": "2021-03-31"}))
    assert {r["account"] for r in city} == {"pool:150200", "N1", "I6"}


def test_transfers(api, ledger):
    rows = results(api.get("/api/v1/transfers/"))
    grants = [r for r in rows if r["reason"] == "grant"]
    assert len(grants) == 4 and grants[0]["source"] == "external"
    reform_moves = results(api.get("/api/v1/transfers/", {"reason": "reform"}))
    assert {(r["source"], r["target"], r["amount"]) for r in reform_moves} == {
        ("I1", "N1", 10),
        ("I4", "pool:150200", 6),
    }
    assert all(r["derived"] for r in reform_moves)
    assert [r["target"] for r in results(api.get("/api/v1/transfers/", {"pool": "150200"}))] == [
        "pool:150200"
    ]
    assert len(results(api.get("/api/v1/transfers/", {"unit": "I6"}))) == 2
    assert len(results(api.get("/api/v1/transfers/", {"event": "E-MERGE"}))) == 1
    assert len(results(api.get("/api/v1/transfers/", {"date_from": "2020-01-01"}))) == 2
    assert len(results(api.get("/api/v1/transfers/", {"kind": "leader_section"}))) == 1
    one = rows[0]
    assert api.get(f"/api/v1/transfers/{one['id']}/").json() == one


def test_headcount_list(api, ledger):
    rows = results(api.get("/api/v1/headcounts/"))
    assert [(r["unit"], r["kind"], r["as_of"], r["actual"]) for r in rows] == [
        ("I6", "institution", "2021-01-01", 3),
        ("N1", "institution", "2021-01-01", 12),
    ]
    assert len(results(api.get("/api/v1/headcounts/", {"unit": "N1"}))) == 1
    assert results(api.get("/api/v1/headcounts/", {"as_of_to": "2020-12-31"})) == []


def post(client, token, body):
    return client.post(
        "/api/v1/headcounts/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def test_headcount_post_with_write_permission(client, ledger, writer_token):
    body = {"unit": "I6", "kind": "institution", "as_of": "2021-03-31", "actual": 4, "source": "hr"}
    response = post(client, writer_token, body)
    assert response.status_code == 201, response.content
    assert response.json()["actual"] == 4
    report = HeadcountReport.objects.get(unit__key="I6", as_of="2021-03-31")
    entry = AuditEntry.objects.get(object_type="staffing.headcountreport", object_id=str(report.pk))
    assert entry.actor == "system2" and entry.user.username == "system2"
    assert post(client, writer_token, body).status_code == 200  # the same figure again
    refused = post(client, writer_token, {**body, "actual": 5})
    assert refused.status_code == 409  # well formed, but contradicting what is stored
    assert refused.json()["error"]["code"] == "refused"
    assert HeadcountReport.objects.filter(unit__key="I6").count() == 2


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"unit": "-no such key", "as_of": "2021-01-01", "actual": 1}, "unit"),
        ({"unit": "I6", "as_of": "2021-01-01", "actual": -1}, "actual"),
        ({"unit": "I6", "as_of": "2021-13-01", "actual": 1}, "as_of"),
        ({"unit": "I6", "as_of": "2021-01-01", "actual": 1, "kind": "x"}, "kind"),
        ({"unit": "I6", "as_of": "2021-01-01"}, "actual"),
    ],
)
def test_headcount_post_bad_input(client, ledger, writer_token, body, parameter):
    response = post(client, writer_token, body)
    assert response.status_code == 400
    problems = response.json()["error"]["problems"]
    assert parameter in {p.get("parameter") for p in problems}


def test_headcount_post_for_an_unknown_unit_is_404_naming_it(client, ledger, writer_token):
    response = post(client, writer_token, {"unit": "NOPE", "as_of": "2021-01-01", "actual": 1})
    assert response.status_code == 404, response.content
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert [p["parameter"] for p in error["problems"]] == ["unit"]
    assert not HeadcountReport.objects.filter(as_of="2021-01-01", actual=1).exists()


def test_headcount_post_for_an_ended_unit_is_refused(client, ledger, writer_token):
    response = post(client, writer_token, {"unit": "I1", "as_of": "2021-01-01", "actual": 1})
    assert response.status_code == 409
    assert "I1" in response.json()["error"]["message"]
    assert not HeadcountReport.objects.filter(unit__key="I1").exists()


@pytest.mark.parametrize("as_of", ["2030-01-01", "tomorrow"])
def test_headcount_post_dated_after_today_is_refused(client, ledger, writer_token, as_of):
    today = timezone.localdate()
    if as_of == "tomorrow":
        as_of = (today + dt.timedelta(days=1)).isoformat()
    audit_before = AuditEntry.objects.count()
    response = post(client, writer_token, {"unit": "I6", "as_of": as_of, "actual": 201})
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "refused"
    assert as_of in error["message"] and "晚于今天" in error["message"]
    assert today.isoformat() in error["message"]
    assert not HeadcountReport.objects.filter(unit__key="I6", as_of=as_of).exists()
    assert AuditEntry.objects.count() == audit_before


def test_headcount_post_needs_permission(client, api, ledger, reader_token):
    body = {"unit": "I6", "as_of": "2021-03-31", "actual": 4}
    assert post(client, reader_token, body).status_code == 403
    assert api.post("/api/v1/headcounts/", body, content_type="application/json").status_code == 403
    client.logout()
    assert (
        client.post("/api/v1/headcounts/", body, content_type="application/json").status_code == 401
    )
    assert not HeadcountReport.objects.filter(as_of="2021-03-31").exists()
