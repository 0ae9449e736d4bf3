"""API benches: the unit list (as_of and two filters, 50 rows; for one city, then for every
jurisdiction with institutions, reporting the median and the worst), unit detail, lineage, and the
reform summary of one city and of the whole data set, in-process (request factory → view,
serialization and JSON rendering included), each beside the bare SQL of the same page or
aggregate, with the ratio. Read-only: nothing is written to the bench database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from benchmarks.framework import Context

AS_OF = dt.date(2020, 6, 30)
BEFORE = dt.date(2016, 1, 1)
AFTER = dt.date(2021, 12, 31)


def _reader():
    from django.contrib.auth.models import User

    # An unsaved superuser: reads need no row in the database.
    return User(username="bench", is_superuser=True, is_active=True)


def _call(view, path: str, params: dict[str, Any], **kwargs) -> Any:
    from rest_framework.test import APIRequestFactory, force_authenticate

    request = APIRequestFactory().get(path, params, HTTP_HOST="localhost")
    force_authenticate(request, user=_reader())
    response = view(request, **kwargs)
    response.render()
    assert response.status_code == 200, response.content[:300]
    return response


def _sql(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pair(ctx: Context, name: str, api, bare, **extra) -> list[dict]:
    api_t = ctx.timeit(api)
    bare_t = ctx.timeit(bare)
    ratio = round(api_t["median_ms"] / bare_t["median_ms"], 2) if bare_t["median_ms"] else None
    return [
        ctx.row(
            f"api: {name}",
            n=extra.pop("n", 1),
            median_ms=api_t["median_ms"],
            p95_ms=api_t["p95_ms"],
            bare_sql_median_ms=bare_t["median_ms"],
            ratio_to_bare_sql=ratio,
            **extra,
        ),
        ctx.row(
            f"bare SQL: {name}",
            n=1,
            median_ms=bare_t["median_ms"],
            p95_ms=bare_t["p95_ms"],
        ),
    ]


def run(ctx: Context) -> list[dict]:
    from reform_registry.api.reports import ReformSummaryView
    from units import selectors
    from units.api.views import UnitViewSet
    from units.models import EventParticipant, Jurisdiction, Unit, UnitVersion

    rows: list[dict] = []
    province = Jurisdiction.objects.get(code="990000")
    city = Jurisdiction.objects.filter(parent=province).order_by("code").first()
    if city is None:
        raise RuntimeError("the bench data set has no city under 990000")
    v = UnitVersion._meta.db_table
    u = Unit._meta.db_table
    j = Jurisdiction._meta.db_table

    # 1. Unit list: as_of + kind + jurisdiction, 50 rows.
    unit_list = UnitViewSet.as_view({"get": "list"})
    params = {
        "as_of": AS_OF.isoformat(),
        "kind": "institution",
        "jurisdiction": city.code,
        "page_size": 50,
    }
    day = AS_OF.isoformat()
    list_sql = f"""
        SELECT u.key, v.kind, v.name, v.short_name, v.credit_code, j.code, j.name, p.key,
               (SELECT pv.name FROM {v} pv WHERE pv.unit_id = v.parent_id AND pv.valid_from <= %s
                  AND (pv.valid_to IS NULL OR pv.valid_to > %s) LIMIT 1),
               v.category, v.rank, v.funding, v.sector, v.business_functions,
               v.market_replaceable, v.pending_wind_down, v.functions, v.internal_bodies,
               v.valid_from, v.valid_to
        FROM {v} v JOIN {u} u ON u.id = v.unit_id JOIN {j} j ON j.id = v.jurisdiction_id
        LEFT JOIN {u} p ON p.id = v.parent_id
        WHERE v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)
          AND v.kind = 'institution' AND j.code = %s
        ORDER BY u.key LIMIT 50
    """
    count_sql = f"""
        SELECT COUNT(*) FROM {v} v JOIN {j} j ON j.id = v.jurisdiction_id
        WHERE v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)
          AND v.kind = 'institution' AND j.code = %s
    """

    def bare_list():
        total = _sql(count_sql, [day, day, city.code])[0][0]
        return total, _sql(list_sql, [day, day, day, day, city.code])

    first = _call(unit_list, "/api/v1/units/", params).data
    rows += _pair(
        ctx,
        "unit list (as_of, kind, jurisdiction; 50 rows)",
        lambda: _call(unit_list, "/api/v1/units/", params),
        bare_list,
        n=len(first["results"]),
        count=first["count"],
        goal_median_ms=15,
        goal_ratio=2,
    )

    # 1b. The same list for every jurisdiction that has institutions on the date: the median
    # jurisdiction and the worst one (whose keys may sort last, or which holds the most).
    codes = list(
        UnitVersion.objects.filter(selectors.active_on(AS_OF), kind="institution")
        .order_by()
        .values_list("jurisdiction__code", flat=True)
        .distinct()
    )
    timed: list[dict[str, Any]] = []
    for code in sorted(codes):
        each = dict(params, jurisdiction=code)

        def api_one(each: dict[str, Any] = each) -> Any:
            return _call(unit_list, "/api/v1/units/", each)

        def bare_one(code: str = code) -> Any:
            return _sql(count_sql, [day, day, code]), _sql(list_sql, [day, day, day, day, code])

        api_t = ctx.timeit(api_one, runs=3)
        bare_t = ctx.timeit(bare_one, runs=3)
        timed.append(
            {
                "jurisdiction": code,
                "count": _sql(count_sql, [day, day, code])[0][0],
                "api_ms": api_t["median_ms"],
                "bare_ms": bare_t["median_ms"],
            }
        )
    if timed:
        by_api = sorted(timed, key=lambda t: t["api_ms"])
        for label, chosen in (
            ("median", by_api[(len(by_api) - 1) // 2]),
            ("worst", by_api[-1]),
        ):
            ratio = round(chosen["api_ms"] / chosen["bare_ms"], 2) if chosen["bare_ms"] else None
            rows.append(
                ctx.row(
                    f"api: unit list over all {len(timed)} jurisdictions, {label} jurisdiction",
                    n=chosen["count"],
                    median_ms=chosen["api_ms"],
                    p95_ms=chosen["api_ms"],
                    bare_sql_median_ms=chosen["bare_ms"],
                    ratio_to_bare_sql=ratio,
                    jurisdiction=chosen["jurisdiction"],
                    goal_median_ms=15,
                    goal_ratio=2,
                )
            )
            rows.append(
                ctx.row(
                    f"bare SQL: unit list over all jurisdictions, {label} jurisdiction",
                    n=1,
                    median_ms=chosen["bare_ms"],
                    p95_ms=chosen["bare_ms"],
                    jurisdiction=chosen["jurisdiction"],
                )
            )
        worst_bare = max(timed, key=lambda t: t["bare_ms"])
        rows.append(
            ctx.row(
                "bare SQL: unit list, slowest jurisdiction of the bare SQL",
                n=worst_bare["count"],
                median_ms=worst_bare["bare_ms"],
                p95_ms=worst_bare["bare_ms"],
                jurisdiction=worst_bare["jurisdiction"],
                api_ms=worst_bare["api_ms"],
            )
        )

    # 2. Unit detail.
    unit = Unit.objects.filter(key=first["results"][0]["key"]).get()
    detail = UnitViewSet.as_view({"get": "retrieve"})
    detail_sql = f"""
        SELECT v.*, j.code, p.key FROM {v} v JOIN {j} j ON j.id = v.jurisdiction_id
        LEFT JOIN {u} p ON p.id = v.parent_id WHERE v.unit_id = %s ORDER BY v.valid_from
    """
    rows += _pair(
        ctx,
        "unit detail",
        lambda: _call(detail, f"/api/v1/units/{unit.key}/", {"as_of": day}, key=unit.key),
        lambda: (
            _sql(f"SELECT id FROM {u} WHERE key = %s", [unit.key]) + _sql(detail_sql, [unit.pk])
        ),
        unit=unit.key,
        goal_median_ms=5,
    )

    # 3. Lineage of a unit created by a merge.
    target = (
        EventParticipant.objects.filter(creates=True, event__type="merge")
        .select_related("unit")
        .order_by("id")
        .first()
    )
    if target is not None:
        lineage_view = UnitViewSet.as_view({"get": "lineage"})
        key = target.unit.key
        result = _call(lineage_view, f"/api/v1/units/{key}/lineage/", {}, key=key).data
        rows += _pair(
            ctx,
            "lineage (merge target, any depth)",
            lambda: _call(lineage_view, f"/api/v1/units/{key}/lineage/", {}, key=key),
            # The selector is the SQL of the lineage (one recursive query, the edges, the units).
            lambda: selectors.unit_lineage(unit=target.unit),
            n=len(result["nodes"]),
            edges=len(result["edges"]),
            unit=key,
            goal_median_ms=10,
        )

    # 4–5. Reform summary: one city (city level) and the whole data set.
    summary_view = ReformSummaryView.as_view()
    per_parent_sql = f"""
        SELECT v.parent_id, COUNT(*) FROM {v} v
        WHERE v.valid_from <= %s AND (v.valid_to IS NULL OR v.valid_to > %s)
          AND v.kind = 'institution' AND v.jurisdiction_id IN ({{ids}})
          AND NOT (v.category = 'business' AND v.pending_wind_down)
        GROUP BY v.parent_id
    """
    for name, jurisdiction, subdivisions in (
        ("reform-summary, one city (city level)", city, False),
        ("reform-summary, whole data set (province and below)", province, True),
    ):
        ids = selectors.jurisdiction_ids(jurisdiction, subdivisions=subdivisions)
        sql = per_parent_sql.replace("{ids}", ", ".join(str(i) for i in ids))
        params = {
            "jurisdiction": jurisdiction.code,
            "before": BEFORE.isoformat(),
            "after": AFTER.isoformat(),
            "subdivisions": "true" if subdivisions else "false",
        }
        body = _call(summary_view, "/api/v1/reports/reform-summary/", params).data

        def bare(sql=sql):
            return [
                _sql(sql, [BEFORE.isoformat(), BEFORE.isoformat()]),
                _sql(sql, [AFTER.isoformat(), AFTER.isoformat()]),
            ]

        extra: dict[str, Any] = {
            "n": body["institutions_before"],
            "after": body["institutions_after"],
            "involved": body["involved_departments"],
        }
        if subdivisions:
            extra["goal_median_ms"] = 500
        rows += _pair(
            ctx,
            name,
            lambda params=params: _call(summary_view, "/api/v1/reports/reform-summary/", params),
            bare,
            **extra,
        )
    return rows
