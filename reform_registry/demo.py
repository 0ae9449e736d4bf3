"""The demo registry: Baotou's 2020 reform of public institutions (深化事业单位改革试点).

The demo is built in two steps. ``demo_plan()`` describes it as plain data — jurisdictions,
registrations, decisions and their events — worked out from a table of the city's departments
with the number of institutions each supervised before and after the reform. ``build_demo()``
writes that plan through the services of ``units.services`` only, like a clerk would.

``demo_figures()`` computes the reform's figures from the plan alone (an independent, in-memory
reading of the events); the tests check that they are the article's (``ARTICLE_FIGURES``) and
that the registry's selectors and reports give the same numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeGuard

from django.db import transaction

from units import services
from units.choices import Category, EventType, Funding, JurisdictionLevel, Rank, UnitKind
from units.models import Decision, Jurisdiction
from units.rules import CREDIT_CODE_ALPHABET, credit_code_check_character

D = dt.date

# The two dates of the demo's contract: the baseline, and the end of the reform (2021-03-31).
DEMO_BEFORE = D(2020, 1, 1)
DEMO_AFTER = D(2021, 3, 31)

CITY = "150200"
PROVINCE = "150000"
ISSUER = "包头市委机构编制委员会"
ZJJ = "bt-zjj"  # 市住房和城乡建设局
DEMO_MARKER_DECISION = "包编发〔2020〕12号"
DRAFT_NUMBER = "包编发〔2021〕26号"

# What the article says (Baotou Daily, 2021-09-04), as the reform summary reports it.
ARTICLE_FIGURES: dict[str, Any] = {
    "institutions_before": 342,
    "institutions_after": 202,
    "reduction_rate": Decimal("0.4094"),
    "departments_baseline": 58,
    "avg_per_department_before": Decimal("5.90"),
    "avg_per_department_after": Decimal("3.48"),
    "zjj_before": 32,
    "zjj_after": 13,
    "involved_departments": 55,
    "involved_at_most_3": 37,
    "share_at_most_3": Decimal("0.6727"),
    "institution_cap": 230,
}

JURISDICTIONS: list[tuple[str, str, str, str | None]] = [
    (PROVINCE, "内蒙古自治区", JurisdictionLevel.PROVINCE, None),
    (CITY, "包头市", JurisdictionLevel.CITY, PROVINCE),
    ("150202", "东河区", JurisdictionLevel.COUNTY, CITY),
    ("150203", "昆都仑区", JurisdictionLevel.COUNTY, CITY),
    ("150204", "青山区", JurisdictionLevel.COUNTY, CITY),
    ("150205", "石拐区", JurisdictionLevel.COUNTY, CITY),
    ("150206", "白云鄂博矿区", JurisdictionLevel.COUNTY, CITY),
    ("150207", "九原区", JurisdictionLevel.COUNTY, CITY),
    ("150221", "土默特右旗", JurisdictionLevel.COUNTY, CITY),
    ("150222", "固阳县", JurisdictionLevel.COUNTY, CITY),
    ("150223", "达尔罕茂明安联合旗", JurisdictionLevel.COUNTY, CITY),
    ("150271", "包头稀土高新技术产业开发区", JurisdictionLevel.ZONE, CITY),
]

# ---------------------------------------------------------------------------------------------
# Decisions of the demo
# ---------------------------------------------------------------------------------------------


@dataclass
class DecisionSpec:
    number: str
    title: str
    issued_on: dt.date
    effective_on: dt.date
    approved: bool = True
    events: list[dict] = field(default_factory=list)


DECISIONS: dict[str, DecisionSpec] = {
    "d2019": DecisionSpec(
        "包编发〔2019〕30号",
        "关于设立包头市营商环境建设服务中心等机构编制事项的通知",
        D(2019, 8, 20),
        D(2019, 9, 1),
    ),
    "zjj": DecisionSpec(
        DEMO_MARKER_DECISION,
        "关于市住房和城乡建设局所属事业单位机构编制调整的通知",
        D(2020, 6, 18),
        D(2020, 7, 1),
    ),
    "tech": DecisionSpec(
        "包编发〔2020〕25号",
        "关于设立包头市稀土新材料技术研发中心等科技创新和经济发展服务机构的通知",
        D(2020, 9, 22),
        D(2020, 10, 1),
    ),
    "batch1": DecisionSpec(
        "包编发〔2020〕38号",
        "关于市直部门所属事业单位机构编制调整的通知（第一批）",
        D(2020, 12, 15),
        D(2021, 1, 1),
    ),
    "batch2": DecisionSpec(
        "包编发〔2021〕3号",
        "关于市直部门所属事业单位机构编制调整的通知（第二批）",
        D(2021, 2, 10),
        D(2021, 3, 1),
    ),
    "final": DecisionSpec(
        "包编发〔2021〕8号",
        "关于经营类事业单位转企改制、待消化及市本级机构限额的通知",
        D(2021, 3, 20),
        D(2021, 3, 25),
    ),
    "district": DecisionSpec(
        "包编发〔2021〕20号",
        "关于昆都仑区所属事业单位机构编制调整的批复",
        D(2021, 6, 15),
        D(2021, 7, 1),
    ),
    "draft": DecisionSpec(
        DRAFT_NUMBER,
        "关于进一步整合市直部门所属事业单位的通知（征求意见稿）",
        D(2021, 9, 10),
        D(2021, 10, 1),
        approved=False,
    ),
}
# Entered in this order (not the order of their dates; a unit is created before it is used), and approved in ``APPROVAL_ORDER``.
ENTRY_ORDER = ["d2019", "batch1", "final", "zjj", "batch2", "district", "tech", "draft"]
APPROVAL_ORDER = [["final"], ["d2019"], ["batch1", "batch2", "zjj", "tech", "district"]]

# ---------------------------------------------------------------------------------------------
# Departments: (key, name, topic, institutions before, institutions after)
# The topic names the generic institutions of a department and is their sector.
# ---------------------------------------------------------------------------------------------

DEPARTMENTS: list[tuple[str, str, str, int, int]] = [
    # Not touched by the reform.
    ("bt-sjj", "包头市审计局", "审计", 2, 2),
    ("bt-tjj", "包头市统计局", "统计", 3, 3),
    ("bt-xfj", "包头市信访局", "信访", 1, 1),
    # Involved, more than three institutions after the reform.
    (ZJJ, "包头市住房和城乡建设局", "住房和城乡建设", 32, 13),
    ("bt-jyj", "包头市教育局", "教育", 19, 11),
    ("bt-wjw", "包头市卫生健康委员会", "卫生健康", 18, 11),
    ("bt-nmj", "包头市农牧局", "农牧业", 18, 9),
    ("bt-wlj", "包头市文化旅游广电局", "文化旅游", 14, 8),
    ("bt-slj", "包头市水务局", "水务", 12, 6),
    ("bt-zrj", "包头市自然资源局", "自然资源", 12, 6),
    ("bt-rsj", "包头市人力资源和社会保障局", "人力资源和社会保障", 12, 6),
    ("bt-jtj", "包头市交通运输局", "交通运输", 11, 5),
    ("bt-cgj", "包头市城市管理综合执法局", "城市管理", 8, 7),
    ("bt-kjj", "包头市科学技术局", "科技", 5, 7),
    ("bt-fgw", "包头市发展和改革委员会", "发展改革", 7, 5),
    ("bt-gxj", "包头市工业和信息化局", "工业和信息化", 8, 5),
    ("bt-scj", "包头市市场监督管理局", "市场监管", 9, 6),
    ("bt-lcj", "包头市林业和草原局", "林业和草原", 8, 5),
    ("bt-mzj", "包头市民政局", "民政", 10, 6),
    ("bt-jgj", "包头市机关事务管理局", "机关事务", 6, 5),
    ("bt-hbj", "包头市生态环境局", "生态环境", 6, 5),
    # Involved, at most three institutions after the reform.
    ("bt-swb", "中共包头市委办公室", "机要保密", 3, 2),
    ("bt-zzb", "中共包头市委组织部", "干部人事", 3, 2),
    ("bt-xcb", "中共包头市委宣传部", "新闻宣传", 5, 3),
    ("bt-tzb", "中共包头市委统战部", "统一战线", 2, 1),
    ("bt-zfw", "中共包头市委政法委员会", "社会治理", 3, 1),
    ("bt-zfb", "包头市人民政府办公室", "政务", 4, 2),
    ("bt-gaj", "包头市公安局", "公安", 4, 3),
    ("bt-sfj", "包头市司法局", "司法", 5, 3),
    ("bt-czj", "包头市财政局", "财政", 6, 3),
    ("bt-swj", "包头市商务局", "商务", 6, 3),
    ("bt-tyj", "包头市退役军人事务局", "退役军人服务", 3, 2),
    ("bt-yjj", "包头市应急管理局", "应急管理", 4, 2),
    ("bt-gzw", "包头市人民政府国有资产监督管理委员会", "国有资产", 4, 2),
    ("bt-tiyj", "包头市体育局", "体育", 5, 3),
    ("bt-ybj", "包头市医疗保障局", "医疗保障", 3, 2),
    ("bt-spj", "包头市行政审批和政务服务局", "政务服务", 4, 3),
    ("bt-nyj", "包头市能源局", "能源", 2, 1),
    ("bt-mwj", "包头市民族事务委员会", "民族宗教", 3, 2),
    ("bt-rfb", "包头市人民防空办公室", "人民防空", 3, 1),
    ("bt-jrj", "包头市地方金融监督管理局", "金融", 2, 1),
    ("bt-dx", "中共包头市委党校", "干部教育", 3, 1),
    ("bt-zgh", "包头市总工会", "职工", 4, 2),
    ("bt-tsw", "共青团包头市委员会", "青少年", 3, 2),
    ("bt-fl", "包头市妇女联合会", "妇女儿童", 2, 1),
    ("bt-kx", "包头市科学技术协会", "科普", 3, 3),
    ("bt-wl", "包头市文学艺术界联合会", "文学艺术", 2, 2),
    ("bt-cl", "包头市残疾人联合会", "残疾人服务", 4, 2),
    ("bt-hsh", "包头市红十字会", "红十字", 2, 1),
    ("bt-gxs", "包头市供销合作社联合社", "供销合作", 5, 2),
    ("bt-zxb", "政协包头市委员会办公室", "政协", 2, 1),
    ("bt-rdb", "包头市人大常委会办公室", "人大", 2, 1),
    ("bt-dsb", "中共包头市委党史研究室", "党史地方志", 2, 1),
    ("bt-lgb", "中共包头市委老干部局", "老干部", 3, 2),
    ("bt-wxb", "中共包头市委网络安全和信息化委员会办公室", "网络安全", 2, 1),
    ("bt-bb", "中共包头市委机构编制委员会办公室", "机构编制", 2, 1),
    ("bt-xczx", "包头市乡村振兴局", "乡村振兴", 2, 3),
    ("bt-lsj", "包头市粮食和物资储备局", "粮食和物资储备", 4, 2),
]
UNTOUCHED = {"bt-sjj", "bt-tjj", "bt-xfj"}

# Names of institutions (after the department's topic) for departments without a list below.
GENERIC_SUFFIXES = [
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
MERGED_SUFFIXES = ["综合服务中心", "事业发展中心", "保障服务中心", "技术服务中心"]
NEW_SUFFIXES = ["公共服务中心", "创新发展中心", "运行保障中心"]

# Realistic names where the article or the reform points at them.
NAMED: dict[str, list[str]] = {
    ZJJ: [
        "包头市住宅合作社管理办公室",  # 0 abolished
        "包头市房地产开发管理中心",  # 1 abolished
        "包头市房改办公室",  # 2 abolished
        "包头市廉租住房管理中心",  # 3-7 merge -> 住房保障服务中心
        "包头市公共租赁住房管理中心",
        "包头市经济适用住房管理中心",
        "包头市棚户区改造服务中心",
        "包头市住房保障信息中心",
        "包头市建筑工程质量监督站",  # 8-11 merge -> 建设工程质量安全服务中心
        "包头市建筑安全监督站",
        "包头市建设工程招标投标管理办公室",
        "包头市建设工程造价管理站",
        "包头市城市建设档案馆",  # 12-15 merge -> 城市建设服务中心
        "包头市城市建设信息中心",
        "包头市建设职工培训中心",
        "包头市城建监察支队",
        "包头市城乡规划设计研究院",  # 16 absorbs 17-19
        "包头市村镇建设服务站",
        "包头市勘察测绘管理站",
        "包头市建设科技推广站",
        "包头市市政设施维护中心",  # 20 transferred to 市城市管理综合执法局
        "包头市建筑工程检测中心",  # 21 transformed into an enterprise
        "包头市建筑设计研究院",  # 22 business, pending wind-down
        "包头市墙体材料改革办公室",  # 23-25 merge -> 建筑节能与绿色建筑发展中心
        "包头市建筑节能管理站",
        "包头市散装水泥办公室",
        "包头市房屋征收管理办公室",  # 26 renamed
        "包头市物业管理办公室",  # 27-31 stay
        "包头市园林绿化养护中心",
        "包头市供热管理办公室",
        "包头市燃气管理办公室",
        "包头市建筑市场管理站",
    ],
    "bt-slj": [
        "包头市昆都仑水库管理所",
        "包头市黄河扬水站管理所",
        "包头市水利工程建设管理中心",
        "包头市水文水资源勘测站",
        "包头市防汛抗旱服务中心",
        "包头市水土保持工作站",
        "包头市农村牧区供水管理站",
        "包头市水政监察支队",
        "包头市节约用水管理中心",
        "包头市阿塔山水库管理所",
        "包头市水利技术推广站",
        "包头市黄河湿地管理站",
    ],
    "bt-cgj": [
        "包头市环境卫生服务中心",
        "包头市市政工程维修养护中心",
        "包头市城市照明管理中心",
        "包头市园林科学研究所",
        "包头市城市管理数字化指挥中心",
        "包头市公园管理中心",
        "包头市户外广告管理站",
        "包头市城市排水服务中心",
    ],
    "bt-kjj": [
        "包头市科学技术情报研究所",
        "包头市生产力促进中心",
        "包头市科技开发服务中心",
        "包头市科技企业孵化中心",
        "包头市稀土研究院联络中心",
    ],
    "bt-jyj": [
        "包头市教育教学研究室",
        "包头市教育督导评估中心",
        "包头市电化教育馆",
        "包头市教育考试中心",
        "包头市学生资助管理中心",
        "包头市教育信息中心",
        "包头市教师进修学校",
        "包头市招生办公室",
        "包头市教育装备中心",
        "包头市学校后勤服务中心",
        "包头市教育科学研究所",
        "包头市中小学德育工作指导中心",
        "包头市校外教育活动中心",
        "包头市青少年科技教育中心",
        "包头市教育财务核算中心",
        "包头市自学考试办公室",
        "包头市语言文字工作站",
        "包头市教育基建管理站",
        "包头市职业教育指导中心",
    ],
    "bt-wlj": [
        "包头市漫瀚艺术剧院",
        "包头博物馆",
        "包头市文化馆",
        "包头市美术馆",
        "包头市图书馆",
        "包头市文物管理处",
        "包头市广播电视监测中心",
        "包头市旅游发展服务中心",
        "包头市文化市场综合执法支队",
        "包头市群众艺术馆",
        "包头市电影发行放映公司",
        "包头市非物质文化遗产保护中心",
        "包头市五当召文物保护所",
        "包头市文艺创作研究所",
    ],
    "bt-wjw": [
        "包头市疾病预防控制中心",
        "包头市卫生监督所",
        "包头市妇幼保健院",
        "包头市中心血站",
        "包头市急救中心",
        "包头市卫生健康信息中心",
        "包头市职业病防治院",
        "包头市精神卫生中心",
        "包头市传染病医院",
        "包头市中医蒙医医院",
        "包头市卫生学校",
        "包头市健康教育所",
        "包头市卫生健康事务服务中心",
        "包头市药品集中采购服务中心",
        "包头市老龄工作服务中心",
        "包头市医疗保健服务中心",  # 15 split in two; one part then merged with 16
        "包头市卫生健康人才服务中心",
        "包头市计划生育药具管理站",
    ],
    "bt-jgj": [
        "包头市人民政府招待所",
        "包头市机关服务中心",
        "包头市公务用车服务中心",
        "包头市机关幼儿园",
        "包头市会议服务中心",
        "包头市机关事务保障中心",
    ],
}

SCIENCE_UNITS: list[tuple[str, str, str]] = [
    ("bt-kjj", "bt-kjj-rare-earth", "包头市稀土新材料技术研发中心"),
    ("bt-kjj", "bt-kjj-incubator", "包头稀土高新区科技创业服务中心"),
    ("bt-kjj", "bt-kjj-transfer", "包头市科技成果转化服务中心"),
    ("bt-kjj", "bt-kjj-innovation", "包头市科技创新发展研究中心"),
    ("bt-scj", "bt-scj-ip", "包头市知识产权保护中心"),
    ("bt-spj", "bt-spj-bigdata", "包头市大数据中心"),
    ("bt-gxj", "bt-gxj-tech", "包头市工业技术创新服务中心"),
    ("bt-kx", "bt-kx-science", "包头市青少年科技活动中心"),
]
ECONOMY_UNITS: list[tuple[str, str, str]] = [
    ("bt-swj", "bt-swj-investment", "包头市投资促进中心"),
    ("bt-fgw", "bt-fgw-credit", "包头市社会信用管理中心"),
    ("bt-xczx", "bt-xczx-service", "包头市乡村振兴服务中心"),
]

# ---------------------------------------------------------------------------------------------
# Attribute helpers
# ---------------------------------------------------------------------------------------------

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _organization_code(rng: random.Random) -> str:
    """A 9-character organization code (GB 11714) with its check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("0" if check == 11 else "X" if check == 10 else str(check))


def credit_code(rng: random.Random, *, kind: str, division: str) -> str:
    """A valid unified social credit code: 1 = organization offices' registration, 1 =
    government body, 2 = public institution; then division, organization code, check."""
    first17 = (
        "1" + ("1" if kind == UnitKind.DEPARTMENT else "2") + division + _organization_code(rng)
    )
    assert all(c in CREDIT_CODE_ALPHABET for c in first17)
    return first17 + credit_code_check_character(first17)


def _functions(name: str, topic: str) -> str:
    return (
        f"承担{topic}领域的公益服务和技术支撑工作；"
        f"负责{name.removeprefix('包头市').removeprefix('包头')}职责范围内的具体事务；"
        "完成主管部门交办的其他任务。"
    )


def _institution_attrs(
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
        "jurisdiction": division,
        "parent": parent,
        "category": category,
        "rank": rng.choices(
            [Rank.DIVISION, Rank.DEPUTY_DIVISION, Rank.SECTION, Rank.DEPUTY_SECTION],
            weights=[1, 3, 5, 2],
        )[0],
        "funding": funding,
        "sector": topic,
        "functions": _functions(name, topic),
        "internal_bodies": rng.randint(2, 8),
    }
    if rng.random() < 0.4:
        attrs["credit_code"] = credit_code(rng, kind=UnitKind.INSTITUTION, division=division)
    return attrs


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


@dataclass
class Registration:
    key: str
    kind: str
    established_on: dt.date
    attributes: dict[str, Any]


@dataclass
class Plan:
    jurisdictions: list[tuple[str, str, str, str | None]]
    registrations: list[Registration]
    decisions: dict[str, DecisionSpec]
    caps: list[tuple[str, dt.date, int, str | None]]
    departments: list[tuple[str, str, str, int, int]]


class _DepartmentPlanner:
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
        attrs = _institution_attrs(rng, name=name, parent=dept, topic=self.topics[dept])
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
                f"包头市{topic}{suffix}" for suffix in GENERIC_SUFFIXES[:before]
            ]
            assert len(names) >= before, key
            self.free[key] = []
            for i, name in enumerate(names[:before]):
                unit_key = f"{key}-{i + 1:02d}"
                attrs = _institution_attrs(rng, name=name, parent=key, topic=topic)
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
        attrs["functions"] = _functions(attrs["name"], "营商环境")
        self.event("d2019", EventType.ESTABLISH, new_units=[(last, UnitKind.INSTITUTION, attrs)])
        self.attrs[last] = attrs
        self.free[dept].append(last)
        renamed = self.free["bt-zzb"][0]
        self.event(
            "d2019",
            EventType.CHANGE,
            sources=[renamed],
            attributes={"name": "包头市干部人事档案服务中心"},
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
        tested = self.take(z, 21)
        self.attrs[tested].update(category=Category.BUSINESS, funding=Funding.SELF)
        self.event("final", EventType.TRANSFORM, sources=[tested], note="转企改制")
        self.count[z] -= 1
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
        film = self.take("bt-wlj", 10)
        self.attrs[film].update(category=Category.BUSINESS, funding=Funding.SELF)
        self.event("final", EventType.TRANSFORM, sources=[film], note="转企改制")
        self.count["bt-wlj"] -= 1
        rng = random.Random("tech")
        for dept, key, name in SCIENCE_UNITS + ECONOMY_UNITS:
            self.event("tech", EventType.ESTABLISH, new_units=[self.new_unit(dept, key, name, rng)])
            self.count[dept] += 1
            self.touched.add(dept)

    def generic(self) -> None:
        """Every other department: merges, absorptions, abolitions, transforms, establishments
        until it has the number of institutions the table says; renames where nothing else."""
        pattern = ["merge3", "abolish", "absorb2", "merge2", "transform", "absorb1"]
        for position, (dept, _name, topic, _b, after) in enumerate(DEPARTMENTS):
            if dept in UNTOUCHED:
                continue
            rng = random.Random(dept + "/reform")
            decision = "batch1" if position % 2 else "batch2"
            merged = iter(MERGED_SUFFIXES)
            created = iter(NEW_SUFFIXES)
            step = position
            while self.count[dept] > after:
                need = self.count[dept] - after
                free = self.free[dept]
                if not free:
                    raise ValueError(f"{dept}: not enough institutions to reach {after}")
                op = pattern[step % len(pattern)]
                step += 1
                if op == "merge3" and need >= 2 and len(free) >= 3:
                    sources = [self.take(dept) for _ in range(3)]
                    n = sum(1 for e in self.all_events() if e["type"] == EventType.MERGE)
                    self.merge(
                        decision,
                        dept,
                        sources,
                        f"{dept}-m{n + 1}",
                        f"包头市{topic}{next(merged)}",
                        rng,
                    )
                elif op == "merge2" and len(free) >= 2:
                    sources = [self.take(dept) for _ in range(2)]
                    n = sum(1 for e in self.all_events() if e["type"] == EventType.MERGE)
                    self.merge(
                        decision,
                        dept,
                        sources,
                        f"{dept}-m{n + 1}",
                        f"包头市{topic}{next(merged)}",
                        rng,
                    )
                elif op in ("absorb1", "absorb2") and len(free) >= (3 if op == "absorb2" else 2):
                    k = 2 if op == "absorb2" and need >= 2 else 1
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
                elif op == "transform" and len(free) >= 1:
                    unit = self.take(dept)
                    self.attrs[unit].update(category=Category.BUSINESS, funding=Funding.SELF)
                    self.event(decision, EventType.TRANSFORM, sources=[unit], note="转企改制")
                    self.count[dept] -= 1
                elif op == "abolish" or (len(free) >= 1 and step > position + 12):
                    self.event(
                        decision,
                        EventType.ABOLISH,
                        sources=[self.take(dept)],
                        note="职能弱化，撤销",
                    )
                    self.count[dept] -= 1
            while self.count[dept] < after:
                key = f"{dept}-n{self.count[dept]}"
                self.event(
                    decision,
                    EventType.ESTABLISH,
                    new_units=[self.new_unit(dept, key, f"包头市{topic}{next(created)}", rng)],
                )
                self.count[dept] += 1
                self.touched.add(dept)
            if dept not in self.touched and self.free[dept]:
                unit = self.take(dept)
                self.event(
                    decision,
                    EventType.CHANGE,
                    sources=[unit],
                    attributes={"name": f"包头市{topic}发展促进中心"},
                    note="规范机构名称",
                )
            # 三定: re-issued functions and internal bodies for one continuing institution.
            if position % 3 == 0 and self.free[dept]:
                unit = self.free[dept][0]
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
            # Regrade and reclassify a few institutions (the article's 处级事业单位 review).
            if position % 5 == 1 and len(self.free[dept]) >= 2:
                unit = self.free[dept][1]
                self.event(
                    decision,
                    EventType.CHANGE,
                    sources=[unit],
                    attributes={
                        "rank": Rank.DEPUTY_DIVISION,
                        "category": Category.PUBLIC_WELFARE_1,
                    },
                    note="调整机构规格和类别",
                )

    def districts(self) -> None:
        rng = random.Random("districts")
        units = [
            ("kdl-jyj", UnitKind.DEPARTMENT, "昆都仑区教育局", "150203", None, "教育"),
            ("kdl-wjj", UnitKind.DEPARTMENT, "昆都仑区卫生健康委员会", "150203", None, "卫生健康"),
            (
                "kdl-jyj-01",
                UnitKind.INSTITUTION,
                "昆都仑区教育教学研究室",
                "150203",
                "kdl-jyj",
                "教育",
            ),
            (
                "kdl-jyj-02",
                UnitKind.INSTITUTION,
                "昆都仑区教育督导服务中心",
                "150203",
                "kdl-jyj",
                "教育",
            ),
            (
                "kdl-jyj-03",
                UnitKind.INSTITUTION,
                "昆都仑区学生资助管理中心",
                "150203",
                "kdl-jyj",
                "教育",
            ),
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
            (
                "gxq-jfj",
                UnitKind.DEPARTMENT,
                "包头稀土高新区经济发展局",
                "150271",
                None,
                "经济发展",
            ),
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
            (
                "qs-mzj-01",
                UnitKind.INSTITUTION,
                "青山区社会福利服务中心",
                "150204",
                "qs-mzj",
                "民政",
            ),
        ]
        for key, kind, name, division, parent, topic in units:
            if kind == UnitKind.DEPARTMENT:
                attrs = {
                    "name": name,
                    "jurisdiction": division,
                    "rank": Rank.SECTION,
                    "sector": topic,
                }
            else:
                assert parent is not None  # every institution here has a department
                attrs = _institution_attrs(
                    rng, name=name, parent=parent, topic=topic, division=division
                )
            self.registrations.append(Registration(key, kind, D(2019, 3, 1), attrs))
        self.event(
            "district",
            EventType.MERGE,
            sources=["kdl-jyj-01", "kdl-jyj-02"],
            new_units=[
                (
                    "kdl-jyj-m1",
                    UnitKind.INSTITUTION,
                    _institution_attrs(
                        rng,
                        name="昆都仑区教育发展服务中心",
                        parent="kdl-jyj",
                        topic="教育",
                        division="150203",
                    ),
                )
            ],
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
    planner = _DepartmentPlanner()
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


# ---------------------------------------------------------------------------------------------
# The figures, from the plan alone
# ---------------------------------------------------------------------------------------------


@dataclass
class _Life:
    kind: str
    start: dt.date
    end: dt.date | None
    states: list[tuple[dt.date, dict[str, Any]]]

    def on(self, day: dt.date) -> dict[str, Any] | None:
        if day < self.start or (self.end is not None and day >= self.end):
            return None
        state: dict[str, Any] = {}
        for when, values in sorted(self.states, key=lambda s: s[0]):
            if when <= day:
                state.update(values)
        return state


def _lives(plan: Plan, *, include_drafts: bool = False) -> dict[str, _Life]:
    lives: dict[str, _Life] = {
        r.key: _Life(r.kind, r.established_on, None, [(r.established_on, dict(r.attributes))])
        for r in plan.registrations
    }
    events = [
        e
        for spec in plan.decisions.values()
        if spec.approved or include_drafts
        for e in spec.events
    ]
    for event in sorted(events, key=lambda e: e["effective_on"]):
        on = event["effective_on"]
        for key, kind, attrs in event["new_units"]:
            lives[key] = _Life(kind, on, None, [(on, dict(attrs))])
        if event["type"] in (EventType.CHANGE,):
            lives[event["sources"][0]].states.append((on, dict(event["attributes"])))
        else:
            for key in event["sources"]:
                lives[key].end = on
            if event["type"] == EventType.ABSORB and event["attributes"]:
                lives[event["targets"][0]].states.append((on, dict(event["attributes"])))
    return lives


def _counted(
    state: dict[str, Any] | None, *, exclude_pending: bool = True
) -> TypeGuard[dict[str, Any]]:
    return (
        state is not None
        and state["jurisdiction"] == CITY
        and not (
            exclude_pending
            and state.get("category") == Category.BUSINESS
            and state.get("pending_wind_down")
        )
    )


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def demo_figures(*, exclude_pending_from_involved: bool = True) -> dict[str, Any]:
    """The reform's figures for 150200 between DEMO_BEFORE and DEMO_AFTER, computed from the
    plan (not from the database). ``exclude_pending_from_involved`` chooses whether an
    institution pending wind-down still makes its department involved; the demo gives the same
    figures either way."""
    plan = demo_plan()
    lives = _lives(plan)
    institutions = {k: life for k, life in lives.items() if life.kind == UnitKind.INSTITUTION}

    def per_department(day: dt.date) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for life in institutions.values():
            state = life.on(day)
            if _counted(state):
                counts[state["parent"]] += 1
        return dict(counts)

    before, after = per_department(DEMO_BEFORE), per_department(DEMO_AFTER)
    touched: set[str] = set()
    for spec in plan.decisions.values():
        if not spec.approved:
            continue
        for event in spec.events:
            if DEMO_BEFORE < event["effective_on"] <= DEMO_AFTER:
                touched.update(event["sources"], event["targets"])
                touched.update(key for key, _k, _a in event["new_units"])
    involved: set[str] = set()
    for key in touched & set(institutions):
        for day in (DEMO_BEFORE, DEMO_AFTER):
            state = institutions[key].on(day)
            if state is not None and state["jurisdiction"] == CITY:
                if exclude_pending_from_involved and not _counted(state):
                    continue
                involved.add(state["parent"])
    n_before, n_after = sum(before.values()), sum(after.values())
    baseline = len(before)
    at_most_3 = sum(1 for d in involved if after.get(d, 0) <= 3)
    return {
        "institutions_before": n_before,
        "institutions_after": n_after,
        "reduction_rate": _round(Decimal(n_before - n_after) / n_before, "0.0001"),
        "departments_baseline": baseline,
        "avg_per_department_before": _round(Decimal(n_before) / baseline, "0.01"),
        "avg_per_department_after": _round(Decimal(n_after) / baseline, "0.01"),
        "zjj_before": before.get(ZJJ, 0),
        "zjj_after": after.get(ZJJ, 0),
        "involved_departments": len(involved),
        "involved_at_most_3": at_most_3,
        "share_at_most_3": _round(Decimal(at_most_3) / len(involved), "0.0001"),
        "institution_cap": 230,
        "per_department_before": before,
        "per_department_after": after,
        "involved": sorted(involved),
    }


# ---------------------------------------------------------------------------------------------
# Writing the plan through the services
# ---------------------------------------------------------------------------------------------


def demo_loaded() -> bool:
    return Decision.objects.filter(number=DEMO_MARKER_DECISION).exists()


@transaction.atomic
def build_demo() -> dict[str, int]:
    """Write the demo through ``units.services``; returns what was created."""
    plan = demo_plan()
    jurisdictions: dict[str, Jurisdiction] = {}
    for code, name, level, parent in plan.jurisdictions:
        existing = Jurisdiction.objects.filter(code=code).first()
        jurisdictions[code] = existing or services.jurisdiction_create(
            code=code, name=name, level=level, parent=jurisdictions.get(parent) if parent else None
        )
    services.units_register_bulk(
        rows=[
            services.RegistrationInput(r.key, r.kind, r.established_on, r.attributes)
            for r in plan.registrations
        ]
    )
    decisions: dict[str, Decision] = {}
    n_events = 0
    for name in ENTRY_ORDER:
        spec = plan.decisions[name]
        decision = services.decision_create(
            number=spec.number, title=spec.title, issued_on=spec.issued_on, issuer=ISSUER
        )
        decisions[name] = decision
        # Events of a decision entered latest first, as a clerk catching up might.
        for event in reversed(spec.events):
            services.event_create(
                decision=decision,
                key=event["key"],
                type=event["type"],
                effective_on=event["effective_on"],
                sources=event["sources"],
                targets=event["targets"],
                new_units=[services.NewUnit(k, kind, a) for k, kind, a in event["new_units"]],
                attributes=event["attributes"] or None,
                note=event["note"],
            )
            n_events += 1
    for group in APPROVAL_ORDER:
        if len(group) == 1:
            services.decision_approve(decision=decisions[group[0]])
        else:
            services.decisions_approve(decisions=[decisions[name] for name in group])
    for code, valid_from, cap, decision_name in plan.caps:
        services.institution_cap_set(
            jurisdiction=jurisdictions[code],
            valid_from=valid_from,
            cap=cap,
            decision=decisions[decision_name] if decision_name else None,
        )
    return {
        "jurisdictions": len(plan.jurisdictions),
        "registrations": len(plan.registrations),
        "decisions": len(decisions),
        "events": n_events,
    }
