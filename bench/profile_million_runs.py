"""Benchmark: the profile page of a monitored model with 10 probe runs in the database, then with 1,000,000.

The model (openai/gpt-4o) is probed at three hosts every 2 minutes for the 35 days of raw retention (75,600
runs); 997 other targets share the rest, hourly. Prints the rows, how long rolling them up took, and for each
case the page's query count and server time (median of 30 renders through Django's test client).
Runs on a throwaway SQLite database, or on DATABASE_URL's server when set.
"""

import datetime as dt
import os
import random
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from bench.support.pages import measure_page  # noqa: E402
from catalog.models import Model, Offering  # noqa: E402
from monitoring import rollups  # noqa: E402
from monitoring.models import Adapter, ProbeRun, ProbeTarget  # noqa: E402
from tokenledger.sample_data import load_all  # noqa: E402

TOTAL = int(os.environ.get("BENCH_PROBE_RUNS", 1_000_000))
PAGE = "/models/openai/gpt-4o/"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
RETENTION = dt.timedelta(days=35)
COLUMNS = [
    "target_id",
    "started_at",
    "outcome",
    "http_status",
    "latency_ms",
    "ttft_ms",
    "output_tokens",
    "tokens_per_second",
    "error",
]


def run_rows(target_id: int, times, rng: random.Random):
    for at in times:
        roll = rng.random()
        if roll < 0.004:
            yield (target_id, at, "http_error", 503, None, None, None, None, "HTTP 503")
        elif roll < 0.006:
            yield (target_id, at, "http_error", 429, None, None, None, None, "HTTP 429")
        elif roll < 0.007:
            yield (target_id, at, "timeout", None, None, None, None, None, "timed out after 30 s")
        else:
            ttft = rng.lognormvariate(6.0, 0.35)
            latency = ttft + rng.lognormvariate(5.0, 0.4)
            yield (target_id, at, "ok", 200, latency, ttft, 8, 7000 / (latency - ttft), "")


def insert(rows) -> int:
    table = ProbeRun._meta.db_table
    marks = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"
    count, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def main() -> None:
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    load_all()
    rng = random.Random(20261125)
    model = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    hosts = list(Offering.objects.filter(model=model).order_by("pk")[:3])
    others = list(Offering.objects.exclude(model=model).order_by("pk")[:997])
    targets = [
        ProbeTarget.objects.create(
            offering=o, adapter=Adapter.OPENAI, base_url=f"https://{o.host.slug}.example/v1"
        )
        for o in hosts + others
    ]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()

    with transaction.atomic():
        insert(run_rows(targets[0].pk, (NOW - dt.timedelta(minutes=2 * n) for n in range(10)), rng))
        rollups.refresh(NOW - dt.timedelta(minutes=20), NOW)
    small = measure_page(client, PAGE)
    ProbeRun.objects.all().delete()

    started = time.perf_counter()
    model_times = [NOW - dt.timedelta(minutes=2 * n) for n in range(int(RETENTION / dt.timedelta(minutes=2)))]
    with transaction.atomic():
        rows = sum(insert(run_rows(t.pk, model_times, rng)) for t in targets[:3])
        per_other, extra = divmod(TOTAL - rows, len(others))
        for index, target in enumerate(targets[3:]):
            count = per_other + (1 if index < extra else 0)
            rows += insert(run_rows(target.pk, (NOW - dt.timedelta(hours=h) for h in range(count)), rng))
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    oldest = NOW - dt.timedelta(hours=per_other + 1)
    rollups.refresh(oldest, NOW)
    rolled = time.perf_counter() - started
    big = measure_page(client, PAGE)

    print(f"probe runs in the database:    {ProbeRun.objects.count():,} (inserted in {inserted:.1f} s)")
    print(
        f"  of the profiled model:       {ProbeRun.objects.filter(target__in=targets[:3]).count():,} at 3 hosts"
    )
    print(f"rolled up (hourly + daily):    {rolled:.1f} s for {rows:,} runs")
    print(
        f"profile page, 10 runs:         {small.queries} queries, built in {small.built_ms:.1f} ms (median); "
        f"from the page cache {small.cached_ms:.1f} ms, {small.cached_queries} query"
    )
    print(
        f"profile page, {TOTAL:,} runs:  {big.queries} queries, built in {big.built_ms:.1f} ms (median); "
        f"from the page cache {big.cached_ms:.1f} ms, {big.cached_queries} query "
        f"(built, ratio to 10 runs: {big.built_ms / small.built_ms:.2f})"
    )
    print(
        f"target: same query count -> {'met' if big.queries == small.queries else 'NOT met'}; "
        f"built under 50 ms -> {'met' if big.built_ms < 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
