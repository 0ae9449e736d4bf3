"""The infrastructure application, and the admin application with the registry's admin site
(``core.admin.RegistryAdminSite``)."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from .bulk import use_arrays_for_long_in_lists

        use_arrays_for_long_in_lists()


class RegistryAdminConfig(AdminConfig):
    default_site = "core.admin.RegistryAdminSite"
