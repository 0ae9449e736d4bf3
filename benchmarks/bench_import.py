"""Importing a registry workbook: a generated 20,000-row .xlsx of units, events and quota
transfers (DESIGN §5, issue goal: ≥5,000 rows/s on PostgreSQL, peak memory < 300 MB).

The workbook lives in its own province (870000) with its own keys, so it imports beside the
generated registry of the other benches. Each measured import runs in a transaction that is
rolled back afterwards, so every run imports the same rows into the same database (vacuumed
before each run, as the rolled-back rows would otherwise pile up); the deferred foreign-key
checks a commit would run are forced (and timed) before the rollback. Timing runs
without tracemalloc; a separate run measures the peak of Python allocations with it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.framework import Context

ROWS = 20_000
PROVINCE = "870000"
DECISION = "测编发〔2020〕{n}号"


class _Rollback(Exception):
    pass


def _credit_code(rng: random.Random) -> str:
    from units.rules import CREDIT_CODE_ALPHABET, credit_code_check_character

    body = "12" + PROVINCE + "".join(rng.choice(CREDIT_CODE_ALPHABET[:10]) for _ in range(9))
    return body + credit_code_check_character(body)


def workbook_rows(total: int = ROWS, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """About ``total`` rows: half units, a fifth events, the rest transfers (and a few
    jurisdictions and decisions)."""
    rng = random.Random(seed)
    cities = [f"87{n:02d}00" for n in range(1, 11)]
    jurisdictions = [{"code": PROVINCE, "name": "测试省", "parent": "", "level": "province"}] + [
        {"code": c, "name": f"测试市{i}", "parent": PROVINCE, "level": "city"}
        for i, c in enumerate(cities, start=1)
    ]
    decisions = [
        {
            "number": DECISION.format(n=n),
            "title": f"测试改革决定{n}",
            "issuer": "测试省编委",
            "issued_on": dt.date(2020, 12, 1),
            "status": "approved",
        }
        for n in range(1, 11)
    ]
    n_units = total // 2
    n_events = total // 5
    n_transfers = total - n_units - n_events - len(jurisdictions) - len(decisions)
    units: list[dict[str, Any]] = []
    departments: dict[str, list[str]] = {c: [] for c in cities}
    born = dt.date(2019, 1, 1)
    for c in cities:
        for d in range(20):
            key = f"wb-{c}-d{d:02d}"
            departments[c].append(key)
            units.append(
                {
                    "key": key,
                    "kind": "department",
                    "name": f"测试市{c}部门{d}",
                    "jurisdiction": c,
                    "rank": "division",
                    "funding": "full",
                    "established_on": born,
                }
            )
    # Events: changes, abolitions, merges of two into one new unit, establishments.
    plan = {"change": n_events * 2 // 5, "abolish": n_events // 5, "merge": n_events // 5}
    plan["establish"] = n_events - sum(plan.values())
    registered = n_units - len(units) - plan["merge"] - plan["establish"]
    institutions: list[tuple[str, str]] = []
    for i in range(registered):
        c = cities[i % len(cities)]
        key = f"wb-i{i:06d}"
        institutions.append((key, c))
        units.append(
            {
                "key": key,
                "kind": "institution",
                "name": f"测试事业单位{i}",
                "credit_code": _credit_code(rng),
                "jurisdiction": c,
                "parent": rng.choice(departments[c]),
                "category": rng.choice(["public_welfare_1", "public_welfare_2", "business"]),
                "rank": "section",
                "funding": rng.choice(["full", "partial", "self"]),
                "business_functions": rng.random() < 0.2,
                "internal_bodies": rng.randint(0, 6),
                "established_on": born,
            }
        )
    rng.shuffle(institutions)
    pool = list(institutions)
    events: list[dict[str, Any]] = []
    transfers: list[dict[str, Any]] = []
    ended: set[str] = set()

    def decision() -> str:
        return DECISION.format(n=rng.randint(1, 10))

    for n in range(plan["change"]):
        key, _c = pool[n % len(pool)]
        events.append(
            {
                "key": f"wb-e-c{n:06d}",
                "decision": decision(),
                "type": "change",
                "effective_on": dt.date(2020, 3, 1) + dt.timedelta(days=n % 200),
                "sources": [key],
                "name": f"更名事业单位{n}",
            }
        )
    cursor = 0
    for n in range(plan["abolish"]):
        key, _c = pool[cursor]
        cursor += 1
        ended.add(key)
        events.append(
            {
                "key": f"wb-e-a{n:06d}",
                "decision": decision(),
                "type": "abolish",
                "effective_on": dt.date(2021, 3, 31),
                "sources": [key],
            }
        )
    for n in range(plan["merge"]):
        (a, c), (b, _c2) = pool[cursor], pool[cursor + 1]
        cursor += 2
        ended.update((a, b))
        new = f"wb-m{n:06d}"
        event = f"wb-e-m{n:06d}"
        events.append(
            {
                "key": event,
                "decision": decision(),
                "type": "merge",
                "effective_on": dt.date(2021, 3, 31),
                "sources": [a, b],
                "targets": [new],
            }
        )
        units.append(
            {
                "key": new,
                "kind": "institution",
                "name": f"合并事业单位{n}",
                "jurisdiction": c,
                "parent": rng.choice(departments[c]),
                "category": "public_welfare_1",
                "funding": "full",
                "established_by": event,
            }
        )
    for n in range(plan["establish"]):
        c = cities[n % len(cities)]
        new = f"wb-n{n:06d}"
        event = f"wb-e-n{n:06d}"
        events.append(
            {
                "key": event,
                "decision": decision(),
                "type": "establish",
                "effective_on": dt.date(2021, 1, 1) + dt.timedelta(days=n % 80),
                "targets": [new],
            }
        )
        units.append(
            {
                "key": new,
                "kind": "institution",
                "name": f"新设事业单位{n}",
                "jurisdiction": c,
                "parent": rng.choice(departments[c]),
                "category": "public_welfare_2",
                "funding": "partial",
                "established_by": event,
            }
        )
    # Transfers: grants to registered institutions, and some returns to the pools later.
    grants = institutions[:n_transfers]
    for i, (key, _c) in enumerate(grants):
        transfers.append(
            {
                "date": dt.date(2019, 6, 1),
                "decision": DECISION.format(n=1 + i % 10),
                "event": "",
                "kind": "institution",
                "amount": rng.randint(5, 40),
                "from": "external",
                "to": key,
                "reason": "grant",
            }
        )
    return {
        "jurisdictions": jurisdictions,
        "decisions": decisions,
        "units": units,
        "events": events,
        "quota_transfers": transfers,
    }


def _backend_cpu_s() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (Linux /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _vacuum() -> None:
    """Clear away the rows of earlier rolled-back imports (a committed import leaves none), so
    that every run writes into tables as production keeps them."""
    from django.apps import apps
    from django.db import connection

    tables = [
        model._meta.db_table
        for label in ("units", "staffing")
        for model in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE " + ", ".join(tables))


def _import_rolled_back(path: Path) -> tuple[Any, float, float, float]:
    """Read and import in a transaction that is rolled back. Returns the report, the seconds
    to read, the seconds in all (wall), and the CPU seconds of this process and of its
    database backend together (what the wall time would be on an otherwise idle machine)."""
    from django.db import connection, transaction

    from reform_registry.workbook import read_workbook
    from reform_registry.workbook.importer import import_workbook

    backend_before = _backend_cpu_s()
    cpu_before = time.process_time()
    started = time.perf_counter()
    data = read_workbook(path)
    read_s = time.perf_counter() - started
    report = None
    try:
        with transaction.atomic():
            report = import_workbook(data, source=str(path))
            with connection.cursor() as cursor:
                # What a commit would check: the deferred foreign keys of every row written.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            total_s = time.perf_counter() - started
            cpu_s = time.process_time() - cpu_before + _backend_cpu_s() - backend_before
            raise _Rollback
    except _Rollback:
        pass
    return report, read_s, total_s, cpu_s


def run(ctx: Context) -> list[dict]:
    from reform_registry.workbook.writers import Rows, write_workbook

    rows = workbook_rows()
    n = sum(len(v) for v in rows.values())
    sheets: Rows = dict(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(sheets, Path(folder) / "bench-import.xlsx")
        size_kb = path.stat().st_size // 1024
        timings: list[tuple[float, float]] = []
        cpu: list[float] = []
        report = None
        for _ in range(max(1, min(ctx.runs, 5))):
            _vacuum()
            report, read_s, total_s, cpu_s = _import_rolled_back(path)
            if report.errors:
                raise RuntimeError(f"the bench workbook was refused: {report.errors[:5]}")
            timings.append((read_s, total_s))
            cpu.append(cpu_s)
        assert report is not None  # at least one run above
        tracemalloc.start()
        _import_rolled_back(path)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    best_read, best_total = min(timings, key=lambda t: t[1])
    totals = sorted(t[1] for t in timings)
    median_total = totals[len(totals) // 2]
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = {k: v["created"] for k, v in report.counts.items() if v["created"]}
    return [
        ctx.row(
            "import_registry: 20,000-row workbook (read + import)",
            n=n,
            median_ms=round(median_total * 1000, 1),
            p95_ms=round(totals[-1] * 1000, 1),
            runs=len(timings),
            rows_per_s=round(n / median_total),
            cpu_s=round(sorted(cpu)[len(cpu) // 2], 2),
            rows_per_cpu_s=round(n / sorted(cpu)[len(cpu) // 2]),
            load_average=round(os.getloadavg()[0], 1),
            best_rows_per_s=round(n / best_total),
            read_ms=round(best_read * 1000, 1),
            peak_python_mb=round(peak / 1024 / 1024, 1),
            process_maxrss_mb=round(maxrss_mb, 1),
            xlsx_kb=size_kb,
            created=counts,
        )
    ]
