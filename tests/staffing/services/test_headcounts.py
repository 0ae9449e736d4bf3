"""Headcount reports (DESIGN §3): a report dated after today is refused, alone or in a batch,
and nothing is written."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import RegistryError
from staffing.models import HeadcountReport
from staffing.rules import report_date_problem
from staffing.services import HeadcountInput, headcount_report, headcounts_report_bulk
from units.models import AuditEntry

D = dt.date


def written() -> tuple[int, int]:
    return HeadcountReport.objects.count(), AuditEntry.objects.count()


def test_the_rule_refuses_only_dates_after_today():
    today = D(2026, 12, 2)
    assert report_date_problem(today, today=today) is None
    assert report_date_problem(D(2020, 12, 31), today=today) is None
    problem = report_date_problem(D(2030, 1, 1), today=today)
    assert "2030-01-01" in problem and "2026-12-02" in problem and "未来" in problem


@pytest.mark.parametrize("days", [1, 365])
def test_a_report_dated_after_today_is_refused(ledger, days):
    unit = ledger.unit("u")
    today = timezone.localdate()
    before = written()
    with pytest.raises(RegistryError) as refused:
        headcount_report(
            unit=unit, kind="institution", as_of=today + dt.timedelta(days=days), actual=201
        )
    message = refused.value.message
    assert "u" in message and "晚于今天" in message and today.isoformat() in message
    assert refused.value.problems[0]["unit"] == "u"
    assert written() == before


def test_the_issue_s_future_report_is_refused(ledger):
    unit = ledger.unit("u")
    assert timezone.localdate() < D(2030, 1, 1)
    before = written()
    with pytest.raises(RegistryError, match="2030-01-01"):
        headcount_report(unit=unit, kind="institution", as_of=D(2030, 1, 1), actual=201)
    assert written() == before


def test_a_report_dated_today_is_accepted(ledger):
    unit = ledger.unit("u")
    report = headcount_report(unit=unit, kind="institution", as_of=timezone.localdate(), actual=201)
    assert report.pk and report.actual == 201


def test_one_future_row_refuses_the_whole_batch(ledger):
    unit = ledger.unit("u")
    future = timezone.localdate() + dt.timedelta(days=1)
    before = written()
    with pytest.raises(RegistryError) as refused:
        headcounts_report_bulk(
            rows=[
                HeadcountInput(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=3),
                HeadcountInput(unit=unit, kind="institution", as_of=future, actual=4),
            ]
        )
    assert [p["row"] for p in refused.value.problems] == [2]
    assert future.isoformat() in refused.value.problems[0]["message"]
    assert written() == before
