"""In headless Chromium: a clerk enters a decision merging two institutions into a new one, an
approver previews and approves it, and the new unit shows with its history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.city_admin import PASSWORD, World, ensure_role_groups
from units.models import Decision, Unit, UnitVersion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser_world(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    return World()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()


def choose(page: Page, select_id: str, term: str, option_text: str) -> None:
    """Pick a unit in a select2 autocomplete box."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    page.locator(".select2-results__option", has_text=option_text).first.click()


def test_clerk_enters_merge_approver_approves(browser_world, live_server, page):
    base = live_server.url

    # The clerk enters the draft: one merge event, its two sources and its new unit.
    log_in(page, base, "clerk")
    page.goto(base + "/admin/units/decision/add/")
    page.fill("#id_number", "包编发〔2020〕12号")
    page.fill("#id_title", "关于整合住房服务机构的决定")
    page.fill("#id_issuer", "包头市机构编制委员会")
    page.fill("#id_issued_on", "2020-12-20")
    page.fill("#id_events-0-key", "merge-housing")
    page.select_option("#id_events-0-type", "merge")
    # Only the fieldsets that fit a merge show: the new unit, not the attributes of a change.
    expect(page.locator("#id_events-0-new1_key")).to_be_visible()
    expect(page.locator("#id_events-0-set_name")).to_be_hidden()
    page.fill("#id_events-0-effective_on", "2021-03-31")
    choose(page, "id_events-0-sources", "房产服务", "包头市房产服务中心")
    choose(page, "id_events-0-sources", "住房保障", "包头市住房保障中心")
    page.fill("#id_events-0-new1_key", "city-housing-service")
    page.fill("#id_events-0-new1_name", "包头市住房服务中心")
    page.select_option("#id_events-0-new1_jurisdiction", "150200")
    choose(page, "id_events-0-new1_parent", "住房和城乡", "包头市住房和城乡建设局")
    page.select_option("#id_events-0-new1_category", "public_welfare_1")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    assert decision.status == "draft"
    assert decision.events.get().participants.count() == 3

    # The approver previews what changes, then approves.
    log_in(page, base, "approver")
    page.goto(base + f"/admin/units/decision/{decision.pk}/change/")
    page.click("#approve-link")
    expect(page.locator("#preview-starts")).to_contain_text("包头市住房服务中心")
    expect(page.locator("#preview-ends")).to_contain_text("包头市房产服务中心")
    expect(page.locator("#preview-ends")).to_contain_text("包头市住房保障中心")
    expect(page.locator("#preview-departments")).to_contain_text("-1")
    page.click("input[name=confirm]")
    expect(page.locator(".messagelist .success")).to_contain_text("已批准")
    decision.refresh_from_db()
    assert decision.status == "approved"

    # The new unit shows, with its history: started by the merge of this decision.
    unit = Unit.objects.get(key="city-housing-service")
    page.goto(base + f"/admin/units/institution/{unit.pk}/change/")
    history = page.locator("#unit-history")
    expect(history).to_contain_text("2021-03-31")
    expect(history).to_contain_text("包头市住房服务中心")
    expect(history).to_contain_text("merge-housing")
    expect(history).to_contain_text("包编发〔2020〕12号")
    ended = Unit.objects.get(key="city-a")
    page.goto(base + f"/admin/units/institution/{ended.pk}/change/")
    expect(page.locator("#unit-history")).to_contain_text("merge-housing")
    page.goto(base + "/admin/units/institution/?status=active")
    expect(page.locator("#result_list")).to_contain_text("包头市住房服务中心")
    expect(page.locator("#result_list")).not_to_contain_text("包头市房产服务中心")
    page.goto(base + "/units/city-housing-service/")
    expect(page.locator("body")).to_contain_text(re.compile("包头市住房服务中心"))
    assert UnitVersion.objects.get(unit=unit).parent.key == "city-housing"
