"""Fixtures of these tests: the small city of the registry-core tests (tests/fixtures/units_registry.py); the admin city (a city with a district, departments, institutions and one user per role) (tests/fixtures/city_admin.py)."""

from tests.fixtures.city_admin import fast_passwords, login, world
from tests.fixtures.units_registry import reg, registry_class

__all__ = ["fast_passwords", "login", "reg", "registry_class", "world"]
