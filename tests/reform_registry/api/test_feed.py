"""``GET /api/v1/feed/`` (DESIGN §9): the entries of the outbox in ``seq`` order after
``after``, at most ``limit``, with ``next_after``; restricted like every read; a bad or unknown
parameter is a 400 naming it; the schema declares both parameters with their constraints."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staffing.services import external_account, pool_account, transfer_post, unit_account
from units import permissions, roles
from units.models import FeedEntry, Jurisdiction, Unit

FEED = "/api/v1/feed/"
# What the example reform writes (tests/fixtures/reform_api.py), in order.
REFORM_KINDS = [
    "unit.registered",
    "decision.approved",
    *["transfer.posted"] * 4,
    *["headcount.reported"] * 2,
]


def test_the_feed_gives_every_change_in_seq_order(api, ledger):
    response = api.get(FEED)
    assert response.status_code == 200
    body = response.json()
    entries = body["entries"]
    assert [e["kind"] for e in entries] == REFORM_KINDS
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert body["next_after"] == seqs[-1]
    registered, approved = entries[0], entries[1]
    assert len(registered["units"]) == 15 and "I10" in registered["units"]
    assert registered["decision"] is None
    assert registered["payload"] == {"units": 15}
    assert approved["decision"] == "包编发〔2020〕12号"
    assert approved["units"] == ["I1", "I2", "I3", "I4", "I6", "I7", "N1"]
    assert set(approved) == {
        "id",
        "seq",
        "kind",
        "at",
        "decision",
        "units",
        "jurisdictions",
        "payload",
    }
    stored = FeedEntry.objects.get(seq=approved["seq"])
    assert approved["id"] == str(stored.uid)


def test_after_and_limit_page_through_the_feed(api, ledger):
    everything = api.get(FEED).json()["entries"]
    first = api.get(FEED, {"limit": 3}).json()
    assert [e["seq"] for e in first["entries"]] == [e["seq"] for e in everything[:3]]
    assert first["next_after"] == everything[2]["seq"]
    rest = api.get(FEED, {"after": first["next_after"], "limit": 1000}).json()
    assert [e["seq"] for e in rest["entries"]] == [e["seq"] for e in everything[3:]]
    done = api.get(FEED, {"after": rest["next_after"]}).json()
    assert done == {"entries": [], "next_after": rest["next_after"]}


def test_a_new_change_appears_after_the_last_seq_read(api, ledger, reform):
    last = api.get(FEED).json()["next_after"]
    i8 = Unit.objects.get(key="I8")
    transfer_post(
        date=dt.date(2021, 1, 1),
        kind="institution",
        amount=2,
        from_account=external_account(),
        to_account=unit_account(i8.pk),
        decision=reform["decision"],
        reason="grant",
    )
    [entry] = api.get(FEED, {"after": last}).json()["entries"]
    assert (entry["seq"], entry["kind"], entry["units"]) == (last + 1, "transfer.posted", ["I8"])


@pytest.fixture
def district_user(ledger):
    user = User.objects.create_user("district-reader", password="pw")
    user.groups.add(Group.objects.get_or_create(name=roles.OFFICIAL)[0])
    permissions.scope_grant(user=user, jurisdiction=Jurisdiction.objects.get(code="150202"))
    return user


def test_a_scoped_user_reads_the_entries_touching_its_units_and_jurisdictions(
    client, ledger, reform, district_user
):
    county = Jurisdiction.objects.get(code="150202")
    i10 = Unit.objects.get(key="I10")
    # To the city's pool from a unit in the district, and into the district's pool.
    transfer_post(
        date=dt.date(2021, 1, 1),
        kind="institution",
        amount=1,
        from_account=external_account(),
        to_account=unit_account(i10.pk),
        decision=reform["decision"],
        reason="grant",
    )
    transfer_post(
        date=dt.date(2021, 2, 1),
        kind="institution",
        amount=1,
        from_account=unit_account(i10.pk),
        to_account=pool_account(reform["city"].pk),
        decision=reform["decision"],
        reason="recovery",
    )
    transfer_post(
        date=dt.date(2021, 2, 1),
        kind="institution",
        amount=3,
        from_account=external_account(),
        to_account=pool_account(county.pk),
        decision=reform["decision"],
        reason="grant",
    )
    everything = FeedEntry.objects.count()
    client.force_login(district_user)
    entries = client.get(FEED).json()["entries"]
    assert len(entries) == 4 < everything
    assert [(e["kind"], e["units"], e["jurisdictions"]) for e in entries] == [
        ("unit.registered", ["I10"], []),  # of the 15 units registered, the district's one
        ("transfer.posted", ["I10"], []),
        ("transfer.posted", ["I10"], []),  # the city's pool is not the district's
        ("transfer.posted", [], ["150202"]),  # no unit: read through its jurisdiction
    ]
    # The decision touches no unit of the district: the user does not read its number.
    assert {e["decision"] for e in entries} == {None}


def test_bad_parameters_are_400_naming_them_and_write_nothing(api, ledger):
    count = FeedEntry.objects.count()
    for params, name in (
        ({"after": "-1"}, "after"),
        ({"after": "x"}, "after"),
        ({"after": ""}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"since": "3"}, "since"),
    ):
        response = api.get(FEED, params)
        assert response.status_code == 400, (params, response.content)
        problems = response.json()["error"]["problems"]
        assert [p["parameter"] for p in problems] == [name], params
    unknown = api.get(FEED, {"since": "3"}).json()["error"]["problems"][0]["message"]
    assert unknown.endswith("可用的参数：after, format, limit。")
    assert FeedEntry.objects.count() == count


def test_an_anonymous_request_is_refused(client, ledger):
    assert client.get(FEED).status_code == 401


def test_the_feed_costs_a_fixed_number_of_queries_whatever_the_limit(api, ledger):
    api.get(FEED)  # the session's user loaded once
    counts = []
    for limit in (1, 1000):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(FEED, {"limit": limit}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_schema_declares_the_parameters_with_their_constraints(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][FEED]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"after", "limit", "format"}
    assert parameters["after"]["schema"] == {"type": "integer", "minimum": 0, "default": 0}
    assert parameters["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
        "default": 100,
    }
    assert all(p.get("description") for p in parameters.values())
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][page.rsplit("/", 1)[1]]["properties"]
    assert set(properties) == {"entries", "next_after"}
