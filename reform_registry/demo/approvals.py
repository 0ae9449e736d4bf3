"""When and by whom the demo's decisions were approved: each on the day it was issued
(``APPROVED_AT``, Baotou's time), by the demo's approver (``APPROVER``, one of the demo users)
when that user exists — ``load_demo`` creates the demo users only when DEBUG is on, so without
DEBUG the approvals keep their historical dates and name no approver."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from units import permissions
from units.models import Decision

APPROVER = "approver"  # the demo user of the approver role
APPROVED_AT = dt.time(9, 0)  # the hour of a decision's approval, on the day it was issued


def approval_time(decision: Decision) -> dt.datetime:
    """When the demo's decision was approved: the morning of the day it was issued."""
    return timezone.make_aware(dt.datetime.combine(decision.issued_on, APPROVED_AT))


def demo_approver() -> Any:
    """The demo's approver, when that user exists and may approve; else None."""
    user = get_user_model().objects.filter(username=APPROVER, is_active=True).first()
    return user if user is not None and permissions.can_approve(user) else None
