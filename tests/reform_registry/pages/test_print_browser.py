"""The officials' pages printed by headless Chromium, on the demo of the Baotou reform: A4,
without the navigation, with the date and the source of the figures."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from tests.fixtures.browser import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "official-print-2021"
# A4 in PDF points (1/72 inch): 210 mm × 297 mm.
A4 = (595.0, 842.0)
SCREEN = {"width": 1280, "height": 900}
PRINTED_WIDTH = {"width": 718, "height": 1000}  # 210 mm less 2 × 12 mm of margins, in CSS px


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)
    user = User.objects.create_user("printer", password=PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="units", codename="view_unit")
    )
    return user


def log_in(browser, live_server, next_path):
    context = browser.new_context(locale="zh-CN", viewport=SCREEN)
    page = context.new_page()
    page.goto(f"{live_server.url}{next_path}")
    page.get_by_label("用户名").fill("printer")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_path.split("?")[0])))
    return page


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF, each checked to be A4 by its media box."""
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes
    for width, height in boxes:
        assert abs(float(width) - A4[0]) < 2 and abs(float(height) - A4[1]) < 2, (width, height)
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def printed(page, name: str) -> int:
    """Look at the page in print media as wide as A4 paper less its margins (a screenshot),
    then print it to an A4 PDF."""
    page.emulate_media(media="print")
    page.set_viewport_size(PRINTED_WIDTH)
    # the navigation, the date picker and the forms are not printed; the date and source are
    for hidden in (".site-header", ".filters", ".site-footer", ".skip-link"):
        assert all(not el.is_visible() for el in page.locator(hidden).all()), hidden
    meta = page.locator("#print-meta")
    assert meta.is_visible()
    assert "数据来源：机构编制委员会办公室机构编制登记" in meta.inner_text()
    assert "打印时间：" in meta.inner_text()
    shot(page, f"{name}-print")
    pages = pdf_pages(page.pdf(format="A4"))
    page.emulate_media(media="screen")
    page.set_viewport_size(SCREEN)
    return pages


def test_dashboard_unit_and_department_print_on_a4(demo, browser, live_server):
    # The dashboard opens on the demo's reform (its latest reform period) and prints on one
    # or two A4 pages.
    page = log_in(browser, live_server, "/reports/reform/")
    assert page.locator("#r-before").input_value() == "2020-01-01"
    assert page.locator("#r-after").input_value() == "2021-03-31"
    assert page.locator("#figure-institutions .value").inner_text() == "342 → 202"
    assert page.locator("#as-of").count() == 0  # a range page: only its own range pickers
    denominators = page.locator("#denominators").inner_text()
    assert "58 个部门" in denominators and "55 个涉改部门" in denominators
    shot(page, "dashboard-screen")
    assert 1 <= printed(page, "dashboard") <= 2
    page.emulate_media(media="print")
    meta = page.locator("#print-meta").inner_text()
    assert "基准日期 2020-01-01，改革后日期 2021-03-31" in meta
    page.emulate_media(media="screen")

    # The unit page and the department page print on A4 too, with the date of their state.
    page.goto(f"{live_server.url}/units/bt-zjj-green/?as_of=2021-03-31")
    assert printed(page, "unit") >= 1
    page.emulate_media(media="print")
    assert "登记状态日期：2021-03-31" in page.locator("#print-meta").inner_text()
    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/departments/bt-zjj/?as_of=2021-03-31")
    assert printed(page, "department") >= 1

    # The changes page opens on the same reform, which has data in the demo.
    page.goto(f"{live_server.url}/changes/")
    assert page.locator("#c-from").input_value() == "2020-01-01"
    assert page.locator("#as-of").count() == 0
    assert int(page.locator("#n-ended").inner_text()) > 0
    assert page.get_by_role("link", name="包编发〔2020〕12号").is_visible()
