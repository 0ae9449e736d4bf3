"""Every named database constraint of units and staffing has a test that makes it refuse.

The constraints are every ``Meta.constraints`` entry and every unique field of the apps' models
(``tests/fixtures/constraints.py``). The tests that break them are the registries of the model tests:
``NAMED`` and ``VALIDATED`` in tests/units/test_models.py, ``CASES`` in
tests/staffing/test_models.py, each run there asserting that the database (or the
model's validation) refuses the row by the constraint's name. A new constraint without an entry
fails here; so does an entry whose constraint is gone.
"""

from tests.fixtures.constraints import named_constraints
from tests.staffing import test_models as staffing_cases
from tests.units import test_models as units_cases

APPS = ("units", "staffing")


def with_a_case() -> set[str]:
    return {
        *units_cases.NAMED,
        *units_cases.VALIDATED,
        *(staffing_cases.constraint_of(case) for case in staffing_cases.CASES),
    }


def test_the_apps_have_constraints_and_unique_fields():
    names = named_constraints(*APPS)
    assert "units_unitversion_one_open_version" in names
    assert "staffing_transfer_reversed_once" in names
    assert "units.Unit.key unique" in names


def test_every_constraint_has_a_test_that_breaks_it():
    missing = sorted(set(named_constraints(*APPS)) - with_a_case())
    assert not missing, f"no test breaks {missing}: add a case that writes what each forbids"


def test_every_case_breaks_a_constraint_that_exists():
    unknown = sorted(with_a_case() - set(named_constraints(*APPS)))
    assert not unknown, f"no such constraint: {unknown}"
