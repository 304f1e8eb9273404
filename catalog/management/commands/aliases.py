from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.aliases import ALIASES_FILE, AliasFileError, export_aliases, load_aliases


class Command(BaseCommand):
    help = "Export the editors' identity decisions (model aliases) to a content file, or load them from it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "load"])
        parser.add_argument("--file", type=Path, default=ALIASES_FILE, help=f"default: {ALIASES_FILE}")

    def handle(self, *args, action: str, file: Path, **options):
        if action == "export":
            self.stdout.write(self.style.SUCCESS(f"Exported {export_aliases(file)} aliases to {file}."))
            return
        try:
            created, updated = load_aliases(file)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except AliasFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Aliases: {created} new, {updated} updated from {file.name}."))
        self.stdout.write("Run `manage.py resolve_models` to apply them to the catalogue now.")
