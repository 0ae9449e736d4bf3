"""Reform decisions with their events and attachments (editable while a draft), and the
approval and revocation screens with a preview of what approving would write."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import RestrictedAdminMixin
from core.errors import RegistryError
from units import permissions, services
from units.choices import DecisionStatus, EventType
from units.forms import NEW_UNIT_SLOTS, AttachmentForm, DecisionForm, EventForm, with_request
from units.models import Decision, DecisionAttachment, Event, EventParticipant
from units.rules import ATTRIBUTE_FIELDS, CARDINALITY, TYPES_WITH_ATTRIBUTES
from units.selectors.preview import decision_preview
from units.services.events import generated_keys

from .base import ServiceFormAdmin, adopt_saved


def _is_draft(obj) -> bool:
    return obj is None or obj.status == DecisionStatus.DRAFT


def _attribute_fieldset(prefix: str) -> list[str]:
    return [prefix + name for name in ATTRIBUTE_FIELDS]


def _types_where(fits: Callable[..., bool]) -> list[str]:
    """The event types whose shape (DESIGN §2 table, ``units.rules.CARDINALITY``) fits."""
    return [str(t) for t, shape in CARDINALITY.items() if fits(str(t), *shape)]


# Which event types use each group of fields of the event form, from the rules: the page's
# script shows a group only under these types (without script every group shows).
USED_BY: dict[str, list[str]] = {
    "sources": _types_where(lambda t, min_s, max_s, *_: max_s != 0),
    "targets": _types_where(lambda t, *shape: shape[4] is False),
    "set": _types_where(lambda t, *_: t in TYPES_WITH_ATTRIBUTES),
    "new_first": _types_where(lambda t, *shape: shape[4] is True),
    "new_more": _types_where(lambda t, *shape: shape[4] is True and shape[3] != 1),
}


def _for(group: str) -> list[str]:
    return ["rr-for-" + "-".join(USED_BY[group])]


def _labels(group: str) -> str:
    return gettext("、").join(str(EventType(t).label) for t in USED_BY[group])


def _status_and_next_step(decision: Decision | None, user) -> tuple[str, str]:
    """A decision's status as the change page shows it, and what happens next to it."""
    if decision is None:
        return gettext("新决定（尚未保存）"), gettext(
            "填写文号、标题和改革事项后保存，即成为草稿。保存后可“检查”，运行与审批人预览"
            "相同的检查；审批人批准后事项才生效，此前登记簿不变。"
        )
    status = decision.get_status_display()
    approver = permissions.can_approve(user)
    if decision.status == DecisionStatus.DRAFT:
        if approver:
            return status, gettext(
                "草稿尚未生效。下一步：“预览并批准”，查看批准后的变化并批准；批准后事项生效。"
            )
        return status, gettext(
            "草稿尚未生效，可继续修改。下一步：“检查”（与审批人预览相同的检查），无问题后请"
            "审批人批准；批准后事项生效。"
        )

    def who_when(by, at) -> dict[str, str]:
        return {
            "by": getattr(by, "username", "") or "—",
            "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "—",
        }

    if decision.status == DecisionStatus.APPROVED:
        done = gettext("%(by)s 于 %(at)s 批准，事项已写入登记簿，不能再修改。") % who_when(
            decision.approved_by, decision.approved_at
        )
        then = gettext("如需撤销，可“撤回”。") if approver else gettext("如需撤销，请审批人撤回。")
        return status, done + " " + then
    return status, gettext(
        "%(by)s 于 %(at)s 撤回，其事项不再生效；已撤回的决定不能再修改或批准。"
    ) % who_when(decision.revoked_by, decision.revoked_at)


class EventInline(RestrictedAdminMixin, admin.StackedInline):
    model = Event
    form = EventForm
    extra = 1
    fk_name = "decision"
    template = "admin/units/decision/event_inline.html"
    classes = ["rr-events"]
    readonly_fields = ["participants_display", "attributes_display"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = with_request(formset.form, request)
        return formset

    def get_queryset(self, request):
        # Of an event, the units the user reads (an event touching one is shown).
        participants = EventParticipant.objects.restrict(request.user).select_related("unit")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("participants", queryset=participants))
        )

    def get_extra(self, request, obj=None, **kwargs):
        if not (_is_draft(obj) and self.has_add_permission(request, obj)):
            return 0
        # A draft that has events opens without a blank one (the page's script adds one from
        # the formset's template); ``?add_event`` gives one to a browser without script.
        if obj is not None and "add_event" not in request.GET and obj.events.exists():
            return 0
        return 1

    def get_fieldsets(self, request, obj=None):
        if not (_is_draft(obj) and self.has_change_permission(request, obj)):
            return [
                (
                    None,
                    {
                        "fields": [
                            "key",
                            "type",
                            "effective_on",
                            "participants_display",
                            "attributes_display",
                            "note",
                        ]
                    },
                )
            ]
        sets: list[tuple[Any, dict]] = [
            (None, {"fields": ["key", "type", "effective_on"], "classes": ["rr-event-head"]}),
            (None, {"fields": ["sources"], "classes": _for("sources")}),
            (None, {"fields": ["targets"], "classes": _for("targets")}),
            (
                gettext("设定的属性（%(types)s）") % {"types": _labels("set")},
                {"fields": _attribute_fieldset("set_"), "classes": _for("set")},
            ),
        ]
        for slot in range(1, NEW_UNIT_SLOTS + 1):
            group = "new_first" if slot == 1 else "new_more"
            sets.append(
                (
                    gettext("新设机构 %(n)d（%(types)s）") % {"n": slot, "types": _labels(group)},
                    {
                        "fields": [f"new{slot}_key", f"new{slot}_kind"]
                        + _attribute_fieldset(f"new{slot}_"),
                        "classes": _for(group),
                    },
                )
            )
        sets.append((None, {"fields": ["note"]}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        if _is_draft(obj) and self.has_change_permission(request, obj):
            return []
        return ["key", "type", "effective_on", "participants_display", "attributes_display", "note"]

    @admin.display(description=_("涉及机构"))
    def participants_display(self, event):
        rows = []
        parts = sorted(event.participants.all(), key=lambda p: (p.role, p.position, p.pk))
        for part in parts:
            label = part.get_role_display()
            if part.creates:
                label = gettext("新设")
                name = (part.attributes or {}).get("name", "")
                rows.append((label, f"{name}（{part.unit.key}）"))
            else:
                rows.append((label, part.unit.key))
        return format_html_join("", "<div>{}：{}</div>", rows) or "—"

    @admin.display(description=_("设定的属性"))
    def attributes_display(self, event):
        if not event.attributes:
            return "—"
        return json.dumps(event.attributes, ensure_ascii=False)

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class AttachmentInline(RestrictedAdminMixin, admin.TabularInline):
    model = DecisionAttachment
    form = AttachmentForm
    extra = 1
    fields = ["title", "file"]

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if _is_draft(obj) and self.has_add_permission(request, obj) else 0

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # Attachments are added or removed, never edited in place.
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if _is_draft(obj) else ["title", "file"]

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class DecisionStatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return DecisionStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Decision)
class DecisionAdmin(ServiceFormAdmin):
    form = DecisionForm
    inlines = [EventInline, AttachmentInline]
    change_form_template = "admin/units/decision/change_form.html"
    list_display = [
        "number",
        "title",
        "issued_on",
        "status",
        "event_count",
        "approved_by",
        "approved_at",
    ]
    list_filter = [DecisionStatusFilter, "issued_on"]
    search_fields = ["number", "title", "issuer"]
    date_hierarchy = "issued_on"
    actions = ["delete_drafts"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    @admin.display(description=_("事项数"), ordering="event_count")
    def event_count(self, obj):
        return obj.event_count

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return [
                "number",
                "title",
                "issuer",
                "issued_on",
                "status",
                "created_by",
                "approved_by",
                "approved_at",
                "revoked_by",
                "revoked_at",
            ]
        return ["number", "title", "issuer", "issued_on", "revision"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return []

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.has_perm("units.delete_decision"):
            actions.pop("delete_drafts", None)
        return actions

    # -- writes ----------------------------------------------------------------------------

    def _revision(self, request) -> int | None:
        """The revision the user edited, for the first write of this save only."""
        revision = getattr(request, "_decision_revision", None)
        request._decision_revision = None
        return revision

    def save_model(self, request, obj, form, change):
        header = {k: form.cleaned_data[k] for k in ("number", "title", "issuer", "issued_on")}
        if not change:
            decision = services.decision_create(user=request.user, **header)
            adopt_saved(obj, decision)
            request._decision_revision = None
            return
        request._decision_revision = form.cleaned_data.get("revision")
        changed = {k: v for k, v in header.items() if k in form.changed_data}
        if changed:
            services.decision_update(
                decision=obj, revision=self._revision(request), user=request.user, **changed
            )

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            if formset.model is Event:
                self._generate_keys(request, form.instance, formset)
        request.registry_event_keys = {
            f.event_key() for fs in formsets if fs.model is Event for f in fs.forms
        }
        super().save_related(request, form, formsets, change)

    def _generate_keys(self, request, decision: Decision, formset) -> None:
        """Give the events and new units left without a key their generated keys, and note
        them for the message shown after the save."""
        saved = [
            f
            for f in formset.forms
            if f not in formset.deleted_forms and f.has_changed() and f.is_valid()
        ]
        wanted = [f.keys_wanted() for f in saved]
        if all(w.key and not w.slots for w in wanted):
            return
        given = {f.event_key() for f in formset.forms} | {
            f.typed_unit_key(s) for f in saved for s in f.new_unit_slots()
        }
        keys = generated_keys(decision=decision, wanted=wanted, given=given - {""})
        notes = getattr(request, "_decision_generated", [])
        for event_form, row, (event_key, unit_keys) in zip(saved, wanted, keys, strict=True):
            event_form.keys_generated(event_key, unit_keys)
            if not row.key:
                notes.append(gettext("事项 %(key)s") % {"key": event_key})
            notes += [gettext("新设机构 %(key)s") % {"key": k} for k in unit_keys.values()]
        request._decision_generated = notes

    # -- after a save: generated keys, and the approval's checks as warnings ----------------

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        return self._after_save(request, obj, response)

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        return self._after_save(request, obj, response)

    def _after_save(self, request, decision: Decision, response):
        notes = getattr(request, "_decision_generated", None)
        if notes:
            self.message_user(
                request,
                gettext("已自动生成标识：%(keys)s。") % {"keys": gettext("、").join(notes)},
                messages.INFO,
            )
        if decision.status == DecisionStatus.DRAFT:
            for problem in self._check_problems(request, decision):
                self.message_user(
                    request,
                    gettext("检查：%(problem)s 审批人现在不能批准此决定。")
                    % {"problem": problem["message"]},
                    messages.WARNING,
                )
            if "_check" in request.POST:
                return HttpResponseRedirect(
                    reverse("admin:units_decision_check", args=[decision.pk])
                )
        return response

    @staticmethod
    def _check_problems(request, decision: Decision) -> list[dict]:
        """What the approver's preview would refuse now, for the user who may read every unit
        the decision touches (the preview names them all)."""
        try:
            permissions.check_decisions_in_scope(request.user, [decision])
        except permissions.NotPermitted:
            return []
        return decision_preview(decision).problems

    def save_formset(self, request, form, formset, change):
        decision = form.instance
        user = request.user
        # The services wrote and audited each row; the admin's change message lists none.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is Event:
            for event_form in formset.deleted_forms:
                if event_form.instance.pk:
                    services.event_delete(
                        event=event_form.instance, revision=self._revision(request), user=user
                    )
            for event_form in formset.forms:
                if event_form in formset.deleted_forms or not event_form.has_changed():
                    continue
                data = event_form.cleaned_data
                values = {
                    "type": data["type"],
                    "effective_on": data["effective_on"],
                    "sources": list(data.get("sources") or []),
                    "targets": list(data.get("targets") or []),
                    "new_units": None
                    if event_form.new_units() is None
                    else [
                        services.NewUnit(key, kind, attrs)
                        for key, kind, attrs in event_form.new_units()
                    ],
                    "attributes": event_form.set_attributes(),
                    "note": data.get("note") or "",
                }
                if event_form.instance.pk:
                    services.event_update(
                        event=event_form.instance,
                        revision=self._revision(request),
                        user=user,
                        **values,
                    )
                else:
                    services.event_create(
                        decision=decision,
                        key=event_form.event_key(),
                        revision=self._revision(request),
                        user=user,
                        **values,
                    )
        elif formset.model is DecisionAttachment:
            for attachment_form in formset.deleted_forms:
                if attachment_form.instance.pk:
                    services.attachment_delete(attachment=attachment_form.instance, user=user)
            for attachment_form in formset.forms:
                if attachment_form in formset.deleted_forms:
                    continue
                if attachment_form.instance.pk is None and attachment_form.has_changed():
                    data = attachment_form.cleaned_data
                    if data.get("file"):
                        services.attachment_add(
                            decision=decision,
                            title=data.get("title") or "",
                            file=data["file"],
                            user=user,
                        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        self._problem_links(request)
        return response

    def _problem_links(self, request) -> None:
        """A refused save whose problem names a stored decision (a document number already
        taken) links to that decision's page, above the form that shows the problem."""
        for problem in getattr(request, "registry_problems", None) or []:
            if problem.get("link"):
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        gettext("文号与已有决定重复："),
                        problem["link"],
                        problem.get("decision") or problem["link"],
                    ),
                    messages.ERROR,
                )

    def delete_model(self, request, obj):
        services.decision_delete(decision=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for decision in queryset:
                services.decision_delete(decision=decision, user=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:units_decision_change", args=[object_id]))

    @admin.action(description=_("删除所选草稿决定"), permissions=["delete"])
    def delete_drafts(self, request, queryset):
        try:
            self.delete_queryset(request, queryset)
        except RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, gettext("已删除所选草稿决定。"), messages.SUCCESS)

    # -- approval --------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=f"{info[0]}_{info[1]}_approve",
            ),
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name=f"{info[0]}_{info[1]}_revoke",
            ),
            path(
                "<path:object_id>/check/",
                self.admin_site.admin_view(self.check_view),
                name=f"{info[0]}_{info[1]}_check",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and permissions.can_approve(request.user):
            extra["can_approve"] = obj.status == DecisionStatus.DRAFT
            extra["can_revoke"] = obj.status == DecisionStatus.APPROVED
        if obj is not None:
            extra["can_check"] = obj.status == DecisionStatus.DRAFT
        extra["decision_obj"] = obj
        extra["decision_status"], extra["next_step"] = _status_and_next_step(obj, request.user)
        return super().change_view(request, object_id, form_url, extra)

    def add_view(self, request, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        extra["decision_status"], extra["next_step"] = _status_and_next_step(None, request.user)
        return super().add_view(request, form_url, extra)

    def check_view(self, request, object_id):
        """The clerk's check: the approver's preview of a draft (the same checks and the same
        changes), without the button that approves."""
        decision = self.get_object(request, object_id)
        if decision is None:
            raise Http404(gettext("决定不存在或不在您的管辖范围内。"))
        if not self.has_view_or_change_permission(request, decision):
            raise PermissionDenied
        try:
            permissions.check_decisions_in_scope(request.user, [decision])
        except permissions.NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        if decision.status != DecisionStatus.DRAFT:
            self.message_user(
                request,
                gettext("决定 %(n)s 的状态为“%(status)s”：只有草稿需要检查。")
                % {"n": decision.number, "status": decision.get_status_display()},
                messages.INFO,
            )
            return HttpResponseRedirect(reverse("admin:units_decision_change", args=[decision.pk]))
        return self._approval_page(request, decision, revoke=False, check=True)

    def _decision_for_approval(self, request, object_id) -> Decision:
        if not permissions.can_approve(request.user):
            raise PermissionDenied
        decision = self.get_object(request, object_id)
        if decision is None:
            raise Http404(gettext("决定不存在或不在您的管辖范围内。"))
        try:  # the preview names every unit the decision touches: all must be the user's
            permissions.check_decisions_in_scope(request.user, [decision])
        except permissions.NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        return decision

    def _approval_page(self, request, decision, *, revoke: bool, problems=None, check=False):
        preview = decision_preview(decision, revoke=revoke)
        if check:
            title = gettext("检查决定")
        else:
            title = gettext("撤回决定") if revoke else gettext("批准决定")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title + " " + decision.number,
            "decision": decision,
            "preview": preview,
            "revoke": revoke,
            "check": check,
            "problems": problems if problems is not None else preview.problems,
            "can_submit": not check
            and decision.status == (DecisionStatus.APPROVED if revoke else DecisionStatus.DRAFT),
            "change_url": reverse("admin:units_decision_change", args=[decision.pk]),
        }
        return TemplateResponse(request, "admin/units/decision/approve.html", context)

    def approve_view(self, request, object_id):
        return self._approval_view(request, object_id, revoke=False)

    def revoke_view(self, request, object_id):
        return self._approval_view(request, object_id, revoke=True)

    def _approval_view(self, request, object_id, *, revoke: bool):
        """Show the approval (or revocation) page; on POST approve (or revoke) the decision."""
        decision = self._decision_for_approval(request, object_id)
        if request.method == "POST":
            try:
                if revoke:
                    services.decision_revoke(decision=decision, user=request.user)
                else:
                    services.decision_approve(decision=decision, user=request.user)
            except RegistryError as exc:
                decision.refresh_from_db()
                return self._approval_page(request, decision, revoke=revoke, problems=exc.problems)
            done = gettext("决定 %(n)s 已撤回。") if revoke else gettext("决定 %(n)s 已批准。")
            self.message_user(request, done % {"n": decision.number}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:units_decision_change", args=[decision.pk]))
        return self._approval_page(request, decision, revoke=revoke)
