from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = _("编制")

    def ready(self) -> None:
        from units.signals import registry_changed

        from .receivers import follow_registry

        registry_changed.connect(follow_registry, dispatch_uid="staffing.follow_registry")
