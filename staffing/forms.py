"""Forms of the staffing admin screens. They only collect and parse input; the services check
the rules and write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from core.dates import ISODateField
from units.models import Decision, Event, Jurisdiction, Unit

from .choices import AccountType, QuotaKindCode, Rounding, TransferReason
from .rules import account_spelling_parts

ACCOUNT_HELP = _("机构标识、pool:行政区划代码（编制周转池）或 external（上级/外部）")


def _check_account_label(value: str) -> str:
    value = (value or "").strip()
    type_, named = account_spelling_parts(value)
    if type_ == AccountType.POOL and not Jurisdiction.objects.filter(code=named).exists():
        raise forms.ValidationError(_("行政区划“%(code)s”不存在。"), params={"code": named})
    if type_ == AccountType.UNIT and not Unit.objects.filter(key=named).exists():
        raise forms.ValidationError(_("机构“%(key)s”不存在。"), params={"key": named})
    return value


# What each form field names a record by, and the error when no such record exists.
_MISSING = {
    Decision: ("n", _("文号“%(n)s”的决定不存在。")),
    Event: ("k", _("事项“%(k)s”不存在。")),
    Unit: ("key", _("机构“%(key)s”不存在。")),
    Jurisdiction: ("code", _("行政区划“%(code)s”不存在。")),
}


def _existing(model: type[Model], field: str, value: str) -> Model:
    """The record of ``model`` whose ``field`` is ``value`` (trimmed); a form error if none is."""
    value = value.strip()
    found = model._default_manager.filter(**{field: value}).first()
    if found is None:
        param, message = _MISSING[model]
        raise forms.ValidationError(message, params={param: value})
    return found


class DateForm(forms.Form):
    on = ISODateField(
        label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TransferForm(forms.Form):
    date = ISODateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("编制类型"), choices=QuotaKindCode.choices)
    amount = forms.IntegerField(label=_("数量"), min_value=1)
    from_account = forms.CharField(label=_("转出账户"), help_text=ACCOUNT_HELP, max_length=120)
    to_account = forms.CharField(label=_("转入账户"), help_text=ACCOUNT_HELP, max_length=120)
    decision = forms.CharField(label=_("依据文件（文号）"), max_length=100)
    event = forms.CharField(
        label=_("改革事项（标识）"),
        max_length=100,
        required=False,
        help_text=_("填写时为该事项的明确划转，替代其默认划转；决定未批准前为待批准。"),
    )
    reason = forms.ChoiceField(
        label=_("事由"),
        choices=[c for c in TransferReason.choices if c[0] != TransferReason.REVERSAL],
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean_from_account(self):
        return _check_account_label(self.cleaned_data["from_account"])

    def clean_to_account(self):
        return _check_account_label(self.cleaned_data["to_account"])

    def clean_decision(self):
        return _existing(Decision, "number", self.cleaned_data["decision"])

    def clean_event(self):
        key = (self.cleaned_data.get("event") or "").strip()
        if not key:
            return None
        return _existing(Event, "key", key)


class HeadcountForm(forms.Form):
    unit = forms.CharField(label=_("机构（标识）"), max_length=100)
    kind = forms.ChoiceField(label=_("编制类型"), choices=QuotaKindCode.choices)
    as_of = ISODateField(label=_("统计日期"), widget=forms.DateInput(attrs={"type": "date"}))
    actual = forms.IntegerField(label=_("实有人数"), min_value=0)
    source = forms.CharField(label=_("来源"), max_length=100, required=False)

    def clean_unit(self):
        return _existing(Unit, "key", self.cleaned_data["unit"])


class CampaignForm(forms.Form):
    jurisdiction = forms.CharField(label=_("行政区划代码"), max_length=6)
    on = ISODateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    decision = forms.CharField(label=_("依据文件（文号）"), max_length=100)
    kind = forms.ChoiceField(
        label=_("编制类型"), choices=QuotaKindCode.choices, initial=QuotaKindCode.INSTITUTION
    )
    share = forms.DecimalField(
        label=_("规则一收回比例"),
        initial=Decimal("0.5"),
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        decimal_places=4,
    )
    rounding = forms.ChoiceField(
        label=_("取整方式"), choices=Rounding.choices, initial=Rounding.FLOOR
    )

    def clean_jurisdiction(self):
        return _existing(Jurisdiction, "code", self.cleaned_data["jurisdiction"])

    def clean_decision(self):
        return _existing(Decision, "number", self.cleaned_data["decision"])
