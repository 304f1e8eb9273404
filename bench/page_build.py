"""Benchmark: the profile, browse and search pages built from scratch (the page cache missed every time) on the
shipped data, with DEBUG off.

Loads the sample data (the real catalogue, its price history, the editorial profiles) and three hosts' probe runs
of the profiled openai/gpt-4o (one every 10 minutes for the 35 days of raw retention, rolled up), then prints for
each page its query count, the median server time of building it (BENCH_RENDERS builds through Django's test
client, the page cache emptied before each) and the CPU time this process spent on it, median and least. `BENCH_PROFILE=1` also prints a pyinstrument profile of each page
(pip install pyinstrument). Runs on a throwaway SQLite database, or on DATABASE_URL's server when set;
`BENCH_KEEP_DB=1` keeps the loaded database for the next run (with SQLite, in the TOKENLEDGER_VAR_DIR you give).
"""

import datetime as dt
import os
import random
import statistics
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
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.support.pages import measure_page  # noqa: E402
from catalog.models import Model, Offering  # noqa: E402
from monitoring import rollups  # noqa: E402
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget  # noqa: E402
from tokenledger.sample_data import load_all, refresh_planner_statistics  # noqa: E402

PROFILED = "openai/gpt-4o"
PAGES = {
    "profile, reviewed, probed": f"/models/{PROFILED}/",
    "profile, reviewed, no probes": "/models/anthropic/claude-sonnet-4-5/",
    "profile, not reviewed": "/models/meta/llama-3.3-70b-instruct/",
    "browse, default": "/models/",
    "browse, filtered": "/models/?lab=openai&input=image&min_context=128000&kind=payg&cap=tools&max_input=3",
    "browse, by price, page 3": "/models/?sort=input_price&page=3",
    "search 'gpt'": "/models/?q=gpt",
    "search 'claude sonnet'": "/models/?q=claude+sonnet",
}
RENDERS = int(os.environ.get("BENCH_RENDERS", 20))
RUN_EVERY = dt.timedelta(minutes=10)
RETENTION = dt.timedelta(days=35)


def add_probe_runs(model: Model) -> int:
    """Three of the model's hosts probed every 10 minutes for 35 days, mostly ok, rolled up as the beat does."""
    rng = random.Random(13)
    now = timezone.now()
    runs = []
    for offering in Offering.objects.filter(model=model).order_by("pk")[:3]:
        target = ProbeTarget.objects.create(
            offering=offering, adapter=Adapter.OPENAI, base_url=f"https://{offering.host.slug}.example/v1"
        )
        for n in range(int(RETENTION / RUN_EVERY)):
            ok = rng.random() > 0.01
            ttft = rng.lognormvariate(6.0, 0.35)
            latency = ttft + rng.lognormvariate(5.0, 0.4)
            runs.append(
                ProbeRun(
                    target=target,
                    started_at=now - n * RUN_EVERY,
                    outcome=Outcome.OK if ok else Outcome.HTTP_ERROR,
                    http_status=200 if ok else 503,
                    latency_ms=latency if ok else None,
                    ttft_ms=ttft if ok else None,
                    output_tokens=8 if ok else None,
                    tokens_per_second=7000 / (latency - ttft) if ok else None,
                    error="" if ok else "HTTP 503",
                )
            )
    with transaction.atomic():
        ProbeRun.objects.bulk_create(runs, batch_size=5000)
        rollups.refresh(now - RETENTION - dt.timedelta(hours=1), now)
    return len(runs)


def cpu_ms(client: Client, url: str, renders: int) -> tuple[float, float]:
    """The median and the least CPU time of this process to build the page (on a busy machine wall-clock times
    measure the neighbours: CPU time less so). With SQLite it includes the queries, with PostgreSQL not."""
    times = []
    for _ in range(renders):
        cache.clear()
        started = time.process_time()
        client.get(url)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times), min(times)


def profile_page(client: Client, url: str) -> None:
    from pyinstrument import Profiler

    client.get(url)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(10):
        cache.clear()
        client.get(url)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    keep = bool(os.environ.get("BENCH_KEEP_DB"))
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0, keepdb=keep)
    else:
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not (keep and ProbeRun.objects.exists()):
        load_all()
        add_probe_runs(Model.objects.get(lab__slug="openai", slug="gpt-4o"))
        refresh_planner_statistics()  # as load_sample_data does
    runs = ProbeRun.objects.count()
    print(
        f"{connection.vendor}: {Model.objects.count():,} models, {runs:,} probe runs of {PROFILED} "
        f"(loaded in {time.perf_counter() - started:.0f} s); DEBUG={settings.DEBUG}; median of {RENDERS} builds"
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    print(
        f"{'page (built, page cache missed)':30} {'queries':>7} {'built, wall':>12} {'CPU median':>11} "
        f"{'CPU least':>10} {'cached':>9}"
    )
    for name, url in PAGES.items():
        times = measure_page(client, url, renders=RENDERS)
        cpu, least = cpu_ms(client, url, RENDERS)
        print(
            f"{name:30} {times.queries:7} {times.built_ms:9.1f} ms {cpu:8.1f} ms {least:7.1f} ms "
            f"{times.cached_ms:6.1f} ms"
        )
        if os.environ.get("BENCH_PROFILE"):
            profile_page(client, url)


if __name__ == "__main__":
    main()
