"""The roles of the office, as auth groups (created by a data migration), and who may read.

Reading is one permission, ``READ_PERMISSION``: every role's group is granted it, and every
surface (the officials' pages, the API, the admin's unit lookup) asks ``may_read``, never
whether the user belongs to a group of a given name.
"""

from __future__ import annotations

from typing import Any

CLERK = "clerk"  # enters and edits draft decisions
APPROVER = "approver"  # approves and revokes decisions
OFFICIAL = "official"  # reads the pages and the API
API_CLIENT = "api-client"  # other systems reading (and, with permission, writing) the API

ALL_ROLES = (CLERK, APPROVER, OFFICIAL, API_CLIENT)

READ_PERMISSION = "units.view_unit"


def may_read(user: Any) -> bool:
    """Whether a user may read the registry: an active superuser, or an active user holding
    the read permission (through a role or directly)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.has_perm(READ_PERMISSION))
