"""Errors, authentication, permissions, throttling and CSV."""

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from reform_registry.api.throttling import TokenRateThrottle


def error(response, status):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["status"] == status
    assert set(body) == {"status", "code", "message", "problems"}
    return body


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/v1/units/", {"as_of": "2020-13-01"}, "as_of"),
        ("/api/v1/units/", {"kind": "ministry"}, "kind"),
        ("/api/v1/units/", {"category": "x"}, "category"),
        ("/api/v1/units/", {"jurisdiction": "999999"}, "jurisdiction"),
        ("/api/v1/units/", {"parent": "NOPE"}, "parent"),
        ("/api/v1/units/", {"business_functions": "maybe"}, "business_functions"),
        ("/api/v1/units/", {"page_size": "0"}, "page_size"),
        ("/api/v1/units/", {"page_size": "1001"}, "page_size"),
        ("/api/v1/units/", {"page_size": "abc"}, "page_size"),
        ("/api/v1/units/I1/", {"as_of": "yesterday"}, "as_of"),
        ("/api/v1/units/N1/lineage/", {"depth": "-1"}, "depth"),
        ("/api/v1/units/N1/lineage/", {"depth": "x"}, "depth"),
        ("/api/v1/events/", {"effective_from": "2020-02-30"}, "effective_from"),
        ("/api/v1/events/", {"unit": "NOPE"}, "unit"),
        ("/api/v1/events/", {"decision": "NOPE"}, "decision"),
        ("/api/v1/jurisdictions/", {"parent": "1"}, "parent"),
        (
            "/api/v1/reports/reform-summary/",
            {"jurisdiction": "999999", "before": "2020-01-01", "after": "2021-03-31"},
            "jurisdiction",
        ),
        (
            "/api/v1/reports/reform-summary/",
            {"jurisdiction": "150200", "before": "2020-01-01"},
            "after",
        ),
        (
            "/api/v1/reports/reform-summary/",
            {"jurisdiction": "150200", "before": "2021-01-01", "after": "2020-01-01"},
            "after",
        ),
        ("/api/v1/reports/institutions/", {"group_by": "colour"}, "group_by"),
        ("/api/v1/reports/changes/", {"from": "2020-01-01", "to": "bad"}, "to"),
        ("/api/v1/reports/changes/", {"to": "2020-01-01"}, "from"),
    ],
)
def test_bad_parameter_is_400_naming_it(api, reform, path, params, parameter):
    body = error(api.get(path, params), 400)
    assert parameter in {p.get("parameter") for p in body["problems"]}, body
    assert parameter in body["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/units/NOPE/",
        "/api/v1/units/NOPE/history/",
        "/api/v1/units/NOPE/lineage/",
        "/api/v1/events/NOPE/",
        "/api/v1/jurisdictions/999999/",
        "/api/v1/decisions/999999/",
        "/api/v1/units/%00/",
    ],
)
def test_unknown_key_is_404(api, reform, path):
    error(api.get(path), 404)


def test_page_beyond_last_is_404(api, reform):
    error(api.get("/api/v1/units/", {"page": "99"}), 404)


def test_anonymous_is_401(client, db):
    response = client.get("/api/v1/units/")
    body = error(response, 401)
    assert body["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401(client, db):
    error(client.get("/api/v1/units/", HTTP_AUTHORIZATION="Token nope"), 401)


def test_user_without_role_is_403(client, db):
    user = User.objects.create_user("nobody", password="x")
    client.force_login(user)
    error(client.get("/api/v1/units/"), 403)


def test_token_reader_and_superuser(client, reform, reader_token):
    assert (
        client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {reader_token}").status_code == 200
    )
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)
    assert client.get("/api/v1/units/").status_code == 200


def test_read_only_resources_refuse_writes(client, reform, reader_token):
    auth = {"HTTP_AUTHORIZATION": f"Token {reader_token}"}
    assert client.post("/api/v1/units/", {}, **auth).status_code == 403
    assert client.delete("/api/v1/units/I1/", **auth).status_code in (403, 405)


def test_token_requests_are_throttled(client, reform, reader_token, settings, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    auth = {"HTTP_AUTHORIZATION": f"Token {reader_token}"}
    statuses = [client.get("/api/v1/jurisdictions/", **auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    error(client.get("/api/v1/jurisdictions/", **auth), 429)
    cache.clear()


def test_sessions_are_not_throttled(api, reform, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "1/min"})
    assert {api.get("/api/v1/jurisdictions/").status_code for _ in range(3)} == {200}


def test_drf_create_token_command(db):
    from django.core.management import call_command

    User.objects.create_user("sys", password="x")
    call_command("drf_create_token", "sys")
    assert Token.objects.filter(user__username="sys").exists()


def test_csv_of_a_list(api, reform):
    response = api.get(
        "/api/v1/units/", {"as_of": "2020-01-01", "kind": "department", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("key,kind,url,name,")
    assert lines[1].startswith("D1,department,") and "市住建局" in lines[1]
    assert len(lines) == 4


def test_csv_flattens_nested_fields(api, reform):
    text = api.get("/api/v1/events/", {"format": "csv", "type": "absorb"}).content.decode(
        "utf-8-sig"
    )
    header, row = text.splitlines()
    assert "attributes.name" in header.split(",")
    assert "农牧业技术服务中心" in row
    text = api.get("/api/v1/events/", {"format": "csv", "type": "merge"}).content.decode(
        "utf-8-sig"
    )
    assert "I1;I2;I3" in text.splitlines()[1]
    text = api.get("/api/v1/jurisdictions/", {"format": "csv"}).content.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert {"caps.0.cap", "caps.1.valid_from"} <= set(header)


def test_csv_of_reports(api, reform):
    params = {"jurisdiction": "150200", "before": "2020-01-01", "after": "2021-03-31"}
    text = api.get("/api/v1/reports/reform-summary/", {**params, "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    lines = text.splitlines()
    assert lines[0] == "field,value"
    assert "reduction_rate,0.4000" in lines or "reduction_rate,0.4" in lines
    assert "departments.0.name,市住建局" in lines
    text = api.get(
        "/api/v1/reports/institutions/", {"as_of": "2020-01-01", "format": "csv"}
    ).content.decode("utf-8-sig")
    assert text.splitlines()[0] == "key,label,count"
    assert "D1,市住建局,8" in text.splitlines()


def test_csv_of_an_error_keeps_the_status(api, reform):
    response = api.get("/api/v1/units/", {"as_of": "bad", "format": "csv"})
    assert response.status_code == 400
