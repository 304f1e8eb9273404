import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.feeds import parse_models_dev
from catalog.importing import import_facts
from pricing.sources import models_dev
from pricing.sources.base import FeedError

DEFAULT_FILE = Path(settings.BASE_DIR) / "data" / "models-dev" / "api.json"


class Command(BaseCommand):
    help = "Import providers, models and offerings from a models.dev api.json file. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help=f"default: {DEFAULT_FILE}")

    def handle(self, *args, file: Path, verbosity: int, **options):
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            data = models_dev.load(file)
        except FeedError as error:
            raise CommandError(str(error)) from None
        if not models_dev.is_api_json(data):
            raise CommandError(f"{file} is not a models.dev api.json: expected providers with 'models'.")

        data, rejections = models_dev.validated(data)  # the schema the price sync reads it with
        for rejection in rejections:
            self.stderr.write(f"Left out {rejection.source_id}: {rejection.reason}")
        providers, entries = parse_models_dev(data)
        show_bar = verbosity > 0 and sys.stdout.isatty()
        report = import_facts(
            providers,
            entries,
            progress=lambda items: tqdm(items, desc="models", unit="model", disable=not show_bar),
        )
        self.stdout.write(f"Providers: {report.providers}")
        self.stdout.write(f"Models:    {report.models}")
        self.stdout.write(f"Offerings: {report.offerings}")
        if report.changed_anything:
            self.stdout.write(self.style.SUCCESS(f"Imported {len(entries)} entries from {file.name}."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Nothing changed: the catalog already matches {file.name}.")
            )
