"""manage.py load_demo: the Baotou 2020 reform as a demo registry, and demo users.

Steps, each a function others extend:

1. ``create_demo_users()`` — the administrator and one user per role (``DEMO_USERS``), first,
   so that the demo's approver is there to have approved its decisions;
2. ``demo_workbook_import()`` — jurisdictions, departments, institutions, decisions, events,
   grants and headcounts: the demo workbook ``reform_registry/demo/baotou-2021.xlsx`` (built
   by ``reform_registry.demo.workbook``), imported, each decision approved on the day it was
   issued by the demo's approver (``reform_registry.demo.approvals``);
3. every step of ``EXTRA_STEPS`` whose module and function exist — the demo's recovery
   campaign, ``reform_registry.demo.staffing.apply_demo_campaign()`` (the grants and
   headcounts are in the workbook);
4. ``grant_demo_scopes()`` — the jurisdiction scopes of the users just created.

Running it again changes nothing in the registry and says so.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import CommandError
from django.db import transaction

from core.audit import RegistryCommand
from core.errors import RegistryError
from reform_registry import demo
from reform_registry.demo import approvals as demo_approvals
from reform_registry.demo.hooks import step_function
from reform_registry.demo.workbook import demo_workbook_import
from units import roles
from units.models import Jurisdiction
from units.permissions import scope_grant

# (module, function) run after the registry is loaded, when they exist. Each is called with no
# arguments inside the demo's transaction and returns a short description (or None).
EXTRA_STEPS: list[tuple[str, str]] = [("reform_registry.demo.staffing", "apply_demo_campaign")]


def extra_steps() -> list[tuple[str, Callable[[], object]]]:
    """The hooks of ``EXTRA_STEPS`` that exist in this installation."""
    found: list[tuple[str, Callable[[], object]]] = []
    for module_name, function_name in EXTRA_STEPS:
        function = step_function(module_name, function_name)
        if function is not None:
            found.append((f"{module_name}.{function_name}", function))
    return found


def create_demo_users() -> list[tuple[str, str | None, str]]:
    """Create the demo users; returns (username, password or None, what it is for).

    A random password is set and returned only when DEBUG is on; otherwise no user with a known
    password is created. An existing user keeps its password. Their jurisdiction scopes are
    granted by ``grant_demo_scopes`` once the jurisdictions are loaded."""
    users: list[tuple[str, str | None, str]] = []
    if not settings.DEBUG:
        return users
    user_model = get_user_model()
    for username, role, staff, _scope, label in DEMO_USERS:
        if user_model.objects.filter(username=username).exists():
            users.append((username, None, label + "（已存在，密码未改变）"))
            continue
        password = secrets.token_urlsafe(12)
        if role is None:
            user_model.objects.create_superuser(username=username, email="", password=password)
        else:
            user = user_model.objects.create_user(
                username=username, email="", password=password, is_staff=staff
            )
            user.groups.set(Group.objects.filter(name=role))
            if role == roles.API_CLIENT:  # a write client: may push headcount reports
                user.user_permissions.set(
                    Permission.objects.filter(
                        content_type__app_label="staffing", codename="add_headcountreport"
                    )
                )
        users.append((username, password, label))
    return users


def grant_demo_scopes(created: list[tuple[str, str | None, str]]) -> None:
    """Limit the demo users just created (given a password) to their jurisdictions."""
    new = {username for username, password, _label in created if password}
    user_model = get_user_model()
    for username, _role, _staff, scope, _label in DEMO_USERS:
        if scope and username in new:
            scope_grant(
                user=user_model.objects.get(username=username),
                jurisdiction=Jurisdiction.objects.get(code=scope),
            )


# (username, role group or None for the superuser, staff, jurisdiction scope, what it is for)
DEMO_USERS: list[tuple[str, str | None, bool, str | None, str]] = [
    ("admin", None, True, None, "超级管理员"),
    ("clerk", roles.CLERK, True, None, "录入员：在管理后台录入改革决定草稿"),
    (demo_approvals.APPROVER, roles.APPROVER, True, None, "审批员：预览、批准和撤回改革决定"),
    ("official", roles.OFFICIAL, True, None, "查阅人员：只读页面、管理后台只读和接口"),
    ("api-client", roles.API_CLIENT, False, None, "接口客户端：只读接口，可报送实有人数"),
    ("clerk-kdl", roles.CLERK, True, "150203", "昆都仑区录入员：只能处理昆都仑区及以下的机构"),
]


class Command(RegistryCommand):
    help = "Load the demo of Baotou's 2020 reform of public institutions (once) and demo users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="where the site is served, for the addresses printed (default: %(default)s)",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        site = options["url"].rstrip("/")
        try:
            with transaction.atomic():
                users = create_demo_users()
                created = demo_workbook_import()
                ran: list[str] = []
                if created is not None:
                    for name, function in extra_steps():
                        function()
                        ran.append(name)
                grant_demo_scopes(users)
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        if created is None:
            self.stdout.write("演示数据已经加载（包编发〔2020〕12号 已存在），未重复加载。")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "已加载包头市2020年事业单位改革演示数据："
                    f"{created['jurisdictions']} 个行政区划，{created['registrations']} 个存量机构，"
                    f"{created['decisions']} 个决定，{created['events']} 个改革事项"
                    f"（{elapsed:.1f} 秒）。"
                )
            )
            for name in ran:
                self.stdout.write(f"  已运行 {name}")
        self.stdout.write("")
        self.stdout.write(f"登录地址：{site}/ （管理后台：{site}/admin/）")
        self.stdout.write(
            f"改革汇总：{site}/reports/reform/"
            f"?jurisdiction={demo.CITY}&before={demo.DEMO_BEFORE.isoformat()}"
            f"&after={demo.DEMO_AFTER.isoformat()}"
        )
        if not settings.DEBUG:
            self.stdout.write(
                "DEBUG 未开启：未创建已知密码的用户。请用 manage.py createsuperuser 创建管理员。"
            )
            return
        for username, password, role in users:
            if password:
                self.stdout.write(f"  用户 {username}  密码 {password}  （{role}）")
            else:
                self.stdout.write(
                    f"  用户 {username}  （{role}；可用 manage.py changepassword {username} 重设）"
                )
