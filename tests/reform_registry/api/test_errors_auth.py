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
        ("/api/v1/units/", {"jurisdiction": "15020"}, "jurisdiction"),
        ("/api/v1/units/", {"parent": "no such key"}, "parent"),
        ("/api/v1/units/", {"business_functions": "maybe"}, "business_functions"),
        ("/api/v1/units/", {"page_size": "0"}, "page_size"),
        ("/api/v1/units/", {"page_size": "1001"}, "page_size"),
        ("/api/v1/units/", {"page_size": "abc"}, "page_size"),
        ("/api/v1/units/I1/", {"as_of": "yesterday"}, "as_of"),
        ("/api/v1/units/N1/lineage/", {"depth": "-1"}, "depth"),
        ("/api/v1/units/N1/lineage/", {"depth": "x"}, "depth"),
        ("/api/v1/events/", {"effective_from": "2020-02-30"}, "effective_from"),
        ("/api/v1/events/", {"unit": "-x"}, "unit"),
        ("/api/v1/events/", {"decision": "号" * 101}, "decision"),
        ("/api/v1/jurisdictions/", {"parent": "1"}, "parent"),
        ("/api/v1/units/", {"page": ""}, "page"),
        ("/api/v1/units/", {"page": "0"}, "page"),
        ("/api/v1/units/", {"page": "last"}, "page"),
        ("/api/v1/units/N1/lineage/", {"depth": "101"}, "depth"),
        ("/api/v1/transfers/", {"amount_min": "437584284240283833466880"}, "amount_min"),
        ("/api/v1/headcounts/", {"actual_max": "-1"}, "actual_max"),
        (
            "/api/v1/reports/reform-summary/",
            {"jurisdiction": "1502", "before": "2020-01-01", "after": "2021-03-31"},
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
        ("/api/v1/reports/changes/", {"from": "2021-01-01", "to": "2020-01-01"}, "to"),
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
    ("path", "params", "parameter"),
    [
        ("/api/v1/units/", {"jurisdiction": "999999"}, "jurisdiction"),
        ("/api/v1/units/", {"parent": "NOPE"}, "parent"),
        ("/api/v1/events/", {"unit": "NOPE"}, "unit"),
        ("/api/v1/events/", {"decision": "NOPE"}, "decision"),
        ("/api/v1/jurisdictions/", {"parent": "999999"}, "parent"),
        ("/api/v1/transfers/", {"pool": "999999"}, "pool"),
        ("/api/v1/balances/", {"unit": "NOPE"}, "unit"),
        (
            "/api/v1/reports/reform-summary/",
            {"jurisdiction": "999999", "before": "2020-01-01", "after": "2021-03-31"},
            "jurisdiction",
        ),
        ("/api/v1/reports/quotas/", {"jurisdiction": "999999"}, "jurisdiction"),
    ],
)
def test_well_formed_unknown_key_in_a_parameter_is_404_naming_it(
    api, reform, path, params, parameter
):
    """The schema allows any well-formed key; one that names nothing is not found (404), not a
    bad request."""
    body = error(api.get(path, params), 404)
    assert body["code"] == "not_found"
    assert [p.get("parameter") for p in body["problems"]] == [parameter], body


def test_a_malformed_and_an_unknown_parameter_together_are_400(api, reform):
    body = error(api.get("/api/v1/units/", {"parent": "NOPE", "kind": "ministry"}), 400)
    assert {p["parameter"] for p in body["problems"]} == {"parent", "kind"}


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


# --- the site's error shape on every error ------------------------------------------------------


def post_raw(client, body, token, **extra):
    return client.post(
        "/api/v1/headcounts/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        **extra,
    )


def test_bad_json_gets_the_error_shape_in_chinese(client, reform, writer_token):
    from staffing.models import HeadcountReport

    count = HeadcountReport.objects.count()
    body = error(post_raw(client, '{"unit": "I6", "actual": ', writer_token), 400)
    assert body["code"] == "parse_error"
    assert body["message"] == "请求正文不是有效的 JSON：第 1 行第 26 列有误。"
    assert body["problems"] == [{"message": body["message"]}]
    assert HeadcountReport.objects.count() == count


def test_bad_json_gets_the_error_shape_in_english(client, reform, writer_token, settings):
    # The interface's language is the one the user chose (the language cookie); an API client
    # chooses it the same way.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = error(post_raw(client, "{bad", writer_token), 400)
    assert body["message"] == "The request body is not valid JSON: error at line 1, column 2."
    assert "parameter" not in body["problems"][0]


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (lambda c, t: c.get("/api/v1/units/NOPE/", HTTP_AUTHORIZATION=f"Token {t}"), 404),
        (lambda c, t: c.get("/api/v1/units/"), 401),
        (lambda c, t: c.get("/api/v1/units/", HTTP_AUTHORIZATION="Token nope"), 401),
        (lambda c, t: c.delete("/api/v1/headcounts/1/", HTTP_AUTHORIZATION=f"Token {t}"), 405),
        (lambda c, t: post_raw(c, "[", t), 400),
    ],
)
def test_no_problem_is_said_to_be_about_detail(client, reform, writer_token, request_, status):
    """DRF's own errors ({"detail": …}) are about the request as a whole: their problems name
    no parameter."""
    body = error(request_(client, writer_token), status)
    assert body["problems"] and all("parameter" not in p for p in body["problems"]), body


def test_every_problem_of_a_bad_body_names_its_field(client, reform, writer_token):
    body = error(
        post_raw(client, '{"unit": "I6", "as_of": "2021-13-01", "actual": -1}', writer_token),
        400,
    )
    assert {p["parameter"] for p in body["problems"]} == {"as_of", "actual"}


def test_a_403_names_the_missing_headcount_permission(client, reform, official):
    from staffing.models import HeadcountReport

    token = Token.objects.create(user=official).key
    body = error(post_raw(client, '{"unit": "I6", "as_of": "2021-03-31", "actual": 4}', token), 403)
    assert "报送实有人数" in body["message"]
    assert "staffing.add_headcountreport" in body["message"]
    assert "只读角色" not in body["message"]
    assert [p["permission"] for p in body["problems"]] == ["staffing.add_headcountreport"]
    assert not HeadcountReport.objects.filter(as_of="2021-03-31").exists()


def test_a_403_names_the_missing_read_permission(client, db):
    user = User.objects.create_user("nobody", password="x")
    token = Token.objects.create(user=user).key
    body = error(client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {token}"), 403)
    assert "units.view_unit" in body["message"]
    assert [p["permission"] for p in body["problems"]] == ["units.view_unit"]
