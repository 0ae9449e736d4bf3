"""Standard Webhooks signing and the one POST of a delivery (units/webhooks_signing.py), against
a real receiver on 127.0.0.1; signatures are verified with the reference ``standardwebhooks``
package, so they are what receivers expect."""

import datetime as dt
import json
import socket

import pytest
from django.core.exceptions import ValidationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.fixtures.webhook_receiver import receiver
from units.webhooks_signing import (
    check_url,
    generate_secret,
    retry_delay,
    retry_schedule,
    retry_window,
    secret_key,
    send,
    signed_headers,
)

__all__ = ["receiver"]

BODY = json.dumps({"seq": 1, "kind": "decision.approved"}).encode()


@pytest.fixture(autouse=True)
def _allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_CONNECT_TIMEOUT = 2.0
    settings.WEBHOOK_READ_TIMEOUT = 0.5
    settings.WEBHOOK_RESPONSE_LIMIT = 1024


def test_a_generated_secret_is_whsec_base64_and_unique():
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_") and first != second
    assert len(secret_key(first)) == 24


@pytest.mark.parametrize("bad", ["secret", "whsec_###", "whsec_YWJj"])
def test_a_malformed_secret_is_refused_with_a_message(bad):
    with pytest.raises(ValidationError) as caught:
        secret_key(bad)
    assert caught.value.messages[0]


def test_the_headers_verify_with_the_reference_package():
    secret = generate_secret()
    headers = signed_headers(secret, "msg_1", BODY)
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)


def test_a_changed_body_or_another_secret_does_not_verify():
    secret = generate_secret()
    headers = signed_headers(secret, "msg_1", BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers)


def test_a_delivery_reaches_the_receiver_signed(receiver):
    secret = generate_secret()
    result = send(receiver.url, secret, "3f1c-uid", BODY)
    assert result.ok and result.status == 200 and result.excerpt == "ok"
    [got] = receiver.requests
    assert got.headers["webhook-id"] == "3f1c-uid"
    assert got.body == BODY
    assert Webhook(secret).verify(got.body, got.headers) == json.loads(BODY)


@pytest.mark.parametrize(
    "url", ["http://example.com/hook", "ftp://127.0.0.1/x", "127.0.0.1/hook", "http://[::1"]
)
def test_a_host_not_allowed_is_refused_on_save_and_before_send(receiver, url):
    with pytest.raises(ValidationError):
        check_url(url)
    result = send(url, generate_secret(), "id", BODY)
    assert not result.ok and result.status is None and result.error
    assert receiver.requests == []


def test_the_allowed_hosts_are_checked_again_at_send_time(receiver, settings):
    check_url(receiver.url)
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.org"]
    result = send(receiver.url, generate_secret(), "id", BODY)
    assert result.status is None and "WEBHOOK_ALLOWED_HOSTS" in result.error
    assert receiver.requests == []


def test_a_huge_answer_is_read_only_up_to_the_limit(receiver):
    receiver.body = b"x" * (5 * 1024 * 1024)
    result = send(receiver.url, generate_secret(), "id", BODY)
    assert result.status == 200
    assert len(result.excerpt) == 1024


def test_a_slow_receiver_times_out(receiver):
    receiver.delay = 5.0
    result = send(receiver.url, generate_secret(), "id", BODY)
    receiver.release.set()
    assert not result.ok and result.status is None and result.error == "timeout"
    assert result.duration_ms < 4000


@pytest.mark.parametrize("status", [500, 410, 404])
def test_an_error_status_is_returned_not_raised(receiver, status):
    receiver.status = status
    result = send(receiver.url, generate_secret(), "id", BODY)
    assert result.status == status and not result.ok


def test_a_redirect_is_refused_and_not_followed(receiver):
    receiver.status = 302
    receiver.location = "http://example.com/elsewhere"
    result = send(receiver.url, generate_secret(), "id", BODY)
    assert not result.ok and result.error == "redirect refused"
    assert len(receiver.requests) == 1


def test_a_closed_port_is_an_error_not_an_exception():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = send(f"http://127.0.0.1:{port}/hook", generate_secret(), "id", BODY)
    assert result.status is None and "ConnectionRefused" in result.error


def test_retries_back_off_exponentially_up_to_the_cap(settings):
    settings.WEBHOOK_RETRY_BASE = 30
    settings.WEBHOOK_RETRY_CAP = 3600
    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays[-1] == 3600 and max(delays) == 3600
    assert retry_delay(10_000).total_seconds() == 3600


def test_the_retry_schedule_lasts_at_least_24_hours(settings):
    settings.WEBHOOK_RETRY_WINDOW = 26 * 3600
    schedule = retry_schedule()
    assert schedule == sorted(schedule)
    assert schedule[-1] >= dt.timedelta(hours=25)
    assert schedule[-1] <= retry_window()


def test_a_retry_window_below_24_hours_is_raised_to_24(settings):
    settings.WEBHOOK_RETRY_WINDOW = 60
    assert retry_window() == dt.timedelta(hours=24)
    assert retry_schedule()[-1] > dt.timedelta(hours=23)
