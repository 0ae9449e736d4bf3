"""Jurisdictions and the institution caps set for them (DESIGN §2)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import RegistryError

from .. import audit
from ..choices import JurisdictionLevel
from ..models import Decision, InstitutionCap, Jurisdiction
from ..validators import division_code_validator


@transaction.atomic
def jurisdiction_create(
    *, code: str, name: str, level: str, parent: Jurisdiction | None = None
) -> Jurisdiction:
    try:
        division_code_validator(code)
    except ValidationError:
        raise RegistryError(_("行政区划代码“%(code)s”必须是6位数字。") % {"code": code}) from None
    if level not in JurisdictionLevel.values:
        raise RegistryError(_("未知的行政区划层级“%(level)s”。") % {"level": level})
    if not name:
        raise RegistryError(_("行政区划名称不能为空。"))
    if Jurisdiction.objects.filter(code=code).exists():
        raise RegistryError(_("行政区划代码“%(code)s”已存在。") % {"code": code})
    jurisdiction = Jurisdiction.objects.create(code=code, name=name, level=level, parent=parent)
    audit.record(
        "create",
        jurisdiction,
        after={
            "code": code,
            "name": name,
            "level": level,
            "parent": parent.code if parent else None,
        },
    )
    return jurisdiction


@transaction.atomic
def institution_cap_set(
    *, jurisdiction: Jurisdiction, valid_from: dt.date, cap: int, decision: Decision | None = None
) -> InstitutionCap:
    if cap < 0:
        raise RegistryError(_("机构限额不能为负数。"))
    if InstitutionCap.objects.filter(jurisdiction=jurisdiction, valid_from=valid_from).exists():
        raise RegistryError(
            _("%(j)s 在 %(date)s 已有机构限额。")
            % {"j": jurisdiction.name, "date": valid_from.isoformat()}
        )
    row = InstitutionCap.objects.create(
        jurisdiction=jurisdiction, valid_from=valid_from, cap=cap, decision=decision
    )
    audit.record(
        "create",
        row,
        after={
            "jurisdiction": jurisdiction.code,
            "valid_from": valid_from.isoformat(),
            "cap": cap,
            "decision": decision.number if decision else None,
        },
    )
    return row
