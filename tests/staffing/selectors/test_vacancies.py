"""Vacancies: balance less the latest actual headcount, per unit and summed per group."""

import datetime as dt

from django.db.models import F

from staffing.selectors import quota_totals_by_group, unit_vacancies, vacancies, vacancy_of
from staffing.services import headcount_report
from units.selectors import versions_on

D = dt.date
ON = D(2021, 1, 1)


def test_vacancy_is_balance_less_the_latest_actual():
    assert vacancy_of(balance=10, actual=7) == 3
    assert vacancy_of(balance=5, actual=8) == -3
    assert vacancy_of(balance=5, actual=None) is None


def test_totals_per_group_add_up_the_vacancies_of_the_units(ledger, django_assert_num_queries):
    a, b, c = ledger.unit("a"), ledger.unit("b"), ledger.unit("c")
    ledger.grant(a, 10)
    ledger.grant(b, 4)
    ledger.grant(c, 6, kind="administrative")
    headcount_report(unit=a, kind="institution", as_of=D(2019, 1, 1), actual=9)
    headcount_report(unit=a, kind="institution", as_of=D(2020, 1, 1), actual=7)  # the latest
    headcount_report(unit=b, kind="institution", as_of=D(2020, 1, 1), actual=6)
    headcount_report(unit=a, kind="institution", as_of=D(2022, 1, 1), actual=1)  # after ON
    units = versions_on(ON).annotate(group_id=F("jurisdiction_id")).values("unit_id", "group_id")
    with django_assert_num_queries(1):
        totals = {t.kind: t for t in quota_totals_by_group(units, on=ON)}
    institution = totals["institution"]
    assert institution.group == ledger.city.pk
    assert (institution.units, institution.balance, institution.reported_units) == (2, 14, 2)
    assert (institution.actual, institution.over_staffed_units) == (13, 1)
    per_unit = [v.vacancy for v in vacancies(ON, ledger.city) if v.vacancy is not None]
    assert institution.vacancy == sum(per_unit) == 1
    assert unit_vacancies(a, ON)[0].vacancy == 3
    administrative = totals["administrative"]
    assert (administrative.units, administrative.balance) == (1, 6)
    assert (administrative.reported_units, administrative.actual, administrative.vacancy) == (
        0,
        None,
        None,
    )
    only = quota_totals_by_group(units, on=ON, kind="administrative")
    assert [t.kind for t in only] == ["administrative"]
