"""Schemathesis hooks of ``scripts/api-contract``: the rules of the API that OpenAPI cannot state.

The schema states every constraint of a single parameter (pattern, range, enum, date format),
but not one between two parameters. The reports keep two, said in their parameters'
descriptions: the reform summary's ``before`` comes strictly before ``after``, and the
changes report's ``from`` is not after ``to`` (400 otherwise, naming ``after`` or ``to``).
Requests generated as valid keep them; those generated as invalid are left as they are.
"""

from __future__ import annotations

import datetime as dt

import schemathesis

# path: (first date, last date, whether the two may be equal)
PERIODS = {
    "/api/v1/reports/reform-summary/": ("before", "after", False),
    "/api/v1/reports/changes/": ("from", "to", True),
}


def _date(value):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@schemathesis.hook
def filter_case(context, case):
    period = PERIODS.get(case.operation.path)
    meta = case.meta
    if period is None or meta is None or not meta.generation.mode.is_positive:
        return True
    first, last, may_be_equal = period
    start, end = _date((case.query or {}).get(first)), _date((case.query or {}).get(last))
    if start is None or end is None:
        return True
    return start < end or (may_be_equal and start == end)
