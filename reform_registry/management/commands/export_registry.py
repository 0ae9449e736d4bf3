"""manage.py export_registry PATH [--demo] | --template PATH.xlsx: the whole registry as a
workbook, or the blank workbook to fill in (DESIGN §5)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.audit import RegistryCommand
from core.errors import RegistryError
from reform_registry.demo.workbook import demo_rows
from reform_registry.workbook.exporter import export_registry
from reform_registry.workbook.template import write_template
from reform_registry.workbook.writers import write_workbook


class Command(RegistryCommand):
    help = "Export the registry: a path ending in .xlsx gives a workbook, any other a csv folder."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="write the demo of load_demo instead (built on an empty registry and rolled back)",
        )
        parser.add_argument(
            "--template",
            metavar="PATH.xlsx",
            help="write the blank workbook instead: every sheet's header and an example row, "
            "the codes with their labels, drop-down lists on the code columns",
        )

    def handle(self, *args, path=None, demo=False, template=None, **options):
        if template is not None:
            if path is not None or demo:
                raise CommandError(_("--template 只需一个路径，不能与 PATH 或 --demo 同用。"))
            if not template.lower().endswith(".xlsx"):
                raise CommandError(_("模板只能写成 .xlsx 工作簿：%(path)s") % {"path": template})
            written = write_template(template)
        elif path is None:
            raise CommandError(_("请给出导出路径 PATH（或 --template PATH.xlsx）。"))
        elif demo:
            try:
                written = write_workbook(demo_rows(), path)
            except RegistryError as exc:
                raise CommandError(str(exc)) from None
        else:
            written = export_registry(path)
        self.stdout.write(self.style.SUCCESS(_("已导出到 %(path)s") % {"path": written}))
