"""Models of the project package: uploads of registry workbooks through the admin."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.restrict import RestrictedManager, is_restricted, own_rows
from units.models import Jurisdiction


class ImportBatch(models.Model):
    """A registry workbook uploaded in the admin: checked (a dry run), then imported on
    confirmation. The report holds the counts per sheet and every error found."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("已检查，待确认")
        REFUSED = "refused", _("有错误，未导入")
        IMPORTED = "imported", _("已导入")

    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"), editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    report = models.JSONField(_("检查报告"), default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("工作簿导入")
        verbose_name_plural = _("工作簿导入")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["checked", "refused", "imported"]),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message=_("未知的导入状态。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(imported_at__isnull=False),
                name="%(app_label)s_%(class)s_imported_has_time",
                violation_error_message=_("已导入的批次必须有导入时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def error_count(self) -> int:
        return len(self.report.get("errors", []))

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """A user limited to jurisdictions reads the workbooks they uploaded only (a workbook
        and its report name units of any jurisdiction)."""
        return own_rows(user, "uploaded_by") if is_restricted(Jurisdiction, user) else None
