"""The pages for officials in headless Chromium, on the demo of the Baotou reform."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from tests.fixtures.browser import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "official-browser-2021"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)
    user = User.objects.create_user("reader", password=PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="units", codename="view_unit")
    )
    return user


def log_in(browser, live_server, next_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}{next_path}")
    assert "/accounts/login/" in page.url  # every page asks for a login first
    page.get_by_label("用户名").fill("reader")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_path.split("?")[0])))
    return page


def test_official_reads_lineage_counts_dashboard_and_search(demo, browser, live_server):
    # 1. A unit with a merge history: its predecessors are linked nodes of the lineage diagram.
    page = log_in(browser, live_server, "/units/bt-zjj-green/?as_of=2021-03-31")
    assert page.locator("h1").inner_text().startswith("包头市建筑节能与绿色建筑发展中心")
    diagram = page.locator("svg.lineage-svg")
    assert diagram.is_visible()
    nodes = diagram.locator("a.node")
    labels = [nodes.nth(i).locator("text").text_content() for i in range(nodes.count())]
    for predecessor in ("包头市墙体材料改革办公室", "包头市散装水泥办公室", "包头市建筑节能管理站"):
        assert predecessor in labels
    assert diagram.locator("path.link-merge").count() == 3
    shot(page, "unit")
    # following a node opens the predecessor's page, which says when it ended
    diagram.locator("a.node", has_text="包头市建筑节能管理站").locator("rect").click()
    page.wait_for_url(re.compile(r"/units/[^/]+/\?as_of=2021-03-31$"))
    assert "包头市建筑节能管理站" in page.locator("h1").inner_text()
    assert "终止" in page.locator(".alert.info").inner_text()

    # 2. Change the as-of date on a department's page and see its count change.
    page.goto(f"{live_server.url}/departments/bt-zjj/?as_of=2020-01-01")
    count = page.locator("#institution-count .value")
    assert count.inner_text() == "32"
    page.get_by_label("查询日期").fill("2021-03-31")
    page.get_by_role("button", name="查看该日状态").click()
    page.wait_for_url(re.compile(r"as_of=2021-03-31"))
    assert page.locator("#institution-count .value").inner_text() == "13"
    assert page.locator("figure.chart svg").is_visible()
    shot(page, "department")

    # 3. The dashboard of the demo reform gives the article's reduction rate.
    page.get_by_role("link", name="改革成效").click()
    page.wait_for_url(re.compile(r"/reports/reform/"))
    assert page.locator("#figure-institutions .value").inner_text() == "342 → 202"
    assert page.locator("#figure-reduction-rate .value").inner_text() == "40.94%"
    assert "约 41%" in page.locator("#figure-reduction-rate .detail").inner_text()  # the article
    assert page.locator("#figure-at-most-3 .value").inner_text() == "37 / 55"
    assert "约 67%" in page.locator("#figure-at-most-3 .detail").inner_text()
    assert page.locator("svg rect.bar-before").count() >= 50
    shot(page, "dashboard")
    page.get_by_label("预览：包含草稿决定").check()
    page.get_by_role("button", name="生成报告").click()
    page.wait_for_url(re.compile(r"include_drafts=true"))
    assert "预览" in page.locator("#preview-banner").inner_text()

    # 4. Search by a former name, keyboard access, and the switch to English.
    page.goto(f"{live_server.url}/units/")
    # the skip link is the first stop of the keyboard and leads to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("名称、曾用名或统一社会信用代码").fill("建筑节能管理站")
    page.get_by_label("状态").select_option("all")
    page.get_by_role("button", name="查询", exact=True).click()
    page.wait_for_url(re.compile(r"q="))
    assert page.get_by_role("link", name="包头市建筑节能管理站").is_visible()
    shot(page, "units")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Units").first.is_visible()
