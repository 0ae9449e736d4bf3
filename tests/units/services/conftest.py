"""Fixtures of these tests: those of tests/units/conftest.py, and the city with a county of the
staffing tests (tests/fixtures/staffing_city.py), whose ledger the feed's tests write to."""

from tests.fixtures.staffing_city import city, county, ledger

__all__ = ["city", "county", "ledger"]
