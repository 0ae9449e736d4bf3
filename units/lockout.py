"""Login lockout (django-axes): the backend that refuses a locked login, and the audit row of
each lockout.

``LockoutBackend`` comes first in ``AUTHENTICATION_BACKENDS``: on a login from a web request
(the site's and the admin's login pages, DRF's session login) it refuses, before any password is
checked, a user name locked after repeated failures from one address. A login without a request
(``Client.login`` in the tests, a shell) has no address to count and goes on to the next backend.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from . import audit


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_locked_out, dispatch_uid="units.lockout.audit")
def audit_lockout(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    """One audit row per lockout: which user name, from which address, through which page."""
    with transaction.atomic():
        audit.record_summary(
            "lockout",
            "auth.user",
            username or "",
            {
                "username": username or "",
                "ip_address": ip_address or "",
                "path": getattr(request, "path", ""),
            },
        )


def client_address(request: Any) -> str | None:
    """The address a login attempt is counted against (``AXES_CLIENT_IP_CALLABLE``).

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default) it is the connection's own address
    (``REMOTE_ADDR``); an ``X-Forwarded-For`` header is then ignored, so a forged one escapes
    no lockout. Behind N trusted proxies, each of which appends the address it received the
    request from, it is the N-th address from the right of ``X-Forwarded-For``: what the
    outermost trusted proxy saw. Addresses further left were written by the client and are not
    trusted. A request with fewer addresses than that did not come through the proxies and is
    counted by its own address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count][:45] or remote
