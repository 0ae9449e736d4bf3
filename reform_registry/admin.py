"""Admin of workbook uploads: upload a registry workbook, read the dry-run report (counts per
sheet, every error), then confirm to import it. The import is attributed to the user."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_rq.models import Dashboard
from django_tasks_db.models import DBTaskResult

from core.admin import RestrictedAdminMixin
from core.audit import acting
from core.errors import RegistryError
from staffing.choices import CampaignStatus
from staffing.models import RecoveryCampaign
from units.permissions import APPROVE

from .jobs import job_enqueue, job_progress
from .models import ImportBatch, Job
from .workbook.context import describe_error
from .workbook.format import SHEETS
from .workbook.services import (
    import_batch_apply,
    import_batch_check,
    import_batch_store,
    upload_check,
    workbook_row_count,
)
from .workbook.template import template_bytes

# The queue's own screens stay out of the registry's admin (they are neither restricted nor
# translated): the admin's job list shows the jobs, with their progress.
for queue_model in (DBTaskResult, Dashboard):
    if admin.site.is_registered(queue_model):
        admin.site.unregister(queue_model)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "registry-template.xlsx"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("登记簿工作簿（.xlsx）"),
        help_text=gettext_lazy(
            "工作表：jurisdictions、caps、units、decisions、events、quota_transfers、headcounts；"
            "任何工作表都可以省略。先试运行检查，确认后才导入。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_check(filename=upload.name, size=upload.size, handle=upload)
        except RegistryError as exc:
            raise forms.ValidationError(exc.message) from exc
        upload.seek(0)
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = (
        "filename",
        "status",
        "error_total",
        "uploaded_by",
        "uploaded_at",
        "imported_at",
    )
    list_filter = ("status",)
    search_fields = ("filename",)
    date_hierarchy = "uploaded_at"
    list_select_related = ("uploaded_by",)

    @admin.display(description=gettext_lazy("错误数"))
    def error_total(self, obj: ImportBatch) -> int:
        return obj.error_count

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="{}_{}_review".format(*info),
            ),
            path(
                "template/",
                self.admin_site.admin_view(self.template_view),
                name="{}_{}_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def review_url(self, batch: ImportBatch) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_review", args=[batch.pk]
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                with acting(user=request.user):
                    if workbook_row_count(content=content) > settings.WORKBOOK_BACKGROUND_ROWS:
                        # A large workbook is checked by the job worker; its page shows how far.
                        with transaction.atomic():
                            batch = import_batch_store(
                                filename=upload.name, content=content, user=request.user
                            )
                            job = job_enqueue(
                                kind=Job.Kind.WORKBOOK_CHECK, batch=batch, user=request.user
                            )
                        return HttpResponseRedirect(job_url(job))
                    batch = import_batch_check(
                        filename=upload.name, content=content, user=request.user
                    )
            except RegistryError as exc:
                form.add_error("file", exc.message)
            else:
                return HttpResponseRedirect(self.review_url(batch))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("上传登记簿工作簿"),
            "form": form,
            "sheets": SHEETS,
        }
        return TemplateResponse(request, "admin/workbook/upload.html", context)

    def template_view(self, request: HttpRequest) -> HttpResponse:
        """The blank workbook of ``export_registry --template``, to fill in and upload."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        response = HttpResponse(template_bytes(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = get_object_or_404(self.get_queryset(request), pk=object_id)
        return HttpResponseRedirect(self.review_url(batch))

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(self.get_queryset(request), pk=pk)
        running = batch.jobs.exclude(state__in=[Job.State.SUCCEEDED, Job.State.FAILED]).first()
        if batch.status == ImportBatch.Status.PENDING and running is not None:
            return HttpResponseRedirect(job_url(running))
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
            if running is not None:
                messages.error(request, _("该工作簿正在后台导入。"))
                return HttpResponseRedirect(job_url(running))
            if (
                batch.status == ImportBatch.Status.CHECKED
                and workbook_row_count(content=bytes(batch.content))
                > settings.WORKBOOK_BACKGROUND_ROWS
            ):
                with acting(user=request.user):
                    job = job_enqueue(kind=Job.Kind.WORKBOOK_IMPORT, batch=batch, user=request.user)
                return HttpResponseRedirect(job_url(job))
            try:
                with acting(user=request.user):
                    batch = import_batch_apply(batch=batch, user=request.user)
            except RegistryError as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(self.review_url(batch))
            if batch.status == ImportBatch.Status.IMPORTED:
                messages.success(request, _("工作簿 %(name)s 已导入。") % {"name": batch.filename})
                return HttpResponseRedirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
                )
            messages.error(request, _("登记簿在检查之后已有变化，工作簿现在有错误，未导入。"))
            return HttpResponseRedirect(self.review_url(batch))
        counts = batch.report.get("counts", {})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("工作簿检查报告：%(name)s") % {"name": batch.filename},
            "batch": batch,
            "counts": [(name, counts[name]) for name in SHEETS if name in counts],
            "errors": [
                {**error, "text": describe_error(error)} for error in batch.report.get("errors", [])
            ],
            "notices": batch.report.get("notices", []),
            "can_confirm": batch.status == ImportBatch.Status.CHECKED
            and self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/workbook/review.html", context)


def job_url(job: Job) -> str:
    return reverse("admin:reform_registry_job_change", args=[job.pk])


@admin.register(Job)
class JobAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """The background jobs: the list, and each job's page with its progress, live while it
    runs (static/admin/job_progress.js polls the job's progress), then its result."""

    list_display = ("__str__", "kind", "state", "stage", "rows", "started_by", "created_at")
    list_filter = ("kind", "state")
    list_select_related = ("started_by",)
    date_hierarchy = "created_at"
    change_list_template = "admin/jobs/change_list.html"

    @admin.display(description=gettext_lazy("进度"))
    def rows(self, obj: Job) -> str:
        return f"{obj.done} / {obj.total}"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Who may read which job is the job's restriction (their own; a superuser every job).
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def may_rebuild(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="{}_{}_progress".format(*info),
            ),
            path(
                "rebuild/",
                self.admin_site.admin_view(self.rebuild_view),
                name="{}_{}_rebuild".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra = {**(extra_context or {}), "may_rebuild": self.may_rebuild(request)}
        return super().changelist_view(request, extra)

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The job's state and progress as JSON, for its page's script."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(self.get_queryset(request), pk=pk)
        return JsonResponse(job_progress(job))

    def rebuild_view(self, request: HttpRequest) -> HttpResponse:
        """POST: queue ``rebuild_registry`` (every version and the search index re-derived)."""
        if not self.may_rebuild(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:reform_registry_job_changelist"))
        with acting(user=request.user):
            job = job_enqueue(kind=Job.Kind.REBUILD, user=request.user)
        return HttpResponseRedirect(job_url(job))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not str(object_id).isdigit():
            raise Http404
        job = get_object_or_404(self.get_queryset(request), pk=int(object_id))
        report = job.result.get("report", {}) if isinstance(job.result, dict) else {}
        counts = report.get("counts", {})
        batch = job.batch if job.batch_id else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{job.get_kind_display()} #{job.pk}",
            "job": job,
            "progress": job_progress(job),
            "progress_url": reverse("admin:reform_registry_job_progress", args=[job.pk]),
            "batch": batch,
            "review_url": reverse("admin:reform_registry_importbatch_review", args=[batch.pk])
            if batch is not None
            else "",
            "has_report": bool(report),
            "counts": [(name, counts[name]) for name in SHEETS if name in counts],
            "errors": [{**e, "text": describe_error(e)} for e in report.get("errors", [])],
            "notices": report.get("notices", []),
            "campaigns": job.result.get("campaigns", []) if isinstance(job.result, dict) else [],
        }
        return TemplateResponse(request, "admin/jobs/job.html", context)


@admin.action(description=gettext_lazy("在后台执行所选的收回行动"))
def apply_campaigns_in_background(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
    """Queue the application of the selected previews (several jurisdictions, say) as one job;
    its page shows each campaign as it is applied, then their table."""
    if not request.user.has_perm(APPROVE):
        raise PermissionDenied
    ids = list(queryset.filter(status=CampaignStatus.PREVIEW).values_list("pk", flat=True))
    if not ids:
        messages.error(request, _("所选的收回行动中没有预览：只有预览可以执行。"))
        return None
    with acting(user=request.user):
        job = job_enqueue(
            kind=Job.Kind.CAMPAIGN_APPLY, user=request.user, params={"campaigns": ids}
        )
    return HttpResponseRedirect(job_url(job))


# The campaigns' admin (staffing) offers the background application; staffing knows no jobs.
if admin.site.is_registered(RecoveryCampaign):
    campaign_admin = admin.site.get_model_admin(RecoveryCampaign)
    campaign_admin.actions = [*(campaign_admin.actions or ()), apply_campaigns_in_background]
