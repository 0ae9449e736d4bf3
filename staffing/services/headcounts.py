"""Headcount reports (实有人数): the actual staff of a unit for a quota kind on a date, recorded
in bulk (a single report being a call of the bulk form). A report never moves quotas; the
vacancy it leaves is read by ``selectors.vacancies``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import chunked, insert_with_ids
from units import audit
from units.choices import FeedKind
from units.models import Unit, UnitVersion
from units.services.feed import feed_append

from ..models import HeadcountReport
from ..rules import MAX_AMOUNT, quota_kind_label, report_date_problem, unknown_quota_kind
from .ledger import authorize_write, refuse_rows

# A report's key: (unit id, kind, as of).
_ReportKey = tuple[int, str, dt.date]


@dataclass
class HeadcountInput:
    """One headcount report (see ``headcounts_report_bulk``)."""

    unit: Unit
    kind: str
    as_of: dt.date
    actual: int
    source: str = ""


def _clean_actual(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    return int(str(value).strip())


@dataclass
class _Known:
    """What the rows are checked against, read once: today's date, the spans of the units'
    versions, the reports already stored, and those the rows before add."""

    today: dt.date
    spans: dict[int, list[tuple[dt.date, dt.date | None]]]
    stored: dict[_ReportKey, HeadcountReport]
    new: dict[_ReportKey, HeadcountReport]

    @classmethod
    def of(cls, unit_ids: list[int]) -> _Known:
        spans: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        stored: dict[_ReportKey, HeadcountReport] = {}
        for batch in chunked(unit_ids):
            for unit_id, start, end in UnitVersion.objects.filter(unit_id__in=batch).values_list(
                "unit_id", "valid_from", "valid_to"
            ):
                spans[unit_id].append((start, end))
            for report in HeadcountReport.objects.filter(unit_id__in=batch):
                stored[(report.unit_id, report.kind, report.as_of)] = report
        return cls(today=timezone.localdate(), spans=spans, stored=stored, new={})

    def exists_on(self, unit_id: int, on: dt.date) -> bool:
        return any(
            start <= on and (end is None or on < end) for start, end in self.spans.get(unit_id, ())
        )


def _checked_actual(row: HeadcountInput, known: _Known) -> tuple[int | None, str | None]:
    """The actual staff a row reports, or the reason it is refused."""
    unit, on = row.unit.key, row.as_of.isoformat()
    if unknown := unknown_quota_kind(row.kind):
        return None, unknown
    if future := report_date_problem(row.as_of, today=known.today):
        return None, _("机构 %(unit)s：") % {"unit": unit} + future
    try:
        actual = _clean_actual(row.actual)
    except ValueError:
        return None, _("实有人数应为非负整数，而不是“%(v)s”。") % {"v": row.actual}
    if actual < 0:
        return None, _("机构 %(unit)s 在 %(date)s 的实有人数不能为负数（%(v)d）。") % {
            "unit": unit,
            "date": on,
            "v": actual,
        }
    if actual > MAX_AMOUNT:
        return None, _("实有人数 %(v)d 超出上限 %(max)d。") % {"v": actual, "max": MAX_AMOUNT}
    if not known.exists_on(row.unit.pk, row.as_of):
        return None, _("机构 %(unit)s 在 %(date)s 不存在（尚未成立或已终止）。") % {
            "unit": unit,
            "date": on,
        }
    return actual, None


def _report_of(row: HeadcountInput, known: _Known) -> tuple[HeadcountReport | None, str | None]:
    """The report a row stands for (a stored one when it is the same, else a new one), or the
    reason it is refused."""
    actual, refusal = _checked_actual(row, known)
    if actual is None:
        return None, refusal
    key = (row.unit.pk, row.kind, row.as_of)
    existing = known.stored.get(key) or known.new.get(key)
    if existing is None:
        known.new[key] = HeadcountReport(
            unit=row.unit, kind=row.kind, as_of=row.as_of, actual=actual, source=row.source
        )
        return known.new[key], None
    if existing.actual != actual:
        return None, _(
            "机构 %(unit)s 在 %(date)s 已报告%(kind)s实有人数 %(old)d，与 %(new)d 不一致。"
        ) % {
            "unit": row.unit.key,
            "date": row.as_of.isoformat(),
            "kind": quota_kind_label(row.kind),
            "old": existing.actual,
            "new": actual,
        }
    return existing, None


def _audit_values(report: HeadcountReport) -> dict[str, Any]:
    return {
        "unit": report.unit.key,
        "kind": report.kind,
        "as_of": report.as_of.isoformat(),
        "actual": report.actual,
        "source": report.source,
    }


@transaction.atomic
def headcounts_report_bulk(
    *, rows: Sequence[HeadcountInput], user: Any = None
) -> list[HeadcountReport]:
    """Record many headcount reports at once (set-based). A report identical to a stored one
    changes nothing; a different figure for the same unit, kind and date is refused, as is a
    report dated after today or for a date on which the unit does not exist. Any problem
    refuses them all."""
    unit_ids = sorted({r.unit.pk for r in rows})
    authorize_write(user, "staffing.add_headcountreport", unit_ids=unit_ids)
    known = _Known.of(unit_ids)
    problems: list[dict] = []
    result: list[HeadcountReport] = []
    for index, row in enumerate(rows, start=1):
        report, refusal = _report_of(row, known)
        if report is None:
            where = {"row": index, "unit": row.unit.key, "date": str(row.as_of)}
            problems.append({**where, "message": refusal})
        else:
            result.append(report)
    refuse_rows(problems, cause=_("实有人数被拒绝："))
    created = insert_with_ids(HeadcountReport, list(known.new.values()))
    audit.record_many("create", [(r, None, _audit_values(r)) for r in created])
    if created:  # a report identical to a stored one changes nothing
        feed_append(
            FeedKind.HEADCOUNT_REPORTED,
            unit_ids=[r.unit_id for r in created],
            payload={"reports": [r.pk for r in created]},
        )
    return result


def headcount_report(
    *, unit: Unit, kind: str, as_of: dt.date, actual: int, source: str = "", user: Any = None
) -> HeadcountReport:
    """Record the actual staff of a unit for a kind on a date. Reporting the same figure twice
    changes nothing; a different figure for the same unit, kind and date is refused."""
    return headcounts_report_bulk(
        rows=[HeadcountInput(unit=unit, kind=kind, as_of=as_of, actual=actual, source=source)],
        user=user,
    )[0]
