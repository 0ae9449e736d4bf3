"""Served as in production (DESIGN §11): with DEBUG off the site answers with its own 404 and
500 pages, WhiteNoise serves the collected static files, and the secret of ``make run`` is
generated once into an untracked file and then reused."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation

from reform_registry import settings as registry_settings
from reform_registry.urls import urlpatterns as site_urlpatterns
from units import roles

ROOT = Path(__file__).resolve().parents[2]


def broken_view(request):
    raise RuntimeError("a bug")


# The site's URLs and one view that fails (ROOT_URLCONF of the 500 test).
urlpatterns = [path("broken/", broken_view), *site_urlpatterns]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


@pytest.fixture
def official(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x")
    user.groups.set(Group.objects.filter(name=roles.OFFICIAL))
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_bad_unit_key_gets_the_sites_404_page(production, official):
    response = official.get("/units/no-such-unit/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "没有这个页面或机构。" in text and "返回机构查询" in text
    assert "site.css" in text  # the site's page, with its header and stylesheet
    assert "Page not found" not in text and "URLconf" not in text  # not Django's technical page


@pytest.mark.django_db
def test_a_server_error_gets_the_sites_500_page(production, official):
    production.ROOT_URLCONF = __name__
    official.raise_request_exception = False
    response = official.get("/broken/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "服务器出错" in text and "错误已经记录" in text
    assert "RuntimeError" not in text and "Traceback" not in text
    official.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(translation.get_language()):  # the request activates English
        assert "Server error" in official.get("/broken/").content.decode()


def test_the_500_page_renders_without_context_processors_or_database():
    # As Django's server_error renders it: no request, so no context processor; and without
    # the django_db mark any query would fail the test.
    text = render_to_string("500.html")
    assert "服务器出错" in text and 'href="/"' in text
    assert "/static/" not in text  # needs nothing else the site would have to serve


def test_whitenoise_serves_the_collected_static_files(production, tmp_path, client):
    production.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "static" / "css" / "site.css.gz").exists()  # compressed copies too
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert type(response).__module__.startswith("whitenoise")
    assert b"".join(response.streaming_content).startswith(b"/* Pages for officials")
    gzipped = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped.status_code == 200 and gzipped["Content-Encoding"] == "gzip"
    assert client.get("/static/css/no-such.css").status_code == 404


def test_the_secret_file_is_generated_once_and_reused(tmp_path):
    name = tmp_path / "var" / "secret_key"
    first = registry_settings.secret_key_from_file(str(name))
    assert len(first) >= 50 and name.read_text().strip() == first
    assert stat.S_IMODE(name.stat().st_mode) == 0o600
    assert registry_settings.secret_key_from_file(str(name)) == first
    assert [p.name for p in name.parent.iterdir()] == ["secret_key"]  # no draft left behind


def _secret_key(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Start the WSGI application with DEBUG off, as a server would, and print its secret."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import reform_registry.wsgi; from django.conf import settings; "
            "print(settings.SECRET_KEY)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_serving_without_debug_takes_the_secret_from_its_file(tmp_path):
    secret_file = str(tmp_path / "secret_key")
    first = _secret_key(tmp_path, SECRET_KEY_FILE=secret_file)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == Path(secret_file).read_text().strip()
    again = _secret_key(tmp_path, SECRET_KEY_FILE=secret_file)
    assert again.stdout == first.stdout
    given = _secret_key(tmp_path, SECRET_KEY_FILE=secret_file, SECRET_KEY="from-the-environment")
    assert given.stdout.strip() == "from-the-environment"  # SECRET_KEY, when set, comes first
