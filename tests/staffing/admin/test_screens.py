"""The staffing admin screens: quota panel, pool screen, transfer and headcount entry,
campaign preview / apply (approvers only) / reverse. Transfers cannot be edited or deleted."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from staffing.models import HeadcountReport, RecoveryCampaign, Transfer
from staffing.selectors import balance
from staffing.services import headcount_report

D = dt.date


def _user(django_user_model, name, *codenames):
    user = django_user_model.objects.create_user(name, is_staff=True)
    for codename in codenames:
        app, code = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=code)
        )
    return user


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password=None)
    client.force_login(user)
    return client


@pytest.fixture
def filled(ledger):
    a = ledger.unit("a", name="甲中心")
    ledger.grant(a, 10)
    ledger.grant(a, 1, kind="leader_chief")
    headcount_report(unit=a, kind="institution", as_of=D(2020, 1, 1), actual=12)
    return a


def test_quota_panel_shows_balances_headcount_and_ledger(admin_client, filled):
    url = reverse("admin:staffing_quota_panel", args=["a"]) + "?on=2020-06-01"
    response = admin_client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "甲中心" in text and "事业编制" in text and "超编" in text
    assert "正职领导职数" in text and "external" not in text.split("quota-ledger")[0]
    assert "+10" in text
    assert admin_client.get(reverse("admin:staffing_quota_panel", args=["nope"])).status_code == 404


def test_pool_screen(admin_client, ledger, filled):
    ledger.move(ledger.account(filled), ledger.pool(), 3, on=D(2016, 1, 1))
    response = admin_client.get(reverse("admin:staffing_pool_screen", args=["150200"]))
    assert response.status_code == 200
    assert "+3" in response.content.decode()


def test_transfer_entry_calls_the_service(admin_client, ledger, filled):
    decision = ledger.decision()
    url = reverse("admin:staffing_transfer_add")
    data = {
        "date": "2016-01-01",
        "kind": "institution",
        "amount": "4",
        "from_account": "a",
        "to_account": "pool:150200",
        "decision": decision.number,
        "reason": "reallocation",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert balance(ledger.pool(), "institution", D(2016, 1, 1)) == 4
    count = Transfer.objects.count()
    response = admin_client.post(url, {**data, "amount": "40"})
    assert response.status_code == 200
    assert "缺 34 名" in response.content.decode()
    assert Transfer.objects.count() == count
    response = admin_client.post(url, {**data, "from_account": "nobody"})
    assert "不存在" in response.content.decode()


def test_transfers_cannot_be_changed_or_deleted(admin_client, filled):
    transfer = Transfer.objects.first()
    delete = reverse("admin:staffing_transfer_delete", args=[transfer.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Transfer.objects.filter(pk=transfer.pk).exists()
    change = reverse("admin:staffing_transfer_change", args=[transfer.pk])
    admin_client.post(change, {"amount": "99"})
    transfer.refresh_from_db()
    assert transfer.amount == 10


def test_reverse_action(admin_client, filled):
    grant = Transfer.objects.get(kind="leader_chief")
    response = admin_client.post(
        reverse("admin:staffing_transfer_changelist"),
        {"action": "reverse_selected", "_selected_action": [grant.pk]},
    )
    assert response.status_code == 302
    assert Transfer.objects.filter(reverses=grant).exists()


def test_headcount_entry(admin_client, filled):
    url = reverse("admin:staffing_headcountreport_add")
    data = {"unit": "a", "kind": "institution", "as_of": "2020-02-01", "actual": "9"}
    assert admin_client.post(url, data).status_code == 302
    assert HeadcountReport.objects.filter(as_of=D(2020, 2, 1), actual=9).exists()
    response = admin_client.post(url, {**data, "actual": "8"})
    assert "不一致" in response.content.decode()


def test_headcount_entry_dated_after_today_is_refused(admin_client, filled):
    from django.utils import timezone

    from units.models import AuditEntry

    future = timezone.localdate() + dt.timedelta(days=1)
    before = (HeadcountReport.objects.count(), AuditEntry.objects.count())
    for as_of in ("2030-01-01", future.isoformat()):
        response = admin_client.post(
            reverse("admin:staffing_headcountreport_add"),
            {"unit": "a", "kind": "institution", "as_of": as_of, "actual": "201"},
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert as_of in body and "晚于今天" in body
    assert (HeadcountReport.objects.count(), AuditEntry.objects.count()) == before


def test_campaign_preview_apply_reverse_for_approvers_only(client, django_user_model, ledger):
    b = ledger.unit("b")
    ledger.grant(b, 10)
    headcount_report(unit=b, kind="institution", as_of=D(2020, 1, 1), actual=4)
    decision = ledger.decision()
    clerk = _user(
        django_user_model,
        "clerk",
        "staffing.add_recoverycampaign",
        "staffing.view_recoverycampaign",
    )
    client.force_login(clerk)
    response = client.post(
        reverse("admin:staffing_recoverycampaign_add"),
        {
            "jurisdiction": "150200",
            "on": "2021-03-01",
            "decision": decision.number,
            "kind": "institution",
            "share": "0.5",
            "rounding": "floor",
        },
    )
    assert response.status_code == 302
    campaign = RecoveryCampaign.objects.get()
    detail = client.get(reverse("admin:staffing_recoverycampaign_change", args=[campaign.pk]))
    assert detail.status_code == 200 and "apply-campaign" not in detail.content.decode()
    apply_url = reverse("admin:staffing_campaign_apply", args=[campaign.pk])
    assert client.post(apply_url).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "preview"

    approver = _user(
        django_user_model, "approver", "units.approve_decision", "staffing.view_recoverycampaign"
    )
    client.force_login(approver)
    detail = client.get(reverse("admin:staffing_recoverycampaign_change", args=[campaign.pk]))
    assert "apply-campaign" in detail.content.decode()
    assert client.get(apply_url).status_code == 405
    assert client.post(apply_url).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "applied" and campaign.total == 3
    assert balance(ledger.pool(), "institution", D(2021, 3, 1)) == 3
    client.post(reverse("admin:staffing_campaign_reverse", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "reversed"
    assert balance(ledger.pool(), "institution", D(2021, 3, 1)) == 0


def test_panel_needs_the_view_permission(client, django_user_model, filled):
    client.force_login(_user(django_user_model, "nobody"))
    response = client.get(reverse("admin:staffing_quota_panel", args=["a"]))
    assert response.status_code == 403


def test_a_scoped_clerk_cannot_move_quotas_outside_their_jurisdiction(
    client, django_user_model, ledger, county
):
    from units.models import JurisdictionScope

    inside = ledger.unit("k1", jurisdiction=county.code)
    outside = ledger.unit("c1")
    ledger.grant(inside, 5)
    ledger.grant(outside, 5)
    clerk = _user(django_user_model, "kdl", "staffing.add_transfer", "staffing.view_transfer")
    JurisdictionScope.objects.create(user=clerk, jurisdiction=county)
    client.force_login(clerk)
    decision = ledger.decision()
    data = {
        "date": "2016-01-01",
        "kind": "institution",
        "amount": "1",
        "from_account": "k1",
        "to_account": "pool:150203",
        "decision": decision.number,
        "reason": "reallocation",
    }
    url = reverse("admin:staffing_transfer_add")
    assert client.post(url, data).status_code == 302
    count = Transfer.objects.count()
    response = client.post(url, {**data, "from_account": "c1"})
    assert "管辖范围" in response.content.decode()
    response = client.post(url, {**data, "to_account": "pool:150200"})
    assert "管辖范围" in response.content.decode()
    assert Transfer.objects.count() == count


def test_pool_screen_shows_the_latest_lines_with_a_correct_running_balance(ledger, filled):
    from staffing.selectors import pool_screen

    for day in range(1, 8):
        ledger.move(ledger.account(filled), ledger.pool(), 1, on=D(2016, 1, day))
    screen = pool_screen(ledger.city, D(2020, 1, 1), limit=3)
    assert screen.line_count == 7 and len(screen.lines) == 3
    assert screen.opening["institution"] == 4
    assert [t.date.day for t in screen.lines] == [5, 6, 7]


def test_the_unit_page_links_to_its_quota_panel(admin_client, filled):
    response = admin_client.get(reverse("admin:units_institution_change", args=[filled.pk]))
    assert response.status_code == 200
    assert reverse("admin:staffing_quota_panel", args=["a"]) in response.content.decode()


def test_a_campaign_preview_is_discarded_by_its_author_or_an_approver(
    client, django_user_model, ledger
):
    b = ledger.unit("b")
    ledger.grant(b, 10)
    headcount_report(unit=b, kind="institution", as_of=D(2020, 1, 1), actual=4)
    decision = ledger.decision()
    previewer = ("staffing.add_recoverycampaign", "staffing.view_recoverycampaign")
    author = _user(django_user_model, "author", *previewer)
    other = _user(django_user_model, "other", *previewer)
    approver = _user(
        django_user_model, "approver", "units.approve_decision", "staffing.view_recoverycampaign"
    )
    form = {
        "jurisdiction": "150200",
        "on": "2021-03-01",
        "decision": decision.number,
        "kind": "institution",
        "share": "0.5",
        "rounding": "floor",
    }

    def preview(user):
        client.force_login(user)
        assert client.post(reverse("admin:staffing_recoverycampaign_add"), form).status_code == 302
        return RecoveryCampaign.objects.latest("id")

    def detail(campaign):
        url = reverse("admin:staffing_recoverycampaign_change", args=[campaign.pk])
        return client.get(url).content.decode()

    def discard(campaign, **kwargs):
        return client.post(reverse("admin:staffing_campaign_discard", args=[campaign.pk]), **kwargs)

    first = preview(author)
    page = detail(first)
    assert "discard-campaign" in page and "放弃预览" in page and "author" in page
    client.force_login(other)  # another clerk sees it, without the button, and is refused
    assert "discard-campaign" not in detail(first)
    assert discard(first).status_code == 403
    assert RecoveryCampaign.objects.filter(pk=first.pk).exists()
    client.force_login(author)
    assert (
        client.get(reverse("admin:staffing_campaign_discard", args=[first.pk])).status_code == 405
    )
    response = discard(first, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:staffing_recoverycampaign_changelist")
    assert "收回行动的预览已放弃。" in response.content.decode()
    assert not RecoveryCampaign.objects.filter(pk=first.pk).exists()

    second = preview(other)
    client.force_login(approver)
    assert "discard-campaign" in detail(second)
    assert discard(second).status_code == 302
    assert not RecoveryCampaign.objects.filter(pk=second.pk).exists()

    applied = preview(author)
    client.force_login(approver)
    client.post(reverse("admin:staffing_campaign_apply", args=[applied.pk]))
    client.force_login(author)
    assert "discard-campaign" not in detail(applied)
    response = discard(applied, follow=True)
    assert "不能放弃：只有预览可以放弃，已执行的只能冲回" in response.content.decode()
    applied.refresh_from_db()
    assert applied.status == "applied"
    assert balance(ledger.pool(), "institution", D(2021, 3, 1)) == 3
