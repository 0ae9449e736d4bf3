"""OpenAPI additions: the one error shape on every operation, and ``?format=``."""

from __future__ import annotations

ERROR_COMPONENT = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "HTTP status."},
                "code": {"type": "string", "description": "Machine-readable error code."},
                "message": {"type": "string", "description": "What went wrong, in Chinese."},
                "problems": {
                    "type": "array",
                    "description": "Every problem found; `parameter` names a bad parameter.",
                    "items": {"type": "object", "additionalProperties": True},
                },
            },
            "required": ["status", "code", "message", "problems"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    "400": "A bad parameter or a refused write (the parameter is named in `problems`).",
    "401": "Not authenticated (session or `Authorization: Token …`).",
    "403": "Authenticated without the role or permission needed.",
    "404": "Unknown key, or a page beyond the last one.",
    "429": "Too many requests for this token.",
}

PATH_DESCRIPTIONS = {
    "key": "The stable key (unit key or event key).",
    "code": "The six-digit division code.",
    "id": "The numeric id.",
}

FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "`csv` for CSV (UTF-8 with BOM, nested fields flattened); JSON otherwise.",
    "schema": {"type": "string", "enum": ["json", "csv"]},
}


def add_errors_and_format(result, generator, request, public):
    """Postprocessing hook of drf-spectacular."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            params = operation.setdefault("parameters", [])
            for parameter in params:
                if parameter.get("name") == "format" and parameter.get("in") == "query":
                    parameter.setdefault("description", FORMAT_PARAMETER["description"])
                elif parameter.get("in") == "path":
                    parameter.setdefault(
                        "description", PATH_DESCRIPTIONS.get(parameter["name"], "Identifier.")
                    )
            if method == "get" and not any(p.get("name") == "format" for p in params):
                params.append(dict(FORMAT_PARAMETER))
    return result
