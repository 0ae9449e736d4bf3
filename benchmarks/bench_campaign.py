"""Staffing benches: a recovery campaign over the generated province's institutions.

A campaign covers the institutions of one jurisdiction (not its subdivisions); running one in
every jurisdiction of the province covers all of them. Measured: the preview (the plan of every
jurisdiction), and the application (stored preview + transfers into the pools, invariants
checked) — inside a transaction rolled back afterwards, so that the data stays as generated.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from benchmarks.framework import Context

CAMPAIGN_ON = dt.date(2024, 3, 1)
DECISION_NUMBER = "模编发〔2024〕3号"


class _Rollback(Exception):
    pass


def run(ctx: Context) -> list[dict]:
    from django.db import transaction

    from reform_registry.demo.generate_ledger import generate_ledger
    from staffing.models import HeadcountReport, Transfer
    from staffing.selectors import campaign_plan
    from staffing.services import campaign_apply, campaign_preview
    from units import services as unit_services
    from units.models import Decision, Jurisdiction
    from units.selectors import counted_institutions

    rows: list[dict] = []
    province = Jurisdiction.objects.get(code="990000")
    if not HeadcountReport.objects.exists():
        started = time.perf_counter()
        with transaction.atomic():
            result = generate_ledger(seed=ctx.seed, jurisdiction=province)
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        rows.append(
            ctx.row(
                "generate_ledger (grants + headcounts)",
                n=result["transfers"],
                median_ms=elapsed,
                p95_ms=elapsed,
                runs=1,
                headcounts=result["headcounts"],
            )
        )
    decision = Decision.objects.filter(number=DECISION_NUMBER).first()
    if decision is None:
        decision = unit_services.decision_create(
            number=DECISION_NUMBER, title="编制收回（基准测试）", issued_on=CAMPAIGN_ON
        )
        decision = unit_services.decision_approve(decision=decision)
    places = list(Jurisdiction.objects.filter(code__startswith="99").order_by("code"))
    institutions = counted_institutions(on=CAMPAIGN_ON, exclude_pending=False).count()

    def preview_all():
        return [campaign_plan(jurisdiction=p, on=CAMPAIGN_ON, share=Decimal("0.5")) for p in places]

    timing = ctx.timeit(preview_all, runs=3)
    plans = timing["result"]
    rows.append(
        ctx.row(
            "campaign preview, every jurisdiction",
            n=institutions,
            median_ms=timing["median_ms"],
            p95_ms=timing["p95_ms"],
            runs=timing["runs"],
            jurisdictions=len(places),
            lines=sum(len(p.lines) for p in plans),
            skipped=sum(len(p.skipped) for p in plans),
            total=sum(p.total for p in plans),
        )
    )
    largest = max(plans, key=lambda p: p.institutions)

    def apply(targets) -> tuple[float, int, int]:
        transfers_before = Transfer.objects.count()
        started = time.perf_counter()
        total = 0
        try:
            with transaction.atomic():
                for place in targets:
                    campaign = campaign_preview(
                        jurisdiction=place, on=CAMPAIGN_ON, decision=decision
                    )
                    total += campaign_apply(campaign=campaign).total
                elapsed = time.perf_counter() - started
                created = Transfer.objects.count() - transfers_before
                raise _Rollback
        except _Rollback:
            pass
        return elapsed * 1000, created, total

    samples = [apply(places) for _ in range(2)]
    ms = sorted(s[0] for s in samples)
    rows.append(
        ctx.row(
            "campaign apply, every jurisdiction (rolled back)",
            n=institutions,
            median_ms=round(ms[len(ms) // 2], 1),
            p95_ms=round(ms[-1], 1),
            runs=len(samples),
            transfers=samples[0][1],
            total=samples[0][2],
        )
    )
    samples = [apply([largest.jurisdiction]) for _ in range(3)]
    ms = sorted(s[0] for s in samples)
    rows.append(
        ctx.row(
            "campaign apply, largest jurisdiction (rolled back)",
            n=largest.institutions,
            median_ms=round(ms[len(ms) // 2], 1),
            p95_ms=round(ms[-1], 1),
            runs=len(samples),
            jurisdiction=largest.jurisdiction.code,
            transfers=samples[0][1],
            total=samples[0][2],
        )
    )
    return rows
