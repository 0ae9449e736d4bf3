"""Jurisdictions and their dated institution caps."""

import datetime as dt

import pytest

from core.errors import RegistryError
from units import selectors, services
from units.models import InstitutionCap, Jurisdiction

D = dt.date


@pytest.mark.parametrize(
    ("code", "name", "level", "needle"),
    [
        ("15020", "x", "city", "6位数字"),
        ("15020A", "x", "city", "6位数字"),
        ("150200", "x", "city", "已存在"),
        ("150300", "x", "village", "层级"),
        ("150300", "", "city", "名称不能为空"),
    ],
)
def test_jurisdiction_refusals(reg, code, name, level, needle):
    before = Jurisdiction.objects.count()
    with pytest.raises(RegistryError, match=needle):
        services.jurisdiction_create(code=code, name=name, level=level)
    assert Jurisdiction.objects.count() == before


def test_zone_under_a_city_counts_as_a_subdivision(reg):
    zone = services.jurisdiction_create(
        code="150271", name="稀土高新区", level="zone", parent=reg.city
    )
    assert zone.pk in selectors.jurisdiction_ids(reg.city, subdivisions=True)
    assert selectors.jurisdiction_ids(reg.city, subdivisions=False) == [reg.city.pk]


def test_caps_are_dated_one_per_date(reg):
    services.institution_cap_set(jurisdiction=reg.city, valid_from=D(2019, 1, 1), cap=300)
    services.institution_cap_set(jurisdiction=reg.city, valid_from=D(2021, 3, 31), cap=202)
    with pytest.raises(RegistryError, match="已有机构限额"):
        services.institution_cap_set(jurisdiction=reg.city, valid_from=D(2021, 3, 31), cap=200)
    with pytest.raises(RegistryError, match="负数"):
        services.institution_cap_set(jurisdiction=reg.city, valid_from=D(2022, 1, 1), cap=-1)
    assert list(InstitutionCap.objects.values_list("cap", flat=True)) == [300, 202]
