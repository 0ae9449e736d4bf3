"""In headless Chromium: the clerk enters a merge leaving both keys blank, on a form that shows
the fields of the chosen type; the clerk's check warns of an event that cannot be approved; the
approver approves the merge."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import shot
from tests.fixtures.city_admin import PASSWORD, World, ensure_role_groups
from units.models import Decision, Unit, UnitVersion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_TITLE = (
    "关于整合包头市住房和城乡建设局所属住房服务、住房保障、房产交易和物业管理等事业单位的决定"
)
LONG_NAME = "包头市住房和城乡建设局住房服务与保障中心（包头市房产交易和物业管理服务中心）"


@pytest.fixture
def browser_world(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    return World()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
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
    """Pick a unit in an autocomplete box."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=option_text).first.click()


def shows_whole(page: Page, selector: str) -> bool:
    """Whether an input shows all of its value (nothing scrolled out of sight)."""
    return page.eval_on_selector(selector, "e => e.scrollWidth <= e.clientWidth + 1")


def row(page: Page, field: str):
    return page.locator(f".form-row.field-{field}").first


def test_clerk_merges_with_blank_keys_checks_and_approver_approves(
    browser_world, live_server, page
):
    base = live_server.url
    log_in(page, base, "clerk")
    page.goto(base + "/admin/units/decision/add/")
    expect(page.locator("#decision-status")).to_contain_text("新决定")
    expect(page.locator("#decision-status")).to_contain_text("下一步")
    page.fill("#id_number", "包编发〔2020〕12号")
    page.fill("#id_title", LONG_TITLE)
    page.fill("#id_issuer", "包头市机构编制委员会")
    page.fill("#id_issued_on", "2020-12-20")
    # Long titles show whole: the input is as wide as what it holds.
    assert shows_whole(page, "#id_title")

    # Before a type is chosen, only the event's key, type and date show.
    expect(row(page, "sources")).to_be_hidden()
    expect(row(page, "targets")).to_be_hidden()
    expect(page.locator("#id_events-0-new1_name")).to_be_hidden()
    # The form follows the type (DESIGN §2): a change sets attributes of one source …
    page.select_option("#id_events-0-type", "change")
    expect(row(page, "sources")).to_be_visible()
    expect(page.locator("#id_events-0-set_name")).to_be_visible()
    expect(page.locator("#id_events-0-new1_name")).to_be_hidden()
    expect(row(page, "targets")).to_be_hidden()
    # … an absorb continues an existing target …
    page.select_option("#id_events-0-type", "absorb")
    expect(row(page, "targets")).to_be_visible()
    expect(page.locator("#id_events-0-set_name")).to_be_visible()
    # … an establish has no source and one new unit …
    page.select_option("#id_events-0-type", "establish")
    expect(row(page, "sources")).to_be_hidden()
    expect(page.locator("#id_events-0-new1_name")).to_be_visible()
    expect(page.locator("#id_events-0-new2_name")).to_be_hidden()
    # … a split several new units; a merge two sources and one new unit, no existing target.
    page.select_option("#id_events-0-type", "split")
    expect(page.locator("#id_events-0-new2_name")).to_be_visible()
    page.select_option("#id_events-0-type", "merge")
    expect(row(page, "sources")).to_be_visible()
    expect(page.locator("#id_events-0-new1_name")).to_be_visible()
    expect(row(page, "targets")).to_be_hidden()
    expect(page.locator("#id_events-0-set_name")).to_be_hidden()
    expect(page.locator("#id_events-0-new2_name")).to_be_hidden()

    # The merge, both keys left blank.
    page.fill("#id_events-0-effective_on", "2021-03-31")
    choose(page, "id_events-0-sources", "房产服务", "包头市房产服务中心")
    choose(page, "id_events-0-sources", "住房保障", "包头市住房保障中心")
    page.fill("#id_events-0-new1_name", LONG_NAME)
    assert shows_whole(page, "#id_events-0-new1_name")
    page.select_option("#id_events-0-new1_jurisdiction", "150200")
    choose(page, "id_events-0-new1_parent", "住房和城乡", "包头市住房和城乡建设局")
    page.select_option("#id_events-0-new1_category", "public_welfare_1")
    shot(page, "decision-form-merge-blank-keys")
    page.click("input[name=_continue]")

    # Saved: the keys generated are named in a message and shown in the form.
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator(".messagelist .info")).to_contain_text("2020-12-merge-1")
    expect(page.locator(".messagelist .info")).to_contain_text("2020-12-merge-1-new1")
    expect(page.locator("#id_events-0-key")).to_have_value("2020-12-merge-1")
    expect(page.locator("#id_events-0-new1_key")).to_have_value("2020-12-merge-1-new1")
    expect(page.locator("#decision-status")).to_contain_text("草稿")
    expect(page.locator("#decision-status")).to_contain_text("检查")
    expect(page.locator(".messagelist .warning")).to_have_count(0)
    shot(page, "decision-form-saved-keys-shown")
    decision = Decision.objects.get(number="包编发〔2020〕12号")
    assert decision.status == "draft"
    new_unit = Unit.objects.get(key="2020-12-merge-1-new1")

    # The saved merge came with the fields of a merge only; another type brings its own.
    assert page.locator("#id_events-0-set_name").count() == 0
    page.select_option("#id_events-0-type", "change")
    expect(page.locator("#id_events-0-set_name")).to_be_visible()
    expect(page.locator("#id_events-0-new1_name")).to_be_hidden()
    page.select_option("#id_events-0-type", "split")
    expect(page.locator("#id_events-0-new2_name")).to_be_visible()
    expect(page.locator("#id_events-0-new1_name")).to_have_value(LONG_NAME)
    page.select_option("#id_events-0-type", "merge")
    expect(page.locator("#id_events-0-set_name")).to_be_hidden()
    expect(page.locator("#id_events-0-new2_name")).to_be_hidden()

    # A second event abolishes 青山区档案馆 before it existed (registered from 2015): the
    # draft saves, with the approval's check as a warning.
    page.click(".inline-group#events-group .add-row a")
    page.select_option("#id_events-1-type", "abolish")
    expect(page.locator(".form-row.field-targets").nth(1)).to_be_hidden()
    page.fill("#id_events-1-effective_on", "2010-01-01")
    choose(page, "id_events-1-sources", "青山区档案", "青山区档案馆")
    page.click("input[name=_continue]")
    warning = page.locator(".messagelist .warning")
    expect(warning).to_contain_text("检查")
    expect(warning).to_contain_text("2020-12-abolish-2")
    expect(warning).to_contain_text("qs-1")
    shot(page, "decision-form-saved-with-warning")
    assert Decision.objects.get(pk=decision.pk).events.count() == 2

    # The clerk's check: the approver's preview, with its problems, and no approve button.
    page.click("#check-link")
    expect(page.locator("#check-result .warning")).to_be_visible()
    expect(page.locator("#approval-problems")).to_contain_text("2020-12-abolish-2")
    expect(page.locator("input[name=confirm]")).to_have_count(0)
    shot(page, "decision-check-with-problem")

    # The clerk removes the bad event; the check finds nothing and shows what would change.
    page.click("#back-to-decision")
    bad = page.locator(".inline-related", has_text="2020-12-abolish-2（")
    bad.locator("input[name$='-DELETE']").check()
    page.click("#save-and-check")
    expect(page.locator("#check-result .success")).to_be_visible()
    expect(page.locator("#preview-starts")).to_contain_text(LONG_NAME)
    expect(page.locator("#preview-ends")).to_contain_text("包头市房产服务中心")
    shot(page, "decision-check-clean")

    # The approver sees the next step, previews and approves.
    log_in(page, base, "approver")
    page.goto(base + f"/admin/units/decision/{decision.pk}/change/")
    expect(page.locator("#decision-status")).to_contain_text("预览并批准")
    page.click("#approve-link")
    expect(page.locator("#preview-starts")).to_contain_text(LONG_NAME)
    expect(page.locator("#preview-departments")).to_contain_text("-1")
    page.click("input[name=confirm]")
    expect(page.locator(".messagelist .success")).to_contain_text("已批准")
    expect(page.locator("#decision-status")).to_contain_text("已批准")
    expect(page.locator("#decision-status")).to_contain_text("撤回")
    shot(page, "decision-approved")
    decision.refresh_from_db()
    assert decision.status == "approved"
    assert UnitVersion.objects.get(unit=new_unit).name == LONG_NAME


def test_form_works_without_script(browser_world, live_server, browser):
    """Without script every group of fields shows, and a blank-keyed merge saves."""
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    base = live_server.url
    log_in(page, base, "clerk")
    page.goto(base + "/admin/units/decision/add/")
    expect(row(page, "targets")).to_be_visible()
    expect(page.locator("#id_events-0-set_name")).to_be_visible()
    expect(page.locator("#id_events-0-new3_name")).to_be_visible()
    page.fill("#id_number", "包编发〔2020〕13号")
    page.fill("#id_title", "关于设立包头市住房服务中心的决定")
    page.fill("#id_issued_on", "2020-12-20")
    page.select_option("#id_events-0-type", "establish")
    page.fill("#id_events-0-effective_on", "2021-03-31")
    page.fill("#id_events-0-new1_name", "包头市住房服务中心")
    page.select_option("#id_events-0-new1_jurisdiction", "150200")
    shot(page, "decision-form-without-script")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .info")).to_contain_text("2020-13-establish-1")
    assert Unit.objects.filter(key="2020-13-establish-1-new1").exists()
    context.close()
