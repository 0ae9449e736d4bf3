"""The app served for real, for the load and fault scripts: gunicorn (or Django's server when
gunicorn is not installed) on a free port of 127.0.0.1, as in production (DEBUG off), on a
given database, and an administrator's API token."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TOKEN_USER = "load-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "load-bench-only-secret-key",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Thousands of requests a second with one token: the throttle is not what is measured.
        API_TOKEN_THROTTLE="1000000000/min",
    )
    env.pop("SECRET_KEY_FILE", None)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(PROJECT / "manage.py"), *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def admin_token(env: dict[str, str]) -> str:
    """The token of the benchmarks' administrator (created once in that database)."""
    out = manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "model = get_user_model()\n"
        f"user = model.objects.filter(username={TOKEN_USER!r}).first()\n"
        f"user = user or model.objects.create_superuser({TOKEN_USER!r}, email='', password=None)\n"
        "print(Token.objects.get_or_create(user=user)[0].key)\n",
    )
    return out.strip().splitlines()[-1]


def server_command(port: int, workers: int) -> tuple[str, list[str]]:
    gunicorn = VENV_BIN / "gunicorn"
    if gunicorn.exists():
        return "gunicorn", [
            str(gunicorn),
            "reform_registry.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            "--backlog=2048",
        ]
    return "runserver", [
        sys.executable,
        str(PROJECT / "manage.py"),
        "runserver",
        "--noreload",
        f"127.0.0.1:{port}",
    ]


@contextmanager
def served(env: dict[str, str], *, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """(server name, port) of the app served on the environment's database until the block ends."""
    port = free_port()
    name, command = server_command(port, workers)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(port, process, log)
            yield name, port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within 60 s:\n{log.read_text()}")
