"""manage.py export_registry PATH [--demo]: the whole registry as a workbook (DESIGN §5)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from reform_registry.workbook.demo_workbook import demo_rows
from reform_registry.workbook.exporter import export_registry
from reform_registry.workbook.writers import write_workbook
from units.audit import RegistryCommand
from units.exceptions import RegistryError


class Command(RegistryCommand):
    help = "Export the registry: a path ending in .xlsx gives a workbook, any other a csv folder."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="write the demo of load_demo instead (built on an empty registry and rolled back)",
        )

    def handle(self, *args, path, demo=False, **options):
        if demo:
            try:
                written = write_workbook(demo_rows(), path)
            except RegistryError as exc:
                raise CommandError(str(exc)) from None
        else:
            written = export_registry(path)
        self.stdout.write(self.style.SUCCESS(_("已导出到 %(path)s") % {"path": written}))
