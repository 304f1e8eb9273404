from collections import Counter

from django.core.management.base import BaseCommand

from catalog.resolution import resolve_catalog


class Command(BaseCommand):
    help = (
        "Resolve every listing in the catalog to its lab's model again (catalog.identity): print what merged by "
        "which rule, what went to the editors' queue and what stayed separate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compute and print, then roll back.")

    def handle(self, *args, dry_run: bool, **options):
        report = resolve_catalog(dry_run=dry_run)
        self.stdout.write("Listings by the rule that placed them:")
        for rule, count in report.rules.most_common():
            self.stdout.write(f"  {rule:<22} {count:>6}")
        by_rule = Counter(report.merged_rules)
        self.stdout.write(f"Moved: {report.moved} listings to another model")
        self.stdout.write(
            f"Merged: {len(report.merged)} models into another"
            + (" (" + ", ".join(f"{rule} {n}" for rule, n in by_rule.most_common()) + ")" if by_rule else "")
        )
        if options["verbosity"] > 1:
            for listing, old, new, rule in report.moves:
                self.stdout.write(f"  moved {listing}: {old} → {new} ({rule})")
        for old, new in report.merged[:50]:
            self.stdout.write(f"  {old} → {new}")
        if len(report.merged) > 50:
            self.stdout.write(f"  … and {len(report.merged) - 50} more")
        self.stdout.write(
            f"Queued for an editor: {report.queued} new ({report.rules.get('doubtful', 0)} doubtful in all)"
        )
        self.stdout.write(
            f"Kept separate: {report.rules['unknown-lab']} listings name no lab and stay models of their host"
        )
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
