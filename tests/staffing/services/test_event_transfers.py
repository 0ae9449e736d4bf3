"""An event's explicit transfers (DESIGN §3): on its effective date, (a) a source's quotas to a
target or to a pool, or (b) a target funded from a pool or from external (reasons establish,
reallocation, grant). Planned on the draft, they count from the approval; anything else is
refused with the rule it breaks. And the ledger's checks deferred to the end of a block."""

import datetime as dt

import pytest
from django.db import transaction

from core.errors import RegistryError
from staffing.models import Transfer
from staffing.selectors import balance, ledger_total, unit_balances
from staffing.services import external_account, ledger_checks_deferred
from units import services as unit_services
from units.models import Unit

D = dt.date
ON = D(2020, 6, 1)
BEFORE = D(2020, 5, 31)


def held(unit, on=ON, kind="institution"):
    return unit_balances(unit, on).get(kind, 0)


def post(ledger, decision, event, source, target, amount=1, *, reason, kind="institution", on=ON):
    """An explicit transfer of the event."""
    return ledger.move(
        source, target, amount, on=on, kind=kind, reason=reason, decision=decision, event=event
    )


def test_an_establishment_funded_on_its_draft_counts_from_the_approval(ledger):
    ledger.move(external_account(), ledger.pool(), 5, on=D(2020, 1, 1), reason="grant")
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "e1", "establish", ON, new=["n"])
    n = ledger.account(Unit.objects.get(key="n"))
    funded = [
        post(ledger, decision, event, ledger.pool(), n, 3, reason="establish"),
        post(ledger, decision, event, external_account(), n, 2, reason="grant"),
        post(ledger, decision, event, external_account(), n, reason="grant", kind="leader_chief"),
    ]
    assert all(t.planned for t in funded)
    assert held(n.unit) == 0 and balance(ledger.pool(), "institution", ON) == 5
    unit_services.decision_approve(decision=decision)
    assert held(n.unit) == 5 and held(n.unit, kind="leader_chief") == 1
    assert held(n.unit, on=BEFORE) == 0
    assert balance(ledger.pool(), "institution", BEFORE) == 5
    assert balance(ledger.pool(), "institution", ON) == 2
    assert not Transfer.objects.filter(planned=True).exists()
    assert ledger_total(ON) == 0
    # Revoking the establishment makes its funding planned again.
    unit_services.decision_revoke(decision=decision)
    assert held(n.unit) == 0 and balance(ledger.pool(), "institution", ON) == 5
    assert Transfer.objects.filter(planned=True).count() == 3


def test_funding_a_merge_adds_to_what_its_sources_bring(ledger):
    a, b = ledger.unit("a"), ledger.unit("b")
    ledger.grant(a, 5)
    ledger.grant(b, 7)
    ledger.move(external_account(), ledger.pool(), 3, on=D(2020, 1, 1), reason="grant")
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "m1", "merge", ON, sources=[a, b], new=["c"])
    c = ledger.account(Unit.objects.get(key="c"))
    post(ledger, decision, event, ledger.pool(), c, 2, reason="reallocation")
    unit_services.decision_approve(decision=decision)
    assert held(c.unit) == 14 and held(a) == 0 and held(b) == 0
    assert balance(ledger.pool(), "institution", ON) == 1
    # The funding does not replace the default transfers of the sources.
    assert Transfer.objects.filter(derived=True, event=event).count() == 2


@pytest.fixture
def absorb(ledger):
    """A draft absorbing ``a`` into ``t`` on ON, ``o`` a unit outside it; all funded."""
    a, t, o = ledger.unit("a"), ledger.unit("t"), ledger.unit("o")
    for unit in (a, t, o):
        ledger.grant(unit, 5)
    ledger.move(external_account(), ledger.pool(), 5, on=D(2020, 1, 1), reason="grant")
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    accounts = {"a": ledger.account(a), "t": ledger.account(t), "o": ledger.account(o)}
    accounts.update(pool=ledger.pool(), external=external_account())
    return decision, event, accounts


@pytest.mark.parametrize(
    "from_, to, reason",
    [
        ("a", "t", "reform"),
        ("a", "pool", "reform"),
        ("pool", "t", "establish"),
        ("pool", "t", "reallocation"),
        ("external", "t", "grant"),
    ],
)
def test_allocations_and_fundings_are_planned_on_the_draft(ledger, absorb, from_, to, reason):
    decision, event, accounts = absorb
    transfer = post(ledger, decision, event, accounts[from_], accounts[to], reason=reason)
    assert transfer.planned


# The messages name the rule broken and the account at fault (as the workbook spells it).
REFUSED = [
    ("a", "t", "reform", D(2020, 1, 1), "date", "应为其生效日期 2020-06-01，而不是 2020-01-01"),
    ("o", "t", "reform", ON, "from", "或从编制周转池、external（为目标机构核拨编制）转出，o "),
    ("t", "a", "reform", ON, "from", "（为目标机构核拨编制）转出，t 两者都不是"),
    ("a", "o", "reform", ON, "to", "从来源机构 a 转出的编制只能转入该事项的目标机构或编制周转池"),
    ("a", "external", "return", ON, "to", "目标机构或编制周转池，external 两者都不是"),
    (
        "pool",
        "a",
        "establish",
        ON,
        "to",
        "从 pool:150200 核拨的编制只能转入该事项的目标机构，a 不是",
    ),
    ("external", "pool", "grant", ON, "to", "目标机构，pool:150200 不是"),
    (
        "pool",
        "t",
        "reform",
        ON,
        "reason",
        "事由应为 establish, grant, reallocation 之一，而不是 reform",
    ),
    ("external", "t", "recovery", ON, "reason", "而不是 recovery"),
]


@pytest.mark.parametrize("from_, to, reason, on, column, message", REFUSED)
def test_an_event_transfer_that_neither_allocates_nor_funds_is_refused(
    ledger, absorb, from_, to, reason, on, column, message
):
    decision, event, accounts = absorb
    before = Transfer.objects.count()
    with pytest.raises(RegistryError) as refused:
        post(ledger, decision, event, accounts[from_], accounts[to], reason=reason, on=on)
    assert message in str(refused.value)
    assert refused.value.problems[0]["column"] == column
    assert refused.value.problems[0]["event"] == "ab1"
    assert Transfer.objects.count() == before


def test_the_same_rules_hold_once_the_decision_is_approved(ledger, absorb):
    decision, event, accounts = absorb
    post(ledger, decision, event, accounts["a"], accounts["t"], 5, reason="reform")
    unit_services.decision_approve(decision=decision)
    counted = post(ledger, decision, event, accounts["pool"], accounts["t"], 2, reason="grant")
    assert not counted.planned and held(accounts["t"].unit) == 12
    with pytest.raises(RegistryError, match="而不是 reform"):
        post(ledger, decision, event, accounts["pool"], accounts["t"], reason="reform")


def test_checks_deferred_to_the_end_of_a_block_see_every_write_of_it(ledger, absorb):
    """The approval counts an allocation out of a source that a later grant of the same block
    funds: consistent together, though not write by write."""
    decision, event, accounts = absorb
    post(ledger, decision, event, accounts["a"], accounts["t"], 8, reason="reform")
    with pytest.raises(RegistryError, match="余额将为 -3"):
        unit_services.decision_approve(decision=decision)
    with transaction.atomic(), ledger_checks_deferred():
        unit_services.decision_approve(decision=decision)
        ledger.grant(accounts["a"].unit, 3)
    assert held(accounts["t"].unit) == 13 and held(accounts["a"].unit, on=BEFORE) == 8


def test_a_deferred_check_refuses_at_the_end_of_the_block(ledger, absorb):
    decision, event, accounts = absorb
    post(ledger, decision, event, accounts["a"], accounts["t"], 8, reason="reform")
    refused = pytest.raises(RegistryError, match="余额将为 -2")
    with refused, transaction.atomic(), ledger_checks_deferred():
        unit_services.decision_approve(decision=decision)
        ledger.grant(accounts["a"].unit, 1)  # not enough: still short of 2
    decision.refresh_from_db()
    assert decision.status == "draft"
    assert held(accounts["a"].unit) == 5 and held(accounts["t"].unit) == 5
