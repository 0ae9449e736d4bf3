"""Fixtures of these tests: the admin city (a city with a district, departments, institutions and one user per role) (tests/fixtures/city_admin.py)."""

from tests.fixtures.city_admin import fast_passwords, login, world

__all__ = ["fast_passwords", "login", "world"]
