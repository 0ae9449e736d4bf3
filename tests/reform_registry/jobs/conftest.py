"""Fixtures of these tests: the small city ledger (tests/fixtures/staffing_city.py)."""

from tests.fixtures.staffing_city import city, county, ledger

__all__ = ["city", "county", "ledger"]
