"""Who may use the API: readers (``units.roles.may_read``) read; writes need the model's add
permission."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from units import roles


class RegistryReader(BasePermission):
    """Reading needs the read permission (every role of the office grants it) or a superuser;
    writing additionally needs the ``add`` permission of the view's model."""

    message = "需要只读角色（official 或 api-client）才能访问接口。"

    def has_permission(self, request, view) -> bool:
        if not roles.may_read(request.user):
            return False
        if request.method in SAFE_METHODS:
            return True
        required = getattr(view, "write_permission", None)
        if not required:
            return False
        return request.user.has_perm(required)
