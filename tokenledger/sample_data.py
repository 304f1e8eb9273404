"""The real sample data shipped in data/ and catalog/content/, loaded through the same services as real feeds.

Used by `manage.py load_sample_data` (and so by `make run`) and by the test suite.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import connection
from django.db.models import Max

from catalog.aliases import load_aliases
from catalog.feeds import parse_additions, parse_models_dev
from catalog.importing import CONTENT_DIR, ImportReport, import_facts, offering_ids
from catalog.lifecycle import record_retirements
from catalog.profiles import load_profiles
from pricing.listing import refresh_listed_prices
from pricing.models import SyncRun, SyncStatus
from pricing.runs import run_sync
from pricing.sources import litellm, models_dev, price_source
from pricing.sync import SyncReport, sync_feed

DATA_DIR = Path(settings.BASE_DIR) / "data"
MODELS_DEV_API_JSON = DATA_DIR / "models-dev" / "api.json"
HISTORY_MANIFEST = DATA_DIR / "history.yaml"
# The newest LiteLLM table (1.110.2, 2026-11-20): the retirement dates hosts have announced.
LITELLM_LATEST = DATA_DIR / "litellm" / "latest" / "model_prices_and_context_window.json"
# The commit date of that catalogue (models.dev commit f3fc6922; see data/README.md).
MODELS_DEV_AS_OF = dt.datetime(2026, 7, 1, 16, 40, 28, tzinfo=dt.UTC)


def load_models_dev(
    data: dict[str, Any], *, observed_at: dt.datetime = MODELS_DEV_AS_OF, progress: Callable | None = None
) -> tuple[ImportReport, SyncReport]:
    """Import a models.dev api.json: the catalog first, then its prices, as the weekly sync records them."""
    providers, entries = parse_models_dev(data)
    report = import_facts(providers, entries, progress=progress)
    sync = sync_feed(
        models_dev.feed_of(entries), source=price_source(models_dev.SLUG), observed_at=observed_at
    )
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
        single = litellm.parse({feed["id"]: table[feed["id"]]})
        single.complete = False  # one entry of the table: it says nothing of the others
        report = sync_feed(
            single,
            source=price_source(litellm.SLUG),
            observed_at=dt.datetime.combine(feed["observed_at"], dt.time(), tzinfo=dt.UTC),
        )
        lines.append(f"{item['lab']}/{item['slug']}: prices from LiteLLM {report.ledger}")
    return lines


@functools.cache
def announced_retirements(path: Path = LITELLM_LATEST) -> dict[tuple[str, str], dt.date]:
    """(host, host model id) → the retirement date LiteLLM's table announces (`deprecation_date`). Read once."""
    feed = litellm.parse(litellm.load(path))
    return {(e.host, e.host_model_id): e.retires_on for e in feed.entries if e.retires_on}


def load_retirements(path: Path = LITELLM_LATEST) -> str:
    """The retirement dates LiteLLM announces, on the offerings the catalogue has."""
    offerings = offering_ids()
    dates = {offerings[key]: date for key, date in announced_retirements(path).items() if key in offerings}
    return f"Retirement dates from LiteLLM: {record_retirements(dates)} offerings updated"


@dataclass(frozen=True)
class HistoryFile:
    source: str
    path: Path
    observed_at: dt.datetime


def price_history(manifest: Path = HISTORY_MANIFEST) -> list[HistoryFile]:
    """The price files shipped in data/, in the order they are replayed (data/history.yaml)."""
    with manifest.open(encoding="utf-8") as f:
        items = yaml.safe_load(f)
    files = [
        HistoryFile(item["source"], DATA_DIR / item["file"], dt.datetime.fromisoformat(item["observed_at"]))
        for item in items
    ]
    return sorted(files, key=lambda f: f.observed_at)


def load_price_history(files: list[HistoryFile] | None = None) -> list[str]:
    """Replay every shipped price file as its source's weekly sync would have seen it, oldest first: each one a
    SyncRun, as if it had been fetched on its date."""
    lines = []
    # A file its source has already been seen at (or after) is recorded: a second load resumes, never rewinds.
    recorded = dict(
        SyncRun.objects.filter(status=SyncStatus.SUCCEEDED, dry_run=False)
        .values_list("source__slug")
        .annotate(Max("observed_at"))
    )
    for item in files if files is not None else price_history():
        if item.observed_at <= recorded.get(item.source, item.observed_at - dt.timedelta(seconds=1)):
            lines.append(f"  {item.observed_at:%Y-%m-%d} {item.source}: already recorded")
            continue
        run, report = run_sync(item.source, file=item.path, observed_at=item.observed_at)
        lines.append(
            f"  {item.observed_at:%Y-%m-%d} {run.source.name}: {report.ledger}; "
            f"{report.ledger.published} published periods written"
        )
    return lines


def load_catalogue(data: dict[str, Any], progress: Callable | None = None) -> tuple[list[str], list]:
    """The catalogue without prices: editors' identity decisions, a models.dev catalogue, our additions."""
    created, updated = load_aliases()
    providers, entries = parse_models_dev(data)
    report = import_facts(providers, entries, progress=progress)
    additions, _ = parse_additions(CONTENT_DIR / "additions.yaml")
    import_facts([], additions)
    lines = [
        f"Editors' identity decisions: {created} new, {updated} updated",
        f"Providers: {report.providers}",
        f"Models:    {report.models}",
        f"Offerings: {report.offerings}",
    ]
    return lines, entries


def load_all(
    data: dict[str, Any] | None = None, progress: Callable | None = None, *, history: bool | None = None
) -> list[str]:
    """Everything `make run` shows: the catalogue, our additions, every shipped price file replayed in date order
    (`history`, the default when no catalogue is given), and the editorial profiles.

    Given a catalogue (`data`, as tests do), its own prices are recorded as of its date instead of the history.
    """
    history = data is None if history is None else history
    if data is None:
        data = models_dev.load(MODELS_DEV_API_JSON)
    lines, entries = load_catalogue(data, progress)
    if history:
        lines.append("Price history, replayed file by file:")
        lines += load_price_history()
    else:
        sync = sync_feed(
            models_dev.feed_of(entries), source=price_source(models_dev.SLUG), observed_at=MODELS_DEV_AS_OF
        )
        lines.append(f"Prices from models.dev: {sync.ledger}")
        lines += load_additions()
    lines.append(load_retirements())
    lines.append(f"Profiles: {load_profiles(CONTENT_DIR)}")
    # Syncs keep the catalog's listed prices current as they write; this catches a database that had its
    # prices before the listing existed.
    lines.append(f"Listed prices: {refresh_listed_prices()} models updated")
    return lines


def refresh_planner_statistics() -> str:
    """Give the planner the statistics of the tables just loaded (ANALYZE). Without them PostgreSQL, where
    autovacuum is off or has not come round yet, takes the 372 providers for 30 and joins them by nested loops:
    the similar models of a profile took 335 ms instead of 65 ms (EXPLAIN ANALYZE, shipped data); and SQLite
    sorts every model for each page of the API's list instead of reading the catalogue's order from its indexes
    (catalog migration 0016)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return "Planner statistics: refreshed (ANALYZE)"


# Everything the sample data is made of: the files, and the code that reads them into the database.
_INPUTS = [
    DATA_DIR,
    CONTENT_DIR,
    *(
        Path(settings.BASE_DIR) / p
        for p in (
            "tokenledger/sample_data.py",
            "catalog/importing.py",
            "catalog/feeds.py",
            "catalog/identity.py",
            "catalog/aliases.py",
            "catalog/resolution.py",
            "catalog/search.py",
            "catalog/lifecycle.py",
            "catalog/profiles.py",
            "pricing/sync.py",
            "pricing/listing.py",
            "pricing/ledger.py",
            "pricing/records.py",
            "pricing/history.py",
            "pricing/runs.py",
            "pricing/sources",
        )
    ),
]


def fingerprint() -> str:
    """A digest of the sample data and of the code that loads it: when it is unchanged, so is the result."""
    digest = hashlib.sha256()
    for root in _INPUTS:
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _marker() -> Path:
    """Where the fingerprint of the last load into *this* database is kept (one file per database)."""
    database = settings.DATABASES["default"]
    name = hashlib.sha256(
        f"{database['ENGINE']}:{database.get('HOST')}:{database['NAME']}".encode()
    ).hexdigest()
    return settings.VAR_DIR / f"sample-data-{name[:16]}.sha256"


def is_loaded() -> bool:
    """True when this database holds the sample data exactly as the current files and code would load it."""
    from catalog.models import Profile

    marker = _marker()
    return marker.exists() and marker.read_text() == fingerprint() and Profile.objects.exists()


def mark_loaded() -> None:
    _marker().write_text(fingerprint())
