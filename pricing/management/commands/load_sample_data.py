import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.feeds import parse_additions, parse_models_dev
from catalog.importing import CONTENT_DIR, import_facts, offering_ids
from pricing.ledger import record_prices
from pricing.sources import litellm, models_dev, price_source

DATA_DIR = Path(settings.BASE_DIR) / "data"
# The commit date of the models.dev catalogue in data/models-dev/api.json (see data/README.md).
MODELS_DEV_AS_OF = dt.datetime(2026, 7, 1, 16, 40, 28, tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Load the real sample data shipped in data/ and catalog/content/: the models.dev catalogue and its "
        "prices, our additions, and the editorial profiles. Safe to run again: it writes only what changed."
    )

    def handle(self, *args, **options):
        api_json = DATA_DIR / "models-dev" / "api.json"
        call_command("import_catalog", file=api_json, stdout=self.stdout, verbosity=options["verbosity"])

        additions, addition_items = parse_additions(CONTENT_DIR / "additions.yaml")
        report = import_facts([], additions)
        self.stdout.write(f"Additions: models {report.models}; offerings {report.offerings}")

        offerings = offering_ids()
        _, entries = parse_models_dev(models_dev.load(api_json))
        changes = record_prices(
            {
                offerings[(e.host, e.host_model_id)]: models_dev.price_records(e.raw)
                for e in entries
                if e.raw.get("cost")
            },
            source=price_source(models_dev.SLUG),
            observed_at=MODELS_DEV_AS_OF,
        )
        self.stdout.write(f"Prices from models.dev: {self._describe(changes)}")

        for item in addition_items:
            feed = item["prices"]
            assert feed["source"] == litellm.SLUG, "additions take their prices from LiteLLM's table"
            entry = litellm.load(Path(settings.BASE_DIR) / feed["file"])[feed["id"]]
            observed_at = dt.datetime.combine(feed["observed_at"], dt.time(), tzinfo=dt.UTC)
            changes = record_prices(
                {offerings[(item["host"], item["host_model_id"])]: litellm.price_records(entry)},
                source=price_source(litellm.SLUG),
                observed_at=observed_at,
            )
            self.stdout.write(
                f"Prices of {item['lab']}/{item['slug']} from LiteLLM: {self._describe(changes)}"
            )

        call_command("load_profiles", stdout=self.stdout, verbosity=options["verbosity"])

    @staticmethod
    def _describe(changes) -> str:
        return f"{changes.opened} new, {changes.changed} changed, {changes.unchanged} unchanged"
