from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from catalog.importing import CONTENT_DIR
from catalog.profiles import (
    ProfileFileError,
    ensure_editors,
    load_profile,
    read_profile_file,
    sync_benchmarks,
)


class Command(BaseCommand):
    help = "Load the editorial profiles in catalog/content/profiles/ (Markdown with YAML front matter)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=CONTENT_DIR)

    def handle(self, *args, dir: Path, **options):
        editors = ensure_editors(yaml.safe_load((dir / "editors.yaml").read_text(encoding="utf-8")))
        benchmarks = sync_benchmarks(yaml.safe_load((dir / "benchmarks.yaml").read_text(encoding="utf-8")))
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for path in sorted((dir / "profiles").glob("*/*.md")):
            try:
                meta, article = read_profile_file(path)
                counts[load_profile(meta, article, editors, benchmarks)] += 1
            except (ProfileFileError, KeyError, yaml.YAMLError) as error:
                raise CommandError(f"{path}: {error}") from None
        self.stdout.write(
            f"Profiles: {counts['created']} new, {counts['updated']} updated, {counts['unchanged']} unchanged"
        )
