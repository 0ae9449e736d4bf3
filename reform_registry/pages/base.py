"""What every page for officials shares (DESIGN §7): access, the as-of date, parameters,
rendering, downloads and the rows of an events table.

Every page takes ``?as_of=YYYY-MM-DD`` (default: today in Asia/Shanghai) and shows the registry
on that date. A bad parameter gives the page with a message saying what was wrong (status 400),
never a server error.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import InvalidDate, parse_iso_date
from core.restrict import visible
from units import roles, selectors
from units.choices import EventType
from units.filtersets import CHOICE_ERRORS
from units.models import Jurisdiction, UnitVersion
from units.rules import DIVISION_CODE_FORMAT

# What the pages read themselves besides a list's filters and ``as_of`` (a list refuses any
# other name it has no filter of).
PAGE_PARAMETERS = ("page", "format")

CHANGE_LABELS = {
    "rename": gettext_lazy("更名"),
    "transfer": gettext_lazy("划转主管部门"),
    "relocate": gettext_lazy("变更行政区划"),
    "reclassify": gettext_lazy("调整类别"),
    "regrade": gettext_lazy("调整规格"),
    "refund": gettext_lazy("调整经费形式"),
    "flag": gettext_lazy("调整标识或职能"),
    "change": gettext_lazy("变更"),
}


# ---------------------------------------------------------------------------------------------
# What every page shares: access, the as-of date, parameters, rendering
# ---------------------------------------------------------------------------------------------


def official_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Login first; then a user without read permission gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.may_read(request.user):
            raise PermissionDenied(_("您没有查看登记信息的权限。"))
        return view(request, *args, **kwargs)

    return wrapper


class Params:
    """Reads query parameters, collecting a message for each bad one instead of failing."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.problems: list[str] = []
        self.as_of_given = bool(request.GET.get("as_of", "").strip())
        self.as_of = self.date("as_of", selectors.today(), label=_("查询日期"))

    def text(self, name: str, max_length: int = 100) -> str:
        raw = self.request.GET.get(name, "").strip()[:max_length]
        if any(ord(ch) < 32 for ch in raw):
            self.problems.append(_("参数 %(name)s 含有控制字符，已忽略。") % {"name": name})
            return ""
        return raw

    def refuse(self, label: str, message: str) -> None:
        """A problem with a parameter, named by its label."""
        self.problems.append(_("%(label)s：%(message)s") % {"label": label, "message": message})

    def date(self, name: str, default: dt.date, *, label: str) -> dt.date:
        """A date parameter (``core.dates``), or the default when it is not given."""
        raw = self.request.GET.get(name)
        if raw is None:
            return default
        try:
            return parse_iso_date(raw)
        except InvalidDate as exc:
            self.refuse(label, exc.message)
            return default

    def choice(self, name: str, choices: Iterable[str], *, label: str, default: str = "") -> str:
        raw = self.text(name)
        if raw and raw not in set(choices):
            self.refuse(label, str(CHOICE_ERRORS["invalid_choice"]) % {"value": raw})
            return default
        return raw or default

    def list_filters(self) -> dict[str, str]:
        """The parameters of a list as given, but the page's own and ``as_of`` (read above);
        empty ones are left out, as a form sends its empty fields."""
        given = {
            name: self.text(name)
            for name in self.request.GET
            if name not in PAGE_PARAMETERS and name != "as_of"
        }
        return {name: value for name, value in given.items() if value}

    def refused_filters(self, exc: ValidationError, labels: Mapping[str, Any]) -> None:
        """The problems of a list's filter set, each named by the label of its filter."""
        for name, messages in exc.message_dict.items():
            for message in messages:
                if name in labels:
                    self.refuse(str(labels[name].label), message)
                else:
                    self.problems.append(message)

    def boolean(self, name: str) -> bool:
        return self.text(name).lower() in {"1", "true", "yes", "on"}


def as_of_query(params: Params) -> str:
    """``?as_of=…`` to carry the chosen date along links, or nothing for today."""
    return f"?as_of={params.as_of.isoformat()}" if params.as_of_given else ""


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], params: Params
) -> HttpResponse:
    keep = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in ("as_of", "page")
        for value in values
    ]
    page_context = {
        "as_of": params.as_of,
        "as_of_given": params.as_of_given,
        "as_of_query": as_of_query(params),
        "keep_params": keep,
        "problems": params.problems,
        **context,
    }
    return render(request, template, page_context, status=400 if params.problems else 200)


def csv_response(
    filename: str, header: list[str], rows: Iterable[list[Any]]
) -> StreamingHttpResponse:
    """A CSV download, UTF-8 with a byte-order mark so spreadsheet programs read the Chinese."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(["" if value is None else value for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def label_of(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def event_row(
    *,
    key: str,
    type: str,
    effective_on: dt.date,
    sources: list[tuple[str, str]],
    targets: list[tuple[str, str]],
    fields: list[str] | None = None,
) -> dict[str, Any]:
    """One line of an events table: the event, its label (the type, or for a change what
    changed), and its units as (key, name)."""
    if type == EventType.CHANGE and fields is not None:
        display = str(CHANGE_LABELS.get(selectors.change_label(fields), CHANGE_LABELS["change"]))
    else:
        display = label_of(EventType, type)
    return {
        "key": key,
        "type": type,
        "display": str(display),
        "effective_on": effective_on,
        "sources": [{"key": k, "name": n} for k, n in sources],
        "targets": [{"key": k, "name": n} for k, n in targets],
        "fields": [field_label(name) for name in fields or ()],
    }


def field_label(name: str) -> str:
    try:
        field = UnitVersion._meta.get_field(name)
    except Exception:  # a name that is not a field of versions
        return name
    return str(field.verbose_name) if isinstance(field, models.Field) else name


def report_jurisdictions(request: HttpRequest) -> list[Jurisdiction]:
    """The jurisdictions a report page offers: those the user reads. Asking for another one
    that exists is refused (403), as the API's reports refuse it."""
    jurisdictions = list(visible(Jurisdiction.objects.order_by("code"), request))
    asked = request.GET.get("jurisdiction", "").strip()
    # Only a well-formed division code can name a jurisdiction (and reach the database).
    well_formed = re.fullmatch(DIVISION_CODE_FORMAT, asked) is not None
    outside = well_formed and all(j.code != asked for j in jurisdictions)
    if outside and Jurisdiction.objects.filter(code=asked).exists():
        raise PermissionDenied(_("行政区划不在您的管辖范围内。"))
    return jurisdictions
