"""In headless Chromium, against the server and the job worker started together as `make run`
starts them (scripts/run-with-worker): a workbook over the background threshold uploaded in
the admin is checked, then imported, by the worker, and the job's page shows the progress
advance before the report; Ctrl-C (SIGINT) then stops server and worker both."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import urllib.request

import pytest

from tests.fixtures.big_workbook import big_workbook
from tests.fixtures.browser import shot
from tests.fixtures.worker import worker_site

__all__ = ["worker_site"]

pytestmark = pytest.mark.browser

PASSWORD = "jobs-browser-2021"
CREATE_USER = (
    "import json; from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_superuser('chief', 'c@example.org', '{PASSWORD}'); "
    "print(json.dumps(1))"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def watch(page, seconds: float = 60) -> list[tuple[str, str]]:
    """The (stage, rows) the job's page shows, each change, until the page shows its result."""
    seen: list[tuple[str, str]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if page.locator("#workbook-counts").count():
                return seen
            now = (page.inner_text("#job-stage"), page.inner_text("#job-rows"))
        except Exception:  # the page reloading for its result
            now = None
        if now and (not seen or seen[-1] != now):
            seen.append(now)
        time.sleep(0.03)
    pytest.fail(f"the job did not finish in {seconds} s; seen {seen}", pytrace=False)


def done_rows(seen: list[tuple[str, str]]) -> list[int]:
    return [int(rows.split()[1]) for _stage, rows in seen]


def test_an_admin_import_shows_its_progress_advance(browser, worker_site, tmp_path):
    worker_site.python(CREATE_USER)
    upload = tmp_path / "big.xlsx"
    upload.write_bytes(big_workbook(6000))
    port = free_port()
    worker_site.env["DEBUG"] = "true"  # the static files served without collectstatic
    both = worker_site.popen(
        sys.executable,
        "scripts/run-with-worker",
        sys.executable,
        "--",
        sys.executable,
        "manage.py",
        "runserver",
        "--noreload",
        f"127.0.0.1:{port}",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        worker_site.wait_for(lambda: _answers(url))
        page = browser.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 900}
        ).new_page()
        page.goto(f"{url}/admin/login/?next=/admin/reform_registry/importbatch/add/")
        page.fill("#id_username", "chief")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.set_input_files("#id_file", str(upload))
        page.locator("#content-main input[type=submit]").click()
        page.wait_for_selector("#job-bar")
        assert "/admin/reform_registry/job/" in page.url
        shot(page, "job-check-running")
        checking = watch(page)
        shot(page, "job-check-report")
        assert "6001" in page.inner_text("#workbook-counts")

        page.click("#job-batch")
        page.locator("#workbook-confirm input[type=submit]").click()
        page.wait_for_selector("#job-bar")
        importing = watch(page)
        shot(page, "job-import-report")
        assert page.inner_text("#job-state") == "已完成"
        assert "6001" in page.inner_text("#workbook-counts")
        for seen in (checking, importing):
            # Live: the page changed while the job ran, its rows only ever advancing.
            rows = done_rows(seen)
            assert len(seen) >= 2 and rows == sorted(rows) and rows[-1] > rows[0], seen
            # ...and it showed a stage in the middle of the rows, not only the start and end.
            assert any(0 < r < 6004 for r in rows), seen
    finally:
        pids = children_of(both.pid)
        os.kill(both.pid, signal.SIGINT)  # Ctrl-C
        both.wait(timeout=30)
    assert pids and not [p for p in pids if os.path.exists(f"/proc/{p}")]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/admin/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
