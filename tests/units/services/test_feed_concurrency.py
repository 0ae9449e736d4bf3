"""The feed's ``seq`` is safe for a poller on PostgreSQL (separate connections, one thread each):
two writes whose transactions commit in the other order than they started are numbered in
commit order, a second append waits for the first writer's commit, a rolled-back append leaves
no gap, and a consumer polling with ``after=`` all the while sees every entry exactly once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from staffing.services import headcount_report
from units import services
from units.models import Decision, FeedEntry, Unit
from units.selectors.feed import feed_page
from units.services import feed

D = dt.date
TIMEOUT = 20


class Poller(threading.Thread):
    """A consumer reading the feed on its own connection, each time after the last ``seq`` it
    saw, until told to stop; it records what it saw and any page that is not the next entries
    in order."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.last = after
        self.seen: list[int] = []
        self.problems: list[str] = []
        self.stop = threading.Event()

    def read(self) -> None:
        entries, next_after = feed_page(user=None, after=self.last, limit=1000)
        seqs = [e.seq for e in entries]
        if seqs != list(range(self.last + 1, self.last + 1 + len(seqs))):
            self.problems.append(f"after={self.last} gave {seqs}")
        self.seen += seqs
        self.last = next_after

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.read()
            self.read()  # once more, after every writer has finished
        finally:
            connections.close_all()


def _in_thread(
    name: str, target: Callable[[], None], errors: list[BaseException]
) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _transaction_facts() -> tuple[dt.datetime, int]:
    """When the current transaction started, and its transaction id."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now(), txid_current()")
        started, xid = cursor.fetchone()
    return started, xid


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _world(ledger):
    u, w = ledger.unit("u"), ledger.unit("w")
    draft = services.decision_create(
        number="包编发〔2020〕77号", title="撤销", issued_on=D(2020, 1, 1)
    )
    ledger.event(draft, "x1", "abolish", D(2020, 6, 1), sources=[u])
    return draft, w


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_write_that_starts_first_and_commits_last_is_numbered_last(
    on_postgres, ledger, monkeypatch
):
    draft, w = _world(ledger)
    before = max(FeedEntry.objects.values_list("seq", flat=True), default=0)
    both_started = threading.Barrier(2, timeout=TIMEOUT)  # the approval, the headcount
    release = threading.Barrier(2, timeout=TIMEOUT)  # the test, the approval
    facts: dict[str, tuple[dt.datetime, int]] = {}
    take_seqs = feed._take_seqs

    def approval_waits_before_its_append(count: int) -> int:
        if threading.current_thread().name == "approval":
            facts["approval"] = _transaction_facts()
            both_started.wait()  # its writes are done; the headcount may now start
            release.wait()  # …and commit, while the approval waits
        return take_seqs(count)

    monkeypatch.setattr(feed, "_take_seqs", approval_waits_before_its_append)

    def approve() -> None:
        services.decision_approve(decision=Decision.objects.get(pk=draft.pk))

    def report() -> None:
        both_started.wait()
        facts["headcount"] = _transaction_facts()
        headcount_report(
            unit=Unit.objects.get(pk=w.pk), kind="institution", as_of=D(2020, 1, 1), actual=2
        )

    poller = Poller(before)
    poller.start()
    errors: list[BaseException] = []
    approval = _in_thread("approval", approve, errors)
    headcount = _in_thread("headcount", report, errors)
    headcount.join(TIMEOUT)
    assert not headcount.is_alive() and errors == []

    # The headcount has committed; the approval, started first, has not.
    entries, next_after = feed_page(user=None, after=before, limit=10)
    assert [(e.seq, e.kind) for e in entries] == [(before + 1, "headcount.reported")]
    release.wait()
    approval.join(TIMEOUT)
    poller.stop.set()
    poller.join(TIMEOUT)
    assert errors == [] and poller.problems == []

    entries, _next = feed_page(user=None, after=next_after, limit=10)
    assert [(e.seq, e.kind) for e in entries] == [(before + 2, "decision.approved")]
    assert poller.seen == [before + 1, before + 2]
    # The approval started first (earlier transaction, smaller transaction id) yet has the
    # larger seq: numbers follow the commits, not the starts.
    assert facts["approval"][0] < facts["headcount"][0]
    assert facts["approval"][1] < facts["headcount"][1]


@pytest.mark.parametrize("first_commits", [True, False], ids=["commits", "rolls-back"])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_append_waits_for_the_first_writer_to_end(
    on_postgres, ledger, monkeypatch, first_commits
):
    _draft, w = _world(ledger)
    before = max(FeedEntry.objects.values_list("seq", flat=True), default=0)
    holding = threading.Barrier(2, timeout=TIMEOUT)  # the test, the registration
    release = threading.Barrier(2, timeout=TIMEOUT)
    second_ready = threading.Barrier(2, timeout=TIMEOUT)  # the test, the headcount
    take_seqs = feed._take_seqs
    pids: dict[str, int] = {}

    def registration_holds_the_counter(count: int) -> int:
        last = take_seqs(count)
        if threading.current_thread().name == "registration":
            holding.wait()  # numbered, not committed
            release.wait()
            if not first_commits:
                raise RuntimeError("the registration gives up")
        return last

    monkeypatch.setattr(feed, "_take_seqs", registration_holds_the_counter)

    def register() -> None:
        ledger.unit("v")

    def report() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids["headcount"] = cursor.fetchone()[0]
        second_ready.wait()
        headcount_report(
            unit=Unit.objects.get(pk=w.pk), kind="institution", as_of=D(2020, 1, 1), actual=2
        )

    poller = Poller(before)
    poller.start()
    errors: list[BaseException] = []
    registration = _in_thread("registration", register, errors)
    holding.wait()
    headcount = _in_thread("headcount", report, errors)
    second_ready.wait()
    # Until the headcount waits for a lock (a state of the server, not a delay) or has ended.
    deadline = time.monotonic() + TIMEOUT
    while not (waited := _waits_for_a_lock(pids["headcount"])) and headcount.is_alive():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # Neither entry is visible while the first writer is inside its transaction: the second
    # cannot have committed a later seq that a poller would read before the first.
    early = [e.seq for e in feed_page(user=None, after=before, limit=10)[0]]
    release.wait()
    registration.join(TIMEOUT)
    headcount.join(TIMEOUT)
    poller.stop.set()
    poller.join(TIMEOUT)
    assert early == [], f"seq {early} was visible while the first append had not committed"
    assert poller.problems == []
    assert waited, "the second append did not wait for the first writer's transaction"

    kinds = [(e.seq, e.kind) for e in feed_page(user=None, after=before, limit=10)[0]]
    if first_commits:
        assert errors == []
        assert kinds == [(before + 1, "unit.registered"), (before + 2, "headcount.reported")]
    else:
        assert [str(e) for e in errors] == ["the registration gives up"]
        assert kinds == [(before + 1, "headcount.reported")]  # no gap where it would have been
        assert not Unit.objects.filter(key="v").exists()
    assert poller.seen == [seq for seq, _kind in kinds]
