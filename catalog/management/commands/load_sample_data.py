import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from catalog.search import refresh_documents
from tokenledger.sample_data import is_loaded, load_all, mark_loaded, refresh_planner_statistics


class Command(BaseCommand):
    help = (
        "Load the real sample data shipped in data/ and catalog/content/: the models.dev catalogue and its "
        "prices, our additions, and the editorial profiles. Safe to run again: it writes only what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="compare everything even if nothing changed")

    def handle(self, *args, verbosity: int, force: bool, **options):
        if not force and is_loaded():
            self.stdout.write(
                "Sample data: already loaded, and neither the data nor its loader changed since."
            )
            return
        show_bar = verbosity > 0 and sys.stdout.isatty()
        for line in load_all(
            progress=lambda items: tqdm(items, desc="models", unit="model", disable=not show_bar)
        ):
            self.stdout.write(line)
        # Every write keeps the search documents current; this catches a database loaded by an older search.
        self.stdout.write(f"Search documents: {refresh_documents()} models updated")
        self.stdout.write(refresh_planner_statistics())
        mark_loaded()
