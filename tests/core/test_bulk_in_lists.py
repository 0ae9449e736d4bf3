"""Long ``__in`` lists of plain ids or keys (core.bulk.use_arrays_for_long_in_lists) select
exactly the rows Django would; other values are still prepared for the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.bulk import ARRAY_IN_THRESHOLD
from units.models import Unit

pytestmark = pytest.mark.django_db

N = ARRAY_IN_THRESHOLD + 50


@pytest.fixture
def units():
    made = Unit.objects.bulk_create(
        [Unit(key=f"in-{i:04d}", kind="institution") for i in range(N + 20)]
    )
    return sorted(made, key=lambda u: u.pk)


def _sql_of(queryset) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(queryset)
    return queries.captured_queries[-1]["sql"]


def test_plain_ids_and_keys_select_the_same_rows(units):
    wanted = units[:N]
    by_id = Unit.objects.filter(id__in=[u.pk for u in wanted])
    by_key = Unit.objects.filter(key__in={u.key for u in wanted})
    assert sorted(by_id.values_list("pk", flat=True)) == [u.pk for u in wanted]
    assert sorted(by_key.values_list("pk", flat=True)) == [u.pk for u in wanted]
    if connection.vendor == "postgresql":
        assert "= ANY(" in _sql_of(by_id.values_list("pk"))
        assert "= ANY(" in _sql_of(by_key.values_list("pk"))


def test_foreign_keys_by_id_by_instance_and_through_a_join(units):
    from units.models import UnitRegistration

    wanted = units[:N]
    for unit in units:
        UnitRegistration.objects.create(unit=unit, established_on="2020-01-01", attributes={})
    ids = [u.pk for u in wanted]
    expected = sorted(ids)
    assert (
        sorted(UnitRegistration.objects.filter(unit_id__in=ids).values_list("unit_id", flat=True))
        == expected
    )
    assert (
        sorted(UnitRegistration.objects.filter(unit__in=ids).values_list("unit_id", flat=True))
        == expected
    )
    assert (
        sorted(UnitRegistration.objects.filter(unit__in=wanted).values_list("unit_id", flat=True))
        == expected
    )
    keys = [u.key for u in wanted]
    assert (
        sorted(
            UnitRegistration.objects.filter(unit__key__in=keys).values_list("unit_id", flat=True)
        )
        == expected
    )


def test_values_that_need_preparing_are_still_prepared(units):
    wanted = units[:N]
    as_text = [str(u.pk) for u in wanted]  # Django turns these into ints
    assert Unit.objects.filter(id__in=as_text).count() == N
    mixed = [u.pk for u in wanted[:-1]] + [str(wanted[-1].pk)]
    assert Unit.objects.filter(id__in=mixed).count() == N
    with_none = [u.pk for u in wanted] + [None]
    assert Unit.objects.filter(id__in=with_none).count() == N
    with pytest.raises(ValueError):
        list(Unit.objects.filter(id__in=[u.pk for u in wanted] + ["not a number"]))
