"""Admin of workbook uploads: upload a registry workbook, read the dry-run report (counts per
sheet, every error), then confirm to import it. The import is attributed to the user."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
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

from .models import ImportBatch
from .workbook.context import describe_error
from .workbook.format import SHEETS
from .workbook.services import import_batch_apply, import_batch_check, upload_check
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
            try:
                with acting(user=request.user):
                    batch = import_batch_check(
                        filename=upload.name, content=upload.read(), user=request.user
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
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
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
