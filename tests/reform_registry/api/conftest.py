"""Fixtures of these tests: the hand-computed reform with quotas of the API and report tests (tests/fixtures/reform_api.py)."""

from tests.fixtures.reform_api import (
    api,
    ledger,
    official,
    reader_token,
    reform,
    shared_registry,
    writer_token,
)

__all__ = ["api", "ledger", "official", "reader_token", "reform", "shared_registry", "writer_token"]
