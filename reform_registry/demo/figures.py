"""The reform's figures from the plan alone: an independent, in-memory reading of the events,
which the tests hold against the article's figures (``baotou.ARTICLE_FIGURES``) and against what
the registry's selectors and reports give for the loaded demo."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeGuard

from units.choices import Category, EventType, UnitKind

from .baotou import CITY, DEMO_AFTER, DEMO_BEFORE, ZJJ, Plan
from .plan import demo_plan


@dataclass
class _Life:
    kind: str
    start: dt.date
    end: dt.date | None
    states: list[tuple[dt.date, dict[str, Any]]]

    def on(self, day: dt.date) -> dict[str, Any] | None:
        if day < self.start or (self.end is not None and day >= self.end):
            return None
        state: dict[str, Any] = {}
        for when, values in sorted(self.states, key=lambda s: s[0]):
            if when <= day:
                state.update(values)
        return state


def _lives(plan: Plan, *, include_drafts: bool = False) -> dict[str, _Life]:
    lives: dict[str, _Life] = {
        r.key: _Life(r.kind, r.established_on, None, [(r.established_on, dict(r.attributes))])
        for r in plan.registrations
    }
    events = [
        e
        for spec in plan.decisions.values()
        if spec.approved or include_drafts
        for e in spec.events
    ]
    for event in sorted(events, key=lambda e: e["effective_on"]):
        on = event["effective_on"]
        for key, kind, attrs in event["new_units"]:
            lives[key] = _Life(kind, on, None, [(on, dict(attrs))])
        if event["type"] in (EventType.CHANGE,):
            lives[event["sources"][0]].states.append((on, dict(event["attributes"])))
        else:
            for key in event["sources"]:
                lives[key].end = on
            if event["type"] == EventType.ABSORB and event["attributes"]:
                lives[event["targets"][0]].states.append((on, dict(event["attributes"])))
    return lives


def _counted(
    state: dict[str, Any] | None, *, exclude_pending: bool = True
) -> TypeGuard[dict[str, Any]]:
    return (
        state is not None
        and state["jurisdiction"] == CITY
        and not (
            exclude_pending
            and state.get("category") == Category.BUSINESS
            and state.get("pending_wind_down")
        )
    )


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def demo_figures(*, exclude_pending_from_involved: bool = True) -> dict[str, Any]:
    """The reform's figures for 150200 between DEMO_BEFORE and DEMO_AFTER, computed from the
    plan (not from the database). ``exclude_pending_from_involved`` chooses whether an
    institution pending wind-down still makes its department involved; the demo gives the same
    figures either way."""
    plan = demo_plan()
    lives = _lives(plan)
    institutions = {k: life for k, life in lives.items() if life.kind == UnitKind.INSTITUTION}

    def per_department(day: dt.date) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for life in institutions.values():
            state = life.on(day)
            if _counted(state):
                counts[state["parent"]] += 1
        return dict(counts)

    before, after = per_department(DEMO_BEFORE), per_department(DEMO_AFTER)
    touched: set[str] = set()
    for spec in plan.decisions.values():
        if not spec.approved:
            continue
        for event in spec.events:
            if DEMO_BEFORE < event["effective_on"] <= DEMO_AFTER:
                touched.update(event["sources"], event["targets"])
                touched.update(key for key, _k, _a in event["new_units"])
    involved: set[str] = set()
    for key in touched & set(institutions):
        for day in (DEMO_BEFORE, DEMO_AFTER):
            state = institutions[key].on(day)
            if state is not None and state["jurisdiction"] == CITY:
                if exclude_pending_from_involved and not _counted(state):
                    continue
                involved.add(state["parent"])
    n_before, n_after = sum(before.values()), sum(after.values())
    baseline = len(before)
    at_most_3 = sum(1 for d in involved if after.get(d, 0) <= 3)
    return {
        "institutions_before": n_before,
        "institutions_after": n_after,
        "reduction_rate": _round(Decimal(n_before - n_after) / n_before, "0.0001"),
        "departments_baseline": baseline,
        "avg_per_department_before": _round(Decimal(n_before) / baseline, "0.01"),
        "avg_per_department_after": _round(Decimal(n_after) / baseline, "0.01"),
        "zjj_before": before.get(ZJJ, 0),
        "zjj_after": after.get(ZJJ, 0),
        "involved_departments": len(involved),
        "involved_at_most_3": at_most_3,
        "share_at_most_3": _round(Decimal(at_most_3) / len(involved), "0.0001"),
        "institution_cap": 230,
        "per_department_before": before,
        "per_department_after": after,
        "involved": sorted(involved),
    }
