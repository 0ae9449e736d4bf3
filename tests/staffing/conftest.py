"""Fixtures of these tests: the city with a county of the staffing tests (tests/fixtures/staffing_city.py)."""

from tests.fixtures.staffing_city import city, county, ledger

__all__ = ["city", "county", "ledger"]
