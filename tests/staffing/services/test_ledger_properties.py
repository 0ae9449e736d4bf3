"""Property: random sequences of grants, transfers, events, revocations, campaigns and
reversals never break conservation (the ledger sums to zero) nor the balance invariants."""

import datetime as dt
import itertools

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import RegistryError
from staffing.models import RecoveryCampaign, Transfer
from staffing.selectors import ledger_problems, ledger_total
from staffing.services import (
    campaign_apply,
    campaign_preview,
    campaign_reverse,
    headcount_report,
    transfer_reverse,
)
from units import services as unit_services
from units.models import Decision, Unit

UNITS = 5
DAYS = [dt.date(2015, 1, 1) + dt.timedelta(days=90 * i) for i in range(24)]
counter = itertools.count()

day = st.sampled_from(DAYS)
who = st.integers(0, UNITS - 1)
amount = st.integers(1, 12)
operation = st.one_of(
    st.tuples(st.just("grant"), who, amount, day),
    st.tuples(st.just("move"), who, st.integers(-1, UNITS - 1), amount, day),
    st.tuples(st.just("to_pool"), who, amount, day),
    st.tuples(st.just("headcount"), who, st.integers(0, 12), day),
    st.tuples(st.just("merge"), who, who, day),
    st.tuples(st.just("absorb"), who, who, day),
    st.tuples(st.just("abolish"), who, day),
    st.tuples(st.just("revoke"), st.integers(0, 5)),
    st.tuples(st.just("campaign"), day, st.sampled_from(["0.5", "0.3", "1"])),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("reverse_campaign"), st.integers(0, 3)),
)


def _perform(op, ledger, units, events):
    kind = op[0]
    n = next(counter)
    if kind == "grant":
        ledger.grant(units[op[1]], op[2], on=op[3])
    elif kind == "move":
        target = ledger.pool() if op[2] < 0 else ledger.account(units[op[2]])
        ledger.move(ledger.account(units[op[1]]), target, op[3], on=op[4])
    elif kind == "to_pool":
        ledger.move(ledger.account(units[op[1]]), ledger.pool(), op[2], on=op[3])
    elif kind == "headcount":
        headcount_report(unit=units[op[1]], kind="institution", as_of=op[3], actual=op[2])
    elif kind in ("merge", "absorb", "abolish"):
        decision = ledger.decision(approved=False)
        if kind == "merge":
            ledger.event(
                decision,
                f"e{n}",
                "merge",
                op[3],
                sources=[units[op[1]], units[op[2]]],
                new=[f"n{n}"],
            )
        elif kind == "absorb":
            ledger.event(
                decision, f"e{n}", "absorb", op[3], sources=[units[op[1]]], targets=[units[op[2]]]
            )
        else:
            ledger.event(decision, f"e{n}", "abolish", op[2], sources=[units[op[1]]])
        unit_services.decision_approve(decision=decision)
        events.append(decision)
    elif kind == "revoke":
        if op[1] < len(events):
            unit_services.decision_revoke(decision=Decision.objects.get(pk=events[op[1]].pk))
    elif kind == "campaign":
        campaign = campaign_preview(
            jurisdiction=ledger.city, on=op[1], decision=ledger.decision(), share=op[2]
        )
        campaign_apply(campaign=campaign)
    elif kind == "reverse":
        candidates = list(
            Transfer.objects.filter(
                derived=False,
                planned=False,
                event__isnull=True,
                campaign__isnull=True,
                reverses__isnull=True,
                reversals__isnull=True,
            ).order_by("id")
        )
        if candidates:
            transfer_reverse(transfer=candidates[op[1] % len(candidates)])
    elif kind == "reverse_campaign":
        applied = list(RecoveryCampaign.objects.filter(status="applied").order_by("id"))
        if applied:
            campaign_reverse(campaign=applied[op[1] % len(applied)])


def _assert_invariants():
    assert ledger_total() == 0
    assert ledger_problems(None) == []


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=3, max_size=14))
def test_random_histories_keep_the_ledger_sound(ledger, operations):
    with transaction.atomic():
        units = [ledger.unit(f"h{next(counter)}") for _ in range(UNITS)]
        events: list = []
        for unit in units:
            ledger.grant(unit, 10, on=DAYS[0])
        for op in operations:
            before = Transfer.objects.count()
            try:
                with transaction.atomic():
                    _perform(op, ledger, units, events)
            except RegistryError:
                assert Transfer.objects.count() == before
            _assert_invariants()
        # Whatever happened, re-deriving everything from scratch finds the same ledger.
        derived = sorted(
            Transfer.objects.filter(derived=True).values_list(
                "date", "kind", "amount", "from_account_id", "to_account_id", "event_id"
            )
        )
        from staffing.services import ledger_follow_registry

        ledger_follow_registry(unit_ids=None, action="rebuild")
        again = sorted(
            Transfer.objects.filter(derived=True).values_list(
                "date", "kind", "amount", "from_account_id", "to_account_id", "event_id"
            )
        )
        assert derived == again
        assert Unit.objects.exists()
        transaction.set_rollback(True)
