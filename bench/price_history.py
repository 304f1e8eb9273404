"""Benchmark: the whole shipped price history, and the weekly sync on top of it.

1. Load everything `make run` loads, from scratch: the catalogue, then every shipped price file replayed in date
   order (data/history.yaml), and the profiles.
2. A catch-up sync: the history replayed up to the file before the newest LiteLLM table (1.110.2), then that
   table synced: four months of LiteLLM at once (thousands of new prices and offerings).
3. On the full ledger: the same file synced again at the same observation (it must write no row), and the weekly
   sync a week later (it must take under 2 s), which writes only what it confirms withdrawn (entries missing from
   two syncs six or more days apart).

Runs on a throwaway SQLite database, or on DATABASE_URL's server when set.
"""

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENLEDGER_VAR_DIR", tempfile.mkdtemp(prefix="tokenledger-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from catalog.models import Offering  # noqa: E402
from pricing.models import PendingPriceChange, PricePeriod, SourcePeriod  # noqa: E402
from pricing.runs import run_sync  # noqa: E402
from tokenledger import sample_data  # noqa: E402


class WriteCounter:
    """Rows written to the catalog and the ledger (a sync's own SyncRun and lease rows aside)."""

    def __init__(self):
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        if (
            sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "pricing_syncrun" not in sql
            and "pricing_synclease" not in sql
            and "catalog_dataversion" not in sql
        ):
            self.writes += 1
        return execute(sql, params, many, context)


def fresh_database() -> None:
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)


def counts() -> str:
    return (
        f"{Offering.objects.count():,} offerings, {SourcePeriod.objects.count():,} source periods, "
        f"{PricePeriod.objects.count():,} published periods ({PricePeriod.objects.changes().count():,} changes), "
        f"{PendingPriceChange.objects.count():,} held"
    )


def main() -> None:
    fresh_database()
    started = time.perf_counter()
    sample_data.load_all()
    whole = time.perf_counter() - started
    print(f"load the whole shipped history from scratch: {whole:.1f} s  ({counts()})")

    # Start again, up to the file before the newest LiteLLM table, and time the weekly sync of that table.
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)  # flush empties the schedule rows the migrations wrote
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")  # as a fresh database: the flushed rows' pages given back
    files = sample_data.price_history()
    newest = max((f for f in files if f.source == "litellm"), key=lambda f: f.observed_at)
    sample_data.load_catalogue(sample_data.models_dev.load(sample_data.MODELS_DEV_API_JSON))
    started = time.perf_counter()
    sample_data.load_price_history([f for f in files if f is not newest])
    replay = time.perf_counter() - started
    print(f"replay every file but the newest LiteLLM table (catalogue imported first): {replay:.1f} s")

    started = time.perf_counter()
    _, report = run_sync("litellm", file=newest.path, observed_at=newest.observed_at)
    weekly = time.perf_counter() - started
    print(
        f"catch-up sync of LiteLLM {newest.path.parent.name}/{newest.path.name} (4 months at once): "
        f"{weekly:.2f} s  ({report.seen:,} entries; {report.ledger})"
    )

    for label, observed in (("again, same observation", newest.observed_at), ("a week later, the weekly sync (limit 2 s)", newest.observed_at + dt.timedelta(days=7))):  # fmt: skip
        counter = WriteCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            _, report = run_sync("litellm", file=newest.path, observed_at=observed)
            took = time.perf_counter() - started
        print(
            f"re-sync {label}: {took:.2f} s, {counter.writes} write statements "
            f"({report.ledger.withdrawn} withdrawals confirmed, {report.ledger.published} published periods)"
        )


if __name__ == "__main__":
    main()
