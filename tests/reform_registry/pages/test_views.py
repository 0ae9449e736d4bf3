"""The pages for officials, through the Django test client."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.fixtures.pages_registry import DECISION, D, build_registry
from units.models import Decision

pytestmark = pytest.mark.django_db

PAGES = [
    "/units/",
    "/units/fangchan-fuwu/",
    "/departments/zhujian/",
    "/changes/?from=2020-01-01&to=2021-03-31",
    "/reports/reform/?jurisdiction=150200&before=2020-01-01&after=2021-03-31",
]


def body(response) -> str:
    return response.content.decode()


# --- access ----------------------------------------------------------------------------------


def test_login_required(client, registry):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")


def test_user_without_view_permission_is_refused(client, registry):
    client.force_login(User.objects.create_user("visitor", password="x-visitor-2021"))
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "没有权限" in body(response)


def test_superuser_reads(client, registry):
    client.force_login(User.objects.create_superuser("boss", password="x-boss-2021"))
    assert client.get("/units/").status_code == 200


def test_login_page_and_logout(client, official):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert 'name="username"' in body(page) and 'for="id_username"' in body(page)
    done = client.post(
        "/accounts/login/", {"username": "official", "password": "official-pass-2021"}
    )
    assert done.status_code == 302
    assert client.get("/units/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/units/").status_code == 302


def test_home_goes_to_units(official_client, registry):
    response = official_client.get("/?as_of=2019-01-01")
    assert response.status_code == 302
    assert response["Location"] == "/units/?as_of=2019-01-01"


# --- every page: as-of date picker, bad parameters --------------------------------------------


RANGE_PAGES = [url for url in PAGES if url.startswith(("/changes/", "/reports/"))]


def test_every_page_has_one_date_picker_and_the_language_switch(official_client, registry):
    """Pages on a date have the as-of bar; range pages (changes, dashboard) only their own
    range pickers."""
    for url in PAGES:
        page = body(official_client.get(url))
        as_of_bar = 'type="date" id="as-of" name="as_of"' in page
        assert as_of_bar == (url not in RANGE_PAGES), url
        assert 'action="/i18n/setlang/"' in page
        assert 'class="skip-link" href="#main"' in page
    assert 'id="c-from"' in body(official_client.get(RANGE_PAGES[0]))
    assert 'id="r-before"' in body(official_client.get(RANGE_PAGES[1]))


@pytest.mark.parametrize("url", PAGES)
def test_bad_as_of_is_a_clear_message(official_client, registry, url):
    sep = "&" if "?" in url else "?"
    for bad in ["2020-13-01", "yesterday", "2020-02-30", "0000-01-01", "2021-3-1x"]:
        response = official_client.get(f"{url}{sep}as_of={bad}")
        assert response.status_code == 400, (url, bad)
        assert "不是有效日期" in body(response)
        assert "YYYY-MM-DD" in body(response)


def test_bad_filters_are_named(official_client, registry):
    response = official_client.get("/units/?category=nonsense&status=gone&jurisdiction=999999")
    assert response.status_code == 400
    page = body(response)
    assert "事业单位类别：“nonsense”不是可选的值" in page
    assert "状态：“gone”" in page
    assert "行政区划：“999999”" in page
    control = official_client.get("/units/", {"q": "市\x00局"})
    assert control.status_code == 400 and "控制字符" in body(control)


def test_unknown_unit_and_department_are_404(official_client, registry):
    assert official_client.get("/units/nope/").status_code == 404
    assert official_client.get("/departments/fangguan/").status_code == 404  # an institution
    assert official_client.get("/decisions/999999/").status_code == 404


# --- unit search ------------------------------------------------------------------------------


def test_unit_list_on_a_date(official_client, registry):
    before = body(official_client.get("/units/?as_of=2019-01-01&kind=institution"))
    assert "市房产管理中心" in before and "市房产和住房公积金服务中心" not in before
    after = body(official_client.get("/units/?as_of=2021-06-01&kind=institution"))
    assert "市房产管理中心" not in after and "市房产和住房公积金服务中心" in after
    assert "市科技信息中心" in after  # renamed on 2020-09-01


def test_search_by_former_name_finds_ended_and_renamed_units(official_client, registry):
    renamed = body(official_client.get("/units/?q=科技情报&as_of=2021-06-01"))
    assert "市科技信息中心" in renamed  # its former name matched
    ended = body(official_client.get("/units/?q=房产管理&status=ended&as_of=2021-06-01"))
    assert "市房产管理中心" in ended
    active = body(official_client.get("/units/?q=房产管理&status=active&as_of=2021-06-01"))
    assert "市房产管理中心" not in active


def test_filters(official_client, registry):
    page = body(official_client.get("/units/?parent=zhujian&as_of=2019-01-01"))
    assert "市住房合作社" in page and "市科技情报研究所" not in page
    page = body(official_client.get("/units/?category=business&as_of=2019-01-01"))
    assert "市科技情报研究所" in page and "市住房合作社" not in page
    page = body(official_client.get("/units/?status=all&kind=institution&as_of=2021-06-01"))
    for name in ("市房产管理中心", "市住房合作社", "市房产和住房公积金服务中心"):
        assert name in page


def test_jurisdiction_with_subdivisions(official_client, registry):
    from units import services

    services.units_register_bulk(
        rows=[
            services.RegistrationInput(
                "gaoxin-zx",
                "institution",
                D(2015, 1, 1),
                {"name": "高新区服务中心", "jurisdiction": "150271"},
            )
        ]
    )
    city_only = body(official_client.get("/units/?jurisdiction=150200"))
    assert "高新区服务中心" not in city_only and "市科技信息中心" in city_only
    whole = body(official_client.get("/units/?jurisdiction=150200&subdivisions=true"))
    assert "高新区服务中心" in whole and "市科技信息中心" in whole


def test_unit_list_csv(official_client, registry):
    response = official_client.get("/units/?kind=institution&as_of=2019-01-01&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("标识,类别,名称")
    assert len(lines) == 1 + 4
    assert any(line.startswith("hezuoshe,事业单位,市住房合作社") for line in lines)


def test_pagination(official_client, db):
    build_registry(extra_institutions=60)
    first = body(official_client.get("/units/?as_of=2019-01-01"))
    assert "第 1 / 2 页" in first
    second = official_client.get("/units/?as_of=2019-01-01&page=2")
    assert second.status_code == 200 and "第 2 / 2 页" in body(second)
    assert official_client.get("/units/?page=abc").status_code == 200


# --- unit page --------------------------------------------------------------------------------


def test_unit_page_state_timeline_and_lineage(official_client, registry):
    page = body(official_client.get("/units/fangchan-fuwu/?as_of=2021-06-01"))
    assert "市房产和住房公积金服务中心" in page
    assert DECISION in page  # the decision behind its first version
    assert "<svg" in page and 'class="lineage-svg"' in page
    # its predecessors are nodes of the diagram, each a link to its page
    assert 'href="/units/fangguan/?as_of=2021-06-01"' in page
    assert 'href="/units/gongjijin/?as_of=2021-06-01"' in page
    assert "市房产管理中心" in page and "市住房公积金服务中心" in page


def test_predecessor_page_shows_its_successor_and_end(official_client, registry):
    page = body(official_client.get("/units/fangguan/?as_of=2021-06-01"))
    assert "该机构已于 2020-06-30 终止" in page
    assert 'href="/units/fangchan-fuwu/?as_of=2021-06-01"' in page


def test_quota_panel_shows_balance_headcount_and_over_staffing(official_client, registry):
    page = body(official_client.get("/units/fangchan-fuwu/?as_of=2021-06-01"))
    quota = page.split('id="quota-h"', 1)[1].split("</section>", 1)[0]
    assert "事业编制" in quota
    assert '<td class="num">32</td>' in quota  # 20 + 12 moved by the merge
    assert "35" in quota and "超编 3" in quota
    before = body(official_client.get("/units/fangguan/?as_of=2019-01-01"))
    assert '<td class="num">20</td>' in before.split('id="quota-h"', 1)[1]


def test_unit_page_before_establishment(official_client, registry):
    page = body(official_client.get("/units/fangchan-fuwu/?as_of=2019-01-01"))
    assert "尚未成立" in page


def test_unit_page_timeline_labels_a_rename(official_client, registry):
    page = body(official_client.get("/units/kjqb/"))
    assert "更名" in page and "市科技情报研究所" in page and "市科技信息中心" in page


# --- department page --------------------------------------------------------------------------


def test_department_count_on_a_date(official_client, registry):
    for as_of, count in [("2019-01-01", 3), ("2020-07-01", 2), ("2021-06-01", 1)]:
        page = body(official_client.get(f"/departments/zhujian/?as_of={as_of}"))
        assert f'<span class="value">{count}</span>' in page, as_of
        assert "<svg" in page


def test_department_excludes_pending_from_the_count(official_client, registry):
    page = body(official_client.get("/departments/keji/?as_of=2021-06-01"))
    assert '<span class="value">0</span>' in page
    assert "另有 1 个待消化" in page
    assert "市科技信息中心" in page


# --- changes and decisions --------------------------------------------------------------------


def test_changes_grouped_by_decision(official_client, registry):
    page = body(official_client.get("/changes/?from=2020-01-01&to=2021-03-31"))
    assert DECISION in page
    assert "合并" in page and "撤销" in page and "更名" in page
    assert "市房产管理中心" in page and "市房产和住房公积金服务中心" in page
    assert '<span class="value" id="n-established">1</span>' in page
    assert '<span class="value" id="n-ended">3</span>' in page
    empty = body(official_client.get("/changes/?from=2000-01-01&to=2001-01-01"))
    assert "没有已批准的改革事项" in empty


def test_changes_swaps_reversed_dates(official_client, registry):
    response = official_client.get("/changes/?from=2021-03-31&to=2020-01-01")
    assert response.status_code == 400
    assert "已交换" in body(response) and DECISION in body(response)


def test_decision_page(official_client, registry):
    decision = Decision.objects.get(number=DECISION)
    page = body(official_client.get(f"/decisions/{decision.pk}/"))
    assert "ev-merge" in page and "市房产管理中心" in page
    rename = page.split("ev-rename", 1)[1].split("</tr>", 1)[0]
    assert rename.index("市科技情报研究所") < rename.index("市科技信息中心")  # before → after
    draft = Decision.objects.get(number="包编发〔2021〕3号")
    assert "尚未批准的草稿" in body(official_client.get(f"/decisions/{draft.pk}/"))


# --- reform dashboard -------------------------------------------------------------------------

DASHBOARD = "/reports/reform/?jurisdiction=150200&before=2020-01-01&after=2021-03-31"


def test_dashboard_figures(official_client, registry):
    page = body(official_client.get(DASHBOARD))
    assert "3 → 1" in page  # institutions before and after
    assert "66.67%" in page  # (3 - 1) / 3
    assert "预览" not in page.split("<main", 1)[1].split("</form>", 1)[1]
    assert 'class="bar-before"' in page and "市住房和城乡建设局" in page


def test_dashboard_with_drafts_is_marked_as_preview(official_client, registry):
    page = body(official_client.get(DASHBOARD + "&include_drafts=true"))
    assert 'id="preview-banner"' in page and "包编发〔2021〕3号" in page
    assert "3 → 2" in page  # the draft establishes one more institution
    # nothing of the preview stays written
    assert Decision.objects.get(number="包编发〔2021〕3号").status == "draft"


def test_dashboard_downloads(official_client, registry):
    csv_response = official_client.get(DASHBOARD + "&format=csv")
    raw = b"".join(csv_response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "精简率,66.67%" in text and "zhujian,市住房和城乡建设局,3,1" in text
    xlsx = official_client.get(DASHBOARD + "&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["summary", "departments"]
    rows = {row[0]: row[1] for row in book["summary"].iter_rows(values_only=True)}
    assert rows["改革前事业单位数"] == 3 and rows["改革后事业单位数"] == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("jurisdiction=150200&before=2021-03-31&after=2020-01-01", "应早于"),
        ("jurisdiction=150200&before=2020-01-01&after=31/03/2021", "不是有效日期"),
        ("jurisdiction=000000&before=2020-01-01&after=2021-03-31", "不是可选的值"),
    ],
)
def test_dashboard_bad_parameters(official_client, registry, query, message):
    response = official_client.get("/reports/reform/?" + query)
    assert response.status_code == 400
    assert message in body(response)


# --- query counts do not grow with the data ---------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(context)


QUERY_LIMITS = {
    "/units/?as_of=2021-06-01": 10,
    "/units/?as_of=2021-06-01&q=市&format=csv": 8,
    "/units/fangchan-fuwu/?as_of=2021-06-01": 22,
    "/units/extra-0001/?as_of=2021-06-01": 22,
    "/departments/zhujian/?as_of=2021-06-01": 10,
    "/changes/?from=2020-01-01&to=2021-03-31": 12,
    DASHBOARD: 16,
}


def test_query_counts_do_not_grow_with_the_data(official_client, db):
    build_registry(extra_institutions=2)
    small = {url: count_queries(official_client, url) for url in QUERY_LIMITS}
    assert build_more(120) == 120
    large = {url: count_queries(official_client, url) for url in QUERY_LIMITS}
    assert small == large
    for url, limit in QUERY_LIMITS.items():
        assert small[url] <= limit, (url, small[url])


def build_more(n: int) -> int:
    """More institutions under the housing bureau, and a second merge of two of them."""
    import datetime as dt

    from units import services

    services.units_register_bulk(
        rows=[
            services.RegistrationInput(
                f"more-{i:04d}",
                "institution",
                dt.date(2013, 1, 1),
                {"name": f"市住建所{i:04d}", "jurisdiction": "150200", "parent": "zhujian"},
            )
            for i in range(n)
        ]
    )
    decision = services.decision_create(
        number="包编发〔2020〕40号", title="再合并", issued_on=dt.date(2020, 7, 1)
    )
    services.event_create(
        decision=decision,
        key="ev-merge-more",
        type="merge",
        effective_on=dt.date(2020, 8, 1),
        sources=["more-0000", "more-0001", "extra-0000"],
        new_units=[
            services.NewUnit(
                "more-merged",
                "institution",
                {"name": "市住建综合所", "jurisdiction": "150200", "parent": "zhujian"},
            )
        ],
    )
    services.decision_approve(decision=decision)
    return n


def test_language_switch_to_english_and_back(official_client, registry):
    switched = official_client.post("/i18n/setlang/", {"language": "en", "next": "/units/"})
    assert switched.status_code == 302
    page = body(official_client.get("/units/fangchan-fuwu/?as_of=2021-06-01"))
    assert '<html lang="en">' in page
    assert "Lineage" in page and "History" in page and "Supervising department" in page
    dashboard = body(official_client.get(DASHBOARD))
    assert "Reduction rate" in dashboard and "66.67%" in dashboard
    official_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/units/"})
    assert "沿革图" in body(official_client.get("/units/fangchan-fuwu/"))


def test_ended_unit_shows_its_last_day_and_quotas_then(official_client, registry):
    page = body(official_client.get("/units/hezuoshe/?as_of=2021-06-01"))
    assert "2020-12-31 的状态" in page  # abolished on 2021-01-01
    quota = page.split('id="quota-h"', 1)[1].split("</section>", 1)[0]
    assert "2020-12-31" in quota and '<td class="num">5</td>' in quota


# --- cells that never break, names of units not yet in force ----------------------------------


def cell_classes(page: str, text: str) -> list[str]:
    """The class attribute of each table cell (or span) whose whole content is ``text``."""
    import re

    return re.findall(
        rf'<(?:td|span|a)(?: href="[^"]*")? class="([^"]*)"[^>]*>{re.escape(text)}<', page
    )


def test_codes_statuses_and_document_numbers_stay_on_one_line(official_client, registry):
    units = body(official_client.get("/units/?as_of=2019-01-01&kind=institution"))
    for text in ("事业单位", "全额拨款", "公益一类", "正处级"):
        assert "nowrap" in cell_classes(units, text), text
    department = body(official_client.get("/departments/zhujian/?as_of=2019-01-01"))
    assert "nowrap" in cell_classes(department, "全额拨款")
    decision = Decision.objects.get(number=DECISION)
    page = body(official_client.get(f"/decisions/{decision.pk}/"))
    assert "nowrap" in cell_classes(page, "已批准")
    assert "nowrap" in cell_classes(page, DECISION)
    changes = body(official_client.get("/changes/"))
    assert "nowrap" in cell_classes(changes, DECISION)
    unit = body(official_client.get("/units/fangchan-fuwu/?as_of=2021-06-01"))
    assert "nowrap" in cell_classes(unit, DECISION)
    # the stylesheet keeps them whole: codes, keys, tags and column headers
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    assert ".nowrap, .mono, .tag { white-space: nowrap; }" in css


def test_a_drafts_new_unit_is_named_and_has_no_quota_table(official_client, registry):
    draft = Decision.objects.get(number="包编发〔2021〕3号")
    page = body(official_client.get(f"/decisions/{draft.pk}/"))
    assert '<a href="/units/dashuju/">市大数据中心</a>' in page
    unit = body(official_client.get("/units/dashuju/"))
    assert "<h1>市大数据中心" in unit and "<title>市大数据中心" in unit
    assert "尚未批准的决定 包编发〔2021〕3号 拟设立（拟于 2021-03-01 生效）" in unit
    quota = unit.split('id="quota-h"', 1)[1].split("</section>", 1)[0]
    assert "<table" not in quota and "没有生效的登记版本" in quota


def test_a_revoked_decisions_new_unit_is_named_and_has_no_quota_table(official_client, registry):
    from units import services

    decision = services.decision_create(
        number="包编发〔2021〕9号", title="设立后撤回", issued_on=D(2021, 4, 1)
    )
    services.event_create(
        decision=decision,
        key="ev-revoked",
        type="merge",
        effective_on=D(2021, 4, 1),
        sources=["fangchan-fuwu", "kjqb"],
        new_units=[
            services.NewUnit(
                "chexiao-xin",
                "institution",
                {"name": "市撤回后的新中心", "jurisdiction": "150200", "parent": "zhujian"},
            )
        ],
    )
    services.decision_approve(decision=decision)
    services.decision_revoke(decision=Decision.objects.get(pk=decision.pk))
    page = body(official_client.get(f"/decisions/{decision.pk}/"))
    assert '<a href="/units/chexiao-xin/">市撤回后的新中心</a>' in page
    unit = official_client.get("/units/chexiao-xin/")
    assert unit.status_code == 200
    assert "<h1>市撤回后的新中心" in body(unit)
    assert "设立该机构的决定 包编发〔2021〕9号 已撤回" in body(unit)
    quota = body(unit).split('id="quota-h"', 1)[1].split("</section>", 1)[0]
    assert "<table" not in quota and "没有生效的登记版本" in quota
    # its sources are back in force, with their quota tables
    source = body(official_client.get("/units/fangchan-fuwu/?as_of=2021-06-01"))
    assert '<td class="num">32</td>' in source.split('id="quota-h"', 1)[1]


# --- the latest reform period is the default range ---------------------------------------------


def test_changes_open_on_the_latest_reform(official_client, registry):
    """The fixture's approved events run from 2020-06-30 to 2021-01-01: the changes page
    opens on 2020-01-01 – 2021-03-31, as the dashboard does."""
    page = body(official_client.get("/changes/"))
    assert 'id="c-from" name="from" value="2020-01-01"' in page
    assert 'id="c-to" name="to" value="2021-03-31"' in page
    assert DECISION in page and '<span class="value" id="n-ended">3</span>' in page
    dashboard = body(official_client.get("/reports/reform/"))
    assert 'id="r-before" name="before" value="2020-01-01"' in dashboard
    assert 'id="r-after" name="after" value="2021-03-31"' in dashboard
    assert "3 → 1" in dashboard


def test_changes_up_to_a_date_open_on_the_reform_up_to_it(official_client, registry):
    page = body(official_client.get("/changes/?to=2020-07-31"))
    assert 'value="2020-01-01"' in page and 'value="2020-07-31"' in page
    assert "ev-merge" in page and "ev-rename" not in page
    # a start given alone runs to today, as before
    alone = body(official_client.get("/changes/?from=2020-09-01"))
    assert "ev-rename" in alone and "ev-merge" not in alone


def test_range_pages_without_any_reform_open_on_the_last_year(official_client, db):
    from units import services
    from units.choices import JurisdictionLevel
    from units.selectors import today

    services.jurisdiction_create(code="150200", name="包头市", level=JurisdictionLevel.CITY)
    start = (today() - dt.timedelta(days=365)).isoformat()
    page = body(official_client.get("/changes/"))
    assert f'value="{start}"' in page and f'value="{today().isoformat()}"' in page
    assert "没有已批准的改革事项" in page
    dashboard = official_client.get("/reports/reform/")
    assert dashboard.status_code == 200
    assert f'name="before" value="{start}"' in body(dashboard)


def test_dashboard_says_what_each_department_count_counts(official_client, registry):
    page = body(official_client.get(DASHBOARD))
    average = page.split('id="figure-average"', 1)[1].split("</div>", 1)[0]
    assert "分母：2020-01-01 有所属事业单位的 1 个部门" in average
    at_most_3 = page.split('id="figure-at-most-3"', 1)[1].split("</div>", 1)[0]
    assert "分母：1 个涉改部门" in at_most_3
    note = page.split('id="denominators"', 1)[1].split("</p>", 1)[0]
    assert "平均数的分母是 2020-01-01 有所属事业单位的全部 1 个部门" in note
    assert "“不超过3个”的分母是 1 个涉改部门" in note


def test_department_chart_starts_on_the_first_date_the_registry_knows(official_client, registry):
    page = body(official_client.get("/departments/zhujian/?as_of=2021-06-01"))
    chart = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    path = chart.split('class="series" d="M', 1)[1].split('"', 1)[0]
    first_x, first_y = path.split(" L")[0].split(",")
    assert float(first_x) == 44  # the left edge of the axis: the department's first day
    assert "线自 2010-01-01 起" in page  # the department is registered from 2010-01-01
    # before that day, the chart marks the date asked but no count
    early = body(official_client.get("/departments/zhujian/?as_of=2005-01-01"))
    assert 'class="dot"' not in early and 'class="asof"' in early


# --- print ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "date"),
    [
        ("/units/fangchan-fuwu/?as_of=2021-06-01", "登记状态日期：2021-06-01"),
        ("/departments/zhujian/?as_of=2021-06-01", "登记状态日期：2021-06-01"),
        (DASHBOARD, "基准日期 2020-01-01，改革后日期 2021-03-31"),
        ("/changes/?from=2020-01-01&to=2021-03-31", "期间：2020-01-01 至 2021-03-31"),
    ],
)
def test_printed_pages_carry_their_date_and_source(official_client, registry, url, date):
    page = body(official_client.get(url))
    meta = page.split('id="print-meta"', 1)[1].split("</p>", 1)[0]
    assert date in meta
    assert "数据来源：机构编制委员会办公室机构编制登记" in meta
    assert "打印时间：" in meta and f"http://testserver{url}".replace("&", "&amp;") in meta
    preview = body(official_client.get(DASHBOARD + "&include_drafts=true"))
    assert "预览，含尚未批准的草稿决定" in preview.split('id="print-meta"', 1)[1].split("</p>")[0]


def test_unit_search_page_says_when_its_count_is_a_lower_bound(
    official_client, registry, monkeypatch
):
    from units.selectors import search

    page = official_client.get("/units/", {"q": "市"})
    assert page.status_code == 200
    assert "超过" not in page.content.decode()
    monkeypatch.setattr(search, "SEARCH_COUNT_LIMIT", 1)
    page = official_client.get("/units/", {"q": "市"})
    text = page.content.decode()
    assert "超过 1 个机构" in text
    assert "请缩小检索范围" in text
