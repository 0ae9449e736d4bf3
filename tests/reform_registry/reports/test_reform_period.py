"""The latest reform period: the default range of the reform dashboard and the changes page."""

import datetime as dt

import pytest

from reform_registry.reports.reform import (
    REFORM_GAP,
    ReformPeriod,
    latest_reform_period,
    reform_period,
)
from tests.fixtures.pages_registry import build_registry
from units import services
from units.models import Jurisdiction

D = dt.date


def test_no_event_no_period():
    assert reform_period([]) is None


def test_the_latest_run_of_events_from_new_year_to_the_end_of_its_quarter():
    # the article's reform: events from July 2020 to March 2021, after an earlier one in 2019
    dates = [D(2019, 9, 1), D(2019, 10, 1), D(2020, 7, 1), D(2020, 10, 1), D(2021, 1, 1)]
    dates += [D(2021, 3, 1), D(2021, 3, 25), D(2021, 3, 25)]
    assert reform_period(dates) == ReformPeriod(
        before=D(2020, 1, 1),
        after=D(2021, 3, 31),
        first_event_on=D(2020, 7, 1),
        last_event_on=D(2021, 3, 25),
    )


def test_events_half_a_year_apart_are_one_reform_and_further_apart_two():
    close = reform_period([D(2020, 1, 10), D(2020, 1, 10) + REFORM_GAP])
    assert close is not None and close.first_event_on == D(2020, 1, 10)
    apart = reform_period([D(2020, 1, 10), D(2020, 1, 11) + REFORM_GAP])
    assert apart is not None and apart.first_event_on == D(2020, 1, 11) + REFORM_GAP


@pytest.mark.parametrize(
    ("first", "last", "before", "after"),
    [
        # an event on the first of January: the baseline is the day before it
        (D(2021, 1, 1), D(2021, 1, 1), D(2020, 12, 31), D(2021, 3, 31)),
        (D(2021, 1, 2), D(2021, 4, 1), D(2021, 1, 1), D(2021, 6, 30)),
        (D(2020, 12, 31), D(2021, 2, 28), D(2020, 1, 1), D(2021, 3, 31)),
        (D(2024, 11, 5), D(2024, 12, 31), D(2024, 1, 1), D(2024, 12, 31)),
    ],
)
def test_baseline_precedes_the_first_event_and_the_end_closes_its_quarter(
    first, last, before, after
):
    period = reform_period([first, last])
    assert period is not None and (period.before, period.after) == (before, after)
    assert period.before < period.first_event_on <= period.last_event_on <= period.after


@pytest.mark.django_db
def test_latest_period_counts_approved_events_of_the_jurisdiction_only():
    built = build_registry()  # approved events 2020-06-30 .. 2021-01-01; a draft on 2021-03-01
    period = latest_reform_period()
    assert period is not None
    assert (period.before, period.after) == (D(2020, 1, 1), D(2021, 3, 31))
    assert period.last_event_on == D(2021, 1, 1)  # the draft is not counted
    zone = Jurisdiction.objects.get(code="150271")
    assert latest_reform_period(jurisdiction=zone) is None
    city = Jurisdiction.objects.get(code="150200")
    assert latest_reform_period(jurisdiction=city, subdivisions=False) == period
    # up to a date: only the events effective on or before it
    early = latest_reform_period(up_to=D(2020, 7, 1))
    assert early is not None and early.last_event_on == D(2020, 6, 30)
    assert early.after == D(2020, 6, 30)
    # approving the draft extends the reform to its date
    services.decision_approve(decision=built["draft"])
    extended = latest_reform_period(jurisdiction=city)
    assert extended is not None and extended.last_event_on == D(2021, 3, 1)
