"""SECRET_KEY is required to serve unless DEBUG; commands that need no secret run without it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_wsgi_refuses_to_start_without_secret_key():
    result = run("-c", "import reform_registry.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY must be set unless DEBUG is true." in result.stderr


def test_wsgi_starts_with_debug_and_no_secret_key():
    result = run("-c", "import reform_registry.wsgi", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_makemigrations_check_needs_no_secret_key():
    result = run("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
