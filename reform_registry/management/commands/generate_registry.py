"""manage.py generate_registry --institutions N [--seed S]: a synthetic registry
(``reform_registry.demo.generate``)."""

from __future__ import annotations

from django.core.management.base import CommandError

from core.audit import RegistryCommand
from core.errors import RegistryError
from reform_registry.demo.generate import generate_registry


class Command(RegistryCommand):
    help = "Generate a synthetic registry of N institutions (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("--institutions", type=int, required=True, help="How many (N).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--without-staffing",
            action="store_true",
            help="Only the registry: skip the staffing step (quotas, headcounts).",
        )

    def handle(self, *args, institutions: int, seed: int, without_staffing: bool, **options):
        try:
            result = generate_registry(
                institutions=institutions,
                seed=seed,
                staffing=not without_staffing,
                stdout=self.stdout,
            )
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        timings = result["timings"]
        self.stdout.write(
            f"Generated {result['institutions']} institutions, {result['departments']} "
            f"departments in {result['jurisdictions']} jurisdictions, {result['decisions']} "
            f"decisions with {result['events']} events "
            + ", ".join(f"{k} {v}" for k, v in result["event_types"].items())
        )
        self.stdout.write(
            "Time: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())
        )
        self.stdout.write(self.style.SUCCESS(f"generate_registry took {timings['total']:.1f}s"))
