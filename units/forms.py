"""Forms of the admin screens. They only collect input; ``units.services`` checks and writes.

Attribute fields are generated from ``units.rules.ATTRIBUTE_FIELDS`` under a prefix:
``set_`` for what a change/absorb event sets, ``new1_`` … for the new units of an
establish/merge/split event, none for a unit registered as existing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from core.dates import ISODateField

from .choices import Category, Funding, ParticipantRole, Rank, UnitKind
from .models import (
    Decision,
    DecisionAttachment,
    Event,
    EventParticipant,
    Jurisdiction,
    NamedUnit,
    UnitVersion,
)
from .rules import ATTRIBUTE_FIELDS, BOOLEAN_FIELDS
from .selectors import today
from .services.events import KeysWanted

NEW_UNIT_SLOTS = 3
BOOLEAN_CHOICES = [("", _("不变")), ("true", _("是")), ("false", _("否"))]
ATTRIBUTE_LABELS = {
    "name": _("名称"),
    "short_name": _("简称"),
    "credit_code": _("统一社会信用代码"),
    "jurisdiction": _("行政区划"),
    "parent": _("主管部门"),
    "category": _("事业单位类别"),
    "rank": _("机构规格"),
    "funding": _("经费形式"),
    "sector": _("行业领域"),
    "business_functions": _("有经营职能"),
    "market_replaceable": _("承担市场可替代职能"),
    "pending_wind_down": _("待消化"),
    "functions": _("主要职能"),
    "internal_bodies": _("内设机构数"),
}
CODE_CHOICES = {"category": Category, "rank": Rank, "funding": Funding}
KEY_HELP = _(
    "留空则在保存时自动生成，如 2020-12-merge-1（文号中的数字、事项类型、序号）。"
    "自填时只能用字母、数字、点、冒号、下划线和连字符，以字母或数字开头。"
)
UNIT_KEY_HELP = _(
    "留空则在保存时自动生成，如 2020-12-merge-1-new1（事项标识加序号）；保存后显示在此处。"
)


def named_units():
    """Units annotated with the name of their latest version started by today."""
    latest = UnitVersion.objects.filter(unit=OuterRef("pk")).order_by("-valid_from")
    return NamedUnit.objects.annotate(
        current_name=Subquery(latest.filter(valid_from__lte=today()).values("name")[:1])
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def _unit_widget(field_owner, name: str, *, multiple: bool):
    model_field = field_owner._meta.get_field(name)
    widget = AutocompleteSelectMultiple if multiple else AutocompleteSelect
    return widget(model_field, admin.site, attrs={"data-width": "32em"})


def attribute_fields(prefix: str, *, birth: bool) -> dict[str, forms.Field]:
    """Form fields for the attributes of a unit; ``birth`` makes booleans plain checkboxes and
    name/jurisdiction marked as needed (the services decide; the form only collects)."""
    fields: dict[str, forms.Field] = {}
    for name in ATTRIBUTE_FIELDS:
        label = ATTRIBUTE_LABELS[name]
        if name in BOOLEAN_FIELDS:
            field: forms.Field = (
                forms.BooleanField(label=label, required=False)
                if birth
                else forms.ChoiceField(label=label, choices=BOOLEAN_CHOICES, required=False)
            )
        elif name in CODE_CHOICES:
            field = forms.ChoiceField(
                label=label,
                choices=[("", "---------"), *CODE_CHOICES[name].choices],
                required=False,
            )
        elif name == "jurisdiction":
            # Division codes; the choices (the user's jurisdictions) are set per request.
            field = forms.ChoiceField(label=label, choices=[("", "---------")], required=False)
        elif name == "parent":
            field = UnitChoiceField(
                label=label,
                queryset=named_units(),
                required=False,
                widget=_unit_widget(UnitVersion, "parent", multiple=False),
            )
        elif name == "internal_bodies":
            field = forms.IntegerField(label=label, min_value=0, required=False)
        elif name == "functions":
            field = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        else:
            field = forms.CharField(label=label, required=False, max_length=200)
        fields[prefix + name] = field
    return fields


def attributes_from(cleaned: dict[str, Any], prefix: str, *, birth: bool) -> dict[str, Any]:
    """The attribute values a form holds, as the services take them (codes and keys)."""
    values: dict[str, Any] = {}
    for name in ATTRIBUTE_FIELDS:
        value = cleaned.get(prefix + name)
        if name in BOOLEAN_FIELDS:
            if birth:
                values[name] = bool(value)
            elif value in ("true", "false"):
                values[name] = value == "true"
            continue
        if value is None or value == "":
            continue
        if name == "parent":
            value = value.key
        values[name] = value
    return values


def initial_from(attributes: dict[str, Any], prefix: str, *, birth: bool) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name, value in (attributes or {}).items():
        if name not in ATTRIBUTE_FIELDS:
            continue
        if name in BOOLEAN_FIELDS and not birth:
            value = "true" if value else "false"
        elif name == "parent" and value:
            unit = named_units().filter(key=value).first()
            value = unit.pk if unit else None
        initial[prefix + name] = value
    return initial


if TYPE_CHECKING:
    from django.http import HttpRequest

    _FormBase = forms.BaseForm
else:
    _FormBase = object


class ProblemsMixin(_FormBase):
    """Shows the problems of a refused service call (kept on the request) as form errors.

    ``registry_problems(form)`` picks the problems that belong to this form.
    """

    request: HttpRequest | None = None

    def registry_problems(self) -> list[dict]:
        return []

    def clean(self):
        cleaned = super().clean()
        for problem in self.registry_problems():
            field = self.problem_field(problem)
            self.add_error(field if field in self.fields else None, problem["message"])
        return cleaned

    def problem_field(self, problem: dict) -> str | None:
        return problem.get("column")


def _pending_problems(request) -> list[dict]:
    return list(getattr(request, "registry_problems", None) or [])


class DecisionForm(ProblemsMixin, forms.ModelForm):
    """The header of a draft decision; ``revision`` detects a concurrent save."""

    class Meta:
        model = Decision
        fields = ["number", "title", "issuer", "issued_on", "revision"]
        field_classes = {"issued_on": ISODateField}
        widgets = {"revision": forms.HiddenInput}

    def registry_problems(self) -> list[dict]:
        events = set(getattr(self.request, "registry_event_keys", ()) or ())
        return [p for p in _pending_problems(self.request) if p.get("event") not in events]

    def problem_field(self, problem: dict) -> str | None:
        return problem.get("column") if problem.get("column") in self.Meta.fields else None


class _EventForm(ProblemsMixin, forms.ModelForm):
    """One event of a draft: its units chosen with autocomplete, the attributes a change or an
    absorb sets, and the new units an establish, merge or split brings into being."""

    sources = UnitMultipleChoiceField(
        label=_("来源机构"),
        queryset=named_units(),
        required=False,
        widget=_unit_widget(EventParticipant, "unit", multiple=True),
        help_text=_("终止或变更的机构（撤销、转企改制、合并、并入、分设、变更）。"),
    )
    targets = UnitMultipleChoiceField(
        label=_("并入的目标机构"),
        queryset=named_units(),
        required=False,
        widget=_unit_widget(EventParticipant, "unit", multiple=True),
        help_text=_("并入事项中延续的已有机构。新设机构在下方填写。"),
    )

    class Meta:
        model = Event
        fields = ["key", "type", "effective_on", "note"]
        field_classes = {"effective_on": ISODateField}
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _refresh_querysets(self)
        self.created_count = 0
        if "key" in self.fields and not self.instance.pk:
            # Left blank, a key is generated when the event is saved (``generated_keys``).
            key = self.fields["key"]
            assert isinstance(key, forms.CharField)
            key.required = False
            key.empty_value = None  # two blank keys are not the same key
            key.help_text = KEY_HELP
        if self.instance.pk and "key" in self.fields:
            self.fields["key"].disabled = True
            self.initial.update(self._initial_from_event(self.instance))
            self.created_count = sum(1 for p in self.instance.participants.all() if p.creates)
            if self.created_count > NEW_UNIT_SLOTS:
                # More new units than the page has room for (entered by a workbook): they
                # are shown but kept as they are.
                for name, field in self.fields.items():
                    if name.startswith("new"):
                        field.disabled = True

    @staticmethod
    def _initial_from_event(event: Event) -> dict[str, Any]:
        initial: dict[str, Any] = {"sources": [], "targets": []}
        slot = 0
        parts = sorted(event.participants.all(), key=lambda p: (p.role, p.position, p.pk))
        for part in parts:
            if part.role == ParticipantRole.SOURCE:
                initial["sources"].append(part.unit_id)
            elif not part.creates:
                initial["targets"].append(part.unit_id)
            else:
                slot += 1
                if slot > NEW_UNIT_SLOTS:
                    continue
                prefix = f"new{slot}_"
                initial[prefix + "key"] = part.unit.key
                initial[prefix + "kind"] = part.unit.kind
                initial.update(initial_from(part.attributes, prefix, birth=True))
        initial.update(initial_from(event.attributes, "set_", birth=False))
        return initial

    @property
    def shown_type(self) -> str:
        """The type whose groups of fields a saved event shows, or "" for every group (a new
        event, the formset's template, an event with errors, new units entered elsewhere)."""
        if not self.instance.pk or self.created_count > NEW_UNIT_SLOTS:
            return ""
        if self.is_bound:
            return "" if self.errors else (self.data.get(self.add_prefix("type")) or "")
        return self.instance.type

    def has_changed(self) -> bool:
        # A group of fields not on the page sends nothing: its kinds of new units (which have
        # a default) did not change.
        return any(
            not (name.endswith("_kind") and self.add_prefix(name) not in self.data)
            for name in self.changed_data
        )

    def new_unit_slots(self) -> list[int]:
        """The new-unit slots filled in: with a key or any attribute (its kind alone, which
        has a default, does not count). A filled-in new unit is never left out."""
        if self.created_count > NEW_UNIT_SLOTS:
            return []
        return [
            slot
            for slot in range(1, NEW_UNIT_SLOTS + 1)
            if any(
                _filled(self.cleaned_data.get(f"new{slot}_{name}"))
                for name in ("key", *ATTRIBUTE_FIELDS)
            )
        ]

    def typed_unit_key(self, slot: int) -> str:
        return (self.cleaned_data.get(f"new{slot}_key") or "").strip()

    def keys_wanted(self) -> KeysWanted:
        """This event for ``generated_keys``: its key ("" when left blank), its type and the
        slots of its new units without a key."""
        key = self.instance.key if self.instance.pk else (self.cleaned_data.get("key") or "")
        return KeysWanted(
            key=key.strip(),
            type=self.cleaned_data.get("type") or "",
            slots=[s for s in self.new_unit_slots() if not self.typed_unit_key(s)],
            new=not self.instance.pk,
        )

    def keys_generated(self, event_key: str, unit_keys: dict[int, str]) -> None:
        """Keep the generated keys on the request: a refused save validates the same POST again
        with new forms, whose problems name these keys."""
        if self.request is not None:
            kept = getattr(self.request, "registry_generated_keys", None)
            if kept is None:
                kept = {}
                setattr(self.request, "registry_generated_keys", kept)  # noqa: B010
            kept[self.prefix] = (event_key, unit_keys)

    def _generated(self) -> tuple[str, dict[int, str]]:
        kept = getattr(self.request, "registry_generated_keys", None) or {}
        return kept.get(self.prefix, ("", {}))

    def unit_key(self, slot: int) -> str:
        """The key of the new unit in a slot: as typed, else as generated."""
        return self.typed_unit_key(slot) or self._generated()[1].get(slot, "")

    def new_units(self) -> list[tuple[str, str, dict[str, Any]]] | None:
        """(key, kind, attributes) of every filled-in new-unit slot; None when the event's
        new units do not fit the page (they are then left as they are)."""
        if self.created_count > NEW_UNIT_SLOTS:
            return None
        found = []
        for slot in self.new_unit_slots():
            prefix = f"new{slot}_"
            kind = self.cleaned_data.get(prefix + "kind") or UnitKind.INSTITUTION
            found.append(
                (
                    self.unit_key(slot),
                    kind,
                    attributes_from(self.cleaned_data, prefix, birth=True),
                )
            )
        return found

    def set_attributes(self) -> dict[str, Any]:
        values = attributes_from(self.cleaned_data, "set_", birth=False)
        # A stored attribute that clears a value (no supervising unit, no category …) has no
        # form field that could show it; keep it unless the form sets that attribute.
        for name, value in (self.instance.attributes or {}).items() if self.instance.pk else ():
            if value in (None, "") and name not in values:
                values[name] = value
        return values

    def event_key(self) -> str:
        if self.instance.pk:
            return self.instance.key
        return (self.data.get(self.add_prefix("key")) or "").strip() or self._generated()[0]

    def registry_problems(self) -> list[dict]:
        key = self.event_key()
        return [p for p in _pending_problems(self.request) if key and p.get("event") == key]

    def problem_field(self, problem: dict) -> str | None:
        column, unit = problem.get("column"), problem.get("unit")
        if not column:
            return None
        generated = self._generated()[1]
        for slot in range(1, NEW_UNIT_SLOTS + 1):
            prefix = f"new{slot}_"
            typed = self.data.get(self.add_prefix(prefix + "key"), "").strip()
            if unit and (typed or generated.get(slot, "")) == unit:
                return prefix + column
        return "set_" + column


def _filled(value: Any) -> bool:
    """Whether a value of a new-unit field was entered (0 is a count entered; False is an
    unticked box)."""
    return value is not None and value is not False and value != "" and value != []


def _new_unit_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for slot in range(1, NEW_UNIT_SLOTS + 1):
        prefix = f"new{slot}_"
        fields[prefix + "key"] = forms.CharField(
            label=_("新设机构标识"), required=False, max_length=100, help_text=UNIT_KEY_HELP
        )
        fields[prefix + "kind"] = forms.ChoiceField(
            label=_("类别"),
            choices=UnitKind.choices,
            initial=UnitKind.INSTITUTION,
            required=False,
        )
        fields.update(attribute_fields(prefix, birth=True))
    return fields


EventForm = type(
    "EventForm",
    (_EventForm,),
    {
        "__module__": __name__,
        **attribute_fields("set_", birth=False),
        **_new_unit_fields(),
    },
)


def _refresh_querysets(form: ProblemsMixin) -> None:
    """Querysets that depend on the day and on the user: units by today's name, both within
    the user's scope."""
    choices = jurisdiction_choices(form.request)
    user = getattr(form.request, "user", None)
    for name, field in form.fields.items():
        if name.endswith("jurisdiction") and isinstance(field, forms.ChoiceField):
            field.choices = choices
        elif (
            isinstance(field, forms.ModelChoiceField)
            and field.queryset is not None
            and field.queryset.model is NamedUnit
        ):
            field.queryset = named_units().restrict(user)


def jurisdiction_choices(request) -> list[tuple[str, str]]:
    """The jurisdictions a user may place units in, read once per request."""
    cached = getattr(request, "_registry_jurisdiction_choices", None)
    if cached is None:
        user = getattr(request, "user", None)
        scoped = Jurisdiction.objects.restrict(user)
        cached = [("", "---------")] + [
            (code, f"{name}（{code}）") for code, name in scoped.values_list("code", "name")
        ]
        if request is not None:
            request._registry_jurisdiction_choices = cached
    return cached


class AttachmentForm(forms.ModelForm):
    """A document of a decision (a PDF file: ``services.attachment_add`` checks it). Stored
    attachments are removed and added again, never edited in place."""

    class Meta:
        model = DecisionAttachment
        fields = ["title", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in self.fields.values():
                field.disabled = True


class _UnitRegisterForm(ProblemsMixin, forms.ModelForm):
    """Registers a unit that existed before the registry, with its state on a date."""

    established_on = ISODateField(label=_("成立日期"))

    class Meta:
        model = NamedUnit
        fields = ["key"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _refresh_querysets(self)

    def attributes(self) -> dict[str, Any]:
        return attributes_from(self.cleaned_data, "", birth=True)

    def registry_problems(self) -> list[dict]:
        return _pending_problems(self.request)


UnitRegisterForm = type(
    "UnitRegisterForm",
    (_UnitRegisterForm,),
    {"__module__": __name__, **attribute_fields("", birth=True)},
)


def with_request(form_class: type, request) -> type:
    """A subclass of the form that knows the request (user, pending problems)."""
    return type(form_class.__name__, (form_class,), {"request": request})
