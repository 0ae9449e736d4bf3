"""The unit list's direct representation equals DRF's field-by-field one, row for row."""

import pytest

from units.api.serializers import UnitStateSerializer


@pytest.mark.parametrize("as_of", ["2020-01-01", "2020-06-01", "2021-03-31"])
def test_direct_representation_equals_the_declared_fields(api, reform, monkeypatch, as_of):
    params = {"as_of": as_of, "page_size": 100}
    direct = api.get("/api/v1/units/", params).json()
    assert direct["count"] > 5
    assert any(row["parent"] for row in direct["results"])
    assert any(row["parent_name"] for row in direct["results"])

    monkeypatch.setattr(
        UnitStateSerializer, "to_representation", UnitStateSerializer.generic_representation
    )
    generic = api.get("/api/v1/units/", params).json()
    assert direct == generic


def test_csv_columns_follow_the_declared_fields(api, reform):
    response = api.get("/api/v1/units/", {"as_of": "2020-01-01", "format": "csv"})
    header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["key", "kind", "url"]
    assert "parent_name" in header and "valid_to" in header
