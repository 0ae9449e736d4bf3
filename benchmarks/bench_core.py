"""Core benches: generating the registry, as-of counts per department, and their query plans."""

from __future__ import annotations

import datetime as dt
import random
import re

from django.db import connection
from django.db.models import Count

from benchmarks.framework import Context

AS_OF = dt.date(2020, 6, 30)
INDEX_PATTERN = re.compile(r"(?:Index Only Scan|Index Scan|Bitmap Index Scan) (?:using|on) (\w+)")


def index_names(plan: str) -> list[str]:
    """Names of the indexes a PostgreSQL plan scans, in order of appearance, once each."""
    return list(dict.fromkeys(INDEX_PATTERN.findall(plan)))


def table_indexes(table: str) -> set[str]:
    """Names of the indexes of a table (PostgreSQL), constraints' indexes included."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def run(ctx: Context) -> list[dict]:
    from units import selectors
    from units.models import Jurisdiction, Unit

    rows: list[dict] = []
    generation = ctx.generation
    timings = generation.get("timings", {})
    if timings:
        total_ms = round(timings["total"] * 1000, 1)
        rows.append(
            ctx.row(
                "generate_registry",
                n=ctx.institutions,
                median_ms=total_ms,
                p95_ms=total_ms,
                runs=1,
                reused=generation.get("reused", False),
                events=generation.get("events"),
                decisions=generation.get("decisions"),
                jurisdictions=generation.get("jurisdictions"),
                departments=generation.get("departments"),
                seconds={k: round(v, 1) for k, v in timings.items()},
            )
        )
        registry_ms = round(
            1000
            * sum(timings.get(step, 0.0) for step in ("plan", "register", "events", "approve")),
            1,
        )
        rows.append(
            ctx.row(
                "generate_registry: registry steps (no staffing, no ANALYZE)",
                n=ctx.institutions,
                median_ms=registry_ms,
                p95_ms=registry_ms,
                runs=1,
                under_2_minutes=registry_ms < 120_000,
                total_under_2_minutes=total_ms < 120_000,
            )
        )

    province = Jurisdiction.objects.get(code="990000")
    city = Jurisdiction.objects.filter(parent=province).order_by("code").first()

    version_indexes = table_indexes("units_unitversion")
    cases = [
        ("as-of count per department, whole province", province, True),
        ("as-of count per department, one city (city level)", city, False),
    ]
    for name, jurisdiction, subdivisions in cases:

        def count(jurisdiction=jurisdiction, subdivisions=subdivisions):
            return selectors.institutions_per_department(
                on=AS_OF, jurisdiction=jurisdiction, subdivisions=subdivisions
            )

        timing = ctx.timeit(count)
        per = timing["result"]
        rows.append(
            ctx.row(
                name,
                n=sum(per.values()),
                median_ms=timing["median_ms"],
                p95_ms=timing["p95_ms"],
                runs=timing["runs"],
                departments=len(per),
                as_of=AS_OF.isoformat(),
            )
        )
        if connection.vendor == "postgresql":
            queryset = (
                selectors.counted_institutions(
                    on=AS_OF, jurisdiction=jurisdiction, subdivisions=subdivisions
                )
                .order_by()
                .values("parent_id")
                .annotate(n=Count("id"))
            )
            plan = queryset.explain(analyze=True)
            used = index_names(plan)
            print(f"-- EXPLAIN ANALYZE: {name}\n{plan}\n-- indexes: {', '.join(used) or 'none'}")
            execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
            ms = float(execution.group(1)) if execution else 0.0
            rows.append(
                ctx.row(
                    f"plan of: {name}",
                    n=1,
                    median_ms=ms,
                    p95_ms=ms,
                    indexes=used,
                    uses_version_index=any(i in version_indexes for i in used),
                    scan="index" if used else "sequential (reads most of the table)",
                )
            )

    # One department's institutions on a date: the (parent, valid_from, valid_to) index.
    department = (
        Unit.objects.filter(key__startswith=f"g{ctx.seed}-9901", kind="department")
        .order_by("id")
        .first()
    )
    if department is not None:
        institutions = selectors.counted_institutions(on=AS_OF).filter(parent=department)
        timing = ctx.timeit(institutions.count)
        extra = {"runs": timing["runs"], "department": department.key}
        if connection.vendor == "postgresql":
            plan = institutions.explain(analyze=True)
            used = index_names(plan)
            print(f"-- EXPLAIN ANALYZE: one department\n{plan}\n-- indexes: {', '.join(used)}")
            extra.update(indexes=used, uses_version_index=any(i in version_indexes for i in used))
        rows.append(
            ctx.row(
                "as-of count of one department's institutions",
                n=timing["result"],
                median_ms=timing["median_ms"],
                p95_ms=timing["p95_ms"],
                **extra,
            )
        )

    keys = list(Unit.objects.filter(key__startswith=f"g{ctx.seed}-").values_list("id", flat=True))
    sample = random.Random(ctx.seed).sample(keys, min(200, len(keys)))
    units = list(Unit.objects.filter(id__in=sample))

    def states():
        return sum(1 for u in units if selectors.unit_state(unit=u, on=AS_OF) is not None)

    timing = ctx.timeit(states, runs=max(3, ctx.runs // 10))
    per_unit = timing["median_ms"] / max(1, len(units))
    rows.append(
        ctx.row(
            "as-of state of one unit",
            n=len(units),
            median_ms=round(per_unit, 3),
            p95_ms=round(timing["p95_ms"] / max(1, len(units)), 3),
            active=timing["result"],
        )
    )

    # Lineage (one recursive query) of units created by merges and splits.
    from units.models import EventParticipant

    created = list(
        EventParticipant.objects.filter(
            creates=True, event__type__in=["merge", "split"], unit__key__startswith=f"g{ctx.seed}-"
        )
        .order_by("unit_id")
        .values_list("unit_id", flat=True)[:2000]
    )
    lineage_units = list(
        Unit.objects.filter(id__in=random.Random(ctx.seed).sample(created, min(30, len(created))))
    )
    if lineage_units:
        cursor = iter(range(10**9))

        def lineage():
            unit = lineage_units[next(cursor) % len(lineage_units)]
            found = selectors.unit_lineage(unit=unit)
            return len(found.ancestors) + len(found.descendants)

        timing = ctx.timeit(lineage)
        rows.append(
            ctx.row(
                "lineage of a unit (recursive query)",
                n=len(lineage_units),
                median_ms=timing["median_ms"],
                p95_ms=timing["p95_ms"],
                runs=timing["runs"],
            )
        )

    # rebuild_registry --check: every version re-derived and compared.
    from units import services

    timing = ctx.timeit(services.registry_differences, runs=1, warmup=0)
    rows.append(
        ctx.row(
            "rebuild_registry --check (all units)",
            n=Unit.objects.count(),
            median_ms=timing["median_ms"],
            p95_ms=timing["p95_ms"],
            differences=len(timing["result"]),
        )
    )
    return rows
