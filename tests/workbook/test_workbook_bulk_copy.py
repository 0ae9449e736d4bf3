"""units.bulk.copy_insert stores exactly what bulk_create would (COPY on PostgreSQL)."""

import datetime as dt

import pytest

from units.audit import record_many
from units.bulk import copy_insert
from units.models import AuditEntry, Jurisdiction, Unit, UnitVersion

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
