"""Transfers, balances and the invariants of the ledger (DESIGN §3)."""

import datetime as dt

import pytest

from core.errors import RegistryError
from staffing.models import Transfer
from staffing.selectors import balance, balances, ledger_total, unit_balances
from staffing.services import external_account, transfer_post, transfer_reverse

D = dt.date


def test_grant_gives_a_balance_and_the_ledger_sums_to_zero(ledger):
    a = ledger.unit("a")
    ledger.grant(a, 10, on=D(2015, 1, 1))
    assert balance(ledger.account(a), "institution", D(2015, 1, 1)) == 10
    assert balance(ledger.account(a), "institution", D(2014, 12, 31)) == 0
    assert unit_balances(a, D(2016, 1, 1))["institution"] == 10
    assert balance(external_account(), "institution", D(2016, 1, 1)) == -10
    assert ledger_total() == 0


def test_balances_of_many_accounts_in_one_query(ledger, django_assert_num_queries):
    units = [ledger.unit(f"u{i}") for i in range(5)]
    for i, unit in enumerate(units):
        ledger.grant(unit, i + 1)
    accounts = [ledger.account(u) for u in units]
    with django_assert_num_queries(1):
        rows = balances(accounts, D(2020, 1, 1))
    assert [rows[(a.pk, "institution")] for a in accounts] == [1, 2, 3, 4, 5]


def test_overdrawing_a_unit_is_refused_with_unit_date_and_amount(ledger):
    a = ledger.unit("a")
    ledger.grant(a, 3)
    before = Transfer.objects.count()
    with pytest.raises(RegistryError) as err:
        ledger.move(ledger.account(a), ledger.pool(), 5, on=D(2016, 3, 1))
    message = str(err.value)
    assert "a" in message and "2016-03-01" in message and "-2" in message
    assert err.value.problems[0]["amount"] == -2
    assert Transfer.objects.count() == before


def test_a_write_that_breaks_a_later_date_is_refused(ledger):
    a = ledger.unit("a")
    ledger.grant(a, 10, on=D(2015, 1, 1))
    ledger.move(ledger.account(a), ledger.pool(), 8, on=D(2017, 1, 1))
    # On 2016-01-01 the unit holds 10, but from 2017-01-01 it would hold -3.
    with pytest.raises(RegistryError) as err:
        ledger.move(ledger.account(a), ledger.pool(), 5, on=D(2016, 1, 1))
    assert "2017-01-01" in str(err.value)


def test_pool_cannot_be_overdrawn(ledger):
    a = ledger.unit("a")
    with pytest.raises(RegistryError) as err:
        ledger.move(ledger.pool(), ledger.account(a), 1, on=D(2016, 1, 1))
    assert "pool:150200" in str(err.value)


def test_unit_cannot_hold_quotas_before_it_starts(ledger):
    a = ledger.unit("a", since=D(2018, 1, 1))
    with pytest.raises(RegistryError) as err:
        ledger.grant(a, 1, on=D(2017, 1, 1))
    assert "2018-01-01" in str(err.value)


def test_a_draft_decision_cannot_authorise_a_transfer(ledger):
    a = ledger.unit("a")
    with pytest.raises(RegistryError, match="尚未批准"):
        ledger.grant(a, 1, decision=ledger.decision(approved=False))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", 0, "大于零"),
        ("amount", -1, "大于零"),
        ("amount", "x", "正整数"),
        ("amount", 10**12, "上限"),
        ("kind", "nope", "编制类型"),
        ("reason", "nope", "划转事由"),
    ],
)
def test_bad_input_is_refused(ledger, field, value, message):
    a = ledger.unit("a")
    kwargs = {
        "date": D(2015, 1, 1),
        "kind": "institution",
        "amount": 1,
        "from_account": external_account(),
        "to_account": ledger.account(a),
        "decision": ledger.decision(),
        "reason": "grant",
    }
    kwargs[field] = value
    with pytest.raises(RegistryError, match=message):
        transfer_post(**kwargs)
    assert not Transfer.objects.exists()


def test_same_account_is_refused(ledger):
    a = ledger.unit("a")
    with pytest.raises(RegistryError, match="不能相同"):
        ledger.move(ledger.account(a), ledger.account(a), 1, on=D(2016, 1, 1))


def test_reversal_restores_the_balance_and_cannot_be_repeated(ledger):
    a = ledger.unit("a")
    grant = ledger.grant(a, 4)
    reversal = transfer_reverse(transfer=grant)
    assert reversal.reverses == grant and reversal.reason == "reversal"
    assert reversal.from_account == grant.to_account and reversal.date == grant.date
    assert balance(ledger.account(a), "institution", D(2020, 1, 1)) == 0
    with pytest.raises(RegistryError, match="已经冲正"):
        transfer_reverse(transfer=grant)
    with pytest.raises(RegistryError, match="不能再冲正"):
        transfer_reverse(transfer=reversal)
    assert ledger_total() == 0


def test_reversal_that_would_overdraw_is_refused(ledger):
    a = ledger.unit("a")
    grant = ledger.grant(a, 4, on=D(2015, 1, 1))
    ledger.move(ledger.account(a), ledger.pool(), 3, on=D(2016, 1, 1))
    with pytest.raises(RegistryError, match="缺 3 名"):
        transfer_reverse(transfer=grant)
