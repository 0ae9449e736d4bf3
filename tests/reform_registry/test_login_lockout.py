"""Repeated failed logins lock the login (django-axes), on the site's login page and the
admin's: a clear Chinese message, an audit row, and the right password refused while locked."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from units.models import AuditEntry

PASSWORD = "correct-horse-2021"
LOGINS = {
    "site": "/accounts/login/",
    "admin": "/admin/login/",
}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "clerk", password=PASSWORD, is_staff=True, is_superuser=True
    )


def post_login(client, url: str, password: str):
    return client.post(
        url, {"username": "clerk", "password": password}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("login", LOGINS)
def test_repeated_failures_lock_the_login(client, staff, login):
    url = LOGINS[login]
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = post_login(client, url, "wrong")
        assert response.status_code == 200  # the form again, with its error
    assert not AuditEntry.objects.filter(action="lockout").exists()

    response = post_login(client, url, "wrong")  # the last failure allowed locks
    assert response.status_code == 429
    text = response.content.decode()
    assert f"该账号已连续 {limit} 次登录失败，已暂时锁定。" in text
    assert "锁定期间即使密码正确也无法登录：请在 30 分钟后再试，或请管理员解锁。" in text

    entry = AuditEntry.objects.get(action="lockout")
    assert (entry.object_type, entry.object_id) == ("auth.user", "clerk")
    assert entry.after == {"username": "clerk", "ip_address": "127.0.0.1", "path": url}
    assert entry.request_id

    # Locked: the right password is refused too, and nobody is logged in.
    response = post_login(client, url, PASSWORD)
    assert response.status_code == 429
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failures_below_the_limit_then_the_right_password_log_in_and_reset(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "/accounts/login/", "wrong")
    response = post_login(client, "/accounts/login/", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert not AccessAttempt.objects.filter(username="clerk", failures_since_start__gt=0).exists()
    assert not AuditEntry.objects.filter(action="lockout").exists()


@pytest.mark.django_db
def test_a_lockout_is_per_user_name(client, staff, django_user_model):
    django_user_model.objects.create_user("reader", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/accounts/login/", "wrong")
    response = client.post("/accounts/login/", {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302  # another user, from the same address, still logs in


@pytest.mark.django_db
def test_the_test_clients_login_without_a_request_is_not_counted(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        assert not client.login(username="clerk", password="wrong")
    assert client.login(username="clerk", password=PASSWORD)
    assert not AuditEntry.objects.filter(action="lockout").exists()


def post_login_from(client, forwarded_for: str, password: str = "wrong"):
    return client.post(
        "/accounts/login/",
        {"username": "clerk", "password": password},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR="10.0.0.2",  # the proxy's address: every request comes from it
    )


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_address_is_locked_separately(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = post_login_from(client, "203.0.113.7")
    assert response.status_code == 429
    assert post_login_from(client, "203.0.113.7", PASSWORD).status_code == 429

    # Another client behind the same proxy is not locked: it logs in.
    assert post_login_from(client, "198.51.100.9", PASSWORD).status_code == 302
    lockouts = AuditEntry.objects.filter(action="lockout")
    assert {entry.after["ip_address"] for entry in lockouts} == {"203.0.113.7"}


@pytest.mark.django_db
def test_behind_a_trusted_proxy_what_the_client_wrote_further_left_is_not_trusted(
    client, staff, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(settings.AXES_FAILURE_LIMIT):
        # The proxy appends the address it saw; the client forges a new one in front each time.
        response = post_login_from(client, f"192.0.2.{number}, 203.0.113.7")
    assert response.status_code == 429
    assert post_login_from(client, "192.0.2.99, 203.0.113.7", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_without_a_proxy_a_forged_forwarded_address_escapes_no_lockout(client, staff, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for number in range(settings.AXES_FAILURE_LIMIT):
        response = post_login_from(client, f"192.0.2.{number}")
    assert response.status_code == 429
    assert post_login_from(client, "198.51.100.9", PASSWORD).status_code == 429
    lockouts = AuditEntry.objects.filter(action="lockout")
    assert {entry.after["ip_address"] for entry in lockouts} == {"10.0.0.2"}
