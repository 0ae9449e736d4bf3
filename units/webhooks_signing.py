"""Webhooks as the Standard Webhooks specification has them (DESIGN §9): secrets, the signed
headers of a delivery, and the one POST that carries it.

The signature is ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed by the bytes of the
secret after ``whsec_`` (base64). Target hosts must be in ``WEBHOOK_ALLOWED_HOSTS`` (checked
when a subscription is saved and again before every send); redirects are refused; connect/read
timeouts and the number of response bytes read back are settings.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import http.client
import os
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"
MIN_RETRY_WINDOW = dt.timedelta(hours=24)


def _setting_hosts() -> list[str]:
    configured = getattr(settings, "WEBHOOK_ALLOWED_HOSTS", None)
    if configured is None:
        configured = os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",")
    return [h.strip().lower() for h in configured if h and h.strip()]


def connect_timeout() -> float:
    return float(getattr(settings, "WEBHOOK_CONNECT_TIMEOUT", 5.0))


def read_timeout() -> float:
    return float(getattr(settings, "WEBHOOK_READ_TIMEOUT", 10.0))


def response_limit() -> int:
    return int(getattr(settings, "WEBHOOK_RESPONSE_LIMIT", 4096))


def generate_secret() -> str:
    """A new secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The key bytes of a ``whsec_`` secret; a clear message for anything else."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValidationError(_("密钥必须以 whsec_ 开头。"), code="secret_prefix")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            _("密钥在 whsec_ 之后必须是 base64 编码。"), code="secret_base64"
        ) from None
    if len(key) < 16:
        raise ValidationError(_("密钥至少需要 16 个字节。"), code="secret_short")
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value of a message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    secret: str, msg_id: str, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The headers of a delivery: id, timestamp (unix seconds) and signature."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature(secret, msg_id, ts, body),
        "content-type": "application/json",
    }


def check_url(url: str) -> None:
    """Refuse a target that is not http(s) or whose host is not in ``WEBHOOK_ALLOWED_HOSTS``."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValidationError(_("地址无效。"), code="url_invalid") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise ValidationError(
            _("地址必须以 http:// 或 https:// 开头并包含主机名。"), code="url_scheme"
        )
    if host not in _setting_hosts():
        raise ValidationError(
            _("主机 %(host)s 不在 WEBHOOK_ALLOWED_HOSTS 中。"),
            code="host_not_allowed",
            params={"host": host},
        )


@dataclass(frozen=True)
class SendResult:
    """What one attempt got: the status (None when no answer), the error, the first bytes of
    the answer (at most ``response_limit()``), and the time it took."""

    status: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def send(url: str, secret: str, msg_id: str, body: bytes) -> SendResult:
    """POST a signed body to ``url`` once. Never raises for the receiver's faults: a refused
    host, a timeout, a refused connection or a redirect come back as an error."""
    started = time.monotonic()

    def done(status: int | None, error: str, excerpt: bytes = b"") -> SendResult:
        return SendResult(
            status=status,
            error=error,
            excerpt=excerpt.decode("utf-8", "replace"),
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    try:
        check_url(url)
    except ValidationError as error:
        return done(None, " ".join(str(m) for m in error.messages))
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname or "", parts.port, timeout=connect_timeout())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(read_timeout())
        connection.request("POST", path, body=body, headers=signed_headers(secret, msg_id, body))
        response = connection.getresponse()
        excerpt = response.read(response_limit())
        status = response.status
    except TimeoutError:
        return done(None, "timeout")
    except (OSError, http.client.HTTPException) as error:
        return done(None, f"{type(error).__name__}: {error}"[:300])
    finally:
        connection.close()
    if 300 <= status < 400:
        return done(status, "redirect refused", excerpt)
    return done(status, "", excerpt)


def retry_window() -> dt.timedelta:
    """How long a failing entry is retried before its subscription is disabled: the
    ``WEBHOOK_RETRY_WINDOW`` setting in seconds, never less than 24 hours."""
    seconds = float(getattr(settings, "WEBHOOK_RETRY_WINDOW", 26 * 3600))
    return dt.timedelta(seconds=max(seconds, MIN_RETRY_WINDOW.total_seconds()))


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt on an entry: exponential from
    ``WEBHOOK_RETRY_BASE`` (30 s), doubling, capped at ``WEBHOOK_RETRY_CAP`` (1 h)."""
    base = float(getattr(settings, "WEBHOOK_RETRY_BASE", 30.0))
    cap = float(getattr(settings, "WEBHOOK_RETRY_CAP", 3600.0))
    exponent = min(max(attempts, 1) - 1, 32)
    return dt.timedelta(seconds=min(base * 2**exponent, cap))


def retry_schedule() -> list[dt.timedelta]:
    """The offsets, from the first failure, of every retry within the window."""
    offsets: list[dt.timedelta] = []
    elapsed = dt.timedelta(0)
    window = retry_window()
    attempts = 1
    while True:
        elapsed += retry_delay(attempts)
        if elapsed > window:
            return offsets
        offsets.append(elapsed)
        attempts += 1
