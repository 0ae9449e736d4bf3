"""Plausible draws shared by the demo and the generator: names of institutions, credit codes with
their check characters, an institution's attributes, a unit's headcount against its quotas.
Each draws from the ``random.Random`` it is given, so a plan is the same for the same seed.
"""

from __future__ import annotations

import random
from typing import Any

from units.choices import Category, Funding, Rank, UnitKind
from units.rules import CREDIT_CODE_ALPHABET, credit_code_check_character

from .baotou import CITY, JURISDICTIONS

# Names of institutions after their department's topic: the demo's departments without a list
# of names, and every institution of the generated registry.
INSTITUTION_SUFFIXES = [
    "事务服务中心",
    "发展研究中心",
    "信息中心",
    "综合保障中心",
    "技术服务站",
    "培训中心",
    "宣传教育中心",
    "监测中心",
    "档案管理中心",
    "评审中心",
    "质量检测所",
    "应急保障中心",
    "综合行政执法支队",
    "规划设计研究院",
    "服务所",
    "财务核算中心",
    "项目管理中心",
    "科学研究所",
    "数据管理中心",
    "后勤服务中心",
]

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(rng: random.Random) -> str:
    """A 9-character organization code (GB 11714) with its check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("0" if check == 11 else "X" if check == 10 else str(check))


def credit_code(rng: random.Random, *, kind: str, division: str) -> str:
    """A valid unified social credit code: 1 = organization offices' registration, 1 =
    government body, 2 = public institution; then division, organization code, check."""
    first17 = (
        "1" + ("1" if kind == UnitKind.DEPARTMENT else "2") + division + organization_code(rng)
    )
    assert all(c in CREDIT_CODE_ALPHABET for c in first17)
    return first17 + credit_code_check_character(first17)


def functions_text(name: str, topic: str) -> str:
    return (
        f"承担{topic}领域的公益服务和技术支撑工作；"
        f"负责{name.removeprefix('包头市').removeprefix('包头')}职责范围内的具体事务；"
        "完成主管部门交办的其他任务。"
    )


PLACE_NAMES = {code: name for code, name, _level, _parent in JURISDICTIONS}


def short_name_of(name: str, place: str) -> str:
    """The short name an office writes for a unit of a place: the place's name shortened to
    its last character (包头市住房保障服务中心 → 市住房保障服务中心, 中共包头市委党校 →
    市委党校, 昆都仑区民政局 → 区民政局)."""
    for prefix, short in ((f"中共{place}委", place[-1] + "委"), (place, place[-1])):
        if place and name.startswith(prefix):
            return short + name[len(prefix) :]
    return name


def institution_attrs(
    rng: random.Random, *, name: str, parent: str, topic: str, division: str = CITY
) -> dict[str, Any]:
    category = rng.choices(
        [
            Category.PUBLIC_WELFARE_1,
            Category.PUBLIC_WELFARE_2,
            Category.ADMINISTRATIVE,
            Category.UNCLASSIFIED,
        ],
        weights=[6, 3, 2, 1],
    )[0]
    funding = {
        Category.PUBLIC_WELFARE_1: Funding.FULL,
        Category.ADMINISTRATIVE: Funding.FULL,
        Category.PUBLIC_WELFARE_2: rng.choice([Funding.FULL, Funding.PARTIAL]),
        Category.UNCLASSIFIED: rng.choice([Funding.PARTIAL, Funding.SELF]),
    }[category]
    attrs: dict[str, Any] = {
        "name": name,
        "short_name": short_name_of(name, PLACE_NAMES.get(division, "")),
        "jurisdiction": division,
        "parent": parent,
        "category": category,
        "rank": rng.choices(
            [Rank.DIVISION, Rank.DEPUTY_DIVISION, Rank.SECTION, Rank.DEPUTY_SECTION],
            weights=[1, 3, 5, 2],
        )[0],
        "funding": funding,
        "sector": topic,
        "functions": functions_text(name, topic),
        "internal_bodies": rng.randint(2, 8),
    }
    if rng.random() < 0.4:
        attrs["credit_code"] = credit_code(rng, kind=UnitKind.INSTITUTION, division=division)
    return attrs


def plausible_headcount(
    balance: int,
    rng: random.Random,
    *,
    over_staffed: float = 0.15,
    nearly_full: float = 0.35,
    least_vacancy: float = 0.15,
) -> int:
    """A plausible headcount: most units have vacancies, some are over-staffed. The first two
    shares are cumulative probabilities; ``least_vacancy`` bounds the common case's vacancy."""
    draw = rng.random()
    if draw < over_staffed:
        return balance + rng.randint(1, 3)
    if draw < nearly_full:
        return max(0, balance - rng.randint(0, 2))
    return max(0, round(balance * (1 - rng.uniform(least_vacancy, 0.5))))
