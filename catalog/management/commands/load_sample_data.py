import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from tokenledger.sample_data import load_all


class Command(BaseCommand):
    help = (
        "Load the real sample data shipped in data/ and catalog/content/: the models.dev catalogue and its "
        "prices, our additions, and the editorial profiles. Safe to run again: it writes only what changed."
    )

    def handle(self, *args, verbosity: int, **options):
        show_bar = verbosity > 0 and sys.stdout.isatty()
        for line in load_all(
            progress=lambda items: tqdm(items, desc="models", unit="model", disable=not show_bar)
        ):
            self.stdout.write(line)
