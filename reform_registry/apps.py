from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReformRegistryConfig(AppConfig):
    name = "reform_registry"
    verbose_name = _("改革登记簿")
