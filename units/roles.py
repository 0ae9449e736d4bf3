"""The roles of the office, as auth groups (created by a data migration)."""

CLERK = "clerk"  # enters and edits draft decisions
APPROVER = "approver"  # approves and revokes decisions
OFFICIAL = "official"  # reads the pages and the API
API_CLIENT = "api-client"  # other systems reading (and, with permission, writing) the API

ALL_ROLES = (CLERK, APPROVER, OFFICIAL, API_CLIENT)
