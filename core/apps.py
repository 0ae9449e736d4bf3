"""The admin application, with the registry's admin site (``core.admin.RegistryAdminSite``)."""

from django.contrib.admin.apps import AdminConfig


class RegistryAdminConfig(AdminConfig):
    default_site = "core.admin.RegistryAdminSite"
