"""A synthetic registry at national scale, for ``manage.py generate_registry`` and the
benchmarks.

A province (code 990000) with cities and counties, departments in every jurisdiction,
N institutions registered under them, then eight years of reform decisions with events of
every type (establish, abolish, transform, merge, absorb, split, and changes: rename, transfer
to another department, reclassify, regrade, flags, 三定), all approved. Deterministic for a
given seed. Written through the set-based services (``units_register_bulk``,
``events_create_bulk``, ``decisions_approve``), so the versions are derived in one pass.

After the registry, the step named by ``STAFFING_HOOK`` is called when it exists
(``generate_ledger.generate_ledger(seed=S, jurisdiction=<province>, stdout=…)``: quotas and
headcounts).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from core.errors import RegistryError
from units import services
from units.choices import Category, EventType, Funding, JurisdictionLevel, Rank, UnitKind
from units.models import Jurisdiction, UnitRegistration
from units.rules import credit_code_check_character

from .draws import INSTITUTION_SUFFIXES, short_name_of
from .hooks import step_function

PROVINCE_CODE = "990000"
PROVINCE_NAME = "示范省"
REGISTERED_ON = dt.date(2015, 12, 31)
FIRST_YEAR, YEARS = 2016, 8
EVENT_SHARE = 0.12  # events per registered institution
STAFFING_HOOK = ("reform_registry.demo.generate_ledger", "generate_ledger")

SYLLABLES = "东西南北中新安平宁兴和丰泰华阳山河湖川原清远长定武昌嘉永通乐康福兰临"
TOPICS = [
    "教育",
    "卫生健康",
    "农牧业",
    "文化旅游",
    "水务",
    "自然资源",
    "人力资源和社会保障",
    "交通运输",
    "城市管理",
    "科技",
    "发展改革",
    "工业和信息化",
    "市场监管",
    "林业和草原",
    "民政",
    "机关事务",
    "生态环境",
    "住房和城乡建设",
    "财政",
    "商务",
    "应急管理",
    "体育",
    "医疗保障",
    "司法",
    "公安",
    "统计",
    "审计",
    "退役军人服务",
    "政务服务",
    "乡村振兴",
    "粮食和物资储备",
    "能源",
    "人民防空",
    "民族宗教",
    "档案",
    "地方志",
    "气象",
    "供销合作",
    "金融",
    "国有资产",
]
DEPARTMENT_SUFFIX = {"卫生健康": "委员会", "发展改革": "委员会", "民族宗教": "委员会"}
DEPARTMENT_RENAMES = ["局", "事务局", "管理局", "委员会"]
CATEGORIES = [
    Category.PUBLIC_WELFARE_1,
    Category.PUBLIC_WELFARE_2,
    Category.ADMINISTRATIVE,
    Category.BUSINESS,
    Category.UNCLASSIFIED,
]
RANKS = [Rank.DIVISION, Rank.DEPUTY_DIVISION, Rank.SECTION, Rank.DEPUTY_SECTION, Rank.OFFICE]
# Share of each event type among the events (changes cover rename, transfer, reclassify …).
EVENT_MIX = [
    (EventType.ESTABLISH, 18),
    (EventType.ABOLISH, 10),
    (EventType.TRANSFORM, 5),
    (EventType.MERGE, 14),
    (EventType.ABSORB, 10),
    (EventType.SPLIT, 5),
    (EventType.CHANGE, 38),
]
CHANGE_KINDS = ["rename", "transfer", "reclassify", "regrade", "flags", "three_determinations"]


@dataclass
class Place:
    code: str
    name: str
    level: str
    parent: str | None
    departments: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)  # institutions that may take part


def _event(**fields: Any) -> services.EventInput:
    """An event whose decision is set when the decisions are written."""
    return services.EventInput(decision=None, **fields)  # type: ignore[arg-type]


class Generator:
    """Plans the registry in memory (deterministic), then writes it through the services."""

    def __init__(self, *, institutions: int, seed: int) -> None:
        self.n = institutions
        self.seed = seed
        self.rng = random.Random(seed)
        self.prefix = f"g{seed}"
        self.places: list[Place] = []
        self.registrations: list[services.RegistrationInput] = []
        self.decisions: list[tuple[str, str, dt.date]] = []  # number, title, issued_on
        self.events: list[tuple[int, services.EventInput]] = []  # decision index, event
        self.attrs: dict[str, dict[str, Any]] = {}
        self.serial = 0

    # -- names and attributes -------------------------------------------------------------------
    def place_name(self, used: set[str], suffix: str) -> str:
        while True:
            name = "".join(self.rng.sample(SYLLABLES, 2)) + suffix
            if name not in used:
                used.add(name)
                return name

    def credit_code(self, kind: str, code: str) -> str:
        body = "".join(self.rng.choice("0123456789") for _ in range(9))
        first17 = "1" + ("1" if kind == UnitKind.DEPARTMENT else "2") + code + body
        return first17 + credit_code_check_character(first17)

    def institution(self, place: Place, department: str) -> dict[str, Any]:
        rng = self.rng
        topic = self.attrs[department]["sector"]
        category = rng.choices(CATEGORIES, weights=[45, 30, 12, 6, 7])[0]
        name = place.name + topic + rng.choice(INSTITUTION_SUFFIXES)
        attrs = {
            "name": name,
            "short_name": short_name_of(name, place.name),
            "jurisdiction": place.code,
            "parent": department,
            "category": category,
            "rank": rng.choices(RANKS, weights=[1, 3, 6, 3, 1])[0],
            "funding": Funding.SELF
            if category == Category.BUSINESS
            else rng.choices([Funding.FULL, Funding.PARTIAL, Funding.SELF], weights=[7, 2, 1])[0],
            "sector": topic,
            "business_functions": category == Category.BUSINESS or rng.random() < 0.03,
            "market_replaceable": rng.random() < 0.05,
            "functions": f"承担{topic}领域的公益服务和技术支撑工作。",
            "internal_bodies": rng.randint(1, 9),
        }
        if rng.random() < 0.3:
            attrs["credit_code"] = self.credit_code(UnitKind.INSTITUTION, place.code)
        return attrs

    def new_key(self, place: Place, tag: str) -> str:
        self.serial += 1
        return f"{self.prefix}-{place.code}-{tag}{self.serial}"

    # -- the plan -------------------------------------------------------------------------------
    def plan_places(self) -> None:
        n_cities = max(1, min(99, self.n // 5000))
        per_city = max(1, min(40, self.n // (n_cities * 400)))
        used: set[str] = set()
        self.places.append(Place(PROVINCE_CODE, PROVINCE_NAME, JurisdictionLevel.PROVINCE, None))
        for c in range(1, n_cities + 1):
            city = f"99{c:02d}00"
            self.places.append(
                Place(city, self.place_name(used, "市"), JurisdictionLevel.CITY, PROVINCE_CODE)
            )
            for k in range(1, per_city + 1):
                level = (
                    JurisdictionLevel.ZONE if k == per_city and k > 3 else JurisdictionLevel.COUNTY
                )
                suffix = "高新区" if level == JurisdictionLevel.ZONE else self.rng.choice("县区旗")
                self.places.append(
                    Place(f"99{c:02d}{k:02d}", self.place_name(used, suffix), level, city)
                )

    def plan_units(self) -> None:
        local = [p for p in self.places if p.level != JurisdictionLevel.PROVINCE]
        weights = [3 if p.level == JurisdictionLevel.CITY else 1 for p in local]
        shares = Counter(self.rng.choices(range(len(local)), weights=weights, k=self.n))
        for index, place in enumerate(local):
            count = shares.get(index, 0)
            n_departments = max(3, min(len(TOPICS), count // 10 + 2))
            for d, topic in enumerate(self.rng.sample(TOPICS, n_departments)):
                key = f"{self.prefix}-{place.code}-d{d + 1}"
                name = place.name + topic + DEPARTMENT_SUFFIX.get(topic, "局")
                attrs = {
                    "name": name,
                    "short_name": short_name_of(name, place.name),
                    "jurisdiction": place.code,
                    "rank": Rank.DIVISION
                    if place.level == JurisdictionLevel.CITY
                    else Rank.SECTION,
                    "sector": topic,
                    "credit_code": self.credit_code(UnitKind.DEPARTMENT, place.code),
                    "functions": f"负责本级{topic}工作。",
                }
                self.attrs[key] = attrs
                place.departments.append(key)
                self.registrations.append(
                    services.RegistrationInput(key, UnitKind.DEPARTMENT, dt.date(1990, 1, 1), attrs)
                )
            for i in range(count):
                key = f"{self.prefix}-{place.code}-i{i + 1}"
                attrs = self.institution(place, self.rng.choice(place.departments))
                self.attrs[key] = attrs
                place.active.append(key)
                born = REGISTERED_ON - dt.timedelta(days=self.rng.randint(0, 9000))
                self.registrations.append(
                    services.RegistrationInput(key, UnitKind.INSTITUTION, born, attrs)
                )

    def plan_events(self) -> None:
        rng = self.rng
        local = [p for p in self.places if p.level != JurisdictionLevel.PROVINCE]
        total = max(len(EVENT_MIX) * 2, int(self.n * EVENT_SHARE))
        per_year = -(-total // YEARS)
        types = [t for t, _w in EVENT_MIX]
        weights = [w for _t, w in EVENT_MIX]
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            used: set[str] = set()
            born: list[tuple[Place, str]] = []
            decisions: dict[str, int] = {}
            # Every type at least once a year, then the mix.
            planned = types + rng.choices(types, weights=weights, k=max(0, per_year - len(types)))
            for type_ in planned:
                place = rng.choices(local, weights=[len(p.active) + 1 for p in local])[0]
                city = place.code[:4] + "00"
                if city not in decisions:
                    decisions[city] = len(self.decisions)
                    city_name = next(p.name for p in self.places if p.code == city)
                    number = f"{city_name[:2]}编发〔{year}〕{len(decisions)}号"
                    issued = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 20))
                    self.decisions.append(
                        (number, f"关于{city_name}{year}年事业单位机构编制调整的通知", issued)
                    )
                event = self.plan_event(type_, place, year, used, born)
                if event is not None:
                    self.events.append((decisions[city], event))
            for place, key in born:
                place.active.append(key)

    def pick(self, place: Place, used: set[str], k: int) -> list[str] | None:
        free = self.rng.sample(place.active, min(len(place.active), 4 * k + 4))
        chosen = [u for u in free if u not in used][:k]
        if len(chosen) < k:
            return None
        used.update(chosen)
        return chosen

    def end(self, place: Place, keys: list[str]) -> None:
        ended = set(keys)
        place.active = [u for u in place.active if u not in ended]

    def plan_event(
        self, type_: str, place: Place, year: int, used: set[str], born: list[tuple[Place, str]]
    ) -> services.EventInput | None:
        """One event of ``type_`` in ``place`` (None when the place has too few free units)."""
        on = dt.date(year, 2, 1) + dt.timedelta(days=self.rng.randint(0, 300))
        self.serial += 1
        draft = PlannedEvent(self, place, on, f"{self.prefix}-e{self.serial}", used, born)
        if type_ == EventType.ESTABLISH:
            return draft.establish()
        if type_ in (EventType.ABOLISH, EventType.TRANSFORM):
            return draft.end(type_)
        if type_ == EventType.MERGE:
            return draft.merge()
        if type_ == EventType.ABSORB:
            return draft.absorb()
        if type_ == EventType.SPLIT:
            return draft.split()
        return draft.change(CHANGE_KINDS[self.serial % len(CHANGE_KINDS)])

    # -- writing --------------------------------------------------------------------------------
    def plan(self) -> None:
        self.plan_places()
        self.plan_units()
        self.plan_events()

    def write(self, timings: dict[str, float]) -> dict[str, int]:
        started = time.monotonic()
        by_code: dict[str, Jurisdiction] = {}
        for place in self.places:
            by_code[place.code] = services.jurisdiction_create(
                code=place.code,
                name=place.name,
                level=place.level,
                parent=by_code[place.parent] if place.parent else None,
            )
        units = services.units_register_bulk(rows=self.registrations, derive=False)
        timings["register"] = time.monotonic() - started
        started = time.monotonic()
        decisions = [
            services.decision_create(
                number=number,
                title=title,
                issued_on=issued,
                issuer=f"{title[2:5]}机构编制委员会",
            )
            for number, title, issued in self.decisions
        ]
        rows = []
        for index, event in self.events:
            event.decision = decisions[index]
            rows.append(event)
        services.events_create_bulk(rows=rows)
        timings["events"] = time.monotonic() - started
        started = time.monotonic()
        services.decisions_approve(decisions=decisions, extra_unit_ids=[u.pk for u in units])
        timings["approve"] = time.monotonic() - started
        return {
            "jurisdictions": len(self.places),
            "departments": sum(len(p.departments) for p in self.places),
            "institutions": self.n,
            "decisions": len(decisions),
            "events": len(rows),
        }


def generate_registry(
    *, institutions: int, seed: int = 1, staffing: bool = True, stdout=None
) -> dict[str, Any]:
    """Generate and write the registry in one transaction; returns counts and timings."""
    if institutions < 1:
        raise RegistryError("--institutions 必须是正整数。")
    if Jurisdiction.objects.filter(code=PROVINCE_CODE).exists():
        raise RegistryError(
            f"行政区划 {PROVINCE_CODE} 已存在：本数据库已生成过模拟登记簿，请使用空数据库。"
        )
    timings: dict[str, float] = {}
    started = time.monotonic()
    generator = Generator(institutions=institutions, seed=seed)
    generator.plan()
    timings["plan"] = time.monotonic() - started
    with transaction.atomic():
        counts = generator.write(timings)
        hook = step_function(*STAFFING_HOOK) if staffing else None
        if hook is not None:
            hook_started = time.monotonic()
            hook(
                seed=seed, jurisdiction=Jurisdiction.objects.get(code=PROVINCE_CODE), stdout=stdout
            )
            timings["staffing"] = time.monotonic() - hook_started
    if connection.vendor == "postgresql":
        # Fresh planner statistics after a bulk load, as an operator would do.
        analyze_started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings["analyze"] = time.monotonic() - analyze_started
    timings["total"] = time.monotonic() - started
    types = Counter(event.type for _i, event in generator.events)
    return {**counts, "event_types": dict(sorted(types.items())), "timings": timings}


def generated_institutions(seed: int) -> int:
    """How many institutions ``generate_registry --seed`` registered in this database."""
    return UnitRegistration.objects.filter(
        unit__kind=UnitKind.INSTITUTION, unit__key__startswith=f"g{seed}-"
    ).count()


@dataclass
class PlannedEvent:
    """The event being planned: where, when, its key, and the units already used this year
    (``used``) or created (``born``); each method draws one event of its type."""

    generator: Generator
    place: Place
    on: dt.date
    key: str
    used: set[str]
    born: list[tuple[Place, str]]

    def _event(self, type_: str, **fields: Any) -> services.EventInput:
        return _event(key=self.key, type=type_, effective_on=self.on, **fields)

    def _pick(self, k: int) -> list[str] | None:
        return self.generator.pick(self.place, self.used, k)

    def _new_unit(self, department: str) -> services.NewUnit:
        g = self.generator
        unit_key = g.new_key(self.place, "n")
        attrs = g.institution(self.place, department)
        g.attrs[unit_key] = attrs
        self.born.append((self.place, unit_key))
        return services.NewUnit(unit_key, UnitKind.INSTITUTION, attrs)

    def establish(self) -> services.EventInput:
        department = self.generator.rng.choice(self.place.departments)
        return self._event(EventType.ESTABLISH, new_units=[self._new_unit(department)])

    def end(self, type_: str) -> services.EventInput | None:
        """An abolition (of one or two units) or a transformation (of one)."""
        k = 1 if type_ == EventType.TRANSFORM else self.generator.rng.randint(1, 2)
        sources = self._pick(k)
        if sources is None:
            return None
        self.generator.end(self.place, sources)
        return self._event(type_, sources=sources)

    def merge(self) -> services.EventInput | None:
        g = self.generator
        sources = self._pick(g.rng.randint(2, 4))
        if sources is None:
            return None
        g.end(self.place, sources)
        new_units = [self._new_unit(g.attrs[sources[0]]["parent"])]
        return self._event(EventType.MERGE, sources=sources, new_units=new_units)

    def absorb(self) -> services.EventInput | None:
        g = self.generator
        chosen = self._pick(g.rng.randint(2, 4))
        if chosen is None:
            return None
        target, sources = chosen[0], chosen[1:]
        g.end(self.place, sources)
        bodies = g.attrs[target]["internal_bodies"] + 1
        g.attrs[target]["internal_bodies"] = bodies
        return self._event(
            EventType.ABSORB,
            sources=sources,
            targets=[target],
            attributes={"internal_bodies": bodies},
        )

    def split(self) -> services.EventInput | None:
        g = self.generator
        sources = self._pick(1)
        if sources is None:
            return None
        g.end(self.place, sources)
        parent = g.attrs[sources[0]]["parent"]
        new_units = [self._new_unit(parent) for _ in range(g.rng.randint(2, 3))]
        return self._event(EventType.SPLIT, sources=sources, new_units=new_units)

    def change(self, kind: str) -> services.EventInput | None:
        """A change of one institution's attributes (``kind`` of ``CHANGE_KINDS``), or now and
        then of a department's name."""
        rng = self.generator.rng
        if kind == "rename" and rng.random() < 0.15:
            return self.rename_department()
        sources = self._pick(1)
        if sources is None:
            return None
        current = self.generator.attrs[sources[0]]
        attrs = self.changed_attributes(kind, current)
        current.update(attrs)
        return self._event(EventType.CHANGE, sources=sources, attributes=attrs)

    def rename_department(self) -> services.EventInput | None:
        g, place = self.generator, self.place
        department = g.rng.choice(place.departments)
        if department in self.used:
            return None
        self.used.add(department)
        current = g.attrs[department]
        names = [
            place.name + current["sector"] + suffix
            for suffix in DEPARTMENT_RENAMES
            if place.name + current["sector"] + suffix != current["name"]
        ]
        name = g.rng.choice(names)
        attrs = {"name": name, "short_name": short_name_of(name, place.name)}
        g.attrs[department].update(attrs)
        return self._event(EventType.CHANGE, sources=[department], attributes=attrs)

    def changed_attributes(self, kind: str, current: dict[str, Any]) -> dict[str, Any]:
        g, place, rng = self.generator, self.place, self.generator.rng
        if kind == "rename":
            name = place.name + current["sector"] + rng.choice(INSTITUTION_SUFFIXES)
            return {"name": name, "short_name": short_name_of(name, place.name)}
        if kind == "transfer" and len(place.departments) > 1:
            parent = rng.choice([d for d in place.departments if d != current["parent"]])
            return {"parent": parent, "sector": g.attrs[parent]["sector"]}
        if kind == "reclassify":
            return {"category": rng.choice([c for c in CATEGORIES if c != current["category"]])}
        if kind == "regrade":
            return {"rank": rng.choice([r for r in RANKS if r != current["rank"]])}
        if kind == "flags":
            return {
                "category": Category.BUSINESS,
                "business_functions": True,
                "pending_wind_down": rng.random() < 0.5,
                "market_replaceable": rng.random() < 0.3,
            }
        return {
            "functions": current["functions"] + f"（{self.on.year}年“三定”规定）",
            "internal_bodies": rng.randint(1, 9),
        }
