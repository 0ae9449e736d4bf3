"""manage.py export_registry PATH: the whole registry as a workbook (DESIGN §5)."""

from django.utils.translation import gettext as _

from reform_registry.workbook.exporter import export_registry
from units.audit import RegistryCommand


class Command(RegistryCommand):
    help = "Export the registry: a path ending in .xlsx gives a workbook, any other a csv folder."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        written = export_registry(path)
        self.stdout.write(self.style.SUCCESS(_("已导出到 %(path)s") % {"path": written}))
