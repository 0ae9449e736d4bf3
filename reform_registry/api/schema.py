"""OpenAPI additions: the one error shape on every operation, ``?format=``, and the constraints
the API keeps that its serializers and filter sets do not declare themselves."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.openapi import AutoSchema

from core.dates import MAX_YEAR, MIN_YEAR

ERROR_COMPONENT = {
    "type": "object",
    "description": _("API 唯一的错误格式。"),
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": _("HTTP 状态码。")},
                "code": {"type": "string", "description": _("供程序判断的错误代码。")},
                "message": {
                    "type": "string",
                    "description": _("出错的说明，使用所选语言（默认中文）。"),
                },
                "problems": {
                    "type": "array",
                    "description": _("发现的全部问题；`parameter` 指出有误的参数。"),
                    "items": {"type": "object", "additionalProperties": True},
                },
            },
            "required": ["status", "code", "message", "problems"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    "400": _("参数有误或写入被拒绝（`problems` 中指出参数）。"),
    "401": _("未登录（会话或 `Authorization: Token …`）。"),
    "403": _("已登录，但没有所需的角色或权限。"),
    "404": _("标识不存在，或页码超出最后一页。"),
    "429": _("该令牌的请求过多。"),
}

PATH_DESCRIPTIONS = {
    "key": _("稳定的标识（机构标识或事项标识）。"),
    "code": _("六位行政区划代码。"),
    "id": _("数字编号。"),
}

FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": _("`csv` 返回 CSV（带 BOM 的 UTF-8，嵌套字段展开）；否则返回 JSON。"),
    "schema": {"type": "string", "enum": ["json", "csv"]},
}


# Statuses only writes answer.
WRITE_ERRORS = {
    "409": _("写入被拒绝：与登记簿现有的数据不符（`problems` 中说明）。"),
}

# The dates the registry reads (``core.dates``): YYYY-MM-DD, years MIN_YEAR to MAX_YEAR.
DATE_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
assert (MIN_YEAR, MAX_YEAR) == (1900, 2199), "DATE_PATTERN says the years core.dates accepts"

# What every text the API reads refuses (Django's and DRF's character fields): NUL characters.
TEXT_PATTERN = r"^[^\x00]*$"

# Numeric ids in paths (``core.api.ID_REGEX``).
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}


def _declare_texts(schema) -> None:
    """Every date the API reads carries the pattern of the dates it accepts, and every other
    free text (no pattern, enum or format of its own) says it holds no NUL character."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string":
        if schema.get("format") == "date":
            schema.setdefault("pattern", DATE_PATTERN)
        elif not {"pattern", "enum", "format"} & set(schema):
            schema["pattern"] = TEXT_PATTERN
    for value in schema.get("properties", {}).values():
        _declare_texts(value)
    for key in ("items", "allOf", "oneOf", "anyOf"):
        value = schema.get(key)
        for item in value if isinstance(value, list) else [value]:
            _declare_texts(item)


def add_errors_and_format(result, generator, request, public):
    """Postprocessing hook of drf-spectacular: the one error shape on every operation (and 409
    on writes), ``?format=``, and the constraints the API keeps that the serializers and
    filter sets do not say themselves (the range of dates, numeric ids)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    for name, component in schemas.items():
        if name.endswith("Request"):  # what the API reads (COMPONENT_SPLIT_REQUEST)
            _declare_texts(component)
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = ERRORS if method == "get" else {**ERRORS, **WRITE_ERRORS}
            for code, description in errors.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            params = operation.setdefault("parameters", [])
            for parameter in params:
                _declare_texts(parameter.get("schema"))
                if parameter.get("in") == "path" and parameter.get("name") == "id":
                    parameter["schema"] = dict(ID_SCHEMA)
                if parameter.get("name") == "format" and parameter.get("in") == "query":
                    parameter.setdefault("description", FORMAT_PARAMETER["description"])
                elif parameter.get("in") == "path":
                    parameter.setdefault(
                        "description", PATH_DESCRIPTIONS.get(parameter["name"], _("标识。"))
                    )
            if method == "get" and not any(p.get("name") == "format" for p in params):
                params.append(dict(FORMAT_PARAMETER))
    return result


# The group of each operation in the docs, by the resource of its path (/api/v1/<resource>/…).
TAGS = {
    "jurisdictions": pgettext_lazy("API 分组", "行政区划"),
    "units": pgettext_lazy("API 分组", "机构"),
    "decisions": pgettext_lazy("API 分组", "改革决定"),
    "events": pgettext_lazy("API 分组", "改革事项"),
    "balances": pgettext_lazy("API 分组", "编制账户"),
    "transfers": pgettext_lazy("API 分组", "编制账户"),
    "headcounts": pgettext_lazy("API 分组", "实有人数"),
    "reports": pgettext_lazy("API 分组", "统计报告"),
}


class RegistryAutoSchema(AutoSchema):
    """drf-spectacular's schema of an operation, grouped by its resource (``TAGS``) in the
    language the schema is served in."""

    def get_tags(self) -> list[str]:
        resource = next((part for part in self._tokenize_path() if part != "v1"), "")
        tag = TAGS.get(resource)
        # Lazily translated: drf-spectacular turns it into text when the schema is served.
        return [cast(str, tag)] if tag is not None else super().get_tags()


TOKEN_AUTH = _("令牌认证：请求头 `Authorization: Token <令牌>`。")


def describe_authentication(result, generator, request, public):
    """Postprocessing hook of drf-spectacular: the token scheme described in the language the
    schema is served in (drf-spectacular's own sentence has no Chinese)."""
    scheme = result.get("components", {}).get("securitySchemes", {}).get("tokenAuth")
    if scheme is not None:
        scheme["description"] = TOKEN_AUTH
    return result
