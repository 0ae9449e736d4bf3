"""The one date format of the registry (DESIGN §1, §11): ``YYYY-MM-DD``, nothing else, in every
language. Pages, admin forms, API parameters and fields, filter sets, commands and the workbook
all read dates through ``parse_iso_date`` or one of the fields below, so a date one surface
accepts is accepted by all, and a date one refuses is refused by all with the same message.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext as _
from rest_framework import serializers

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
MIN_YEAR, MAX_YEAR = 1900, 2199  # the dates a registry can mean; others are refused


class InvalidDate(ValueError):
    """A text that is not a date of the registry; ``message`` says so in the active language
    (``template`` and ``params`` are its parts, for a form's error)."""

    def __init__(self, text: object) -> None:
        value = str(text)[:40]
        self.params: dict[str, object] = {"value": value, "min": MIN_YEAR, "max": MAX_YEAR}
        if value == "":
            self.template = _("未填写日期，应为 YYYY-MM-DD。")
        elif ISO_DATE.fullmatch(value) and _calendar_date(value) is not None:
            self.template = _("“%(value)s”超出可登记的日期范围（%(min)d 至 %(max)d 年）。")
        else:
            self.template = _("“%(value)s”不是有效日期，应为 YYYY-MM-DD。")
        self.message = self.template % self.params
        super().__init__(self.message)


def _calendar_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_iso_date(text: str) -> dt.date:
    """The date written ``YYYY-MM-DD`` (four, two and two ASCII digits, a real calendar day,
    a year from 1900 to 2199); anything else, the empty text included, raises ``InvalidDate``."""
    if isinstance(text, str) and ISO_DATE.fullmatch(text):
        value = _calendar_date(text)
        if value is not None and MIN_YEAR <= value.year <= MAX_YEAR:
            return value
    raise InvalidDate(text)


class ISODateField(forms.DateField):
    """A form field of a date written ``YYYY-MM-DD``, whatever the language of the page."""

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return parse_iso_date(value)
        except InvalidDate as exc:
            raise forms.ValidationError(exc.template, code="invalid", params=exc.params) from None


class ISODateFilter(django_filters.DateFilter):
    """A filter set's date parameter, read by ``ISODateField``."""

    field_class = ISODateField


class ISODateSerializerField(serializers.DateField):
    """An API date field (input), read by ``parse_iso_date``; output is ``YYYY-MM-DD`` too."""

    def to_internal_value(self, value: Any) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return parse_iso_date(value)
        except InvalidDate as exc:
            raise serializers.ValidationError(exc.message, code="invalid") from None
