"""Baotou's 2020 reform of public institutions (深化事业单位改革试点), as data: the city and its
jurisdictions, the reform's decisions, the table of the city's departments with the number of
institutions each supervised before and after the reform, the names the article points at, and
the figures the article gives (``ARTICLE_FIGURES``).

``plan.demo_plan()`` works the registrations and events out of these tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from units.choices import JurisdictionLevel

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
# The short names the office uses for its departments (简称).
DEPARTMENT_SHORT_NAMES: dict[str, str] = {
    "bt-sjj": "市审计局",
    "bt-tjj": "市统计局",
    "bt-xfj": "市信访局",
    ZJJ: "市住建局",
    "bt-jyj": "市教育局",
    "bt-wjw": "市卫健委",
    "bt-nmj": "市农牧局",
    "bt-wlj": "市文旅广电局",
    "bt-slj": "市水务局",
    "bt-zrj": "市自然资源局",
    "bt-rsj": "市人社局",
    "bt-jtj": "市交通运输局",
    "bt-cgj": "市城管执法局",
    "bt-kjj": "市科技局",
    "bt-fgw": "市发改委",
    "bt-gxj": "市工信局",
    "bt-scj": "市市场监管局",
    "bt-lcj": "市林草局",
    "bt-mzj": "市民政局",
    "bt-jgj": "市机关事务局",
    "bt-hbj": "市生态环境局",
    "bt-swb": "市委办",
    "bt-zzb": "市委组织部",
    "bt-xcb": "市委宣传部",
    "bt-tzb": "市委统战部",
    "bt-zfw": "市委政法委",
    "bt-zfb": "市政府办",
    "bt-gaj": "市公安局",
    "bt-sfj": "市司法局",
    "bt-czj": "市财政局",
    "bt-swj": "市商务局",
    "bt-tyj": "市退役军人局",
    "bt-yjj": "市应急局",
    "bt-gzw": "市国资委",
    "bt-tiyj": "市体育局",
    "bt-ybj": "市医保局",
    "bt-spj": "市政务服务局",
    "bt-nyj": "市能源局",
    "bt-mwj": "市民委",
    "bt-rfb": "市人防办",
    "bt-jrj": "市金融局",
    "bt-dx": "市委党校",
    "bt-zgh": "市总工会",
    "bt-tsw": "团市委",
    "bt-fl": "市妇联",
    "bt-kx": "市科协",
    "bt-wl": "市文联",
    "bt-cl": "市残联",
    "bt-hsh": "市红十字会",
    "bt-gxs": "市供销社",
    "bt-zxb": "市政协办",
    "bt-rdb": "市人大办",
    "bt-dsb": "市委党史研究室",
    "bt-lgb": "市委老干部局",
    "bt-wxb": "市委网信办",
    "bt-bb": "市委编办",
    "bt-xczx": "市乡村振兴局",
    "bt-lsj": "市粮食和储备局",
}

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
