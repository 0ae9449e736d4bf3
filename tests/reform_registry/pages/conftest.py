"""Fixtures of these tests: the small registry of the page tests (tests/fixtures/pages_registry.py)."""

from tests.fixtures.pages_registry import official, official_client, registry

__all__ = ["official", "official_client", "registry"]
