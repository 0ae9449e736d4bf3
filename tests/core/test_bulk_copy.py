"""core.bulk stores exactly what bulk_create would (COPY on PostgreSQL)."""

import datetime as dt
import gc
import threading

import pytest

from core.bulk import copy_insert, copy_values, fewer_collections, insert_with_ids
from units.audit import record_many
from units.models import AuditEntry, Jurisdiction, Unit, UnitRegistration, UnitVersion

pytestmark = pytest.mark.django_db


def test_copy_insert_round_trips_awkward_values():
    city = Jurisdiction.objects.create(code="150200", name="包头市", level="city")
    unit = Unit.objects.create(key="u1", kind="institution")
    text = 'tab\there, newline\nthere, back\\slash, "quotes" and 中文'
    copy_insert(
        UnitVersion,
        [
            UnitVersion(
                unit=unit,
                kind="institution",
                valid_from=dt.date(2020, 1, 1),
                valid_to=None,
                name="名称",
                functions=text,
                jurisdiction=city,
                business_functions=True,
                internal_bodies=7,
            )
        ],
    )
    version = UnitVersion.objects.get(unit=unit)
    assert version.functions == text
    assert version.valid_to is None and version.parent_id is None
    assert version.business_functions is True and version.market_replaceable is False
    assert version.internal_bodies == 7 and version.jurisdiction_id == city.pk


def test_record_many_stores_json_and_null():
    unit = Unit.objects.create(key="u2", kind="department")
    record_many("create", [(unit, None, {"a": [1, "二", None], "b": "x\ty\\z"})])
    entry = AuditEntry.objects.get(object_id=str(unit.pk))
    assert entry.before is None
    assert entry.after == {"a": [1, "二", None], "b": "x\ty\\z"}
    assert entry.at is not None and entry.object_repr == "u2"


def test_copy_values_takes_foreign_keys_by_id():
    unit = Unit.objects.create(key="u3", kind="institution")
    copy_values(
        UnitRegistration,
        ("unit", "established_on", "attributes"),
        [(unit.pk, dt.date(2019, 1, 1), {"name": "甲\t乙", "internal_bodies": 3})],
    )
    stored = UnitRegistration.objects.get(unit=unit)
    assert stored.established_on == dt.date(2019, 1, 1)
    assert stored.attributes == {"name": "甲\t乙", "internal_bodies": 3}


@pytest.mark.parametrize("n", [3, 1200])  # below and above the size sent with COPY
def test_insert_with_ids_gives_every_instance_its_stored_id(n):
    units = insert_with_ids(Unit, [Unit(key=f"bulk-{i}", kind="department") for i in range(n)])
    stored = dict(Unit.objects.filter(key__startswith="bulk-").values_list("key", "id"))
    assert len(stored) == n
    assert all(stored[u.key] == u.pk for u in units)
    assert all(not u._state.adding for u in units)
    assert Unit.objects.get(pk=units[-1].pk).created_at is not None


def test_fewer_collections_nests_and_restores_the_collector():
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with fewer_collections(threshold=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        with fewer_collections(threshold=99):
            assert gc.get_threshold()[0] == 12_345  # the first block open decides
        assert gc.get_threshold()[0] == 12_345
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
    with pytest.raises(RuntimeError), fewer_collections(threshold=777):
        raise RuntimeError  # an error inside the block restores the pace too
    assert gc.get_threshold() == before


def test_fewer_collections_from_two_threads_restores_the_pace_when_both_end():
    before = gc.get_threshold()
    first_in, second_done = threading.Event(), threading.Event()

    def first():
        with fewer_collections(threshold=4_321):
            first_in.set()
            second_done.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with fewer_collections():
        assert gc.get_threshold()[0] == 4_321
    assert gc.get_threshold()[0] == 4_321  # the first thread is still inside
    second_done.set()
    thread.join(5)
    assert gc.get_threshold() == before
