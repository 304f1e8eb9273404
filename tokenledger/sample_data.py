"""The real sample data shipped in data/ and catalog/content/, loaded through the same services as real feeds.

Used by `manage.py load_sample_data` (and so by `make run`) and by the test suite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from catalog.feeds import parse_additions, parse_models_dev
from catalog.importing import CONTENT_DIR, ImportReport, import_facts
from catalog.profiles import load_profiles
from pricing.sources import litellm, models_dev, price_source
from pricing.sync import SyncReport, sync_feed

DATA_DIR = Path(settings.BASE_DIR) / "data"
MODELS_DEV_API_JSON = DATA_DIR / "models-dev" / "api.json"
# The commit date of that catalogue (models.dev commit f3fc6922; see data/README.md).
MODELS_DEV_AS_OF = dt.datetime(2026, 7, 1, 16, 40, 28, tzinfo=dt.UTC)


def load_models_dev(
    data: dict[str, Any], *, observed_at: dt.datetime = MODELS_DEV_AS_OF, progress: Callable | None = None
) -> tuple[ImportReport, SyncReport]:
    """Import a models.dev api.json: the catalog first, then its prices, as the weekly sync records them."""
    providers, entries = parse_models_dev(data)
    report = import_facts(providers, entries, progress=progress)
    sync = sync_feed(models_dev.parse(data), source=price_source(models_dev.SLUG), observed_at=observed_at)
    return report, sync


def load_additions(path: Path = CONTENT_DIR / "additions.yaml") -> list[str]:
    """Models the catalogue lacks (content/additions.yaml), with prices from the feed entry each one names."""
    entries, items = parse_additions(path)
    import_facts([], entries)
    lines = []
    for item in items:
        feed = item["prices"]
        if feed["source"] != litellm.SLUG:
            raise ValueError(f"{item['slug']}: additions take their prices from LiteLLM's table")
        table = litellm.load(Path(settings.BASE_DIR) / feed["file"])
        report = sync_feed(
            litellm.parse({feed["id"]: table[feed["id"]]}),
            source=price_source(litellm.SLUG),
            observed_at=dt.datetime.combine(feed["observed_at"], dt.time(), tzinfo=dt.UTC),
        )
        lines.append(f"{item['lab']}/{item['slug']}: prices from LiteLLM {report.ledger}")
    return lines


def load_all(data: dict[str, Any] | None = None, progress: Callable | None = None) -> list[str]:
    """Everything `make run` shows: the catalogue and its prices, our additions, the editorial profiles."""
    if data is None:
        data = models_dev.load(MODELS_DEV_API_JSON)
    report, sync = load_models_dev(data, progress=progress)
    lines = [
        f"Providers: {report.providers}",
        f"Models:    {report.models}",
        f"Offerings: {report.offerings}",
        f"Prices from models.dev: {sync.ledger}",
    ]
    lines += load_additions()
    lines.append(f"Profiles: {load_profiles(CONTENT_DIR)}")
    return lines
