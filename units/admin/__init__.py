"""The office's admin screens (in Chinese), by subject: departments and institutions
(``units``), reform decisions with their approval (``decisions``), jurisdictions, scopes and
the audit trail. Every write goes through ``units.services``; every screen reads within the
user's jurisdictions (``core.admin.RestrictedAdminMixin``).

Django's autodiscover imports this package; importing the modules registers their screens.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import audit, decisions, jurisdictions, scopes, units

admin.site.site_header = _("机构编制登记 · 管理后台")
admin.site.site_title = _("机构编制登记")
admin.site.index_title = _("改革事项录入与审批")

__all__ = ["audit", "decisions", "jurisdictions", "scopes", "units"]
