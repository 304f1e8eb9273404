"""Benchmark: the browse page with the whole real catalogue (models.dev: 5,276 entries of 147 providers, which
become about 1,400 lab models with their offerings: 3,981 before identity was resolved), filtered and sorted,
then with only 50 models.

Prints for each view the query count and the server time (median of 30 renders through Django's test client).
Runs on a throwaway SQLite database, or on DATABASE_URL's server when set.
"""

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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402

from bench.support.pages import measure_page  # noqa: E402
from catalog.browse import CatalogQuery  # noqa: E402
from catalog.models import Model, Provider  # noqa: E402
from tokenledger.sample_data import load_all  # noqa: E402

VIEWS = {
    "filtered and sorted": "/models/?lab=openai&lab=anthropic&lab=google&max_input=3&cap=tools&sort=conversation",
    "search, sorted by context": "/models/?q=gpt&min_context=128000&sort=context",
    "everything, by availability": "/models/?sort=availability",
    "everything, page 20 by name": "/models/?page=20",
}


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
    full = {name: measure_page(client, url) for name, url in VIEWS.items()}
    models = Model.objects.count()

    # 50 models that every view finds some of, so that each view has a page to show in both cases.
    keep: list[int] = []
    for url in VIEWS.values():
        query = CatalogQuery.from_query(QueryDict(url.partition("?")[2]))
        keep += [pk for pk in query.models().values_list("pk", flat=True)[:12] if pk not in keep]
    keep += list(Model.objects.exclude(pk__in=keep).values_list("pk", flat=True)[: 50 - len(keep)])
    Model.objects.exclude(pk__in=keep).delete()
    small = {name: measure_page(client, url.replace("page=20", "page=1")) for name, url in VIEWS.items()}

    print(
        f"{'built (page cache empty)':30} {f'{models:,} models':>22} {f'{len(keep)} models':>22}  ratio  cached"
    )
    for name in VIEWS:
        big, little = full[name], small[name]
        print(
            f"{name:30} {big.queries:3} queries {big.built_ms:6.1f} ms   {little.queries:3} queries "
            f"{little.built_ms:6.1f} ms  {big.built_ms / little.built_ms:5.2f}  {big.cached_ms:5.1f} ms"
        )
    worst = max(times.built_ms for times in full.values())
    same = all(full[name].queries == small[name].queries for name in VIEWS)
    print(
        f"target: built under 100 ms -> {'met' if worst < 100 else 'NOT met'} (slowest {worst:.1f} ms); "
        f"same query count as with 50 models -> {'met' if same else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
