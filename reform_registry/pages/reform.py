"""The reform dashboard: the figures of a reform between two dates (DESIGN §4), as the
article quotes them, with CSV and XLSX downloads."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from core.errors import RegistryError
from staffing.choices import TransferReason
from units import selectors

from .. import reports
from ..reports.reform import latest_reform_period
from . import charts
from .base import (
    Params,
    csv_response,
    label_of,
    official_required,
    render_page,
    report_jurisdictions,
)

DEMO_JURISDICTION = "150200"


@official_required
def reform_dashboard(request: HttpRequest) -> HttpResponseBase:
    """The figures of a reform between two dates (DESIGN §4), as the article quotes them; by
    default those of the latest reform of the jurisdiction (``latest_reform_period``)."""
    params = Params(request)
    jurisdictions = report_jurisdictions(request)
    codes = [j.code for j in jurisdictions]
    default = DEMO_JURISDICTION if DEMO_JURISDICTION in codes else (codes[0] if codes else "")
    code = params.choice("jurisdiction", codes, label=_("行政区划"), default=default)
    options = {
        "subdivisions": params.boolean("subdivisions"),
        "exclude_pending": request.GET.get("exclude_pending", "true").lower()
        not in {"0", "false", "no", "off"},
        "include_drafts": params.boolean("include_drafts"),
    }
    jurisdiction = next((j for j in jurisdictions if j.code == code), None)
    latest = (
        latest_reform_period(
            jurisdiction=jurisdiction, subdivisions=options["subdivisions"], user=request.user
        )
        if jurisdiction is not None and not ("before" in request.GET and "after" in request.GET)
        else None
    )
    today = selectors.today()  # without any reform: the year up to today
    before = params.date(
        "before", latest.before if latest else today - dt.timedelta(days=365), label=_("基准日期")
    )
    after = params.date("after", latest.after if latest else today, label=_("改革后日期"))
    period = reports.reform_period_problem(before=before, after=after)
    if period:
        params.problems.append(period)
    summary = None
    if jurisdiction is not None and not period:
        try:
            summary = reports.reform_summary(
                jurisdiction=jurisdiction,
                before=before,
                after=after,
                **options,
                user=request.user,
            )
        except RegistryError as exc:
            params.problems.extend(p["message"] for p in exc.problems)
    download = params.text("format")
    if summary is not None and download in ("csv", "xlsx"):
        return summary_download(summary, download)
    context = {
        "range_page": True,
        "jurisdictions": jurisdictions,
        "jurisdiction": code,
        "before": before,
        "after": after,
        "options": options,
        "summary": summary,
        "figures": summary_figures(summary) if summary else [],
        "denominators": denominators_note(summary) if summary else "",
        "chart": department_chart(summary) if summary else None,
        "reasons": reason_rows(summary) if summary else [],
        "headroom": (
            summary.institution_cap - summary.institutions_after
            if summary and summary.institution_cap is not None
            else None
        ),
    }
    return render_page(request, "reports/reform.html", context, params)


def reason_rows(summary: reports.ReformSummary) -> list[tuple[str, int]]:
    return [
        (label_of(TransferReason, reason), amount)
        for reason, amount in summary.quotas_recovered.by_reason.items()
    ]


def department_chart(summary: reports.ReformSummary) -> charts.BarChart | None:
    rows = [
        (d.key, d.name or d.key, d.before, d.after)
        for d in summary.departments
        if d.before or d.after
    ]
    return charts.department_bars(rows) if rows else None


def summary_figures(summary: reports.ReformSummary) -> list[dict[str, Any]]:
    """The figures of a summary with the words the article uses, for the page and downloads."""
    s = summary
    recovered = s.quotas_recovered
    return [
        {
            "id": "institutions",
            "label": _("事业单位数量"),
            "value": f"{s.institutions_before} → {s.institutions_after}",
            "detail": _("%(before)s 与 %(after)s")
            % {"before": s.before.isoformat(), "after": s.after.isoformat()},
        },
        {
            "id": "reduction-rate",
            "label": _("精简率"),
            "value": charts.percent(s.reduction_rate),
            "detail": (
                _("（改革前 − 改革后）÷ 改革前，约 %(rounded)s")
                % {"rounded": charts.percent_rounded(s.reduction_rate)}
                if s.reduction_rate is not None
                else _("（改革前 − 改革后）÷ 改革前")
            ),
        },
        {
            "id": "average",
            "label": _("平均每个部门所属事业单位"),
            "value": f"{s.avg_per_department_before or '—'} → {s.avg_per_department_after or '—'}",
            "detail": _("分母：%(date)s 有所属事业单位的 %(n)d 个部门（改革前后同一分母）")
            % {"date": s.before.isoformat(), "n": s.departments_baseline},
        },
        {
            "id": "at-most-3",
            "label": _("所属事业单位不超过3个的部门"),
            "value": f"{s.involved_at_most_3} / {s.involved_departments}",
            "detail": _(
                "分母：%(n)d 个涉改部门（所属事业单位在期间涉及改革事项），占 %(share)s（约 %(rounded)s）"
            )
            % {
                "n": s.involved_departments,
                "share": charts.percent(s.share_at_most_3),
                "rounded": charts.percent_rounded(s.share_at_most_3),
            },
        },
        {
            "id": "recovered",
            "label": _("收回（盘活）编制"),
            "value": str(recovered.total),
            "detail": _("期间进入编制周转池的编制"),
        },
        {
            "id": "cap",
            "label": _("机构限额余量"),
            "value": charts.percent(s.headroom_share) if s.institution_cap else "—",
            "detail": (
                _("限额 %(cap)d 个，改革后 %(after)d 个")
                % {"cap": s.institution_cap, "after": s.institutions_after}
                if s.institution_cap
                else _("未设定机构限额")
            ),
        },
    ]


def denominators_note(summary: reports.ReformSummary) -> str:
    """Why the figures count departments twice, and what each count is."""
    return _(
        "两个部门数的口径不同：平均数的分母是 %(before)s 有所属事业单位的全部 %(baseline)d 个部门；"
        "“不超过3个”的分母是 %(involved)d 个涉改部门，即在 %(before)s 或 %(after)s "
        "主管的事业单位中，有单位参与了 %(before)s 之后至 %(after)s 生效的已批准改革事项的部门。"
    ) % {
        "before": summary.before.isoformat(),
        "after": summary.after.isoformat(),
        "baseline": summary.departments_baseline,
        "involved": summary.involved_departments,
    }


def summary_table(summary: reports.ReformSummary) -> tuple[list[list[Any]], list[list[Any]]]:
    """The summary as two tables (figures, departments) for CSV and XLSX downloads."""
    s = summary
    figures: list[list[Any]] = [
        [_("指标"), _("数值")],
        [_("行政区划"), f"{s.jurisdiction_name}（{s.jurisdiction}）"],
        [_("基准日期"), s.before.isoformat()],
        [_("改革后日期"), s.after.isoformat()],
        [_("含下级行政区划"), _("是") if s.subdivisions else _("否")],
        [_("不含待消化的经营类事业单位"), _("是") if s.exclude_pending else _("否")],
        [_("包含草稿决定（预览）"), "；".join(s.drafts_included) if s.include_drafts else _("否")],
        [_("改革前事业单位数"), s.institutions_before],
        [_("改革后事业单位数"), s.institutions_after],
        [_("精简率"), charts.percent(s.reduction_rate)],
        [_("基准部门数"), s.departments_baseline],
        [_("改革前平均每部门"), str(s.avg_per_department_before or "")],
        [_("改革后平均每部门"), str(s.avg_per_department_after or "")],
        [_("涉改部门数"), s.involved_departments],
        [_("所属事业单位不超过3个的涉改部门"), s.involved_at_most_3],
        [_("占涉改部门比例"), charts.percent(s.share_at_most_3)],
        [_("收回编制合计"), s.quotas_recovered.total],
        *[
            [_("收回编制：%(reason)s") % {"reason": label}, amount]
            for label, amount in reason_rows(s)
        ],
        [_("机构限额"), s.institution_cap if s.institution_cap is not None else ""],
        [_("限额余量比例"), charts.percent(s.headroom_share)],
    ]
    departments: list[list[Any]] = [[_("部门标识"), _("部门"), _("改革前"), _("改革后"), _("涉改")]]
    departments += [
        [d.key, d.name, d.before, d.after, _("是") if d.involved else ""] for d in s.departments
    ]
    return figures, departments


def summary_download(summary: reports.ReformSummary, fmt: str) -> HttpResponseBase:
    figures, departments = summary_table(summary)
    stem = f"reform-{summary.jurisdiction}-{summary.before.isoformat()}-{summary.after.isoformat()}"
    if summary.include_drafts:
        stem += "-preview"
    if fmt == "csv":
        return csv_response(
            f"{stem}.csv",
            [str(c) for c in figures[0]],
            [
                *([str(c) if not isinstance(c, int) else c for c in row] for row in figures[1:]),
                [],
                *([str(c) if not isinstance(c, int) else c for c in row] for row in departments),
            ],
        )
    from openpyxl import Workbook  # a heavy import, for this download only

    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    for row in figures:
        sheet.append([c if isinstance(c, int) else str(c) for c in row])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 28
    dept = book.create_sheet("departments")
    for row in departments:
        dept.append([c if isinstance(c, int) else str(c) for c in row])
    dept.column_dimensions["B"].width = 36
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response
