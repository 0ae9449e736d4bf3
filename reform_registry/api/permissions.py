"""Who may use the API: the office's roles read; writes need the model's add permission."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from units import roles


def can_read(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.ALL_ROLES).exists()


class RegistryReader(BasePermission):
    """Reading needs one of the office's roles (official, api-client, clerk, approver) or a
    superuser; writing additionally needs the ``add`` permission of the view's model."""

    message = "需要只读角色（official 或 api-client）才能访问接口。"

    def has_permission(self, request, view) -> bool:
        if not can_read(request.user):
            return False
        if request.method in SAFE_METHODS:
            return True
        required = getattr(view, "write_permission", None)
        if not required:
            return False
        return request.user.has_perm(required)
