"""The OpenAPI schema and the interactive docs, served without any CDN."""

import re

from django.core.management import call_command


def test_schema_is_served_and_describes_every_parameter(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/units/",
        "/api/v1/units/{key}/",
        "/api/v1/units/{key}/history/",
        "/api/v1/units/{key}/lineage/",
        "/api/v1/jurisdictions/",
        "/api/v1/decisions/",
        "/api/v1/events/",
        "/api/v1/balances/",
        "/api/v1/transfers/",
        "/api/v1/headcounts/",
        "/api/v1/reports/reform-summary/",
        "/api/v1/reports/institutions/",
        "/api/v1/reports/quotas/",
        "/api/v1/reports/changes/",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (method, path, parameter["name"])
            assert "400" in operation["responses"] and "401" in operation["responses"]
    summary = schema["components"]["schemas"]["ReformSummary"]["properties"]
    for field in (
        "institutions_before",
        "institutions_after",
        "reduction_rate",
        "departments_baseline",
        "avg_per_department_before",
        "avg_per_department_after",
        "involved_departments",
        "involved_at_most_3",
        "share_at_most_3",
        "quotas_recovered",
        "institution_cap",
        "headroom_share",
        "departments",
    ):
        assert summary[field].get("description") or summary[field].get("allOf"), field
    units = {p["name"] for p in paths["/api/v1/units/"]["get"]["parameters"]}
    assert {
        "as_of",
        "kind",
        "jurisdiction",
        "parent",
        "category",
        "rank",
        "funding",
        "sector",
        "business_functions",
        "market_replaceable",
        "pending_wind_down",
        "name",
        "short_name",
        "credit_code",
        "internal_bodies",
        "functions",
        "q",
        "page",
        "page_size",
        "format",
    } <= units


def test_docs_page_uses_only_local_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html[:500]
    for asset in assets:
        assert asset.startswith("/static/") or asset.startswith("/api/"), asset
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    for asset in assets:
        if asset.startswith("/static/"):
            from django.contrib.staticfiles import finders

            assert finders.find(asset.removeprefix("/static/")), asset


def test_schema_validates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


CJK = re.compile(r"[\u4e00-\u9fff]")


def schema_texts(schema):
    """The schema's texts for a reader: title, descriptions, summaries and tags, with where."""
    texts = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"title", "description", "summary"} and isinstance(value, str):
                    texts.append((f"{where}/{key}", value))
                elif key == "tags" and isinstance(value, list):
                    texts.extend((f"{where}/tags", tag) for tag in value if isinstance(tag, str))
                else:
                    walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(schema, "")
    return texts


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method} {path}", operation


def test_schema_is_chinese_by_default_and_english_on_request(client, db, settings):
    chinese = client.get("/api/schema/", {"format": "json"}).json()
    assert CJK.search(chinese["info"]["title"])
    assert CJK.search(chinese["info"]["description"])
    untranslated = [(where, text) for where, text in schema_texts(chinese) if text]
    untranslated = [(where, text) for where, text in untranslated if not CJK.search(text)]
    assert not untranslated, untranslated[:10]
    for name, operation in operations(chinese):
        for key in ("summary", "description"):
            assert CJK.search(operation.get(key, "")), (name, key, operation.get(key))
        assert operation["tags"] and all(CJK.search(tag) for tag in operation["tags"]), name

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/api/schema/", {"format": "json"})
    assert english.headers["Content-Disposition"] == 'inline; filename="reform-registry-api.json"'
    english = english.json()
    assert english["info"]["title"] == "Reform registry API"
    leftovers = [(where, text) for where, text in schema_texts(english) if CJK.search(text)]
    assert not leftovers, leftovers[:10]
    assert english["paths"]["/api/v1/units/"]["get"]["summary"] == "Units (state on a date)"
    assert english["paths"]["/api/v1/units/"]["get"]["tags"] == ["Units"]
    ids = {name: op["operationId"] for name, op in operations(english)}
    assert ids == {name: op["operationId"] for name, op in operations(chinese)}

    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    # drf-spectacular's ?lang= chooses too; the browser's Accept-Language alone does not
    # (the site speaks Chinese unless the user chose English).
    by_parameter = client.get("/api/schema/", {"format": "json", "lang": "en"}).json()
    assert by_parameter["info"]["title"] == "Reform registry API"
    browser = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert browser.json()["info"]["title"] == chinese["info"]["title"]


def test_schema_states_the_constraints_and_errors_the_api_keeps(client, db):
    """What a client generated from the schema needs to send only what the API accepts
    (tests/reform_registry/api/test_parameters.py checks that the API keeps each of them)."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    def parameter(path, name, method="get"):
        found = [p for p in paths[path][method]["parameters"] if p["name"] == name]
        assert len(found) == 1, (path, name)
        return found[0]["schema"]

    date = parameter("/api/v1/units/", "as_of")
    assert date["format"] == "date" and date["pattern"].startswith("^(19[0-9]{2}|2[01]")
    assert parameter("/api/v1/units/", "jurisdiction")["pattern"] == "^(?:[0-9]{6})?$"
    assert parameter("/api/v1/reports/reform-summary/", "jurisdiction")["pattern"] == ("^[0-9]{6}$")
    assert parameter("/api/v1/units/", "parent")["pattern"].startswith("^(?:[A-Za-z0-9]")
    assert parameter("/api/v1/jurisdictions/{code}/", "code")["pattern"] == "^[0-9]{6}$"
    depth = parameter("/api/v1/units/{key}/lineage/", "depth")
    assert (depth["type"], depth["minimum"], depth["maximum"]) == ("integer", 0, 100)
    page = parameter("/api/v1/units/", "page")
    assert (page["type"], page["minimum"]) == ("integer", 1)
    amount = parameter("/api/v1/transfers/", "amount_min")
    assert (amount["minimum"], amount["maximum"]) == (0, 10_000_000)
    assert parameter("/api/v1/decisions/{id}/", "id")["type"] == "integer"
    assert set(parameter("/api/v1/units/", "kind")["enum"]) == {"department", "institution"}
    assert "department" in parameter("/api/v1/reports/institutions/", "group_by")["enum"]
    body = schema["components"]["schemas"]["HeadcountInputRequest"]["properties"]
    assert body["unit"]["pattern"].startswith("^[A-Za-z0-9]")
    assert body["as_of"]["pattern"] == date["pattern"]
    assert (body["actual"]["minimum"], body["actual"]["maximum"]) == (0, 10_000_000)
    error = {"$ref": "#/components/schemas/Error"}
    for path, methods in paths.items():
        for method, operation in methods.items():
            statuses = {"400", "401", "403", "404"} | ({"409"} if method == "post" else set())
            for status in statuses:
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == error, (method, path, status)
