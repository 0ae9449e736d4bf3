"""Who may use the API: readers (``units.roles.may_read``) read; writes need the permission the
view names (``write_permission``). A 403 names what is missing."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from units import roles


class MissingPermission(PermissionDenied):
    """A 403 naming the permission the user lacks (``problems[].permission`` of the error)."""

    def __init__(self, message: str, *, permission: str = ""):
        super().__init__(message, code="permission_denied")
        self.permission = permission


class RegistryReader(BasePermission):
    """Reading needs the read permission (every role of the office grants it) or a superuser;
    writing additionally needs the view's ``write_permission`` (its ``write_permission_label``
    says what it allows). An authenticated user without them is told which permission is
    missing; an anonymous one is asked to authenticate (401)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not roles.may_read(user):
            raise MissingPermission(
                _(
                    "缺少读取登记数据的权限（%(perm)s）：需要 official、api-client、clerk 或 "
                    "approver 角色。"
                )
                % {"perm": roles.READ_PERMISSION},
                permission=roles.READ_PERMISSION,
            )
        if request.method in SAFE_METHODS:
            return True
        required = getattr(view, "write_permission", None)
        if not required:
            raise MissingPermission(
                _("此接口只读，不接受 %(method)s 请求。") % {"method": request.method}
            )
        if not user.has_perm(required):
            label = getattr(view, "write_permission_label", None) or required
            raise MissingPermission(
                _("缺少%(what)s的权限（%(perm)s）。") % {"what": label, "perm": required},
                permission=required,
            )
        return True
