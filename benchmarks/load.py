"""A bounded load run against the app served by gunicorn on 127.0.0.1.

    .venv/bin/python benchmarks/load.py                  # 60 s, 64 connections, 4 workers
    .venv/bin/python benchmarks/load.py --seconds 10     # a quick run
    .venv/bin/python benchmarks/load.py --connections 16 --workers 2 --url http://127.0.0.1:8000

It serves the app (gunicorn with ``--workers`` sync workers when gunicorn is installed, Django's
server otherwise; DEBUG off) on the benchmarks' database (``DATABASE_URL``, default the
``reform_registry_bench`` database that ``make bench`` generates with 100,000 institutions; it
is read, never regenerated: only the benchmarks' administrator and its API token are created
there once). Unless ``--url`` names a running server, then that server is loaded.

``--connections`` clients (threads, each with its own HTTP connection, sending its next request
as soon as the last is answered) request in turn, for ``--seconds`` after a short warm-up:

* list — ``/api/v1/units/`` (one city's institutions on a date, 50 a page);
* detail — ``/api/v1/units/KEY/`` (the first unit of that list);
* search — ``/api/v1/units/?q=保障``;
* summary — ``/api/v1/reports/reform-summary/`` (the city, city level, 2016 → 2021).

It prints and writes to ``bench-results/load-<time>.json``, per endpoint and in all: requests,
throughput (requests per second), p50 and p99 latency (ms), and errors (any answer but 200, or
no answer), with the machine's load average before and after. It exits 1 when any request
erred.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import serving  # noqa: E402
from benchmarks.framework import DEFAULT_DATABASE_URL  # noqa: E402

RESULTS = serving.PROJECT / "bench-results"
AS_OF = "2021-12-31"
SEARCH = "保障"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _get(connection: http.client.HTTPConnection, path: str, token: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = connection.getresponse()
    return response.status, response.read()


def city_code(database_url: str) -> str:
    """The first city under the generated province (as `make bench` times)."""
    import psycopg2

    parsed = urlparse(database_url)
    with (
        psycopg2.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or None,
            dbname=parsed.path.lstrip("/"),
        ) as db,
        db.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT j.code FROM units_jurisdiction j JOIN units_jurisdiction p ON p.id = j.parent_id"
            " WHERE p.code = '990000' ORDER BY j.code LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        raise SystemExit("the database has no city under 990000: run `make bench` once first")
    return row[0]


def endpoints(port: int, token: str, city: str) -> dict[str, str]:
    unit_list = "/api/v1/units/?" + urlencode(
        {"as_of": AS_OF, "kind": "institution", "jurisdiction": city, "page_size": 50}
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, body = _get(connection, unit_list, token)
    if status != 200:
        raise SystemExit(f"the unit list answered {status}: {body[:500]!r}")
    key = json.loads(body)["results"][0]["key"]
    connection.close()
    summary = "/api/v1/reports/reform-summary/?" + urlencode(
        {"jurisdiction": city, "before": "2016-01-01", "after": AS_OF, "subdivisions": "false"}
    )
    return {
        "list": unit_list,
        "detail": f"/api/v1/units/{quote(key)}/",
        "search": "/api/v1/units/?" + urlencode({"q": SEARCH}),
        "summary": summary,
    }


class Client(threading.Thread):
    """One connection: requests the endpoints in turn until told to stop."""

    def __init__(self, index, port, token, paths, start_at, stop_at):
        super().__init__(daemon=True)
        self.index, self.port, self.token = index, port, token
        self.paths, self.start_at, self.stop_at = paths, start_at, stop_at
        self.latencies: dict[str, list[float]] = {name: [] for name in paths}
        self.errors: dict[str, int] = dict.fromkeys(paths, 0)
        self.samples: list[str] = []

    def run(self) -> None:
        names = list(self.paths)
        turn = self.index
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while True:
            began = time.monotonic()
            if began >= self.stop_at:
                break
            name = names[turn % len(names)]
            turn += 1
            try:
                status, body = _get(connection, self.paths[name], self.token)
                ok = status == 200
                problem = f"{status} {body[:200]!r}"
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                ok, problem = False, repr(exc)
            ended = time.monotonic()
            if began < self.start_at or ended > self.stop_at:
                continue  # warm-up, or finished after the end: not counted
            if ok:
                self.latencies[name].append((ended - began) * 1000)
            else:
                self.errors[name] += 1
                if len(self.samples) < 3:
                    self.samples.append(f"{name}: {problem}")
        connection.close()


def run_load(port, token, paths, *, seconds, connections, warmup) -> dict:
    now = time.monotonic()
    start_at, stop_at = now + warmup, now + warmup + seconds
    clients = [Client(i, port, token, paths, start_at, stop_at) for i in range(connections)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    result: dict = {}
    every: list[float] = []
    for name in paths:
        latencies = [ms for c in clients for ms in c.latencies[name]]
        errors = sum(c.errors[name] for c in clients)
        every += latencies
        result[name] = _figures(latencies, errors, seconds)
        result[name]["path"] = paths[name]
    result["all"] = _figures(every, sum(r["errors"] for r in result.values()), seconds)
    result["error_samples"] = [s for c in clients for s in c.samples][:10]
    return result


def _figures(latencies: list[float], errors: int, seconds: float) -> dict:
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "throughput_rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--url", help="load this running server instead of starting one")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    env = serving.app_env(database_url)
    token = serving.admin_token(env)
    city = city_code(database_url)
    load_before = os.getloadavg()

    def measure(server: str, port: int) -> dict:
        paths = endpoints(port, token, city)
        print(f"{args.connections} connections for {args.seconds:g} s against {server} …")
        return {
            "server": server,
            "workers": args.workers if server == "gunicorn" else None,
            **run_load(
                port,
                token,
                paths,
                seconds=args.seconds,
                connections=args.connections,
                warmup=args.warmup,
            ),
        }

    if args.url:
        port = urlparse(args.url).port or 80
        figures = measure(args.url, port)
    else:
        log = RESULTS / "load-server.log"
        with serving.served(env, workers=args.workers, log=log) as (server, port):
            figures = measure(server, port)

    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "database": urlparse(database_url).path.lstrip("/"),
        "seconds": args.seconds,
        "connections": args.connections,
        **figures,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"load-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")

    print(f"{'endpoint':10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name in (*endpoints_order(figures), "all"):
        row = figures[name]
        print(
            f"{name:10} {row['requests']:>9} {row['throughput_rps']:>8} {row['p50_ms']:>8}"
            f" {row['p99_ms']:>8} {row['errors']:>7}"
        )
    for sample in figures["error_samples"]:
        print("error:", sample)
    print(f"load average before {load_before}, after {report['machine']['load_average_after']}")
    print(f"written to {out.relative_to(serving.PROJECT)}")
    return 1 if figures["all"]["errors"] else 0


def endpoints_order(figures: dict) -> list[str]:
    return [name for name in ("list", "detail", "search", "summary") if name in figures]


if __name__ == "__main__":
    sys.exit(main())
