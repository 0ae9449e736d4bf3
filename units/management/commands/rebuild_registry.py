"""manage.py rebuild_registry [--check]: re-derive every version from the approved events."""

import json

from django.core.management.base import CommandError

from core.audit import RegistryCommand
from core.errors import RegistryError
from units import services


class Command(RegistryCommand):
    help = "Re-derive every unit version from registrations and approved events."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; report every difference and exit non-zero if there is any.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            differences = services.registry_differences()
            for item in differences:
                self.stdout.write(item["message"])
                if item.get("kind") == "difference":
                    self.stdout.write(
                        "  stored:  " + json.dumps(item["stored"], ensure_ascii=False)
                    )
                    self.stdout.write(
                        "  derived: " + json.dumps(item["derived"], ensure_ascii=False)
                    )
            if differences:
                raise CommandError(
                    f"{len(differences)} difference(s) between stored and derived versions."
                )
            self.stdout.write(
                self.style.SUCCESS("No differences: every version matches the events.")
            )
            return
        try:
            count = services.registry_rebuild()
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Re-derived the versions of {count} units."))
