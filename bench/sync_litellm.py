"""Benchmark: sync the newest real LiteLLM table (2,985 entries) into an empty ledger, then again unchanged.

Prints the wall time of each sync and the rows the second one wrote (it must write none to the ledger).
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

from pricing.models import PricePeriod, SourceQuote  # noqa: E402
from pricing.runs import run_sync  # noqa: E402

FEED = ROOT / "data" / "litellm" / "model_prices_and_context_window.json"


class WriteCounter:
    def __init__(self):
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        if (
            sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "pricing_syncrun" not in sql
            and "pricing_synclease" not in sql
        ):
            self.writes += 1
        return execute(sql, params, many, context)


def main() -> None:
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    first_day = dt.datetime(2026, 7, 24, tzinfo=dt.UTC)

    started = time.perf_counter()
    _, report = run_sync("litellm", file=FEED, observed_at=first_day)
    cold = time.perf_counter() - started
    periods = PricePeriod.objects.count()

    counter = WriteCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        run_sync("litellm", file=FEED, observed_at=first_day + dt.timedelta(days=7))
        warm = time.perf_counter() - started

    print(f"entries in the feed:           {report.seen:,}")
    print(
        f"sync into an empty ledger:     {cold:.2f} s  ({periods:,} price periods, {report.new_models:,} new models)"
    )
    print(f"unchanged re-sync:             {warm:.2f} s  (ratio to the first: {warm / cold:.2f})")
    print(
        f"rows the re-sync wrote:        {counter.writes} (ledger: {PricePeriod.objects.count() - periods}, "
        f"dissenting quotes: {SourceQuote.objects.count()})"
    )
    print(
        f"target: first sync under 2 s -> {'met' if cold < 2 else 'NOT met'}; "
        f"re-sync writes no row -> {'met' if counter.writes == 0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
