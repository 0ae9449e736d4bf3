"""Every URL pattern of the site, walked as a user limited to 昆都仑区 who holds every
permission of a clerk, an approver and an official (so what is refused is refused by scope,
not by role): no response that is not a refusal (404, 403, a redirect to the login) names a
unit outside the scope, by key or by any of its names; and the same user still sees the units
of its own jurisdiction on the surfaces that list or show them.

Path parameters are filled with objects inside and outside the scope; a pattern the walk cannot
fill fails the test unless it is in ``NOT_WALKED`` with the reason.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from tests.fixtures.scoped_registry import CITY, INSIDE, SIBLING, Registry

# Patterns the walk does not request, by URL name, with the reason.
NOT_WALKED = {
    "logout": "ends the session the walk runs in (a GET is refused with 405 anyway)",
    "set_language": "changes the language of the session; shows no registry data",
}

FILLER = "no-such-screen/"
ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/")


# ---------------------------------------------------------------------------------------------
# The URL patterns as path templates
# ---------------------------------------------------------------------------------------------


@dataclass
class Pattern:
    template: str  # the path with {name} for each parameter
    pattern: URLPattern
    choices: dict[str, list[str]]  # parameters that are one of a few words (regex alternatives)

    @property
    def name(self) -> str:
        return self.pattern.name or ""

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.template)


def _regex_template(regex: str, choices: dict[str, list[str]]) -> str:
    """A regular expression of a URL pattern as a template: groups become {name}."""
    regex = regex.removeprefix("^").removesuffix("$")
    out: list[str] = []
    i = 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            close = regex.index(">", i)
            name, depth, j = regex[i + 4 : close], 1, close + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            body = regex[close + 1 : j - 1]
            if re.fullmatch(r"[\w|]+", body):
                choices[name] = body.split("|")
            out.append("{" + name + "}")
            i = j
        elif regex.startswith("\\", i):
            out.append(regex[i + 1])
            i += 2
        elif regex.startswith(".*", i):
            out.append("{rest}")
            i += 2
        elif regex.startswith("/?", i):
            out.append("/")
            i += 2
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _template(pattern: Any, choices: dict[str, list[str]]) -> str:
    text = str(pattern)
    if pattern.__class__.__name__ == "RoutePattern":
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return _regex_template(text, choices)


def url_patterns(patterns=None, prefix: str = "", choices=None) -> Iterator[Pattern]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        found = dict(choices or {})
        template = prefix + _template(entry.pattern, found)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, template, found)
        else:
            assert isinstance(entry, URLPattern)
            yield Pattern(template, entry, found)


# ---------------------------------------------------------------------------------------------
# Filling the parameters
# ---------------------------------------------------------------------------------------------

# Which model a ``pk`` or ``key`` of a named pattern addresses.
BY_NAME = {
    "reform_registry_job_progress": "reform_registry.job",
    "decision-detail": "units.decision",
    "transfer-detail": "staffing.transfer",
    "headcount-detail": "staffing.headcountreport",
    "staffing_campaign_apply": "staffing.recoverycampaign",
    "staffing_campaign_reverse": "staffing.recoverycampaign",
    "staffing_campaign_discard": "staffing.recoverycampaign",
    "reform_registry_importbatch_review": "reform_registry.importbatch",
    "event-detail": "units.event",
    "jurisdiction-detail": "units.jurisdiction",
    "staffing_pool_screen": "units.jurisdiction",
}
FORMATS = ["csv", "json", "api"]


def _sides(registry: Registry, label: str) -> list[tuple[Any, str]]:
    if label in registry.inside:
        return [(v, "inside") for v in registry.inside[label]] + [
            (v, "outside") for v in registry.outside[label]
        ]
    model = apps.get_model(label)
    return [(pk, "neutral") for pk in model._default_manager.values_list("pk", flat=True)[:2]]


def parameter_values(p: Pattern, name: str, registry: Registry) -> list[tuple[Any, str]]:
    """Candidate values of one parameter, each marked inside, outside or neutral."""
    if name in p.choices:
        return [(c, "neutral") for c in p.choices[name]]
    if name == "format":
        dot = "" if ".{format}" in p.template else "."
        return [(dot + f, "neutral") for f in FORMATS]
    if name in ("rest", "url"):
        return [(FILLER, "neutral")]
    if name == "uidb64":
        return [("MQ", "neutral")]
    if name == "token":
        return [("set-password", "neutral")]
    if name == "id":  # the password screen of a user
        return [(pk, "neutral") for pk in (registry.user.pk, registry.admin.pk)]
    if name == "object_id":
        admin_model = ADMIN_MODEL.match(p.template)
        assert admin_model, p.template
        return _sides(registry, f"{admin_model[1]}.{admin_model[2]}")
    if p.name in BY_NAME:
        return _sides(registry, BY_NAME[p.name])
    if name == "key":
        keys = registry.unit_keys
        return [(k, "inside") for k in keys["inside"]] + [(k, "outside") for k in keys["outside"]]
    return []


def _view_on_site(registry: Registry) -> Iterator[tuple[dict[str, Any], str]]:
    for label in ("units.unit", "units.institution", "units.decision", "staffing.transfer"):
        model = apps.get_model(label)
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        for pk, side in _sides(registry, label):
            yield {"content_type_id": content_type.pk, "object_id": pk}, side


def _matches(path: str, p: Pattern) -> bool:
    try:
        return resolve(path).func is p.pattern.callback
    except Resolver404:
        return False


def filled(p: Pattern, registry: Registry) -> list[tuple[str, str]]:
    """The paths of a pattern with every candidate value that resolves to it, and their side."""
    if p.name == "view_on_site":
        combos: list[tuple[dict[str, Any], str]] = list(_view_on_site(registry))
    else:
        candidates = [parameter_values(p, name, registry) for name in p.parameters]
        combos = []
        for values in itertools.product(*candidates):
            sides = {side for _v, side in values} - {"neutral"}
            side = sides.pop() if sides else "neutral"
            combos.append(({n: v for n, (v, _s) in zip(p.parameters, values, strict=True)}, side))
    paths = []
    for values, side in combos:
        path = "/" + p.template.format(**values)
        if _matches(path, p):
            paths.append((path, side))
    return paths


# ---------------------------------------------------------------------------------------------
# Query strings per pattern
# ---------------------------------------------------------------------------------------------

PERIOD = "from=2019-01-01&to=2022-12-31"
REFORM = "before=2020-01-01&after=2021-03-31"


def queries(p: Pattern, registry: Registry) -> list[str]:
    outside_name = "市域星河档案馆"
    name = p.name
    if name == "autocomplete":
        return [
            f"app_label=units&model_name={model}&field_name={field}&term={term}"
            for model, field in (("eventparticipant", "unit"), ("unitversion", "parent"))
            for term in ("", "市域", "青区", "昆区", "city", "qs")
        ]
    if name.endswith("_changelist"):
        return ["", f"q={outside_name}", "q=qsdelta", f"jurisdiction={SIBLING}", "status=ended"]
    if name == "unit-list" and "{format}" not in p.template:
        if p.template.startswith("api/"):
            return ["", "format=csv", "format=api", "as_of=2020-01-01", "q=市域", "q=青区"]
        return [
            "",
            "status=all",
            "as_of=2020-01-01&status=all",
            "format=csv&status=all",
            f"q={outside_name}",
            "q=qsdelta&status=all",
            f"jurisdiction={SIBLING}",
            f"jurisdiction={CITY}&subdivisions=true&status=all",
            "parent=citybureau&status=all",
        ]
    if name == "changes":
        return [
            "",
            PERIOD,
            f"{PERIOD}&jurisdiction={INSIDE}",
            f"{PERIOD}&jurisdiction={CITY}",
        ]
    if name == "reform-dashboard":
        return [
            "",
            f"jurisdiction={INSIDE}&{REFORM}",
            f"jurisdiction={INSIDE}&{REFORM}&subdivisions=true&include_drafts=true",
            f"jurisdiction={INSIDE}&{REFORM}&format=csv",
            f"jurisdiction={INSIDE}&{REFORM}&format=xlsx",
            f"jurisdiction={CITY}&{REFORM}&subdivisions=true",
            f"jurisdiction={CITY}&{REFORM}&format=csv",
        ]
    if name.startswith("report-") and name != "report-reform-summary":
        base = PERIOD if name == "report-changes" else "as_of=2021-01-01"
        extra = ["group_by=department", "group_by=jurisdiction"] if "changes" not in name else [""]
        return [
            f"{base}&jurisdiction={code}&subdivisions={sub}{'&' + e if e else ''}{fmt}"
            for code in (INSIDE, CITY)
            for sub in ("true", "false")
            for e in extra
            for fmt in ("", "&format=csv")
        ] + [base]
    if name == "report-reform-summary":
        return [
            f"jurisdiction={code}&{REFORM}&subdivisions={sub}{fmt}"
            for code in (INSIDE, CITY)
            for sub in ("true", "false")
            for fmt in ("", "&format=csv")
        ] + [f"jurisdiction={INSIDE}&{REFORM}&include_drafts=true"]
    if name.endswith("-list") and "{format}" not in p.template:
        return ["", "format=csv", "format=api", "as_of=2020-01-01"]
    if name in ("unit-detail", "unit-history", "unit-lineage", "event-detail") or name.endswith(
        "-detail"
    ):
        if "{format}" in p.template:
            return [""]
        return ["", "as_of=2020-01-01", "format=csv"]
    if name in ("staffing_quota_panel", "staffing_pool_screen"):
        return ["", "on=2020-01-01"]
    return [""]


# ---------------------------------------------------------------------------------------------
# Reading a response
# ---------------------------------------------------------------------------------------------


def response_text(response) -> str:
    """Everything a response tells: its body (a workbook's cells, JSON decoded) and headers."""
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    else:
        text = body.decode("utf-8", errors="replace")
        if "json" in content_type:
            with contextlib.suppress(ValueError):
                text = json.dumps(json.loads(text), ensure_ascii=False)
    headers = " ".join(response.get(h, "") for h in ("Location", "Content-Disposition"))
    return text + "\n" + headers


def is_refusal(response) -> bool:
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "")
    return response.status_code in (301, 302) and (
        location.startswith("/accounts/login/") or location.startswith("/admin/login/")
    )


@dataclass
class Walk:
    requests: int = 0
    refused: int = 0
    problems: list[str] | None = None
    walked: set[str] | None = None


def walk_site(client, registry: Registry, check: Callable[[str, Any, str], list[str]]) -> Walk:
    client.raise_request_exception = False  # a server error is a finding of the walk
    result = Walk(problems=[], walked=set())
    assert result.problems is not None and result.walked is not None
    unfilled = []
    for p in url_patterns():
        if p.name in NOT_WALKED:
            continue
        paths = filled(p, registry) if p.parameters else [("/" + p.template, "neutral")]
        if not paths:
            unfilled.append(p.template)
            continue
        result.walked.add(p.template)
        for path, side in paths:
            for query in queries(p, registry):
                url = f"{path}?{query}" if query else path
                response = client.get(url)
                result.requests += 1
                if response.status_code >= 500:
                    result.problems.append(f"{url}: server error {response.status_code}")
                    continue
                if is_refusal(response):
                    result.refused += 1
                    continue
                result.problems += check(url, response, side)
    result.problems += [f"{t}: the walk cannot fill its parameters" for t in unfilled]
    return result


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def test_a_scoped_user_learns_no_outside_unit_on_any_surface(client, scoped_registry):
    registry = scoped_registry
    client.force_login(registry.user)

    def check(url, response, side):
        text = response_text(response)
        asked = unquote(url.partition("?")[2])  # a page may repeat a search term it was given
        leaked = sorted(t for t in registry.outside_texts if t in text and t not in asked)
        return [f"{url} ({response.status_code}) shows {', '.join(leaked)}"] if leaked else []

    walk = walk_site(client, registry, check)
    assert not walk.problems, "\n".join(walk.problems)
    every = {p.template for p in url_patterns() if p.name not in NOT_WALKED}
    assert walk.walked == every
    assert walk.refused > 0 and walk.requests > walk.refused


# Surfaces that list or show units, and what the scoped user must still find there.
SEEN = [
    ("/units/", ["昆区琉璃综合中心", "昆区珊瑚培训部"]),
    ("/units/?status=all", ["昆区琥珀研究所", "kdlgamma"]),
    ("/units/?format=csv", ["kdlmerged"]),
    ("/units/?q=琉璃", ["kdlmerged"]),
    ("/units/kdlmerged/", ["昆区琉璃综合中心", "昆区琥珀研究所", "昆区三定规定"]),
    ("/units/kdlgamma/", ["昆区玛瑙测绘队"]),
    ("/departments/kdlbureau/", ["昆区琉璃综合中心"]),
    ("/changes/?from=2020-01-01&to=2020-12-31", ["昆区琉璃综合中心", "昆区玛瑙测绘队"]),
    (f"/changes/?from=2020-01-01&to=2020-12-31&jurisdiction={INSIDE}", ["kdlmerged"]),
    (f"/reports/reform/?jurisdiction={INSIDE}&{REFORM}", ["昆区锦程督导局"]),
    (f"/reports/reform/?jurisdiction={INSIDE}&{REFORM}&format=csv", ["kdlbureau"]),
    ("/admin/units/institution/", ["昆区琉璃综合中心"]),
    ("/admin/units/department/", ["昆区锦程督导局"]),
    ("/admin/units/decision/", ["包编发〔2020〕21号", "昆编发〔2021〕1号"]),
    ("/admin/staffing/transfer/", ["kdlalpha"]),
    ("/admin/staffing/headcountreport/", ["kdlmerged"]),
    ("/admin/staffing/account/", ["kdlmerged", f"pool:{INSIDE}"]),
    ("/admin/staffing/account/panel/kdlmerged/", ["昆区琉璃综合中心", "kdlalpha"]),
    (f"/admin/staffing/account/pool/{INSIDE}/", ["kdlmerged"]),
    (
        "/admin/autocomplete/?app_label=units&model_name=eventparticipant&field_name=unit"
        "&term=昆区",
        ["昆区琉璃综合中心"],
    ),
    ("/api/v1/units/", ["kdlmerged"]),
    ("/api/v1/units/?as_of=2020-01-01", ["kdlalpha", "kdlgamma"]),
    ("/api/v1/units/?format=csv", ["kdlmerged"]),
    ("/api/v1/units/kdlmerged/lineage/", ["kdlalpha", "kdlbeta"]),
    ("/api/v1/events/", ["kdlmerged", "kdlgamma"]),
    ("/api/v1/decisions/", ["包编发〔2020〕21号"]),
    ("/api/v1/transfers/", ["kdlalpha"]),
    ("/api/v1/headcounts/", ["kdlmerged"]),
    ("/api/v1/balances/", ["kdlmerged", f"pool:{INSIDE}"]),
    ("/api/v1/jurisdictions/", [INSIDE]),
    (f"/api/v1/reports/changes/?{PERIOD}&jurisdiction={INSIDE}", ["kdlmerged"]),
    (f"/api/v1/reports/quotas/?as_of=2021-01-01&jurisdiction={INSIDE}", ["昆都仑区"]),
    ("/api/v1/feed/", ["kdlmerged", "kdlalpha", "包编发〔2020〕21号", INSIDE]),
]


@pytest.mark.parametrize(("url", "expected"), SEEN)
def test_a_scoped_user_still_sees_its_own_units(client, scoped_registry, url, expected):
    registry = scoped_registry
    client.force_login(registry.user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = response_text(response)
    assert all(e in text for e in expected), (url, [e for e in expected if e not in text])


def test_inside_screens_open_and_outside_ones_refuse(client, scoped_registry):
    registry = scoped_registry
    from staffing.models import RecoveryCampaign

    client.force_login(registry.user)
    inside_campaign, outside_campaign = (
        registry.inside["staffing.recoverycampaign"][0],
        registry.outside["staffing.recoverycampaign"][0],
    )
    assert RecoveryCampaign.objects.filter(pk=inside_campaign).exists()
    opened = [
        "/units/kdlmerged/",
        "/departments/kdlbureau/",
        f"/decisions/{registry.inside['units.decision'][0]}/",
        f"/admin/staffing/recoverycampaign/{inside_campaign}/change/",
        "/admin/staffing/account/panel/kdlmerged/",
        f"/admin/staffing/account/pool/{INSIDE}/",
    ]
    for url in opened:
        assert client.get(url).status_code == 200, url
    refused = {
        "/units/cityomega/": 404,
        "/units/citydraft/": 404,
        "/departments/citybureau/": 404,
        f"/decisions/{registry.outside['units.decision'][0]}/": 404,
        "/admin/staffing/account/panel/cityomega/": 404,
        f"/admin/staffing/account/pool/{CITY}/": 404,
        f"/reports/reform/?jurisdiction={CITY}": 403,
        f"/changes/?jurisdiction={SIBLING}": 403,
        f"/api/v1/reports/reform-summary/?jurisdiction={CITY}&{REFORM}": 403,
        "/api/v1/units/qsdelta/": 404,
    }
    for url, status in refused.items():
        assert client.get(url).status_code == status, url
    response = client.get(f"/admin/staffing/recoverycampaign/{outside_campaign}/change/")
    assert response.status_code in (302, 404)
    assert "市域" not in response_text(response)


def test_unrestricted_users_still_see_everything(client, scoped_registry):
    registry = scoped_registry
    client.force_login(registry.admin)
    for url, expected in [
        ("/units/cityomega/", "市域星河档案馆"),
        ("/api/v1/units/?as_of=2020-01-01", "qsdelta"),
        ("/admin/staffing/transfer/", "cityomega"),
        (f"/admin/staffing/account/pool/{SIBLING}/", "qsdelta"),
        (f"/reports/reform/?jurisdiction={CITY}&{REFORM}", "市域穹顶管理局"),
        ("/api/v1/balances/", "external"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response_text(response), url
