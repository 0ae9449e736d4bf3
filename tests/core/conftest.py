"""Fixtures of these tests: the two sibling districts of the read-policy tests (tests/fixtures/scoped_registry.py); the admin city (a city with a district, departments, institutions and one user per role) (tests/fixtures/city_admin.py)."""

from tests.fixtures.city_admin import fast_passwords, login, world
from tests.fixtures.scoped_registry import scoped_registry

__all__ = ["fast_passwords", "login", "scoped_registry", "world"]
