"""The recovery campaign of DESIGN §3 on a small hand-computed example."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.errors import RegistryError
from staffing.models import CampaignLine, CampaignSkip, RecoveryCampaign, Transfer
from staffing.selectors import balance, campaign_plan, ledger_total, pool_inflow, unit_balances
from staffing.services import (
    campaign_apply,
    campaign_discard,
    campaign_may_discard,
    campaign_preview,
    campaign_reverse,
    headcount_report,
)
from units.models import AuditEntry

D = dt.date
ON = D(2021, 3, 1)

# key: (balance, actual or None, attributes)
EXAMPLE = {
    "p1": (10, 5, {"category": "public_welfare_1"}),  # vacancy 5: rule 1 floor(2.5) = 2
    "p2": (9, 2, {"category": "business"}),  # vacancy 7: rule 1 3, rule 2 4
    "p3": (6, 8, {"category": "public_welfare_2"}),  # over-staffed by 2: nothing
    "p4": (4, None, {"category": "public_welfare_1"}),  # no headcount: skipped
    "p5": (8, 5, {"market_replaceable": True}),  # vacancy 3: rule 1 1, rule 3 pre-collects 7
    "p6": (3, 3, {"category": "unclassified"}),  # no vacancy: nothing
    "p7": (5, 4, {"business_functions": True}),  # vacancy 1: rule 1 0, rule 2 1
}
EXPECTED_FLOOR = [
    ("p1", "share_of_vacancy", 5, 2),
    ("p2", "share_of_vacancy", 7, 3),
    ("p2", "remaining_vacancy", 7, 4),
    ("p5", "share_of_vacancy", 3, 1),
    ("p5", "pre_collection", 3, 7),
    ("p7", "remaining_vacancy", 1, 1),
]


@pytest.fixture
def example(ledger, county):
    units = {}
    for key, (amount, actual, attributes) in EXAMPLE.items():
        unit = ledger.unit(key, **attributes)
        ledger.grant(unit, amount)
        if actual is not None:
            headcount_report(unit=unit, kind="institution", as_of=D(2020, 12, 31), actual=actual)
        units[key] = unit
    # Not counted: a department, a county institution, a report dated after the campaign.
    dept = ledger.unit("dept", kind="department")
    ledger.grant(dept, 9)
    headcount_report(unit=dept, kind="institution", as_of=D(2020, 1, 1), actual=0)
    sub = ledger.unit("q1", jurisdiction=county.code)
    ledger.grant(sub, 9)
    headcount_report(unit=sub, kind="institution", as_of=D(2020, 1, 1), actual=0)
    late = ledger.unit("p8")
    ledger.grant(late, 2)
    headcount_report(unit=late, kind="institution", as_of=D(2021, 6, 1), actual=0)
    units["p8"] = late
    # An older report is superseded by the latest one on or before the date.
    headcount_report(unit=units["p1"], kind="institution", as_of=D(2019, 1, 1), actual=0)
    return units


def test_plan_follows_the_three_rules_in_order(ledger, example):
    plan = campaign_plan(jurisdiction=ledger.city, on=ON)
    assert [(ln.key, ln.rule, ln.vacancy, ln.amount) for ln in plan.lines] == EXPECTED_FLOOR
    assert [s.key for s in plan.skipped] == ["p4", "p8"]
    assert plan.total == 18
    assert plan.institutions == 8


def test_rounding_is_a_parameter(ledger, example):
    plan = campaign_plan(jurisdiction=ledger.city, on=ON, rounding="half_up")
    amounts = {(ln.key, ln.rule): ln.amount for ln in plan.lines}
    assert amounts == {
        ("p1", "share_of_vacancy"): 3,
        ("p2", "share_of_vacancy"): 4,
        ("p2", "remaining_vacancy"): 3,
        ("p5", "share_of_vacancy"): 2,
        ("p5", "pre_collection"): 6,
        ("p7", "share_of_vacancy"): 1,
    }
    full = campaign_plan(jurisdiction=ledger.city, on=ON, share=Decimal("1"))
    assert {(ln.key, ln.rule): ln.amount for ln in full.lines}[("p1", "share_of_vacancy")] == 5


def test_apply_moves_the_amounts_into_the_pool_and_reverse_gives_them_back(ledger, example):
    decision = ledger.decision()
    campaign = campaign_preview(jurisdiction=ledger.city, on=ON, decision=decision)
    assert campaign.status == "preview" and campaign.total == 18
    assert campaign.lines.count() == 6 and campaign.skips.count() == 2
    assert not Transfer.objects.filter(campaign=campaign).exists()
    campaign_apply(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "applied"
    assert balance(ledger.pool(), "institution", ON) == 18
    assert balance(ledger.pool(), "institution", D(2021, 2, 28)) == 0
    inflow = pool_inflow(ledger.city, D(2020, 1, 1), D(2021, 3, 31))
    assert inflow.by_reason == {"recovery": 11, "pre_collection": 7}
    assert unit_balances(example["p5"], ON)["institution"] == 0
    assert unit_balances(example["p2"], ON)["institution"] == 2
    assert unit_balances(example["p3"], ON)["institution"] == 6
    assert ledger_total() == 0
    with pytest.raises(RegistryError, match="已执行"):
        campaign_apply(campaign=campaign)
    campaign_reverse(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "reversed"
    assert balance(ledger.pool(), "institution", ON) == 0
    assert unit_balances(example["p5"], ON)["institution"] == 8
    assert ledger_total() == 0
    assert AuditEntry.objects.filter(
        action="apply", object_type="staffing.recoverycampaign"
    ).exists()


def test_apply_needs_an_approved_decision_and_an_approver(ledger, example, django_user_model):
    draft = ledger.decision(approved=False)
    campaign = campaign_preview(jurisdiction=ledger.city, on=ON, decision=draft)
    with pytest.raises(RegistryError, match="尚未批准"):
        campaign_apply(campaign=campaign)
    clerk = django_user_model.objects.create_user("clerk", password="x")
    with pytest.raises(RegistryError, match="权限"):
        campaign_apply(campaign=campaign, user=clerk)
    assert not Transfer.objects.filter(campaign=campaign).exists()


def test_reversal_refused_when_the_pool_has_spent_the_quotas(ledger, example):
    campaign = campaign_preview(jurisdiction=ledger.city, on=ON, decision=ledger.decision())
    campaign_apply(campaign=campaign)
    other = ledger.unit("z")
    ledger.move(ledger.pool(), ledger.account(other), 10, on=D(2021, 4, 1))
    with pytest.raises(RegistryError, match="pool:150200"):
        campaign_reverse(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "applied"


@pytest.mark.parametrize(
    ("share", "message"), [("0", "收回比例"), ("1.5", "收回比例"), ("abc", "收回比例")]
)
def test_bad_share_is_refused(ledger, share, message):
    with pytest.raises(RegistryError, match=message):
        campaign_preview(jurisdiction=ledger.city, on=ON, decision=ledger.decision(), share=share)


def test_campaign_re_derives_a_later_merge(ledger, example):
    from units import services as unit_services
    from units.models import Unit

    decision = ledger.decision(approved=False)
    ledger.event(
        decision, "m9", "merge", D(2021, 6, 1), sources=[example["p1"], example["p3"]], new=["pm"]
    )
    unit_services.decision_approve(decision=decision)
    merged = Unit.objects.get(key="pm")
    assert unit_balances(merged, D(2021, 6, 1))["institution"] == 16
    campaign_apply(
        campaign=campaign_preview(jurisdiction=ledger.city, on=ON, decision=ledger.decision())
    )
    assert unit_balances(merged, D(2021, 6, 1))["institution"] == 14
    assert ledger_total() == 0


def test_command_previews_without_writing(ledger, example):
    decision = ledger.decision()
    out = StringIO()
    call_command(
        "recover_quotas",
        "--jurisdiction",
        "150200",
        "--on",
        "2021-03-01",
        "--decision",
        decision.number,
        stdout=out,
    )
    text = out.getvalue()
    assert "p2\tp2中心\t7\tremaining_vacancy\t4" in text
    assert "p4, p8" in text and "18" in text
    assert not RecoveryCampaign.objects.exists()


def test_command_applies(ledger, example):
    decision = ledger.decision()
    out = StringIO()
    call_command(
        "recover_quotas",
        "--jurisdiction",
        "150200",
        "--on",
        "2021-03-01",
        "--decision",
        decision.number,
        "--share",
        "0.5",
        "--apply",
        stdout=out,
    )
    assert balance(ledger.pool(), "institution", ON) == 18
    assert RecoveryCampaign.objects.get().status == "applied"
    assert AuditEntry.objects.filter(actor="manage.py recover_quotas", action="apply").exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--jurisdiction", "999999", "不存在"),
        ("--on", "2021-13-01", "日期"),
        ("--decision", "nope", "不存在"),
        ("--share", "2", "收回比例"),
        ("--kind", "bogus", "编制类型"),
        ("--rounding", "up", "取整"),
    ],
)
def test_command_bad_flags(ledger, example, flag, value, message):
    decision = ledger.decision()
    args = {"--jurisdiction": "150200", "--on": "2021-03-01", "--decision": decision.number}
    args[flag] = value
    flat = [x for pair in args.items() for x in pair]
    with pytest.raises(CommandError, match=message):
        call_command("recover_quotas", *flat, "--apply", stdout=StringIO())
    assert not RecoveryCampaign.objects.exists()
    assert balance(ledger.pool(), "institution", ON) == 0


def _role_user(django_user_model, name, *codenames):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(name, password="x")
    for codename in codenames:
        app, code = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=code)
        )
    return django_user_model.objects.get(pk=user.pk)  # without the permission cache


PREVIEWER = ("staffing.add_recoverycampaign", "staffing.view_recoverycampaign")


def test_a_preview_is_discarded_by_its_author_with_its_audit_row(
    ledger, example, django_user_model
):
    author = _role_user(django_user_model, "author", *PREVIEWER)
    campaign = campaign_preview(
        jurisdiction=ledger.city, on=ON, decision=ledger.decision(), user=author
    )
    assert campaign.created_by == author
    pk = campaign.pk
    discarded = campaign_discard(campaign=campaign, user=author)
    assert discarded["status"] == "preview" and discarded["total"] == 18
    assert not RecoveryCampaign.objects.filter(pk=pk).exists()
    assert not CampaignLine.objects.filter(campaign_id=pk).exists()
    assert not CampaignSkip.objects.filter(campaign_id=pk).exists()
    entry = AuditEntry.objects.get(action="discard", object_type="staffing.recoverycampaign")
    assert entry.object_id == str(pk) and entry.after is None
    assert entry.before["created_by"] == "author" and entry.before["lines"] == 6
    assert entry.before["skipped"] == 2


def test_an_approver_discards_anyones_preview(ledger, example, django_user_model):
    author = _role_user(django_user_model, "author", *PREVIEWER)
    approver = _role_user(django_user_model, "approver", "units.approve_decision")
    campaign = campaign_preview(
        jurisdiction=ledger.city, on=ON, decision=ledger.decision(), user=author
    )
    assert campaign_may_discard(approver, campaign)
    campaign_discard(campaign=campaign, user=approver)
    assert not RecoveryCampaign.objects.exists()
    with pytest.raises(RegistryError, match="已不存在"):
        campaign_apply(campaign=campaign)  # a discarded preview cannot be applied afterwards


def test_another_clerk_may_not_discard_a_preview_and_nothing_is_written(
    ledger, example, django_user_model
):
    author = _role_user(django_user_model, "author", *PREVIEWER)
    other = _role_user(django_user_model, "other", *PREVIEWER)
    campaign = campaign_preview(
        jurisdiction=ledger.city, on=ON, decision=ledger.decision(), user=author
    )
    audit_rows = AuditEntry.objects.count()
    assert not campaign_may_discard(other, campaign)
    with pytest.raises(RegistryError, match="只有预览的创建人或具有批准权限的用户"):
        campaign_discard(campaign=campaign, user=other)
    campaign.refresh_from_db()
    assert campaign.status == "preview" and campaign.lines.count() == 6
    assert AuditEntry.objects.count() == audit_rows


def test_a_scoped_approver_may_not_discard_outside_their_jurisdiction(
    ledger, example, county, django_user_model
):
    from units.models import JurisdictionScope

    approver = _role_user(django_user_model, "kdl-approver", "units.approve_decision")
    JurisdictionScope.objects.create(user=approver, jurisdiction=county)
    campaign = campaign_preview(jurisdiction=ledger.city, on=ON, decision=ledger.decision())
    with pytest.raises(RegistryError, match="管辖范围"):
        campaign_discard(campaign=campaign, user=approver)
    assert RecoveryCampaign.objects.filter(pk=campaign.pk).exists()


def test_an_applied_or_reversed_campaign_cannot_be_discarded(ledger, example, django_user_model):
    author = _role_user(django_user_model, "author", *PREVIEWER)
    campaign = campaign_preview(
        jurisdiction=ledger.city, on=ON, decision=ledger.decision(), user=author
    )
    campaign_apply(campaign=campaign)
    audit_rows = AuditEntry.objects.count()
    for user in (author, None):
        with pytest.raises(RegistryError, match="不能放弃：只有预览可以放弃，已执行的只能冲回"):
            campaign_discard(campaign=campaign, user=user)
    campaign_reverse(campaign=campaign)
    with pytest.raises(RegistryError, match="已冲回"):
        campaign_discard(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "reversed"
    assert Transfer.objects.filter(campaign=campaign).count() == 12
    assert AuditEntry.objects.filter(action="discard").count() == 0
    assert AuditEntry.objects.count() > audit_rows  # the reversal's rows only
