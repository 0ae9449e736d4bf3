"""Headless Chromium for the browser tests: Debian's package, driven by Playwright.

`make test` installs the package when it is missing (scripts/ensure-chromium); a run without it
fails here with one sentence instead of skipping the browser tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Screenshots of every page a browser test looks at; `make test` keeps them under var/.
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}: "
            "run `make test` (it installs it) or `apt-get install chromium`.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture
def browser(chromium_path: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        # ORM calls made while Playwright runs get their own connection; close it here.
        connections.close_all()
        chromium.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot of what the test sees, and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
