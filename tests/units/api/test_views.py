"""Units, jurisdictions, decisions and events through /api/v1/."""

import pytest


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def keys(response):
    return [row["key"] for row in results(response)]


def test_unit_list_state_on_a_date(api, reform):
    rows = results(api.get("/api/v1/units/", {"as_of": "2020-01-01", "kind": "institution"}))
    assert [r["key"] for r in rows] == [
        "I1",
        "I10",
        "I11",
        "I12",
        "I2",
        "I3",
        "I4",
        "I5",
        "I6",
        "I7",
        "I8",
        "I9",
    ]
    i6 = next(r for r in rows if r["key"] == "I6")
    assert i6["name"] == "农牧技术推广中心"
    assert i6["parent"] == "D2" and i6["parent_name"] == "市农牧局"
    assert i6["jurisdiction"] == "150200" and i6["jurisdiction_name"] == "包头市"
    assert i6["valid_from"] == "2000-01-01" and i6["valid_to"] == "2020-06-01"
    later = results(api.get("/api/v1/units/", {"as_of": "2021-03-31", "key": "I6"}))
    assert later[0]["name"] == "农牧业技术服务中心"


def test_unit_list_defaults_to_today(api, reform):
    assert "I1" not in keys(api.get("/api/v1/units/", {"page_size": 100}))
    assert "N1" in keys(api.get("/api/v1/units/", {"page_size": 100}))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "department"}, ["D1", "D2", "D3"]),
        ({"jurisdiction": "150202"}, ["I10"]),
        ({"jurisdiction": "150200", "kind": "institution", "parent": "D2"}, ["I6", "I7"]),
        ({"category": "public_welfare_2"}, ["I6"]),
        ({"category": "business"}, ["I1", "I9"]),
        ({"rank": "section"}, ["I2"]),
        ({"funding": "self"}, ["I2"]),
        ({"funding": "full", "rank": "division"}, ["I11"]),
        ({"sector": "住房"}, ["I3"]),
        ({"business_functions": "true"}, ["I12"]),
        ({"market_replaceable": "true"}, ["I5"]),
        ({"pending_wind_down": "true"}, ["I9"]),
        ({"name": "合作社"}, ["I1", "I2"]),
        ({"short_name": "农技"}, ["I6"]),
        ({"internal_bodies": "4"}, ["I8"]),
        ({"internal_bodies_min": "1"}, ["I8"]),
        ({"functions": "zzz"}, []),
        ({"q": "合作社二"}, ["I2"]),
        ({"key": "D3"}, ["D3"]),
    ],
)
def test_unit_filters(api, reform, params, expected):
    assert keys(api.get("/api/v1/units/", {"as_of": "2020-01-01", **params})) == expected


def test_subdivisions_filter(api, reform):
    got = keys(
        api.get(
            "/api/v1/units/",
            {
                "as_of": "2020-01-01",
                "jurisdiction": "150200",
                "subdivisions": "true",
                "parent": "D1",
            },
        )
    )
    assert "I10" in got and len(got) == 8


def test_q_searches_former_names(api, reform):
    # I6 was renamed on 2020-06-01; its former name still finds it today.
    assert keys(api.get("/api/v1/units/", {"q": "农牧技术推广"})) == ["I6"]


def test_unit_detail(api, reform):
    body = api.get("/api/v1/units/I6/", {"as_of": "2020-01-01"}).json()
    assert body["key"] == "I6" and body["active"] is True
    assert body["state"]["name"] == "农牧技术推广中心"
    assert body["state"]["parent_name"] == "市农牧局"
    assert body["established_on"] == "2000-01-01" and body["ended_on"] is None
    ended = api.get("/api/v1/units/I1/").json()
    assert ended["active"] is False and ended["state"] is None
    assert ended["ended_on"] == "2020-06-01" and ended["ended_by"] == "E-MERGE"


def test_unit_history(api, reform):
    body = api.get("/api/v1/units/I6/history/").json()
    assert [v["name"] for v in body["versions"]] == ["农牧技术推广中心", "农牧业技术服务中心"]
    assert body["versions"][1]["changed"] == ["name"]
    assert body["versions"][1]["opened_by"]["key"] == "E-ABSORB"
    assert body["versions"][1]["opened_by"]["decision"] == "包编发〔2020〕12号"
    assert [(e["key"], e["role"]) for e in body["events"]] == [("E-ABSORB", "target")]
    assert body["registered_on"] == "2000-01-01"


def test_unit_lineage(api, reform):
    body = api.get("/api/v1/units/N1/lineage/").json()
    nodes = {n["key"]: (n["relation"], n["depth"]) for n in body["nodes"]}
    assert nodes == {
        "N1": ("self", 0),
        "I1": ("ancestor", 1),
        "I2": ("ancestor", 1),
        "I3": ("ancestor", 1),
    }
    assert {(e["predecessor"], e["successor"]) for e in body["edges"]} == {
        ("I1", "N1"),
        ("I2", "N1"),
        ("I3", "N1"),
    }
    edge = body["edges"][0]
    assert edge["event"] == "E-MERGE" and edge["event_type"] == "merge"
    assert edge["effective_on"] == "2020-06-01" and edge["decision"] == "包编发〔2020〕12号"
    only_self = api.get("/api/v1/units/N1/lineage/", {"depth": 0}).json()
    assert [n["key"] for n in only_self["nodes"]] == ["N1"] and only_self["edges"] == []


def test_jurisdictions(api, reform):
    rows = results(api.get("/api/v1/jurisdictions/"))
    assert [r["code"] for r in rows] == ["150200", "150202", "150300"]
    assert results(api.get("/api/v1/jurisdictions/", {"parent": "150200"}))[0]["code"] == "150202"
    assert [r["code"] for r in results(api.get("/api/v1/jurisdictions/", {"level": "county"}))] == [
        "150202"
    ]
    city = api.get("/api/v1/jurisdictions/150200/").json()
    assert city["caps"] == [
        {"valid_from": "2019-01-01", "cap": 5, "decision": None},
        {"valid_from": "2021-01-01", "cap": 8, "decision": None},
    ]


def test_decisions(api, reform):
    rows = results(api.get("/api/v1/decisions/"))
    assert [(r["number"], r["status"], r["events"]) for r in rows] == [
        ("包编发〔2021〕3号", "draft", 1),
        ("包编发〔2020〕12号", "approved", 3),
    ]
    assert len(results(api.get("/api/v1/decisions/", {"status": "approved"}))) == 1
    assert len(results(api.get("/api/v1/decisions/", {"issued_from": "2020-06-01"}))) == 1
    assert len(results(api.get("/api/v1/decisions/", {"q": "撤销"}))) == 1
    one = api.get(f"/api/v1/decisions/{reform['decision'].pk}/").json()
    assert one["title"] == "市直事业单位改革"


def test_events(api, reform):
    rows = results(api.get("/api/v1/events/"))
    assert [r["key"] for r in rows] == ["E-MERGE", "E-ABOLISH", "E-ABSORB", "E-DRAFT"]
    merge = rows[0]
    assert merge["sources"] == ["I1", "I2", "I3"] and merge["targets"] == ["N1"]
    assert merge["new_units"] == ["N1"] and merge["decision"] == "包编发〔2020〕12号"
    assert keys(api.get("/api/v1/events/", {"type": "absorb"})) == ["E-ABSORB"]
    assert keys(api.get("/api/v1/events/", {"unit": "I5"})) == ["E-DRAFT"]
    assert keys(api.get("/api/v1/events/", {"decision": "包编发〔2021〕3号"})) == ["E-DRAFT"]
    assert keys(
        api.get("/api/v1/events/", {"effective_from": "2020-07-01", "effective_to": "2021-12-31"})
    ) == ["E-DRAFT"]
    assert keys(api.get("/api/v1/events/", {"status": "approved", "type": "merge"})) == ["E-MERGE"]
    assert api.get("/api/v1/events/E-ABSORB/").json()["attributes"] == {
        "name": "农牧业技术服务中心"
    }


def test_a_search_counts_its_matches_only_up_to_the_limit(api, reform, monkeypatch):
    """Beyond the limit, a search's count is the limit, flagged as a lower bound (DESIGN §6);
    a list without ``q`` counts every row and says its count is exact."""
    from units.selectors import search

    params = {"as_of": "2020-01-01", "q": "住房"}
    full = api.get("/api/v1/units/", params).json()
    assert full["count"] == 2 and full["count_is_lower_bound"] is False
    monkeypatch.setattr(search, "SEARCH_COUNT_LIMIT", 1)
    capped = api.get("/api/v1/units/", params).json()
    assert capped["count"] == 1 and capped["count_is_lower_bound"] is True
    assert [r["key"] for r in capped["results"]] == ["I1"]
    plain = api.get("/api/v1/units/", {"as_of": "2020-01-01", "kind": "institution"}).json()
    assert plain["count"] > 1 and plain["count_is_lower_bound"] is False
    schema = api.get("/api/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedUnitStateList"]["properties"]
    assert page["count_is_lower_bound"]["type"] == "boolean"
