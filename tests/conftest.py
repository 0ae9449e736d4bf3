"""Shared fixtures of the suite."""

import os

import pytest

from tests.fixtures.browser import browser, chromium_path

__all__ = ["browser", "chromium_path", "on_postgres"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _on_postgresql() -> bool:
    from django.conf import settings

    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def _postgresql_only(item: pytest.Item) -> bool:
    return "on_postgres" in getattr(item, "fixturenames", ()) or bool(
        item.get_closest_marker("postgres")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL's own behaviour (row locks, query plans, commit order) are not
    collected on SQLite, where they have nothing to test; CI runs the suite on both engines."""
    if _on_postgresql():
        return
    postgresql_only = [item for item in items if _postgresql_only(item)]
    if postgresql_only:
        config.hook.pytest_deselected(items=postgresql_only)
        items[:] = [item for item in items if not _postgresql_only(item)]
        config.stash[_NOT_COLLECTED] = len(postgresql_only)


_NOT_COLLECTED = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    count = config.stash.get(_NOT_COLLECTED, 0)
    if count:
        terminalreporter.write_line(
            f"{count} tests of PostgreSQL's own behaviour belong to the PostgreSQL run "
            "(DATABASE_URL=postgres://…); this SQLite run ran every other test."
        )


@pytest.fixture
def on_postgres() -> bool:
    """Marks a test of PostgreSQL's own behaviour: collected only when the suite runs there."""
    return True
