"""The staffing screens of the admin, by subject: quota kinds and accounts with the quota panel
of a unit and the pool screen of a jurisdiction, transfer and headcount entry, recovery
campaigns (preview, apply, reverse).

Every write calls ``staffing.services``; a refusal (``RegistryError``) is shown on the form and
nothing is written. Django's autodiscover imports this package; importing the modules
registers their screens.
"""

from . import accounts, campaigns, headcounts, transfers

__all__ = ["accounts", "campaigns", "headcounts", "transfers"]
