from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("机构与改革事项")

    def ready(self) -> None:
        from . import lockout  # noqa: F401  (connects the audit of login lockouts)
