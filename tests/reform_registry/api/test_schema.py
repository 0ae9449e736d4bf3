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
