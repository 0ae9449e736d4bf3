"""PostgreSQL restarted under a running app: the requests it cuts off get the site's answer, and
the requests after it succeed without restarting the app.

    .venv/bin/python benchmarks/fault_db_restart.py
    .venv/bin/python benchmarks/fault_db_restart.py --institutions 500 --clients 4 --keep-database

What it does:

1. creates a fresh PostgreSQL database of its own (``reform_registry_fault``, on the server of
   ``PGHOST``/``PGPORT``/``PGUSER``, default 127.0.0.1:5432 as postgres), migrates it and
   generates a small registry in it (``generate_registry --institutions 2000``);
2. serves the app as in production (DEBUG off, persistent database connections) under gunicorn
   on a free port of 127.0.0.1 (Django's ``runserver --noreload`` when gunicorn is missing) and
   sends ``/api/v1/units/`` requests with an administrator's token from a few threads, without
   pause;
3. after a few seconds restarts the PostgreSQL server
   (``pg_ctlcluster --skip-systemctl-redirect VERSION main restart``: every database of that
   server is down for a second or two; run it where that is acceptable, never in the test suite);
4. goes on requesting for a few seconds more, then stops the app and drops its database.

It passes (exit 0) when every answer is either a 200 or the API's JSON error shape
(``{"error": {"status": 503, "code": "unavailable", …}}``, status 500 or 503) with no traceback in
any body, no request went unanswered by the server (which stays up), and every request sent from
a moment after the database was back succeeded. It prints the requests before, during and after
the restart, and writes them to ``bench-results/fault-db-restart-<time>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import serving  # noqa: E402

DATABASE = "reform_registry_fault"
PATH = "/api/v1/units/?page_size=20"
# Requests sent this long after the restart command returned must all succeed.
SETTLE_SECONDS = 1.0


def cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        raise SystemExit("no PostgreSQL cluster under /etc/postgresql")
    return versions[-1], "main"


def psql_admin(sql: str) -> None:
    subprocess.run(
        ["psql", "-X", "-q", "-d", "postgres", "-c", sql],
        env=_pg_env(),
        check=True,
        capture_output=True,
    )


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PGHOST", "127.0.0.1")
    env.setdefault("PGPORT", "5432")
    env.setdefault("PGUSER", "postgres")
    return env


def database_url() -> str:
    env = _pg_env()
    password = f":{env['PGPASSWORD']}" if env.get("PGPASSWORD") else ""
    return f"postgres://{env['PGUSER']}{password}@{env['PGHOST']}:{env['PGPORT']}/{DATABASE}"


class Requester(threading.Thread):
    def __init__(self, port: int, token: str, stop: threading.Event, records: list):
        super().__init__(daemon=True)
        self.port, self.token, self.stop, self.records = port, token, stop, records

    def run(self) -> None:
        while not self.stop.is_set():
            sent = time.monotonic()
            record: dict[str, Any] = {"sent": sent}
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", PATH, headers={"Authorization": f"Token {self.token}"})
                response = connection.getresponse()
                body = response.read().decode("utf-8", "replace")
                connection.close()
                record.update(status=response.status, body=body)
                record["content_type"] = response.getheader("Content-Type", "")
            except (OSError, http.client.HTTPException) as exc:
                record.update(status=None, body=repr(exc))
            record["answered"] = time.monotonic()
            self.records.append(record)


def judge(record: dict) -> str | None:
    """What is wrong with an answer, or None."""
    status, body = record["status"], record["body"]
    if status is None:
        return f"no answer: {body}"
    if "Traceback" in body or 'File "' in body:
        return f"{status} with a traceback"
    if status == 200:
        return None
    if status not in (500, 503):
        return f"unexpected status {status}"
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return f"{status} not in the error shape: {body[:200]}"
    if error.get("status") != status or not error.get("message"):
        return f"{status} with a malformed error: {body[:200]}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", type=float, default=4, help="seconds before the restart")
    parser.add_argument("--after", type=float, default=6, help="seconds after the restart")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)

    version, name = cluster()
    env = serving.app_env(database_url())
    print(f"== a fresh database {DATABASE}")
    psql_admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql_admin(f'CREATE DATABASE "{DATABASE}"')
    try:
        serving.manage(env, "migrate", "--noinput")
        print(f"== generating {args.institutions} institutions")
        serving.manage(env, "generate_registry", "--institutions", str(args.institutions))
        token = serving.admin_token(env)
        log = serving.PROJECT / "bench-results" / "fault-db-restart-server.log"
        with serving.served(env, workers=args.workers, log=log) as (server, port):
            print(f"== {args.clients} clients against {server} on 127.0.0.1:{port}")
            records: list[dict] = []
            stop = threading.Event()
            clients = [Requester(port, token, stop, records) for _ in range(args.clients)]
            for client in clients:
                client.start()
            time.sleep(args.before)
            print(f"== restarting PostgreSQL {version}/{name}")
            restart_began = time.monotonic()
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
                check=True,
            )
            restart_ended = time.monotonic()
            time.sleep(args.after)
            stop.set()
            for client in clients:
                client.join()
    finally:
        if not args.keep_database:
            psql_admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')

    settled = restart_ended + SETTLE_SECONDS
    phases = {
        "before": [r for r in records if r["answered"] < restart_began],
        "during": [r for r in records if r["answered"] >= restart_began and r["sent"] < settled],
        "after": [r for r in records if r["sent"] >= settled],
    }
    problems = [f"{judge(r)}" for r in records if judge(r)]
    failed_after = [r for r in phases["after"] if r["status"] != 200]
    if failed_after:
        problems.append(f"{len(failed_after)} requests failed after the database was back")
    if not phases["after"]:
        problems.append("no request was sent after the database was back")

    def summary(rows: list[dict]) -> dict:
        statuses: dict[str, int] = {}
        for r in rows:
            statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
        return {"requests": len(rows), "statuses": statuses}

    report: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "server": server,
        "restart_seconds": round(restart_ended - restart_began, 2),
        **{phase: summary(rows) for phase, rows in phases.items()},
        "error_bodies": sorted({r["body"][:300] for r in records if r["status"] != 200})[:5],
        "problems": problems,
        "passed": not problems,
    }
    results = serving.PROJECT / "bench-results"
    results.mkdir(exist_ok=True)
    out = results / f"fault-db-restart-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"restart took {report['restart_seconds']} s")
    for phase in phases:
        print(f"{phase:7} {report[phase]}")
    for body in report["error_bodies"]:
        print("error answer:", body)
    for problem in problems[:10]:
        print("PROBLEM:", problem)
    print(
        ("PASSED" if not problems else "FAILED")
        + f"; written to {out.relative_to(serving.PROJECT)}"
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
