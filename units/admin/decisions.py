"""Reform decisions with their events and attachments (editable while a draft), and the
approval and revocation screens with a preview of what approving would write."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import RestrictedAdminMixin
from core.errors import RegistryError
from units import permissions, services
from units.choices import DecisionStatus
from units.forms import NEW_UNIT_SLOTS, AttachmentForm, DecisionForm, EventForm, with_request
from units.models import Decision, DecisionAttachment, Event, EventParticipant
from units.rules import ATTRIBUTE_FIELDS
from units.selectors.preview import decision_preview

from .base import ServiceFormAdmin, adopt_saved


def _is_draft(obj) -> bool:
    return obj is None or obj.status == DecisionStatus.DRAFT


def _attribute_fieldset(prefix: str) -> list[str]:
    return [prefix + name for name in ATTRIBUTE_FIELDS]


class EventInline(RestrictedAdminMixin, admin.StackedInline):
    model = Event
    form = EventForm
    extra = 1
    fk_name = "decision"
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
        return 1 if _is_draft(obj) and self.has_add_permission(request, obj) else 0

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
            (None, {"fields": ["key", "type", "effective_on", "sources", "targets", "note"]}),
            (
                _("设定的属性（变更、并入）"),
                {"fields": _attribute_fieldset("set_"), "classes": ["rr-for-change-absorb"]},
            ),
        ]
        for slot in range(1, NEW_UNIT_SLOTS + 1):
            sets.append(
                (
                    gettext("新设机构 %(n)d") % {"n": slot},
                    {
                        "fields": [f"new{slot}_key", f"new{slot}_kind"]
                        + _attribute_fieldset(f"new{slot}_"),
                        "classes": [
                            "rr-for-establish-merge-split" if slot == 1 else "rr-for-split"
                        ],
                    },
                )
            )
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
        request.registry_event_keys = {
            f.event_key() for fs in formsets if fs.model is Event for f in fs.forms
        }
        super().save_related(request, form, formsets, change)

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
                        key=data["key"],
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
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and permissions.can_approve(request.user):
            extra["can_approve"] = obj.status == DecisionStatus.DRAFT
            extra["can_revoke"] = obj.status == DecisionStatus.APPROVED
        extra["decision_obj"] = obj
        return super().change_view(request, object_id, form_url, extra)

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

    def _approval_page(self, request, decision, *, revoke: bool, problems=None):
        preview = decision_preview(decision, revoke=revoke)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": (gettext("撤回决定") if revoke else gettext("批准决定"))
            + " "
            + decision.number,
            "decision": decision,
            "preview": preview,
            "revoke": revoke,
            "problems": problems if problems is not None else preview.problems,
            "can_submit": decision.status
            == (DecisionStatus.APPROVED if revoke else DecisionStatus.DRAFT),
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
