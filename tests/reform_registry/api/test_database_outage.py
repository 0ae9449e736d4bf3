"""A request that finds the database unreachable (restarting, failing over) gets the site's
answer, never a traceback: the API's JSON error shape with 503, the site's 500 page on a page.
The next request, with the database back, is answered as usual by the same process.
(benchmarks/fault_db_restart.py restarts a real PostgreSQL under a running server.)"""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

UNAVAILABLE = "数据库暂时不可用，请稍后再试。"


@contextmanager
def database_unreachable():
    """Every query of the block fails as when the server has gone away."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


def _no_traceback(body: str) -> None:
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert "server closed the connection" not in body


@pytest.fixture
def token_client(reform, reader_token):
    return Client(HTTP_AUTHORIZATION=f"Token {reader_token}", raise_request_exception=False)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_api_answers_503_in_its_error_shape(token_client, language):
    token_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with database_unreachable():
        response = token_client.get("/api/v1/units/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"].isdigit()
    with translation.override(language):
        message = gettext(UNAVAILABLE)
    assert response.json() == {
        "error": {
            "status": 503,
            "code": "unavailable",
            "message": message,
            "problems": [{"message": message}],
        }
    }
    _no_traceback(response.content.decode())

    again = token_client.get("/api/v1/units/")
    assert again.status_code == 200
    assert again.json()["count"] > 0


def test_a_csv_request_gets_the_json_error_too(token_client):
    with database_unreachable():
        response = token_client.get("/api/v1/units/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "服务器出错"), ("en", "Server error")])
def test_a_page_answers_the_sites_error_page(reform, official, language, title):
    client = Client(raise_request_exception=False)
    client.force_login(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with database_unreachable():
        response = client.get("/units/")
    assert response.status_code == 500
    body = response.content.decode()
    assert f"<h1>{title}</h1>" in body
    _no_traceback(body)

    assert client.get("/units/").status_code == 200


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_session_request_to_the_api_gets_the_error_shape_too(reform, official, language):
    """A logged-in request meets the database in the middleware, before the API's own error
    handler: the site's handler of unhandled errors answers it in the API's shape."""
    client = Client(raise_request_exception=False)
    client.force_login(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with database_unreachable():
        response = client.get("/api/v1/units/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"].isdigit()
    with translation.override(language):
        message = gettext(UNAVAILABLE)
    assert response.json()["error"] == {
        "status": 503,
        "code": "unavailable",
        "message": message,
        "problems": [{"message": message}],
    }
    _no_traceback(response.content.decode())
    assert client.get("/api/v1/units/").status_code == 200


def test_any_other_unhandled_error_under_the_api_is_a_500_in_its_shape(
    reform, official, monkeypatch
):
    from units.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.UnitViewSet, "list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(official)
    response = client.get("/api/v1/units/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "error"
    _no_traceback(response.content.decode())
    assert "a bug" not in response.content.decode()
