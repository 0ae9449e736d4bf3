"""python -m benchmarks [--only NAME …] [--runs R] [--sizes N,N,…]: run every benchmarks/bench_*.py.

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
from urllib.parse import urlparse

from benchmarks import chart, framework


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


def run_benches(ctx: framework.Context, only: list[str], log) -> tuple[list[dict], list[str]]:
    rows: list[dict] = []
    failures: list[str] = []
    for name in discover(only):
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
    return rows, failures


def use_database(url: str) -> None:
    """Point Django's default connection at another database of the same server."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = urlparse(url).path.lstrip("/")


def write_report(report: dict, stamp: str, prefix: str = "bench") -> Path:
    """Write a report beside the earlier ones, and as the latest of its kind."""
    framework.RESULTS.mkdir(exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    path = framework.RESULTS / f"{prefix}-{stamp}.json"
    path.write_text(text)
    latest = "latest.json" if prefix == "bench" else f"{prefix}-latest.json"
    (framework.RESULTS / latest).write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="bench modules to run")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument(
        "--sizes",
        default="",
        help="comma-separated registry sizes (e.g. 10000,100000,1000000): run at each, in a "
        "database of its own, and draw the scale curve (bench-results/scale.svg)",
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()] or [
            int(os.environ.get("BENCH_INSTITUTIONS", "100000"))
        ]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, e.g. 10000,100000")
    if any(n < 1 for n in sizes):
        parser.error("--sizes takes sizes of at least 1")

    url, is_default = framework.ensure_database()
    if len(sizes) > 1 and not is_default:
        parser.error("--sizes uses databases of its own: unset DATABASE_URL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_registry.settings")
    import django

    django.setup()

    def log(message: str) -> None:
        print(message, flush=True)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    reports: list[dict] = []
    failed: list[str] = []
    for size in sizes:
        size_url = url if len(sizes) == 1 else f"{url}_{size}"
        if size_url != url:
            framework.create_database(size_url)
            use_database(size_url)
        ctx = framework.Context(
            institutions=size,
            seed=int(os.environ.get("BENCH_SEED", "1")),
            runs=args.runs,
            database_url=size_url,
        )
        log(f"# {size} institutions")
        framework.ensure_registry(ctx, is_default_database=is_default, log=log)
        rows, failures = run_benches(ctx, args.only, log)
        print()
        print(format_table(rows))
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
        reports.append(report)
        failed += failures
        print(f"\nWrote {write_report(report, f'{stamp}-{size}' if len(sizes) > 1 else stamp)}")
    if len(sizes) > 1:
        svg = chart.scale_chart(
            chart.series_of(reports), title=f"make bench --sizes {args.sizes} ({stamp})"
        )
        (framework.RESULTS / "scale.svg").write_text(svg)
        write_report({"at": stamp, "sizes": sizes, "reports": reports}, stamp, prefix="scale")
        print(f"Wrote {framework.RESULTS / 'scale.svg'}")
    if failed:
        print("Failed: " + ", ".join(sorted(set(failed))), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
