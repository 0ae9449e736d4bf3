"""Each FilterSet instance has filters of its own; the declared ones are never bound."""

from units.filtersets import UnitFilterSet
from units.models import UnitVersion


def test_instances_do_not_share_filters_or_bindings():
    first = UnitFilterSet({"as_of": "2020-01-01"}, UnitVersion.objects.none())
    second = UnitFilterSet({"as_of": "2021-01-01"}, UnitVersion.objects.none())
    for name, declared in UnitFilterSet.base_filters.items():
        assert first.filters[name] is not declared
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first
        assert second.filters[name].parent is second
        assert getattr(declared, "parent", None) is None
    # Filters with a method call it on their own FilterSet.
    assert first.filters["as_of"].filter.f is first.filters["as_of"]
    assert second.filters["as_of"].filter.f is second.filters["as_of"]
