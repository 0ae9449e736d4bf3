"""The tiny benchmark framework: database set-up, the generated registry, timing helpers."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/reform_registry_bench"
RESULTS = Path(__file__).resolve().parent.parent / "bench-results"


def ensure_database() -> tuple[str, bool]:
    """Point DATABASE_URL at PostgreSQL (creating the default bench database if needed).
    Returns (url, whether it is the default bench database)."""
    url = os.environ.get("DATABASE_URL", "")
    default = not url
    if default:
        url = DEFAULT_DATABASE_URL
        os.environ["DATABASE_URL"] = url
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        raise SystemExit("Benchmarks run on PostgreSQL: set DATABASE_URL=postgres://… or unset it.")
    if default:
        create_database(url)
    return url, default


def _admin_connection(url: str):
    import psycopg2

    parsed = urlparse(url)
    connection = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection, parsed.path.lstrip("/")


def create_database(url: str) -> None:
    connection, name = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def recreate_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    connection, name = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Context:
    """What every bench module receives."""

    institutions: int
    seed: int
    runs: int
    database_url: str
    generation: dict[str, Any] = field(default_factory=dict)

    def timeit(
        self, function: Callable[[], Any], *, runs: int | None = None, warmup: int = 1
    ) -> dict[str, Any]:
        """Run ``function`` ``warmup`` times, then ``runs`` times; median and p95 in ms."""
        for _ in range(warmup):
            function()
        samples: list[float] = []
        result: Any = None
        for _ in range(runs or self.runs):
            started = time.perf_counter()
            result = function()
            samples.append((time.perf_counter() - started) * 1000)
        return {
            "median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(percentile(samples, 0.95), 2),
            "runs": len(samples),
            "result": result,
        }

    def row(
        self, name: str, *, n: int, median_ms: float, p95_ms: float, **extra: Any
    ) -> dict[str, Any]:
        return {"name": name, "n": n, "median_ms": median_ms, "p95_ms": p95_ms, "extra": extra}


def generation_file(institutions: int, seed: int, database_url: str) -> Path:
    """Where the timing of a generation into this database is kept (reused runs report it)."""
    database = urlparse(database_url).path.lstrip("/") or "db"
    return RESULTS / f"generate-{database}-{institutions}-seed{seed}.json"


def ensure_registry(ctx: Context, *, is_default_database: bool, log: Callable[[str], None]) -> None:
    """Generate the registry once; reuse it when this database already holds the same N/seed."""
    from django.core.management import call_command

    from reform_registry.demo.generate import (
        PROVINCE_CODE,
        generate_registry,
        generated_institutions,
    )
    from units.models import Jurisdiction

    call_command("migrate", verbosity=0)
    saved = generation_file(ctx.institutions, ctx.seed, ctx.database_url)
    if generated_institutions(ctx.seed) == ctx.institutions:
        log(f"Reusing the generated registry of {ctx.institutions} institutions (seed {ctx.seed}).")
        ctx.generation = json.loads(saved.read_text()) if saved.exists() else {}
        ctx.generation["reused"] = True
        return
    if Jurisdiction.objects.filter(code=PROVINCE_CODE).exists():
        if not is_default_database:
            raise SystemExit(
                "DATABASE_URL holds another generated registry; give the benchmarks an empty "
                "database (or unset DATABASE_URL to use reform_registry_bench)."
            )
        log("The bench database holds another registry: recreating it.")
        recreate_database(ctx.database_url)
        call_command("migrate", verbosity=0)
    log(f"Generating {ctx.institutions} institutions (seed {ctx.seed}) …")
    result = generate_registry(institutions=ctx.institutions, seed=ctx.seed)
    ctx.generation = {
        **result,
        "reused": False,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.mkdir(exist_ok=True)
    saved.write_text(json.dumps(ctx.generation, ensure_ascii=False, indent=2, default=str))
    log(f"Generated in {result['timings']['total']:.1f}s.")
