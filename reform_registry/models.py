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
        PENDING = "pending", _("检查中")
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
                condition=Q(status__in=["pending", "checked", "refused", "imported"]),
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


class Job(models.Model):
    """A background job: what it runs, who started it, its state and its progress (stage, rows
    done of total), then its result (a workbook's report, a campaign's table) or the reason it
    failed. The worker runs it (``reform_registry.tasks.run_job``); while it runs, its live
    progress is published through the jobs cache (``reform_registry.jobs``)."""

    class Kind(models.TextChoices):
        WORKBOOK_CHECK = "workbook_check", _("工作簿检查")
        WORKBOOK_IMPORT = "workbook_import", _("工作簿导入")
        CAMPAIGN_APPLY = "campaign_apply", _("执行编制收回")
        REBUILD = "rebuild", _("重建登记簿")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(_("参数"), default=dict, editable=False)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("工作簿导入"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    stage = models.CharField(_("阶段"), max_length=100, blank=True)
    done = models.PositiveIntegerField(_("已完成行数"), default=0)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    result = models.JSONField(_("结果"), default=dict, editable=False)
    error = models.TextField(_("失败原因"), blank=True)
    worker = models.CharField(_("工作进程"), max_length=100, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "succeeded", "failed"]),
                name="%(app_label)s_%(class)s_state_valid",
                violation_error_message=_("未知的任务状态。"),
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["workbook_check", "workbook_import", "campaign_apply", "rebuild"]
                ),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("未知的任务种类。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}（{self.get_state_display()}）"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    @classmethod
    def restriction(cls, user: Any) -> Q | None:
        """A superuser reads every job; anyone else the jobs they started."""
        return None if getattr(user, "is_superuser", False) else own_rows(user, "started_by")
