"""manage.py import_registry PATH [--dry-run]: import a registry workbook (DESIGN §5)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.audit import RegistryCommand
from reform_registry.workbook import read_workbook
from reform_registry.workbook.context import describe_error
from reform_registry.workbook.importer import import_workbook


class Command(RegistryCommand):
    help = (
        "Import a registry workbook (.xlsx) or a folder of .csv files: all or nothing; "
        "identical rows are skipped, every bad row is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="an .xlsx workbook or a folder of .csv files")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything and write nothing"
        )

    def handle(self, *args, path, dry_run=False, **options):
        data = read_workbook(path)
        report = import_workbook(data, dry_run=dry_run, source=str(path))
        for name, counts in report.present_counts(data.sheets).items():
            self.stdout.write(
                _("%(sheet)s：新建 %(created)d，相同跳过 %(skipped)d")
                % {"sheet": name, "created": counts["created"], "skipped": counts["skipped"]}
            )
        for error in [*report.errors, *report.notices]:
            self.stderr.write(describe_error(error))
        if report.errors:
            raise CommandError(
                _("工作簿有 %(n)d 个错误，未导入任何内容。") % {"n": len(report.errors)}
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS(_("检查通过（试运行，未写入）。")))
        else:
            self.stdout.write(self.style.SUCCESS(_("导入完成。")))
