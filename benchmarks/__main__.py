"""python -m benchmarks [--only NAME …] [--runs R]: run every benchmarks/bench_*.py.

Environment: DATABASE_URL (PostgreSQL; default: a local reform_registry_bench database that is
created when missing), BENCH_INSTITUTIONS (default 100000), BENCH_SEED (default 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path

from benchmarks import framework


def discover(only: list[str]) -> list[str]:
    package_dir = Path(__file__).resolve().parent
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(package_dir)])
        if info.name.startswith("bench_")
    )
    if only:
        names = [n for n in names if n in only or n.removeprefix("bench_") in only]
    return names


def format_table(rows: list[dict]) -> str:
    header = ("benchmark", "n", "median ms", "p95 ms", "extra")
    lines = [
        (
            str(r["name"]),
            str(r["n"]),
            f"{r['median_ms']:.2f}",
            f"{r['p95_ms']:.2f}",
            json.dumps(r.get("extra", {}), ensure_ascii=False, default=str)[:160],
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header[:4])]
    out = [
        "  ".join(h.ljust(w) for h, w in zip(header[:4], widths, strict=True)) + "  " + header[4]
    ]
    out.append("-" * (sum(widths) + 8 + 10))
    for line in lines:
        out.append(
            "  ".join(v.ljust(w) for v, w in zip(line[:4], widths, strict=True)) + "  " + line[4]
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="bench modules to run")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    args = parser.parse_args(argv)

    url, is_default = framework.ensure_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_registry.settings")
    import django

    django.setup()

    ctx = framework.Context(
        institutions=int(os.environ.get("BENCH_INSTITUTIONS", "100000")),
        seed=int(os.environ.get("BENCH_SEED", "1")),
        runs=args.runs,
        database_url=url,
    )

    def log(message: str) -> None:
        print(message, flush=True)

    framework.ensure_registry(ctx, is_default_database=is_default, log=log)

    rows: list[dict] = []
    failures: list[str] = []
    for name in discover(args.only):
        log(f"== {name}")
        started = time.monotonic()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            module_rows = module.run(ctx)
        except Exception:
            traceback.print_exc()
            failures.append(name)
            continue
        for row in module_rows:
            row.setdefault("module", name)
        rows.extend(module_rows)
        log(f"   {len(module_rows)} rows in {time.monotonic() - started:.1f}s")

    print()
    print(format_table(rows))
    framework.RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "at": stamp,
        "institutions": ctx.institutions,
        "seed": ctx.seed,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "generation": ctx.generation,
        "rows": rows,
        "failures": failures,
    }
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    (framework.RESULTS / f"bench-{stamp}.json").write_text(text)
    (framework.RESULTS / "latest.json").write_text(text)
    print(f"\nWrote {framework.RESULTS / f'bench-{stamp}.json'}")
    if failures:
        print("Failed: " + ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
