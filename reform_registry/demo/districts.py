"""The districts of the demo: a few departments and institutions of 昆都仑区, 青山区 and the
稀土高新区 (registered like the city's), and the merger 昆都仑区 decided in 2021
(包编发〔2021〕20号), so that the whole city differs from the city level."""

from __future__ import annotations

import random
from typing import Any

from units.choices import Rank, UnitKind

from .baotou import D, Registration
from .draws import PLACE_NAMES, institution_attrs, short_name_of

# (key, kind, name, jurisdiction, supervising department, topic)
DISTRICT_UNITS: list[tuple[str, str, str, str, str | None, str]] = [
    ("kdl-jyj", UnitKind.DEPARTMENT, "昆都仑区教育局", "150203", None, "教育"),
    ("kdl-wjj", UnitKind.DEPARTMENT, "昆都仑区卫生健康委员会", "150203", None, "卫生健康"),
    ("kdl-jyj-01", UnitKind.INSTITUTION, "昆都仑区教育教学研究室", "150203", "kdl-jyj", "教育"),
    ("kdl-jyj-02", UnitKind.INSTITUTION, "昆都仑区教育督导服务中心", "150203", "kdl-jyj", "教育"),
    ("kdl-jyj-03", UnitKind.INSTITUTION, "昆都仑区学生资助管理中心", "150203", "kdl-jyj", "教育"),
    (
        "kdl-wjj-01",
        UnitKind.INSTITUTION,
        "昆都仑区疾病预防控制中心",
        "150203",
        "kdl-wjj",
        "卫生健康",
    ),
    (
        "kdl-wjj-02",
        UnitKind.INSTITUTION,
        "昆都仑区妇幼保健计划生育服务中心",
        "150203",
        "kdl-wjj",
        "卫生健康",
    ),
    ("gxq-jfj", UnitKind.DEPARTMENT, "包头稀土高新区经济发展局", "150271", None, "经济发展"),
    (
        "gxq-jfj-01",
        UnitKind.INSTITUTION,
        "包头稀土高新区企业服务中心",
        "150271",
        "gxq-jfj",
        "经济发展",
    ),
    (
        "gxq-jfj-02",
        UnitKind.INSTITUTION,
        "包头稀土高新区稀土应用产业园区服务中心",
        "150271",
        "gxq-jfj",
        "经济发展",
    ),
    (
        "gxq-jfj-03",
        UnitKind.INSTITUTION,
        "包头稀土高新区综合检验检测中心",
        "150271",
        "gxq-jfj",
        "经济发展",
    ),
    ("qs-mzj", UnitKind.DEPARTMENT, "青山区民政局", "150204", None, "民政"),
    ("qs-mzj-01", UnitKind.INSTITUTION, "青山区社会福利服务中心", "150204", "qs-mzj", "民政"),
]

MERGED_SOURCES = ["kdl-jyj-01", "kdl-jyj-02"]


def district_registrations(rng: random.Random) -> list[Registration]:
    """The district units as registered before the reform."""
    registrations = []
    for key, kind, name, division, parent, topic in DISTRICT_UNITS:
        if kind == UnitKind.DEPARTMENT:
            attrs: dict[str, Any] = {
                "name": name,
                "short_name": short_name_of(name, PLACE_NAMES[division]),
                "jurisdiction": division,
                "rank": Rank.SECTION,
                "sector": topic,
            }
        else:
            assert parent is not None  # every institution here has a department
            attrs = institution_attrs(rng, name=name, parent=parent, topic=topic, division=division)
        registrations.append(Registration(key, kind, D(2019, 3, 1), attrs))
    return registrations


def district_merged_unit(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """The institution 昆都仑区's merger of ``MERGED_SOURCES`` creates."""
    return (
        "kdl-jyj-m1",
        UnitKind.INSTITUTION,
        institution_attrs(
            rng, name="昆都仑区教育发展服务中心", parent="kdl-jyj", topic="教育", division="150203"
        ),
    )
