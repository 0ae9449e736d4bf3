"""Under the content security policy (django-csp) the pages, the admin and the API docs work in
Chromium: none reports a violation, and every asset comes from the site itself."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.fixtures.browser import shot
from tests.fixtures.pages_registry import build_registry
from units.models import Decision

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Records each violation the page reports, from before its first script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def page(browser, live_server, transactional_db):
    build_registry()
    user = User.objects.create_superuser("director", password="director-pass-2021")
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.console_errors = []
    page.requests = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def visit(page, live_server, path: str, ready: str, name: str) -> None:
    page.requests.clear()
    page.console_errors.clear()
    response = page.goto(live_server.url + path)
    assert response.status == 200, path
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    shot(page, f"csp-{name}")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], (path, violations)
    csp_errors = [m for m in page.console_errors if "Content Security Policy" in m]
    assert csp_errors == [], (path, csp_errors)
    foreign = [u for u in page.requests if not u.startswith((live_server.url, "data:"))]
    assert foreign == [], (path, foreign)  # no CDN


def test_pages_admin_and_api_docs_report_no_violation(page, live_server):
    decision = Decision.objects.order_by("pk").first()
    for path, ready, name in [
        ("/units/", "main table", "units"),
        ("/units/fangguan/", "main h1", "unit"),
        ("/reports/reform/", "main h1", "dashboard"),
        ("/admin/", "#content-main", "admin-index"),
        ("/admin/units/unit/", "#result_list", "admin-changelist"),
        (f"/admin/units/decision/{decision.pk}/change/", "#decision_form", "admin-decision"),
        ("/api/docs/", ".swagger-ui .info .title", "api-docs"),
    ]:
        visit(page, live_server, path, ready, name)
    # The docs' script and style are files of the site (drf-spectacular-sidecar, the split view).
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in u for u in page.requests)
    assert any("/api/docs/?script" in u for u in page.requests)
