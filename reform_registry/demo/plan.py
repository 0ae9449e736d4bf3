"""The demo as plain data: ``demo_plan()`` turns the department table of ``baotou`` into
registrations and the events of each decision (deterministic: every draw has its own seed).
Nothing here touches the database; ``build.build_demo()`` writes the plan through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from units.choices import Category, EventType, Funding, Rank, UnitKind

from .baotou import (
    CITY,
    DECISIONS,
    DEPARTMENT_SHORT_NAMES,
    DEPARTMENTS,
    ECONOMY_UNITS,
    JURISDICTIONS,
    MERGED_SUFFIXES,
    NAMED,
    NEW_SUFFIXES,
    SCIENCE_UNITS,
    UNTOUCHED,
    ZJJ,
    D,
    DecisionSpec,
    Plan,
    Registration,
)
from .districts import MERGED_SOURCES, district_merged_unit, district_registrations
from .draws import (
    INSTITUTION_SUFFIXES,
    PLACE_NAMES,
    credit_code,
    functions_text,
    institution_attrs,
    short_name_of,
)


def city_short_name(name: str) -> str:
    return short_name_of(name, PLACE_NAMES[CITY])


# The order in which a department without a list of its own loses institutions, round robin.
REDUCTION_PATTERN = ["merge3", "abolish", "absorb2", "merge2", "transform", "absorb1"]


class DepartmentPlanner:
    """Turns the department table into registrations and events."""

    def __init__(self) -> None:
        self.registrations: list[Registration] = []
        self.decisions = {
            k: DecisionSpec(v.number, v.title, v.issued_on, v.effective_on, v.approved, [])
            for k, v in DECISIONS.items()
        }
        self.free: dict[str, list[str]] = {}  # registered institutions not yet touched
        self.attrs: dict[str, dict[str, Any]] = {}  # registered attributes by key
        self.count: dict[str, int] = {}  # running count after the reform
        self.touched: set[str] = set()
        self.topics = {key: topic for key, _n, topic, _b, _a in DEPARTMENTS}
        self.serial = 0

    # -- helpers --------------------------------------------------------------------------------
    def event(self, decision: str, type_: str, **kw: Any) -> dict:
        spec = self.decisions[decision]
        self.serial += 1
        event = {
            "key": f"{spec.effective_on.year}-{decision}-e{self.serial:03d}",
            "type": type_,
            "effective_on": kw.pop("effective_on", spec.effective_on),
            "sources": kw.pop("sources", []),
            "targets": kw.pop("targets", []),
            "new_units": kw.pop("new_units", []),
            "attributes": kw.pop("attributes", {}),
            "note": kw.pop("note", ""),
        }
        assert not kw, kw
        spec.events.append(event)
        return event

    def take(self, dept: str, index: int | None = None) -> str:
        free = self.free[dept]
        key = free.pop(0) if index is None else f"{dept}-{index + 1:02d}"
        if index is not None:
            free.remove(key)
        self.touched.add(dept)
        return key

    def new_unit(self, dept: str, key: str, name: str, rng: random.Random, **extra: Any) -> tuple:
        attrs = institution_attrs(rng, name=name, parent=dept, topic=self.topics[dept])
        attrs["category"] = extra.pop("category", Category.PUBLIC_WELFARE_1)
        attrs["funding"] = Funding.FULL
        attrs["credit_code"] = credit_code(rng, kind=UnitKind.INSTITUTION, division=CITY)
        attrs.update(extra)
        return (key, UnitKind.INSTITUTION, attrs)

    def merge(self, decision: str, dept: str, sources: list[str], key: str, name: str, rng):
        self.event(
            decision,
            EventType.MERGE,
            sources=sources,
            new_units=[self.new_unit(dept, key, name, rng)],
            note="撤多建一：" + "、".join(self.attrs[s]["name"] for s in sources) + "整合为" + name,
        )
        self.count[dept] -= len(sources) - 1

    def transform(self, decision: str, dept: str, unit: str) -> None:
        """An institution of ``dept`` turned into an enterprise (转企改制)."""
        self.attrs[unit].update(category=Category.BUSINESS, funding=Funding.SELF)
        self.event(decision, EventType.TRANSFORM, sources=[unit], note="转企改制")
        self.count[dept] -= 1

    # -- the plan ------------------------------------------------------------------------------
    def register(self) -> None:
        for key, name, topic, _b, _a in DEPARTMENTS:
            rng = random.Random(key)
            self.registrations.append(
                Registration(
                    key,
                    UnitKind.DEPARTMENT,
                    D(2019, 3, 1),
                    {
                        "name": name,
                        "short_name": DEPARTMENT_SHORT_NAMES[key],
                        "jurisdiction": CITY,
                        "rank": Rank.DIVISION,
                        "sector": topic,
                        "credit_code": credit_code(rng, kind=UnitKind.DEPARTMENT, division=CITY),
                        "functions": f"负责全市{topic}工作。",
                    },
                )
            )
        for key, _name, topic, before, _a in DEPARTMENTS:
            rng = random.Random(key + "/institutions")
            names = NAMED.get(key) or [
                f"包头市{topic}{suffix}" for suffix in INSTITUTION_SUFFIXES[:before]
            ]
            assert len(names) >= before, key
            self.free[key] = []
            for i, name in enumerate(names[:before]):
                unit_key = f"{key}-{i + 1:02d}"
                attrs = institution_attrs(rng, name=name, parent=key, topic=topic)
                established = D(2019, 3, 1) + dt.timedelta(days=rng.randint(0, 200))
                self.attrs[unit_key] = attrs
                self.registrations.append(
                    Registration(unit_key, UnitKind.INSTITUTION, established, attrs)
                )
                self.free[key].append(unit_key)
            self.count[key] = before

    def before_the_reform(self) -> None:
        """2019: the 营商环境 centre is established (it is one of 发改委's institutions before
        the reform), and a unit of 市委组织部 is renamed."""
        dept = "bt-fgw"
        # The last institution of 发改委 is created by an event, not registered.
        last = self.free[dept].pop()
        attrs = self.attrs.pop(last)
        self.registrations = [r for r in self.registrations if r.key != last]
        attrs["name"] = "包头市营商环境建设服务中心"
        attrs["short_name"] = city_short_name(attrs["name"])
        attrs["functions"] = functions_text(attrs["name"], "营商环境")
        self.event("d2019", EventType.ESTABLISH, new_units=[(last, UnitKind.INSTITUTION, attrs)])
        self.attrs[last] = attrs
        self.free[dept].append(last)
        renamed = self.free["bt-zzb"][0]
        self.event(
            "d2019",
            EventType.CHANGE,
            sources=[renamed],
            attributes={
                "name": "包头市干部人事档案服务中心",
                "short_name": city_short_name("包头市干部人事档案服务中心"),
            },
            effective_on=D(2019, 10, 1),
        )

    def housing(self) -> None:
        """市住房和城乡建设局: 32 → 13 (包编发〔2020〕12号 and the final decision)."""
        rng = random.Random("zjj")
        d, z = "zjj", ZJJ
        for i in (0, 1, 2):
            self.event("zjj", EventType.ABOLISH, sources=[self.take(z, i)], note="职能弱化，撤销")
            self.count[z] -= 1
        groups = [
            ((3, 4, 5, 6, 7), "bt-zjj-housing", "包头市住房保障服务中心"),
            ((8, 9, 10, 11), "bt-zjj-quality", "包头市建设工程质量安全服务中心"),
            ((12, 13, 14, 15), "bt-zjj-urban", "包头市城市建设服务中心"),
            ((23, 24, 25), "bt-zjj-green", "包头市建筑节能与绿色建筑发展中心"),
        ]
        for indexes, key, name in groups:
            self.merge(d, z, [self.take(z, i) for i in indexes], key, name, rng)
        target = self.take(z, 16)
        self.event(
            d,
            EventType.ABSORB,
            sources=[self.take(z, i) for i in (17, 18, 19)],
            targets=[target],
            attributes={
                "internal_bodies": 9,
                "functions": "承担城乡规划设计、村镇建设指导、勘察测绘和建设科技推广工作。",
            },
        )
        self.count[z] -= 3
        moved = self.take(z, 20)
        self.event(
            d,
            EventType.CHANGE,
            sources=[moved],
            attributes={"parent": "bt-cgj", "sector": "城市管理"},
            note="划转市城市管理综合执法局管理",
        )
        self.count[z] -= 1
        self.count["bt-cgj"] += 1
        self.touched.add("bt-cgj")
        self.transform("final", z, self.take(z, 21))
        design = self.take(z, 22)
        self.attrs[design].update(category=Category.UNCLASSIFIED, funding=Funding.SELF)
        self.event(
            "final",
            EventType.CHANGE,
            sources=[design],
            attributes={
                "category": Category.BUSINESS,
                "business_functions": True,
                "pending_wind_down": True,
            },
            note="认定为经营类事业单位，待消化",
        )
        self.count[z] -= 1
        self.event(
            d,
            EventType.CHANGE,
            sources=[self.take(z, 26)],
            attributes={"name": "包头市房屋征收服务中心", "short_name": "市房屋征收中心"},
            note="规范机构名称",
        )
        for key, name in (
            ("bt-zjj-property", "包头市物业服务指导中心"),
            ("bt-zjj-fire", "包头市建设工程消防审验服务中心"),
        ):
            self.event(d, EventType.ESTABLISH, new_units=[self.new_unit(z, key, name, rng)])
            self.count[z] += 1
        garden = self.take(z, 28)
        self.attrs[garden]["market_replaceable"] = True

    def named_specials(self) -> None:
        """Market-replaceable units for the quota campaign; business units pending wind-down."""
        for dept, indexes in (("bt-slj", (0, 1, 9)), ("bt-cgj", (0, 1))):
            for i in indexes:
                self.attrs[f"{dept}-{i + 1:02d}"]["market_replaceable"] = True
        inn = self.take("bt-jgj", 0)
        self.attrs[inn].update(category=Category.BUSINESS, funding=Funding.SELF)
        self.attrs[inn]["business_functions"] = True
        self.event(
            "final",
            EventType.CHANGE,
            sources=[inn],
            attributes={"pending_wind_down": True},
            note="经营类事业单位，待消化",
        )
        self.count["bt-jgj"] -= 1
        # A split, then a merge of one of its parts: lineage two levels deep.
        rng = random.Random("wjw")
        care = self.take("bt-wjw", 15)
        self.event(
            "batch1",
            EventType.SPLIT,
            sources=[care],
            new_units=[
                self.new_unit("bt-wjw", "bt-wjw-cadre-care", "包头市干部保健服务中心", rng),
                self.new_unit("bt-wjw", "bt-wjw-quality", "包头市医疗质量控制中心", rng),
            ],
            note="分设",
        )
        self.attrs["bt-wjw-quality"] = {"name": "包头市医疗质量控制中心"}
        self.count["bt-wjw"] += 1
        self.merge(
            "batch2",
            "bt-wjw",
            ["bt-wjw-quality", self.take("bt-wjw", 16)],
            "bt-wjw-development",
            "包头市卫生健康发展服务中心",
            rng,
        )
        self.transform("final", "bt-wlj", self.take("bt-wlj", 10))
        rng = random.Random("tech")
        for dept, key, name in SCIENCE_UNITS + ECONOMY_UNITS:
            self.event("tech", EventType.ESTABLISH, new_units=[self.new_unit(dept, key, name, rng)])
            self.count[dept] += 1
            self.touched.add(dept)

    def generic(self) -> None:
        """Every other department: merges, absorptions, abolitions, transforms, establishments
        until it has the number of institutions the table says; renames where nothing else."""
        for position, (dept, _name, topic, _b, after) in enumerate(DEPARTMENTS):
            if dept in UNTOUCHED:
                continue
            rng = random.Random(dept + "/reform")
            decision = "batch1" if position % 2 else "batch2"
            self.reduce_to(decision, dept, topic, after, position=position, rng=rng)
            self.establish_up_to(decision, dept, topic, after, rng=rng)
            if dept not in self.touched and self.free[dept]:
                self.rename(decision, self.take(dept), f"包头市{topic}发展促进中心")
            if position % 3 == 0 and self.free[dept]:
                self.reissue_functions(decision, self.free[dept][0])
            if position % 5 == 1 and len(self.free[dept]) >= 2:
                self.regrade(decision, self.free[dept][1])

    def reduce_to(
        self, decision: str, dept: str, topic: str, after: int, *, position: int, rng: random.Random
    ) -> None:
        """Take ``dept`` down to ``after`` institutions, trying the steps of
        ``REDUCTION_PATTERN`` in turn from the department's position; after twelve tries an
        abolition does."""
        merged = iter(MERGED_SUFFIXES)
        step = position
        while self.count[dept] > after:
            need = self.count[dept] - after
            free = self.free[dept]
            if not free:
                raise ValueError(f"{dept}: not enough institutions to reach {after}")
            op = REDUCTION_PATTERN[step % len(REDUCTION_PATTERN)]
            step += 1
            if op == "merge3" and need >= 2 and len(free) >= 3:
                self.merge_next(decision, dept, topic, 3, merged, rng)
            elif op == "merge2" and len(free) >= 2:
                self.merge_next(decision, dept, topic, 2, merged, rng)
            elif op in ("absorb1", "absorb2") and len(free) >= (3 if op == "absorb2" else 2):
                self.absorb_into_last(decision, dept, 2 if op == "absorb2" and need >= 2 else 1)
            elif op == "transform" and len(free) >= 1:
                self.transform(decision, dept, self.take(dept))
            elif op == "abolish" or (len(free) >= 1 and step > position + 12):
                self.event(
                    decision, EventType.ABOLISH, sources=[self.take(dept)], note="职能弱化，撤销"
                )
                self.count[dept] -= 1

    def merge_next(
        self, decision: str, dept: str, topic: str, k: int, names: Iterator[str], rng: random.Random
    ) -> None:
        """The next ``k`` free institutions of ``dept`` merged into a new one."""
        sources = [self.take(dept) for _ in range(k)]
        n = sum(1 for e in self.all_events() if e["type"] == EventType.MERGE)
        self.merge(decision, dept, sources, f"{dept}-m{n + 1}", f"包头市{topic}{next(names)}", rng)

    def absorb_into_last(self, decision: str, dept: str, k: int) -> None:
        """The last free institution of ``dept`` absorbs the next ``k``."""
        free = self.free[dept]
        target = free[-1]
        sources = [self.take(dept) for _ in range(k)]
        free.remove(target)
        self.event(
            decision,
            EventType.ABSORB,
            sources=sources,
            targets=[target],
            attributes={
                "internal_bodies": self.attrs[target]["internal_bodies"] + 1,
                "functions": self.attrs[target]["functions"]
                + "承接"
                + "、".join(self.attrs[s]["name"] for s in sources)
                + "的职能。",
            },
        )
        self.count[dept] -= k

    def establish_up_to(
        self, decision: str, dept: str, topic: str, after: int, *, rng: random.Random
    ) -> None:
        """New institutions until ``dept`` has ``after``."""
        created = iter(NEW_SUFFIXES)
        while self.count[dept] < after:
            key = f"{dept}-n{self.count[dept]}"
            self.event(
                decision,
                EventType.ESTABLISH,
                new_units=[self.new_unit(dept, key, f"包头市{topic}{next(created)}", rng)],
            )
            self.count[dept] += 1
            self.touched.add(dept)

    def rename(self, decision: str, unit: str, name: str) -> None:
        self.event(
            decision,
            EventType.CHANGE,
            sources=[unit],
            attributes={"name": name, "short_name": city_short_name(name)},
            note="规范机构名称",
        )

    def reissue_functions(self, decision: str, unit: str) -> None:
        """三定: re-issued functions and internal bodies for one continuing institution."""
        self.event(
            decision,
            EventType.CHANGE,
            sources=[unit],
            attributes={
                "internal_bodies": max(1, self.attrs[unit]["internal_bodies"] - 1),
                "functions": self.attrs[unit]["functions"] + "（依“三定”规定重新明确）",
            },
            note="重新制定机构职能编制规定",
        )

    def regrade(self, decision: str, unit: str) -> None:
        """Regrade and reclassify an institution (the article's 处级事业单位 review)."""
        self.event(
            decision,
            EventType.CHANGE,
            sources=[unit],
            attributes={"rank": Rank.DEPUTY_DIVISION, "category": Category.PUBLIC_WELFARE_1},
            note="调整机构规格和类别",
        )

    def districts(self) -> None:
        rng = random.Random("districts")
        self.registrations.extend(district_registrations(rng))
        self.event(
            "district",
            EventType.MERGE,
            sources=list(MERGED_SOURCES),
            new_units=[district_merged_unit(rng)],
        )

    def draft(self) -> None:
        """A further merge and an abolition, not yet approved (for previews)."""
        rng = random.Random("draft")
        dept, topic = "bt-nmj", self.topics["bt-nmj"]
        sources = [self.take(dept) for _ in range(2)]
        new = self.new_unit(dept, "bt-nmj-draft", f"包头市{topic}技术推广服务中心", rng)
        self.event("draft", EventType.MERGE, sources=sources, new_units=[new])
        self.event("draft", EventType.ABOLISH, sources=[self.take("bt-wjw")])

    def all_events(self) -> list[dict]:
        return [e for spec in self.decisions.values() for e in spec.events]


def demo_plan() -> Plan:
    """The demo as data (deterministic)."""
    planner = DepartmentPlanner()
    planner.register()
    planner.before_the_reform()
    planner.housing()
    planner.named_specials()
    planner.generic()
    planner.districts()
    planner.draft()
    return Plan(
        jurisdictions=JURISDICTIONS,
        registrations=planner.registrations,
        decisions=planner.decisions,
        caps=[(CITY, D(2019, 3, 1), 360, None), (CITY, D(2021, 3, 31), 230, "final")],
        departments=DEPARTMENTS,
    )
