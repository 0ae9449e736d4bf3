"""The reform summary of the demo (Baotou, 150200) gives back the article's figures."""

from decimal import Decimal

import pytest

from reform_registry.demo import (
    ARTICLE_FIGURES,
    DEMO_AFTER,
    DEMO_BEFORE,
    DRAFT_NUMBER,
    ZJJ,
    build_demo,
)
from tests.fixtures.reform_api import rolled_back
from units.models import AuditEntry, Decision, UnitVersion


@pytest.fixture(scope="module")
def shared_demo(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        build_demo()
        yield


@pytest.fixture
def demo(db, shared_demo):
    return None


def test_reform_summary_of_the_demo(api, demo):
    body = api.get(
        "/api/v1/reports/reform-summary/",
        {"jurisdiction": "150200", "before": DEMO_BEFORE, "after": DEMO_AFTER},
    ).json()
    for name in (
        "institutions_before",
        "institutions_after",
        "departments_baseline",
        "involved_departments",
        "involved_at_most_3",
        "institution_cap",
    ):
        assert body[name] == ARTICLE_FIGURES[name], name
    for name in (
        "reduction_rate",
        "avg_per_department_before",
        "avg_per_department_after",
        "share_at_most_3",
    ):
        assert Decimal(str(body[name])) == ARTICLE_FIGURES[name], name
    assert (body["institutions_before"], body["institutions_after"]) == (342, 202)
    assert body["reduction_rate"] == 0.4094
    assert body["avg_per_department_before"] == 5.9
    assert body["avg_per_department_after"] == 3.48
    assert body["share_at_most_3"] == 0.6727
    zjj = next(d for d in body["departments"] if d["key"] == ZJJ)
    assert (zjj["before"], zjj["after"]) == (32, 13)
    assert body["headroom_share"] == float(((Decimal(230) - 202) / 230).quantize(Decimal("0.0001")))


def test_demo_lists_and_csv(api, demo):
    body = api.get(
        "/api/v1/units/",
        {"as_of": DEMO_AFTER, "jurisdiction": "150200", "kind": "institution", "page_size": 1000},
    ).json()
    assert body["count"] >= 202
    text = api.get(
        "/api/v1/reports/institutions/",
        {"as_of": DEMO_AFTER, "jurisdiction": "150200", "format": "csv"},
    ).content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "key,label,count"
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == 202


def test_demo_draft_preview_writes_nothing(api, demo):
    counts = (UnitVersion.objects.count(), AuditEntry.objects.count())
    body = api.get(
        "/api/v1/reports/reform-summary/",
        {
            "jurisdiction": "150200",
            "before": DEMO_BEFORE,
            "after": "2021-12-31",
            "include_drafts": "true",
        },
    ).json()
    assert DRAFT_NUMBER in body["drafts_included"]
    assert (UnitVersion.objects.count(), AuditEntry.objects.count()) == counts
    assert Decision.objects.get(number=DRAFT_NUMBER).status == "draft"


@pytest.mark.parametrize(
    ("text", "key"),
    [("住建", ZJJ), ("市发改委", "bt-fgw"), ("人社", "bt-rsj"), ("卫健委", "bt-wjw")],
)
def test_search_finds_the_departments_by_their_short_names(api, demo, text, key):
    """`住建` finds 包头市住房和城乡建设局 through its short name 市住建局, first."""
    body = api.get("/api/v1/units/", {"q": text, "kind": "department"}).json()
    assert [u["key"] for u in body["results"]][:1] == [key]
    page = api.get("/api/v1/units/", {"q": text})
    assert page.status_code == 200
    assert key in [u["key"] for u in page.json()["results"]]
