"""Benchmark: the browse page with the whole real catalogue (models.dev: 5,276 entries of 147 providers, which
become 3,981 models with their offerings), filtered and sorted, then with only 50 models.

Prints for each view the query count and the server time (median of 30 renders through Django's test client).
Runs on a throwaway SQLite database, or on DATABASE_URL's server when set.
"""

import os
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
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.browse import CatalogQuery  # noqa: E402
from catalog.models import Model, Provider  # noqa: E402
from tokenledger.sample_data import load_all  # noqa: E402

VIEWS = {
    "filtered and sorted": "/models/?lab=openai&lab=anthropic&lab=google&max_input=3&cap=tools&sort=conversation",
    "search, sorted by context": "/models/?q=gpt&min_context=128000&sort=context",
    "everything, by availability": "/models/?sort=availability",
    "everything, page 20 by name": "/models/?page=20",
}


def measure(client: Client, url: str, renders: int = 30) -> tuple[int, float]:
    client.get(url)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    if os.environ.get("BENCH_VERBOSE"):
        print(url, *(sql[:120] for sql in queries), sep="\n  ")
    timings = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return len(queries), statistics.median(timings)


def main() -> None:
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_all()
    print(
        f"catalogue loaded: {Model.objects.count():,} models, {Provider.objects.count()} providers "
        f"({time.perf_counter() - started:.1f} s)"
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    full = {name: measure(client, url) for name, url in VIEWS.items()}
    models = Model.objects.count()

    # 50 models that every view finds some of, so that each view has a page to show in both cases.
    keep: list[int] = []
    for url in VIEWS.values():
        query = CatalogQuery.from_query(QueryDict(url.partition("?")[2]))
        keep += [pk for pk in query.models().values_list("pk", flat=True)[:12] if pk not in keep]
    keep += list(Model.objects.exclude(pk__in=keep).values_list("pk", flat=True)[: 50 - len(keep)])
    Model.objects.exclude(pk__in=keep).delete()
    small = {name: measure(client, url.replace("page=20", "page=1")) for name, url in VIEWS.items()}

    print(f"{'view':30} {f'{models:,} models':>22} {f'{len(keep)} models':>22}  ratio")
    for name in VIEWS:
        (q_full, ms_full), (q_small, ms_small) = full[name], small[name]
        print(
            f"{name:30} {q_full:3} queries {ms_full:6.1f} ms   {q_small:3} queries {ms_small:6.1f} ms  {ms_full / ms_small:5.2f}"
        )
    worst = max(ms for _, ms in full.values())
    same = all(full[name][0] == small[name][0] for name in VIEWS)
    print(
        f"target: under 100 ms -> {'met' if worst < 100 else 'NOT met'} (slowest {worst:.1f} ms); "
        f"same query count as with 50 models -> {'met' if same else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
