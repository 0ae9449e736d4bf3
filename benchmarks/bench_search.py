"""Search benches (DESIGN §6): the first page of 50 of ``/api/v1/units/?q=`` with its count, for a
frequent fragment (保障), a rare one (a whole name that occurs once) and a one-character one,
in-process through the view, each beside the bare SQL of the same page and count (the n-gram
index, the contiguity check, the relevance order) with the ratio. Read-only."""

from __future__ import annotations

import datetime as dt

from benchmarks.bench_api import _call, _pair, _sql
from benchmarks.framework import Context

AS_OF = dt.date(2021, 12, 31)


def _bare(fragment: str) -> tuple[str, str, list]:
    from units.models import Unit, UnitSearchEntry, UnitVersion
    from units.rules import query_grams
    from units.selectors.search import _tsquery_lexeme

    s, v, u = UnitSearchEntry._meta.db_table, UnitVersion._meta.db_table, Unit._meta.db_table
    found = f"""
        WITH found AS (
            SELECT s.unit_id,
                   MIN(CASE WHEN strpos(s.text, %s) > 0 THEN 0 WHEN s.tier = 0 THEN 1 ELSE 2 END)
                   AS rank
            FROM {s} s
            WHERE s.grams @@ %s::tsquery
              AND strpos(s.text, %s) > 0
            GROUP BY s.unit_id
        )
    """
    on = "v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)"
    page = f"""{found}
        SELECT u.key, v.kind, v.name, v.short_name, v.credit_code, v.category, v.rank, v.funding,
               v.valid_from, v.valid_to
        FROM found f JOIN {v} v ON v.unit_id = f.unit_id AND {on}
        JOIN {u} u ON u.id = v.unit_id
        ORDER BY f.rank, u.key LIMIT 50
    """
    count = f"""{found}
        SELECT COUNT(*) FROM (
            SELECT 1 FROM found f JOIN {v} v ON v.unit_id = f.unit_id AND {on} LIMIT 10001
        ) c
    """
    tsquery = " & ".join(_tsquery_lexeme(g) for g in query_grams(fragment))
    day = AS_OF.isoformat()
    return page, count, [f"\n{fragment}\n", tsquery, fragment, day, day]


def run(ctx: Context) -> list[dict]:
    from django.db import connection

    from units.api.views import UnitViewSet
    from units.models import UnitVersion

    if connection.vendor != "postgresql":
        return []
    from django.db.models import Q

    rare = (
        UnitVersion.objects.filter(kind="institution", valid_from__lte=AS_OF)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=AS_OF))
        .order_by("-unit_id")
        .values_list("name", flat=True)
        .first()
    )
    unit_list = UnitViewSet.as_view({"get": "list"})
    rows: list[dict] = []
    for label, fragment, goal in (
        ("frequent fragment 保障", "保障", 30),
        ("rare fragment (one whole name)", rare or "中心", 10),
        ("one character 站", "站", 30),
    ):
        params = {"q": fragment, "as_of": AS_OF.isoformat(), "page_size": 50}
        first = _call(unit_list, "/api/v1/units/", params).data
        page_sql, count_sql, args = _bare(fragment)

        def bare(page_sql=page_sql, count_sql=count_sql, args=args):
            return _sql(count_sql, args)[0][0], _sql(page_sql, args)

        bare_count, bare_page = bare()
        assert [r[0] for r in bare_page] == [r["key"] for r in first["results"]], label
        rows += _pair(
            ctx,
            f"search, first page of 50 with count: {label}",
            lambda params=params: _call(unit_list, "/api/v1/units/", params),
            bare,
            n=len(first["results"]),
            count=first["count"],
            bare_count=bare_count,
            goal_median_ms=goal,
        )
    return rows
