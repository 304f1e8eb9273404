import argparse
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pricing.models import SyncStatus
from pricing.runs import ADAPTERS, STAGES, run_sync
from pricing.sources.base import FeedError


def as_of_date(value: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Sync prices from a public source into the ledger. The same feed twice writes nothing the second time."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=sorted(ADAPTERS))
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--file", type=Path, help="read the feed from a file instead of fetching it")
        where.add_argument("--url", help="fetch the feed from this URL instead of the source's own")
        parser.add_argument(
            "--as-of",
            type=as_of_date,
            help="date the observation (YYYY-MM-DD), to replay old snapshots in order",
        )
        parser.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")

    def handle(self, *args, source, file, url, as_of, dry_run, **options):
        bar = tqdm(
            total=len(STAGES), unit="step", disable=not (self.stdout.isatty() and options["verbosity"])
        )

        def on_stage(stage: str) -> None:
            bar.set_description(f"{source}: {stage}")
            bar.update(0 if bar.n == 0 and stage == STAGES[0] else 1)

        try:
            run, report = run_sync(
                source, url=url, file=file, observed_at=as_of, dry_run=dry_run, on_stage=on_stage
            )
        except FeedError as error:
            raise CommandError(f"Nothing was written: {error}") from None
        finally:
            bar.update(bar.total - bar.n)
            bar.close()
        if run.status == SyncStatus.SKIPPED:
            raise CommandError(f"Nothing was written: {run.error}.")
        for line in report.lines():
            self.stdout.write(line)
        if report.unmatched:
            self.stdout.write(
                f"New models created for review ({len(report.unmatched)}): "
                + ", ".join(report.unmatched[:20])
                + (" …" if len(report.unmatched) > 20 else "")
            )
        verdict = (
            "Dry run: nothing was written."
            if dry_run
            else ("Recorded." if report.wrote_anything else "Nothing changed.")
        )
        self.stdout.write(self.style.SUCCESS(verdict))
