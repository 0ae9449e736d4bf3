"""Each list and report costs a fixed number of SQL queries whatever the page size and the
number of units."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staffing import services as staffing_services
from staffing.services import external_account, unit_account
from units import services
from units.services import RegistrationInput

BORN = dt.date(2000, 1, 1)


@pytest.fixture
def many(ledger):
    rows = [
        RegistrationInput(
            f"X{i:03d}",
            "institution",
            BORN,
            {"name": f"附加事业单位{i}", "jurisdiction": "150200", "parent": f"D{1 + i % 3}"},
        )
        for i in range(60)
    ]
    units = services.units_register_bulk(rows=rows)
    for unit in units[:8]:
        staffing_services.transfer_post(
            date=BORN,
            kind="institution",
            amount=3,
            from_account=external_account(),
            to_account=unit_account(unit.pk),
            decision=ledger["decision"],
            reason="grant",
        )
        staffing_services.headcount_report(
            unit=unit, kind="institution", as_of=dt.date(2020, 1, 1), actual=2
        )
    return ledger


LISTS = [
    ("/api/v1/units/", {"as_of": "2020-01-01", "kind": "institution", "jurisdiction": "150200"}),
    ("/api/v1/units/", {"q": "事业"}),
    ("/api/v1/jurisdictions/", {}),
    ("/api/v1/decisions/", {}),
    ("/api/v1/events/", {"unit": "I1"}),
    ("/api/v1/events/", {}),
    ("/api/v1/balances/", {"as_of": "2021-01-01"}),
    ("/api/v1/transfers/", {}),
    ("/api/v1/headcounts/", {}),
]


def count(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


@pytest.mark.parametrize(("path", "params"), LISTS)
def test_list_query_count_does_not_grow_with_page_size(api, many, path, params):
    small, first = count(api, path, {**params, "page_size": 5})
    large, second = count(api, path, {**params, "page_size": 500})
    assert len(second.json()["results"]) >= len(first.json()["results"])
    assert small == large
    assert large <= 8  # session, user, roles, scopes, count, page, prefetches


def test_list_query_count_asserted_with_the_fixture(api, many, django_assert_max_num_queries):
    for size in (5, 500):
        with django_assert_max_num_queries(7):
            api.get("/api/v1/units/", {"as_of": "2020-01-01", "page_size": size})


REPORTS = [
    (
        "/api/v1/reports/reform-summary/",
        {"jurisdiction": "150200", "before": "2020-01-01", "after": "2021-03-31"},
        9,
    ),
    (
        "/api/v1/reports/reform-summary/",
        {
            "jurisdiction": "150200",
            "before": "2020-01-01",
            "after": "2021-03-31",
            "subdivisions": "true",
        },
        10,
    ),
    ("/api/v1/reports/institutions/", {"as_of": "2020-01-01"}, 5),
    ("/api/v1/reports/institutions/", {"as_of": "2020-01-01", "group_by": "category"}, 5),
    ("/api/v1/reports/quotas/", {"as_of": "2021-01-01", "group_by": "department"}, 8),
    ("/api/v1/reports/changes/", {"from": "2000-01-01", "to": "2021-12-31"}, 10),
]


@pytest.mark.parametrize(("path", "params", "bound"), REPORTS)
def test_report_query_count_is_fixed(
    api, ledger, path, params, bound, django_assert_max_num_queries
):
    before, _ = count(api, path, params)
    assert before <= bound
    services.units_register_bulk(
        rows=[
            RegistrationInput(
                f"Y{i:03d}",
                "institution",
                BORN,
                {"name": f"又一事业单位{i}", "jurisdiction": "150200", "parent": "D3"},
            )
            for i in range(40)
        ]
    )
    after, _ = count(api, path, params)
    assert after == before
