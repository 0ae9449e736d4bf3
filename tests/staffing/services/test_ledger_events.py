"""Approved events move quotas; explicit allocations replace defaults; re-derivation."""

import datetime as dt

import pytest

from core.errors import RegistryError
from staffing.models import Transfer
from staffing.selectors import balance, ledger_total, pool_inflow, unit_balances
from staffing.services import transfer_post
from units import services as unit_services
from units.models import Unit

D = dt.date
ON = D(2020, 6, 1)


FAR = D(2030, 1, 1)


def held(unit, on=FAR, kind="institution"):
    return unit_balances(unit, on)[kind]


def test_merge_moves_every_kind_of_each_source_to_the_new_target(ledger):
    a, b = ledger.unit("a"), ledger.unit("b")
    ledger.grant(a, 5)
    ledger.grant(b, 7)
    ledger.grant(a, 1, kind="leader_chief")
    decision = ledger.decision(approved=False)
    ledger.event(decision, "m1", "merge", ON, sources=[a, b], new=["c"])
    unit_services.decision_approve(decision=decision)
    c = Unit.objects.get(key="c")
    assert held(c) == 12 and held(c, kind="leader_chief") == 1
    assert held(a) == 0 and held(b) == 0
    assert held(a, on=D(2020, 5, 31)) == 5
    derived = Transfer.objects.filter(derived=True)
    assert {(t.reason, t.date, t.event.key) for t in derived} == {("reform", ON, "m1")}
    assert ledger_total() == 0


def test_revoking_the_merge_gives_the_quotas_back(ledger):
    a, b = ledger.unit("a"), ledger.unit("b")
    ledger.grant(a, 5)
    ledger.grant(b, 7)
    decision = ledger.decision(approved=False)
    ledger.event(decision, "m1", "merge", ON, sources=[a, b], new=["c"])
    unit_services.decision_approve(decision=decision)
    unit_services.decision_revoke(decision=decision)
    assert held(a) == 5 and held(b) == 7
    assert not Transfer.objects.filter(derived=True).exists()


def test_absorb_moves_to_the_existing_target(ledger):
    a, t = ledger.unit("a"), ledger.unit("t")
    ledger.grant(a, 5)
    ledger.grant(t, 2)
    decision = ledger.decision(approved=False)
    ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    unit_services.decision_approve(decision=decision)
    assert held(t) == 7 and held(a) == 0


@pytest.mark.parametrize("type_", ["abolish", "transform"])
def test_abolish_and_transform_move_to_the_pool(ledger, type_):
    a = ledger.unit("a")
    ledger.grant(a, 5)
    decision = ledger.decision(approved=False)
    ledger.event(decision, "x1", type_, ON, sources=[a])
    unit_services.decision_approve(decision=decision)
    assert held(a) == 0
    assert balance(ledger.pool(), "institution", ON) == 5
    inflow = pool_inflow(ledger.city, D(2020, 1, 1), D(2020, 12, 31))
    assert inflow.total == 5 and inflow.by_reason == {"reform": 5}


def test_abolish_goes_to_the_pool_of_the_units_own_jurisdiction(ledger, county):
    a = ledger.unit("a", jurisdiction=county.code)
    ledger.grant(a, 5)
    decision = ledger.decision(approved=False)
    ledger.event(decision, "x1", "abolish", ON, sources=[a])
    unit_services.decision_approve(decision=decision)
    assert balance(ledger.pool(county), "institution", ON) == 5
    assert balance(ledger.pool(), "institution", ON) == 0


def test_split_without_allocation_refuses_the_approval(ledger):
    a = ledger.unit("a")
    ledger.grant(a, 6)
    decision = ledger.decision(approved=False)
    ledger.event(decision, "s1", "split", ON, sources=[a], new=["s1a", "s1b"])
    with pytest.raises(RegistryError, match="分设") as err:
        unit_services.decision_approve(decision=decision)
    assert "a" in str(err.value) and "2020-06-01" in str(err.value) and "6" in str(err.value)
    decision.refresh_from_db()
    assert decision.status == "draft"
    assert held(a) == 6


def test_split_with_explicit_allocation_planned_until_approval(ledger):
    a = ledger.unit("a")
    ledger.grant(a, 6)
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "s1", "split", ON, sources=[a], new=["s1a", "s1b"])
    first, second = Unit.objects.get(key="s1a"), Unit.objects.get(key="s1b")
    for target, amount in ((first, 4), (second, 2)):
        planned = transfer_post(
            date=ON,
            kind="institution",
            amount=amount,
            from_account=ledger.account(a),
            to_account=ledger.account(target),
            decision=decision,
            event=event,
            reason="reform",
        )
        assert planned.planned
    assert held(a) == 6  # planned transfers do not count yet
    unit_services.decision_approve(decision=decision)
    assert held(first) == 4 and held(second) == 2 and held(a) == 0
    assert not Transfer.objects.filter(planned=True).exists()
    unit_services.decision_revoke(decision=decision)
    assert held(a) == 6
    assert Transfer.objects.filter(planned=True).count() == 2


def test_incomplete_allocation_is_refused(ledger):
    a = ledger.unit("a")
    ledger.grant(a, 6)
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "s1", "split", ON, sources=[a], new=["s1a", "s1b"])
    transfer_post(
        date=ON,
        kind="institution",
        amount=4,
        from_account=ledger.account(a),
        to_account=ledger.account(Unit.objects.get(key="s1a")),
        decision=decision,
        event=event,
        reason="reform",
    )
    with pytest.raises(RegistryError, match="已于 2020-06-01 终止"):
        unit_services.decision_approve(decision=decision)


def test_explicit_transfer_replaces_the_default_of_its_kind(ledger):
    a, t = ledger.unit("a"), ledger.unit("t")
    ledger.grant(a, 5)
    ledger.grant(a, 2, kind="logistics")
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    transfer_post(
        date=ON,
        kind="institution",
        amount=5,
        from_account=ledger.account(a),
        to_account=ledger.pool(),
        decision=decision,
        event=event,
        reason="reform",
    )
    unit_services.decision_approve(decision=decision)
    assert held(t) == 0 and held(t, kind="logistics") == 2
    assert balance(ledger.pool(), "institution", ON) == 5


def test_event_transfer_must_come_from_a_source_on_the_event_date(ledger):
    a, t = ledger.unit("a"), ledger.unit("t")
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    common = {
        "kind": "institution",
        "amount": 1,
        "decision": decision,
        "event": event,
        "reason": "reform",
    }
    with pytest.raises(RegistryError, match="生效日期"):
        transfer_post(
            date=D(2020, 1, 1),
            from_account=ledger.account(a),
            to_account=ledger.account(t),
            **common,
        )
    with pytest.raises(RegistryError, match="来源机构"):
        transfer_post(
            date=ON, from_account=ledger.account(t), to_account=ledger.account(a), **common
        )


def test_an_earlier_grant_re_derives_the_later_default_transfers(ledger):
    a, b = ledger.unit("a"), ledger.unit("b")
    ledger.grant(a, 5)
    decision = ledger.decision(approved=False)
    ledger.event(decision, "m1", "merge", ON, sources=[a, b], new=["c"])
    unit_services.decision_approve(decision=decision)
    c = Unit.objects.get(key="c")
    ledger.grant(b, 3, on=D(2019, 1, 1))
    assert held(c) == 8 and held(b) == 0
    # ... and the chain goes on: c absorbed into d later receives the new total.
    d = ledger.unit("d")
    later = ledger.decision(approved=False)
    ledger.event(later, "ab2", "absorb", D(2021, 1, 1), sources=[c], targets=[d])
    unit_services.decision_approve(decision=later)
    assert held(d) == 8
    ledger.grant(a, 1, on=D(2019, 6, 1))
    assert held(d) == 9 and held(c) == 0
    assert ledger_total() == 0


def test_an_ended_unit_cannot_receive_quotas(ledger):
    a, t = ledger.unit("a"), ledger.unit("t")
    decision = ledger.decision(approved=False)
    ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    unit_services.decision_approve(decision=decision)
    with pytest.raises(RegistryError, match="终止"):
        ledger.grant(a, 1, on=D(2021, 1, 1))


def test_approving_an_event_that_strands_later_spending_is_refused(ledger):
    a, t = ledger.unit("a"), ledger.unit("t")
    ledger.grant(a, 5)
    ledger.move(ledger.account(a), ledger.pool(), 5, on=D(2021, 1, 1))
    decision = ledger.decision(approved=False)
    ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    with pytest.raises(RegistryError):
        unit_services.decision_approve(decision=decision)
    assert held(a, on=D(2020, 12, 31)) == 5


def test_revoking_a_decision_with_standing_grants_is_refused(ledger):
    a = ledger.unit("a")
    decision = ledger.decision()
    grant = ledger.grant(a, 2, decision=decision)
    with pytest.raises(RegistryError, match="冲正"):
        unit_services.decision_revoke(decision=decision)
    from staffing.services import transfer_reverse

    transfer_reverse(transfer=grant)
    unit_services.decision_revoke(decision=decision)


def test_revoking_the_establishment_of_a_unit_holding_quotas_is_refused(ledger):
    decision = ledger.decision(approved=False)
    ledger.event(decision, "e1", "establish", D(2019, 1, 1), new=["n"])
    unit_services.decision_approve(decision=decision)
    ledger.grant(Unit.objects.get(key="n"), 3, on=D(2019, 2, 1))
    with pytest.raises(RegistryError, match="不存在"):
        unit_services.decision_revoke(decision=decision)


def test_bulk_posts_a_grant_and_the_split_allocation_together(ledger):
    from staffing.services import TransferInput, external_account, transfers_post_bulk

    a = ledger.unit("a")
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "s1", "split", ON, sources=[a], new=["s1a", "s1b"])
    unit_services.decision_approve(decision=decision)
    first, second = Unit.objects.get(key="s1a"), Unit.objects.get(key="s1b")
    grant_decision = ledger.decision()

    def row(src, dst, amount, on, **kw):
        return TransferInput(
            date=on,
            kind="institution",
            amount=amount,
            from_account=src,
            to_account=dst,
            decision=kw.pop("decision", grant_decision),
            reason=kw.pop("reason", "grant"),
            **kw,
        )

    # One at a time neither can be posted: the grant leaves the split source holding quotas,
    # the allocation alone overdraws it. Together they can.
    with pytest.raises(RegistryError, match="分设"):
        ledger.grant(a, 6, decision=grant_decision)
    transfers_post_bulk(
        rows=[
            row(external_account(), ledger.account(a), 6, D(2015, 1, 1)),
            row(
                ledger.account(a),
                ledger.account(first),
                5,
                ON,
                decision=decision,
                event=event,
                reason="reform",
            ),
            row(
                ledger.account(a),
                ledger.account(second),
                1,
                ON,
                decision=decision,
                event=event,
                reason="reform",
            ),
        ]
    )
    assert held(first) == 5 and held(second) == 1 and held(a) == 0
    assert ledger_total() == 0


def test_bulk_refusal_lists_every_bad_row_and_writes_nothing(ledger):
    from staffing.services import TransferInput, external_account, transfers_post_bulk

    a = ledger.unit("a")
    decision = ledger.decision()
    rows = [
        TransferInput(
            D(2015, 1, 1),
            "institution",
            1,
            external_account(),
            ledger.account(a),
            decision,
            "grant",
        ),
        TransferInput(
            D(2015, 1, 1), "bogus", 1, external_account(), ledger.account(a), decision, "grant"
        ),
        TransferInput(
            D(2015, 1, 1),
            "institution",
            0,
            external_account(),
            ledger.account(a),
            decision,
            "grant",
        ),
    ]
    with pytest.raises(RegistryError) as err:
        transfers_post_bulk(rows=rows)
    assert [p["row"] for p in err.value.problems] == [2, 3]
    assert not Transfer.objects.exists()


def test_a_chain_of_new_units_is_derived_in_one_pass(ledger):
    """a+b merge into c, c+d into e, e+f into g — approved together: the quotas reach g."""
    units = {k: ledger.unit(k) for k in "abdf"}
    for key in "ab":  # d and f hold nothing: e and g get accounts only during the walk
        ledger.grant(units[key], 2)
    decision = ledger.decision(approved=False)
    ledger.event(
        decision, "m1", "merge", D(2020, 1, 1), sources=[units["a"], units["b"]], new=["c"]
    )
    ledger.event(decision, "m2", "merge", D(2020, 6, 1), sources=["c", units["d"]], new=["e"])
    ledger.event(decision, "m3", "merge", D(2021, 1, 1), sources=["e", units["f"]], new=["g"])
    unit_services.decision_approve(decision=decision)
    assert held(Unit.objects.get(key="g")) == 4
    assert held(Unit.objects.get(key="c")) == 0 and held(Unit.objects.get(key="e")) == 0
    assert ledger_total() == 0


def test_deleting_a_draft_removes_its_planned_transfers(ledger):
    a, t = ledger.unit("a"), ledger.unit("t")
    ledger.grant(a, 3)
    decision = ledger.decision(approved=False)
    event = ledger.event(decision, "ab1", "absorb", ON, sources=[a], targets=[t])
    transfer_post(
        date=ON,
        kind="institution",
        amount=3,
        from_account=ledger.account(a),
        to_account=ledger.account(t),
        decision=decision,
        event=event,
        reason="reform",
    )
    unit_services.decision_delete(decision=decision)
    assert not Transfer.objects.filter(planned=True).exists()
    assert held(a) == 3
