"""The backup procedure of docs/backup.md, run for real on PostgreSQL.

A populated registry (the hand-computed reform with its quotas of tests/fixtures/reform_api.py)
is committed, dumped with ``pg_dump -Fc`` and restored with ``pg_restore`` into a new database;
the restored copy re-derives to the same versions (``rebuild_registry --check`` clean, run as
a separate process against it), its ledger is balanced, and every table holds as many rows as
the original's.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.fixtures.reform_api import build_ledger, build_reform

PROJECT = Path(settings.BASE_DIR)

LEDGER_CHECK = """
import json
from staffing.selectors.balances import ledger_problems, ledger_total
print(json.dumps({"total": ledger_total(), "problems": len(ledger_problems(None))}))
"""


def _server() -> dict:
    source = connection.settings_dict
    return {
        "host": source.get("HOST") or "127.0.0.1",
        "port": str(source.get("PORT") or 5432),
        "user": source.get("USER") or "postgres",
        "password": source.get("PASSWORD") or "",
    }


def _client_env(server: dict) -> dict:
    env = dict(os.environ)
    if server["password"]:
        env["PGPASSWORD"] = server["password"]
    return env


def _run(args: list[str], *, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _row_counts(dsn: dict, database: str, tables: list[str]) -> dict[str, int]:
    with psycopg2.connect(dbname=database, **dsn) as db, db.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    db.close()
    return counts


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dump_restores_into_a_new_database_that_checks_clean(on_postgres, tmp_path):
    build_ledger(build_reform())  # committed: pg_dump sees only what other sessions see

    server = _server()
    env = _client_env(server)
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored_{uuid.uuid4().hex[:8]}"
    address = ["-h", server["host"], "-p", server["port"], "-U", server["user"]]
    dump = tmp_path / "registry.dump"

    _run(["pg_dump", *address, "-Fc", "-f", str(dump), source], env=env)
    _run(["createdb", *address, restored], env=env)
    try:
        _run(
            ["pg_restore", *address, "--no-owner", "--exit-on-error", "-d", restored, str(dump)],
            env=env,
        )

        url = "postgres://{user}{password}@{host}:{port}/{name}".format(
            user=server["user"],
            password=f":{server['password']}" if server["password"] else "",
            host=server["host"],
            port=server["port"],
            name=restored,
        )
        app_env = {**env, "DATABASE_URL": url, "SECRET_KEY": "backup-test-only", "DEBUG": "false"}
        manage = [sys.executable, str(PROJECT / "manage.py")]

        check = subprocess.run(
            [*manage, "rebuild_registry", "--check"],
            env=app_env,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert check.returncode == 0, check.stdout + check.stderr

        ledger = _run([*manage, "shell", "-c", LEDGER_CHECK], env=app_env)
        assert json.loads(ledger.stdout.strip().splitlines()[-1]) == {"total": 0, "problems": 0}

        tables = sorted(connection.introspection.table_names(include_views=False))
        dsn = {k: v for k, v in server.items() if k != "password" or v}
        before = _row_counts(dsn, source, tables)
        after = _row_counts(dsn, restored, tables)
        assert after == before
        # The registry itself came across, not only empty tables.
        assert before["units_unit"] > 10
        assert before["staffing_transfer"] >= 4
    finally:
        subprocess.run(
            ["dropdb", *address, "--if-exists", "--force", restored],
            env=env,
            capture_output=True,
            timeout=60,
        )
