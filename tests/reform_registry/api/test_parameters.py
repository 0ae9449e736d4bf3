"""Every API operation reads the query parameters its OpenAPI schema declares, and keeps the
constraints the schema states (DESIGN §6): a parameter of unknown name is a 400 naming the
known ones (exactly those the schema declares), and a value breaking a declared pattern,
range, enum or date format is a 400 naming the parameter. Walks every operation of the schema,
so that a new endpoint is covered when it is added."""

import pytest

from staffing.models import HeadcountReport, Transfer
from units.models import Decision

# A value for each path parameter and each required query parameter, naming rows of the
# example reform (tests/fixtures/reform_api.py).
REQUIRED = {
    "jurisdiction": "150200",
    "before": "2020-01-01",
    "after": "2021-03-31",
    "from": "2020-01-01",
    "to": "2021-03-31",
}


@pytest.fixture
def schema(client, db):
    return client.get("/api/schema/", {"format": "json"}).json()


def path_values(path):
    values = {
        "{key}": "E-MERGE" if path.startswith("/api/v1/events/") else "N1",
        "{code}": "150200",
    }
    if "{id}" in path:
        model = {
            "/api/v1/decisions/": Decision,
            "/api/v1/transfers/": Transfer,
            "/api/v1/headcounts/": HeadcountReport,
        }[path.split("{")[0]]
        values["{id}"] = str(model.objects.order_by("pk").values_list("pk", flat=True)[0])
    for name, value in values.items():
        path = path.replace(name, value)
    return path


def operations(schema):
    for path, methods in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in methods.items():
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            yield method, path, query


def call(client, method, path, params):
    if method == "get":
        return client.get(path, params)
    body = {"unit": "I6", "kind": "institution", "as_of": "2021-03-31", "actual": 4}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"{path}?{query}", body, content_type="application/json")


def required(query):
    return {p["name"]: REQUIRED[p["name"]] for p in query if p.get("required")}


def test_every_operation_refuses_an_unknown_parameter_naming_the_declared_ones(
    client, ledger, writer_token, schema
):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {writer_token}"
    count = HeadcountReport.objects.count()
    walked = []
    for method, path, query in operations(schema):
        response = call(client, method, path_values(path), {**required(query), "colour": "red"})
        walked.append(f"{method} {path}")
        assert response.status_code == 400, (method, path, response.content)
        problems = response.json()["error"]["problems"]
        assert [p["parameter"] for p in problems] == ["colour"], (method, path, problems)
        declared = ", ".join(sorted(p["name"] for p in query))
        assert problems[0]["message"].endswith(f"可用的参数：{declared}。"), (method, path)
    assert HeadcountReport.objects.count() == count
    assert len(walked) >= 20 and "post /api/v1/headcounts/" in walked


def breaking_values(parameter):
    """Values the schema forbids for a parameter."""
    schema = parameter.get("schema", {})
    if "enum" in schema:
        yield "not-a-choice"
    if "pattern" in schema:
        yield "!\x00!"  # neither a key nor a text (no text holds a NUL character)
    if schema.get("type") == "integer":
        yield "x"
        if "minimum" in schema:
            yield str(schema["minimum"] - 1)
        if "maximum" in schema:
            yield str(schema["maximum"] + 1)
    if schema.get("format") == "date":
        yield "1899-12-31"
        yield "2020-02-30"
    if schema.get("type") == "boolean":
        yield "maybe"


def test_every_declared_constraint_is_kept(client, ledger, writer_token, schema):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {writer_token}"
    checked = 0
    for method, path, query in operations(schema):
        for parameter in query:
            if parameter["name"] == "format":
                continue  # an unknown format is a 404, as an unknown format suffix (negotiation)
            for value in breaking_values(parameter):
                params = {**required(query), parameter["name"]: value}
                response = call(client, method, path_values(path), params)
                where = (method, path, parameter["name"], value)
                assert response.status_code == 400, (*where, response.content)
                problems = response.json()["error"]["problems"]
                assert parameter["name"] in {p.get("parameter") for p in problems}, where
                checked += 1
    assert checked > 100


def test_a_path_key_of_another_form_than_the_schema_says_is_404(client, ledger, writer_token):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {writer_token}"
    for path in (
        "/api/v1/units/-N1/",
        "/api/v1/jurisdictions/15020/",
        "/api/v1/decisions/x/",
        "/api/v1/transfers/1234567890123456789/",
        "/api/v1/headcounts/0x1/",
        "/api/v1/units/N%0A1/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["status"] == 404
