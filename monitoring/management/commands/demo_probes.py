from django.conf import settings
from django.core.management.base import BaseCommand

from monitoring import demo


class Command(BaseCommand):
    help = (
        "Probe every profiled model against the fake provider (a demo without API keys; labelled as a demo on "
        "every page), or --remove the demo targets."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default=settings.DEMO_PROVIDER_URL, help="where the fake provider runs"
        )
        parser.add_argument("--remove", action="store_true", help="delete the demo targets and their runs")

    def handle(self, *args, base_url: str, remove: bool, verbosity: int, **options):
        if remove:
            self.stdout.write(f"Removed {demo.remove()} demo probe targets.")
            return
        targets = demo.install(base_url)
        if verbosity:
            self.stdout.write(
                f"{len(targets)} demo probe targets against the simulated provider at {base_url}, every "
                f"{demo.DEMO_INTERVAL_MINUTES} minutes (labelled as a demo on every page)."
            )
