"""The demo's decisions were approved in 2019–2021, each on the day it was issued, by the demo's
approver; the draft stays a draft. A historical approval is refused when it lies in the future."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from core.errors import RegistryError
from reform_registry import demo
from reform_registry.demo.approvals import APPROVER
from units import services
from units.choices import DecisionStatus
from units.models import AuditEntry, Decision

pytestmark = pytest.mark.django_db


def test_load_demo_records_each_approval_on_its_historical_date_with_its_approver(settings):
    settings.DEBUG = True  # the demo users, its approver among them, are created
    call_command("load_demo", stdout=StringIO())
    approver = get_user_model().objects.get(username=APPROVER)
    today = timezone.localdate()
    approved = list(Decision.objects.filter(status=DecisionStatus.APPROVED))
    assert len(approved) >= 8
    assert demo.CAMPAIGN_NUMBER in {d.number for d in approved}
    for decision in approved:
        approved_on = timezone.localtime(decision.approved_at).date()
        assert approved_on == decision.issued_on, decision.number
        assert dt.date(2019, 1, 1) <= approved_on < today, decision.number
        assert decision.approved_by == approver, decision.number
    draft = Decision.objects.get(number=demo.DRAFT_NUMBER)
    assert draft.status == DecisionStatus.DRAFT and draft.approved_at is None
    # The audit rows are dated when they were written and say when, and by whom, it was.
    entry = AuditEntry.objects.get(
        action="approve", object_id=str(approved[0].pk), object_type="units.decision"
    )
    assert entry.actor == "manage.py load_demo"
    assert dt.datetime.fromisoformat(entry.after["approved_at"]) == approved[0].approved_at
    assert entry.after["approved_by"] == APPROVER
    assert timezone.localtime(entry.at).date() == today


def test_without_debug_the_approvals_keep_their_dates_and_name_no_approver(settings):
    settings.DEBUG = False  # no demo user is created
    call_command("load_demo", stdout=StringIO())
    approved = Decision.objects.filter(status=DecisionStatus.APPROVED)
    assert approved.exists()
    for decision in approved:
        assert timezone.localtime(decision.approved_at).date() == decision.issued_on
        assert decision.approved_by is None


def test_a_historical_approval_in_the_future_is_refused_and_writes_nothing():
    decision = services.decision_create(
        number="包编发〔2030〕1号", title="未来的决定", issued_on=dt.date(2020, 1, 1)
    )
    later = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(RegistryError, match="晚于现在"):
        services.decision_approve(decision=decision, approved_at=later)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT and decision.approved_at is None
    assert not AuditEntry.objects.filter(action="approve").exists()


def test_the_historical_approver_must_be_an_approver(django_user_model):
    decision = services.decision_create(
        number="包编发〔2020〕99号", title="决定", issued_on=dt.date(2020, 1, 1)
    )
    clerk = django_user_model.objects.create_user("someone")
    with pytest.raises(RegistryError, match="批准权限"):
        services.decision_approve(decision=decision, approved_by=clerk)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
