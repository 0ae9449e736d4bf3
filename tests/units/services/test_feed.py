"""The outbox of the change feed (units/services/feed.py): each write that changes what the
registry says appends exactly its entry in its own transaction; a refused or rolled-back write
appends nothing, and ``seq`` stays gap-free and increasing."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import RegistryError
from staffing.models import Account
from staffing.services import (
    campaign_apply,
    campaign_preview,
    campaign_reverse,
    external_account,
    headcount_report,
    pool_account,
    transfer_post,
    transfer_reverse,
    unit_account,
)
from units import services
from units.models import FeedCounter, FeedEntry
from units.services import RegistrationInput, decision_revoke, decisions_approve
from units.services.feed import feed_append

D = dt.date


def last_seq() -> int:
    return max(FeedEntry.objects.values_list("seq", flat=True), default=0)


def appended(since: int) -> list[dict]:
    """The entries after ``since``: kind, decision number, unit keys, jurisdiction codes."""
    return [
        {
            "kind": entry.kind,
            "decision": entry.decision.number if entry.decision else None,
            "units": sorted(link.unit.key for link in entry.unit_links.all()),
            "jurisdictions": sorted(
                link.jurisdiction.code for link in entry.jurisdiction_links.all()
            ),
            "payload": entry.payload,
        }
        for entry in FeedEntry.objects.filter(seq__gt=since).order_by("seq")
    ]


def assert_gap_free() -> None:
    seqs = list(FeedEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True
    assert FeedCounter.objects.get(pk=1).last_seq == (seqs[-1] if seqs else 0)


# ---------------------------------------------------------------------------------------------
# Registrations
# ---------------------------------------------------------------------------------------------


def test_a_registration_appends_one_entry_naming_the_unit(ledger):
    before = last_seq()
    ledger.unit("u1")
    assert appended(before) == [
        {
            "kind": "unit.registered",
            "decision": None,
            "units": ["u1"],
            "jurisdictions": [],
            "payload": {"units": 1},
        }
    ]
    assert last_seq() == before + 1
    assert_gap_free()


def test_a_bulk_registration_is_one_entry_naming_every_unit(ledger):
    before = last_seq()
    services.units_register_bulk(
        rows=[
            RegistrationInput(
                k, "institution", D(2010, 1, 1), {"name": k, "jurisdiction": "150200"}
            )
            for k in ("b1", "b2", "b3")
        ]
    )
    [entry] = appended(before)
    assert entry["kind"] == "unit.registered"
    assert entry["units"] == ["b1", "b2", "b3"]
    assert entry["payload"] == {"units": 3}


def test_a_refused_registration_appends_nothing(ledger):
    ledger.unit("u1")
    before = last_seq()
    with pytest.raises(RegistryError):
        ledger.unit("u1")
    assert last_seq() == before
    assert FeedCounter.objects.get(pk=1).last_seq == before


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------


def _merge_draft(ledger, number="包编发〔2020〕90号"):
    a, b = ledger.unit("a"), ledger.unit("b")
    draft = services.decision_create(number=number, title="合并", issued_on=D(2020, 1, 1))
    ledger.event(draft, "m1", "merge", D(2020, 6, 1), sources=[a, b], new=["ab"])
    return draft


def test_an_approval_appends_its_decision_and_the_units_it_touches(ledger):
    draft = _merge_draft(ledger)
    before = last_seq()
    services.decision_approve(decision=draft)
    assert appended(before) == [
        {
            "kind": "decision.approved",
            "decision": "包编发〔2020〕90号",
            "units": ["a", "ab", "b"],
            "jurisdictions": [],
            "payload": {"revision": draft.revision},
        }
    ]
    assert_gap_free()


def test_approving_several_decisions_appends_one_entry_each_in_order(ledger):
    first = _merge_draft(ledger)
    second = services.decision_create(
        number="包编发〔2020〕91号", title="撤销", issued_on=D(2020, 1, 1)
    )
    ledger.event(second, "x1", "abolish", D(2020, 8, 1), sources=[ledger.unit("c")])
    before = last_seq()
    decisions_approve(decisions=[first, second])
    entries = appended(before)
    assert [(e["kind"], e["decision"], e["units"]) for e in entries] == [
        ("decision.approved", "包编发〔2020〕90号", ["a", "ab", "b"]),
        ("decision.approved", "包编发〔2020〕91号", ["c"]),
    ]
    assert last_seq() == before + 2


def test_a_refused_approval_appends_nothing(ledger):
    draft = _merge_draft(ledger)
    services.decision_approve(decision=draft)
    before = last_seq()
    with pytest.raises(RegistryError):
        services.decision_approve(decision=draft)  # approved already
    assert last_seq() == before


def test_a_revocation_appends_its_entry(ledger):
    draft = _merge_draft(ledger)
    services.decision_approve(decision=draft)
    before = last_seq()
    decision_revoke(decision=draft)
    [entry] = appended(before)
    assert entry["kind"] == "decision.revoked"
    assert entry["decision"] == "包编发〔2020〕90号"
    assert entry["units"] == ["a", "ab", "b"]
    assert entry["payload"] == {"revision": draft.revision}


# ---------------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------------


def test_a_transfer_appends_its_units_and_pools(ledger, city):
    unit = ledger.unit("u1")
    decision = ledger.decision(number="包编发〔2020〕92号")
    granted = ledger.grant(unit, 5, decision=decision)
    before = last_seq()
    moved = transfer_post(
        date=D(2016, 1, 1),
        kind="institution",
        amount=2,
        from_account=unit_account(unit.pk),
        to_account=pool_account(city.pk),
        decision=decision,
        reason="recovery",
    )
    assert appended(before) == [
        {
            "kind": "transfer.posted",
            "decision": "包编发〔2020〕92号",
            "units": ["u1"],
            "jurisdictions": ["150200"],
            "payload": {"transfers": [moved.pk], "amount": 2},
        }
    ]
    assert granted.pk != moved.pk


def test_a_refused_transfer_appends_nothing(ledger):
    unit = ledger.unit("u1")
    decision = ledger.decision()
    before = last_seq()
    with pytest.raises(RegistryError):
        transfer_post(
            date=D(2016, 1, 1),
            kind="institution",
            amount=3,
            from_account=unit_account(unit.pk),  # holds nothing: the balance would go negative
            to_account=external_account(),
            decision=decision,
            reason="recovery",
        )
    assert last_seq() == before


def test_a_reversal_appends_its_entry(ledger):
    unit = ledger.unit("u1")
    granted = ledger.grant(unit, 5)
    before = last_seq()
    reversal = transfer_reverse(transfer=granted)
    [entry] = appended(before)
    assert entry["kind"] == "transfer.reversed"
    assert entry["units"] == ["u1"]
    assert entry["payload"] == {"transfers": [reversal.pk], "amount": 5}
    assert Account.objects.get(pk=reversal.to_account_id).type == "external"


def test_a_headcount_appends_once_and_a_repeated_or_refused_one_appends_nothing(ledger):
    unit = ledger.unit("u1")
    before = last_seq()
    report = headcount_report(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=3)
    assert appended(before) == [
        {
            "kind": "headcount.reported",
            "decision": None,
            "units": ["u1"],
            "jurisdictions": [],
            "payload": {"reports": [report.pk]},
        }
    ]
    after_first = last_seq()
    headcount_report(unit=unit, kind="institution", as_of=D(2020, 1, 1), actual=3)
    assert last_seq() == after_first  # the same report again changes nothing
    with pytest.raises(RegistryError):
        headcount_report(
            unit=unit,
            kind="institution",
            as_of=timezone.localdate() + dt.timedelta(days=1),
            actual=3,
        )
    assert last_seq() == after_first


def test_a_campaign_appends_when_applied_and_when_reversed(ledger, city):
    unit = ledger.unit("u1")
    ledger.grant(unit, 10)
    headcount_report(unit=unit, kind="institution", as_of=D(2020, 12, 31), actual=4)
    decision = ledger.decision(number="包编发〔2021〕5号")
    campaign = campaign_preview(jurisdiction=city, on=D(2021, 3, 1), decision=decision)
    before = last_seq()
    campaign_apply(campaign=campaign)
    campaign.refresh_from_db()
    applied = {
        "kind": "campaign.applied",
        "decision": "包编发〔2021〕5号",
        "units": ["u1"],
        "jurisdictions": ["150200"],
        "payload": {
            "campaign": campaign.pk,
            "on": "2021-03-01",
            "kind": "institution",
            "total": campaign.total,
        },
    }
    assert campaign.total > 0
    assert appended(before) == [applied]
    campaign_reverse(campaign=campaign)
    assert appended(before) == [applied, {**applied, "kind": "campaign.reversed"}]
    with pytest.raises(RegistryError):
        campaign_reverse(campaign=campaign)  # reversed already
    assert last_seq() == before + 2
    assert_gap_free()


# ---------------------------------------------------------------------------------------------
# The outbox itself
# ---------------------------------------------------------------------------------------------


def test_a_write_rolled_back_with_its_caller_leaves_no_entry_and_no_gap(ledger):
    ledger.unit("u1")
    before = last_seq()
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger.unit("u2")
        assert last_seq() == before + 1  # inside, the entry is there
        raise RuntimeError("the caller gives up")
    assert last_seq() == before
    ledger.unit("u3")
    assert [e["units"] for e in appended(before)] == [["u3"]]
    assert FeedEntry.objects.get(seq=before + 1).unit_links.get().unit.key == "u3"
    assert_gap_free()


def test_entries_have_stable_distinct_ids_and_increasing_times(ledger):
    for key in ("u1", "u2", "u3"):
        ledger.unit(key)
    entries = list(FeedEntry.objects.order_by("seq"))
    assert len({e.uid for e in entries}) == len(entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_append_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        feed_append("unit.registered")
    assert not FeedEntry.objects.exists()


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError), transaction.atomic():
        feed_append("unit.painted")


def test_numbering_goes_on_after_the_counter_row_is_lost(ledger):
    ledger.unit("u1")
    before = last_seq()
    FeedCounter.objects.all().delete()
    ledger.unit("u2")
    assert last_seq() == before + 1
    assert_gap_free()
