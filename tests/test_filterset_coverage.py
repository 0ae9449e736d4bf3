"""Every concrete field of a filterable model has a filter (as NetBox checks its filter sets).

A model is filterable when ``units/filtersets.py`` or ``staffing/filtersets.py`` has a FilterSet
of it. A field counts as filtered when a filter reads it (its ``field_name`` is the field, or
starts with it and ``__``, as ``unit__key`` reads ``unit``). A field without a filter fails
here, unless it is exempted below with the reason why.
"""

from __future__ import annotations

import inspect

import pytest
from django_filters import FilterSet

from staffing import filtersets as staffing_filtersets
from units import filtersets as units_filtersets

# The primary key is internal: rows are addressed by their key, code or number.
EVERY_MODEL = {"id": "the primary key is internal; URLs address rows by key, code or number"}
BOOKKEEPING = "when a row was written; the audit trail records who did what and when"

EXEMPT: dict[str, dict[str, str]] = {
    "units.UnitVersion": {
        "valid_from": "the list shows the version chosen by as_of and status, not by its span",
        "valid_to": "the list shows the version chosen by as_of and status, not by its span",
        "opened_by": "the events of a unit are /units/{key}/history/ and /events/?unit=",
        "closed_by": "the events of a unit are /units/{key}/history/ and /events/?unit=",
    },
    "units.Decision": {
        "revision": "a counter of concurrent saves, not a property of the decision",
        "number_key": "the number's compared form, kept for its uniqueness; lists filter by number",
        "created_by": BOOKKEEPING,
        "created_at": BOOKKEEPING,
        "updated_at": BOOKKEEPING,
        "approved_by": "approval is the status filter; the audit trail names the approver",
        "approved_at": "approval is the status filter; the audit trail has the time",
        "revoked_by": "revocation is the status filter; the audit trail names who revoked",
        "revoked_at": "revocation is the status filter; the audit trail has the time",
    },
    "units.Event": {
        "attributes": "JSON of the values an event sets; the unit list filters their result",
        "note": "free text for the clerks",
    },
    "staffing.Transfer": {
        "from_account": "an account is filtered by the unit or pool at either end (unit=, pool=)",
        "to_account": "an account is filtered by the unit or pool at either end (unit=, pool=)",
        "note": "free text for the clerks",
        "created_at": BOOKKEEPING,
    },
    "staffing.HeadcountReport": {"created_at": BOOKKEEPING},
}


def filter_sets() -> list[type[FilterSet]]:
    found = []
    for module in (units_filtersets, staffing_filtersets):
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, FilterSet)
                and value.__module__ == module.__name__
                and value._meta.model is not None
            ):
                found.append(value)
    return sorted(found, key=lambda cls: cls.__name__)


def label(filterset: type[FilterSet]) -> str:
    return filterset._meta.model._meta.label


def filtered_fields(filterset: type[FilterSet]) -> set[str]:
    return {f.field_name.split("__")[0] for f in filterset.base_filters.values()}


def exempt(filterset: type[FilterSet]) -> dict[str, str]:
    return {**EVERY_MODEL, **EXEMPT.get(label(filterset), {})}


def test_every_filterable_model_is_found():
    assert {label(f) for f in filter_sets()} >= {
        "units.Jurisdiction",
        "units.UnitVersion",
        "units.Decision",
        "units.Event",
        "staffing.Account",
        "staffing.Transfer",
        "staffing.HeadcountReport",
    }


@pytest.mark.parametrize("filterset", filter_sets(), ids=lambda f: f.__name__)
def test_every_field_has_a_filter(filterset):
    model = filterset._meta.model
    fields = {f.name for f in model._meta.concrete_fields}
    missing = sorted(fields - filtered_fields(filterset) - set(exempt(filterset)))
    assert not missing, f"{filterset.__name__}: no filter for {missing} (add one, or exempt it)"


@pytest.mark.parametrize("filterset", filter_sets(), ids=lambda f: f.__name__)
def test_every_exemption_is_needed(filterset):
    """An exemption names a field of the model that has no filter, with a reason."""
    fields = {f.name for f in filterset._meta.model._meta.concrete_fields}
    for name, reason in exempt(filterset).items():
        assert name in fields, f"{label(filterset)}.{name} is not a field"
        assert name not in filtered_fields(filterset), f"{label(filterset)}.{name} has a filter"
        assert reason.strip()


def test_every_exempted_model_has_a_filter_set():
    assert set(EXEMPT) <= {label(f) for f in filter_sets()}
