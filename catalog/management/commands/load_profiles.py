from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importing import CONTENT_DIR
from catalog.profiles import ProfileFileError, load_profiles


class Command(BaseCommand):
    help = "Load the editorial profiles in catalog/content/profiles/ (Markdown with YAML front matter)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=CONTENT_DIR)

    def handle(self, *args, dir: Path, **options):
        try:
            report = load_profiles(dir)
        except ProfileFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Profiles: {report}")
