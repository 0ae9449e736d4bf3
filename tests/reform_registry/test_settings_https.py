"""HTTPS=true hardens the site for HTTPS (HSTS, the redirect, secure cookies, the proxy's header)
and `check --deploy` is then clean; unset, the settings stay those of plain HTTP on a closed
network."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "SECRET_KEY": "k3y-of-production-" + "x7Qz9vLp2Rt8Wm4Nc6Bf1Hj5Dg0Ks3Ya" * 2,
    "ALLOWED_HOSTS": "registry.example.gov.cn",
    "DEBUG": "false",
}

SHOWN = [
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
]


def environment(**extra: str) -> dict[str, str]:
    # The environment of a production server: none of the test run's own variables (pytest and
    # the browser tests allow unsafe async calls, which check --deploy rightly refuses).
    dropped = {"HTTPS", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION, **extra)
    return env


def manage(*args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(**extra: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {SHOWN!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment(DJANGO_SETTINGS_MODULE="reform_registry.settings", **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_with_https_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_check_deploy_names_the_four_https_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in output  # HSTS, the redirect, the session and the CSRF cookie


def test_https_turns_on_hsts_the_redirect_secure_cookies_and_the_proxy_header():
    assert settings_of(HTTPS="true") == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_without_https_the_site_serves_plain_http():
    expected = {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }
    assert settings_of() == expected
    assert settings_of(HTTPS="false") == expected
