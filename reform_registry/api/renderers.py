"""CSV output of every list and report (``?format=csv``): UTF-8 with a BOM so that Excel reads
Chinese correctly; nested fields are flattened into dotted column names."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rest_framework.renderers import BaseRenderer


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}, "c": [1, 2]} -> {"a.b": 1, "c": "1;2"}; lists of objects are indexed."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        if not value and prefix:
            out[prefix] = ""
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in value):
            out[prefix] = ";".join("" if item is None else str(item) for item in value)
        else:
            for index, item in enumerate(value):
                out.update(flatten(item, f"{prefix}.{index}"))
    else:
        out[prefix] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class CSVRenderer(BaseRenderer):
    """Rows of a list (its ``results`` when paginated) or of a report's table; a report without
    a table becomes ``field,value`` rows. Errors keep their JSON shape flattened the same way."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        renderer_context = renderer_context or {}
        view = renderer_context.get("view")
        table = getattr(view, "csv_table", None)
        rows: list[dict[str, Any]]
        if data is None:
            rows = []
        elif isinstance(data, list):
            rows = [flatten(item) if isinstance(item, dict) else {"value": item} for item in data]
        elif isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = [flatten(item) for item in data["results"]]
        elif isinstance(data, dict) and table and isinstance(data.get(table), list):
            rows = [flatten(item) for item in data[table]]
        else:
            rows = [{"field": k, "value": v} for k, v in flatten(data).items()]
        columns: list[str] = []
        seen: set[str] = set()
        for row in rows:
            for column in row:
                if column not in seen:
                    seen.add(column)
                    columns.append(column)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if columns:
            writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])
        response = renderer_context.get("response")
        if response is not None and not response.exception:
            name = getattr(view, "csv_filename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
