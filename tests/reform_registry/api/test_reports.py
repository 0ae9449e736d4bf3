"""The report endpoints on the hand-computed example of tests/fixtures/reform_api.py."""

from units.models import AuditEntry, UnitVersion

SUMMARY = "/api/v1/reports/reform-summary/"
PARAMS = {"jurisdiction": "150200", "before": "2020-01-01", "after": "2021-03-31"}


def test_reform_summary_fields(api, ledger):
    body = api.get(SUMMARY, PARAMS).json()
    assert body["institutions_before"] == 10 and body["institutions_after"] == 6
    assert body["reduction_rate"] == 0.4
    assert body["departments_baseline"] == 3
    assert body["avg_per_department_before"] == 3.33
    assert body["avg_per_department_after"] == 2.0
    assert body["involved_departments"] == 2
    assert body["involved_at_most_3"] == 1
    assert body["share_at_most_3"] == 0.5
    assert body["institution_cap"] == 8 and body["headroom_share"] == 0.25
    # Reform transfers into the city pool in (before, after]: I4's 6 quotas on 2020-06-01.
    assert body["quotas_recovered"] == {
        "total": 6,
        "by_reason": {"reform": 6},
        "by_kind": {"institution": 6},
    }
    assert body["departments"][0] == {
        "key": "D1",
        "name": "市住建局",
        "before": 7,
        "after": 4,
        "involved": True,
    }
    assert body["subdivisions"] is False and body["exclude_pending"] is True
    assert body["include_drafts"] is False and body["drafts_included"] == []


def test_reform_summary_options(api, ledger):
    whole = api.get(SUMMARY, {**PARAMS, "subdivisions": "true"}).json()
    assert (whole["institutions_before"], whole["institutions_after"]) == (11, 7)
    pending = api.get(SUMMARY, {**PARAMS, "exclude_pending": "false"}).json()
    assert (pending["institutions_before"], pending["institutions_after"]) == (11, 7)


def test_reform_summary_with_drafts_writes_nothing(api, ledger):
    versions, audits = UnitVersion.objects.count(), AuditEntry.objects.count()
    body = api.get(SUMMARY, {**PARAMS, "include_drafts": "true"}).json()
    assert body["institutions_after"] == 5
    assert body["drafts_included"] == ["包编发〔2021〕3号"]
    assert (UnitVersion.objects.count(), AuditEntry.objects.count()) == (versions, audits)
    assert api.get(SUMMARY, PARAMS).json()["institutions_after"] == 6


def test_institutions_report(api, ledger):
    url = "/api/v1/reports/institutions/"
    body = api.get(url, {"as_of": "2020-01-01", "jurisdiction": "150200"}).json()
    assert body["total"] == 10 and body["group_by"] == "department"
    assert [(g["key"], g["label"], g["count"]) for g in body["groups"]] == [
        ("D1", "市住建局", 7),
        ("D2", "市农牧局", 2),
        ("D3", "市文旅局", 1),
    ]
    by_category = api.get(
        url, {"as_of": "2020-01-01", "jurisdiction": "150200", "group_by": "category"}
    ).json()
    assert {g["key"]: g["count"] for g in by_category["groups"]} == {
        "public_welfare_1": 8,
        "public_welfare_2": 1,
        "business": 1,
    }
    assert {g["key"]: g["label"] for g in by_category["groups"]}["business"] == "从事生产经营活动"
    by_place = api.get(url, {"as_of": "2020-01-01", "group_by": "jurisdiction"}).json()
    assert [(g["key"], g["count"]) for g in by_place["groups"]] == [("150200", 10), ("150202", 1)]
    for group_by in ("rank", "funding", "sector"):
        body = api.get(url, {"as_of": "2020-01-01", "group_by": group_by}).json()
        assert sum(g["count"] for g in body["groups"]) == 11


def test_quotas_report(api, ledger):
    url = "/api/v1/reports/quotas/"
    body = api.get(url, {"as_of": "2021-03-31", "jurisdiction": "150200"}).json()
    rows = {(r["key"], r["kind"]): r for r in body["rows"]}
    city = rows[("150200", "institution")]
    assert city["units"] == 2 and city["balance"] == 15  # N1 10 + I6 5
    assert city["reported_units"] == 2 and city["actual"] == 15  # 12 + 3
    assert city["vacancy"] == 0 and city["over_staffed_units"] == 1  # N1 +2 over, I6 2 vacant
    assert rows[("150200", "leader_section")]["balance"] == 1
    assert rows[("150200", "leader_section")]["actual"] is None
    assert body["pools"] == [
        {"jurisdiction": "150200", "name": "包头市", "kind": "institution", "balance": 6}
    ]
    by_department = api.get(
        url, {"as_of": "2021-03-31", "group_by": "department", "kind": "institution"}
    ).json()
    assert [(r["key"], r["balance"], r["vacancy"]) for r in by_department["rows"]] == [
        ("D1", 10, -2),
        ("D2", 5, 2),
    ]


def test_changes_report(api, ledger):
    body = api.get("/api/v1/reports/changes/", {"from": "2020-01-01", "to": "2020-12-31"}).json()
    assert body["from"] == "2020-01-01" and body["to"] == "2020-12-31"
    assert [(u["key"], u["event"]) for u in body["established"]] == [("N1", "E-MERGE")]
    assert [(u["key"], u["event_type"]) for u in body["ended"]] == [
        ("I1", "merge"),
        ("I2", "merge"),
        ("I3", "merge"),
        ("I4", "abolish"),
        ("I7", "absorb"),
    ]
    assert [(u["key"], u["fields"]) for u in body["changed"]] == [("I6", ["name"])]
    assert [e["key"] for e in body["events"]] == ["E-MERGE", "E-ABOLISH", "E-ABSORB"]
    assert body["events"][0]["sources"] == ["I1", "I2", "I3"]
    nothing = api.get("/api/v1/reports/changes/", {"from": "2021-01-01", "to": "2021-12-31"})
    assert nothing.json()["events"] == []  # the draft does not count
    county = api.get(
        "/api/v1/reports/changes/",
        {"from": "2020-01-01", "to": "2020-12-31", "jurisdiction": "150202"},
    ).json()
    assert county["events"] == [] and county["ended"] == []
