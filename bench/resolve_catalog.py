"""Benchmark: resolving model identity over the whole real catalogue (models.dev: 5,276 listings of 147
providers).

Three figures, each the median of 3 runs:
- the resolver alone: every listing of the catalogue resolved in memory (catalog.resolution.resolve_listings);
- `resolve_models` on a catalogue imported the old way (a host's listing without base_model a model of the host:
  3,981 models): re-resolving, creating the models no lab lists, moving listings and merging the models they
  leave;
- `resolve_models` again on the resolved catalogue, which has nothing left to do (the baseline: its ratio is
  the cost of the merges).

Target (issue 9): resolving the whole catalogue in under 10 s. Runs on a throwaway SQLite database, or on
DATABASE_URL's server when set.
"""

import copy
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from catalog.feeds import parse_models_dev  # noqa: E402
from catalog.models import Model, Offering, Provider  # noqa: E402
from catalog.resolution import ResolutionReport, resolve_catalog, resolve_listings  # noqa: E402
from catalog.slugs import model_slug  # noqa: E402
from pricing.sources import models_dev  # noqa: E402
from tokenledger.sample_data import MODELS_DEV_API_JSON  # noqa: E402

RUNS = 3


class Rollback(Exception):
    pass


def timed(function) -> tuple[float, object]:
    """Median seconds of RUNS calls of `function`, each in a transaction rolled back afterwards."""
    times, result = [], None
    for _ in range(RUNS):
        try:
            with transaction.atomic():
                started = time.perf_counter()
                result = function()
                times.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    return statistics.median(times), result


def old_key(entry) -> tuple[str, str]:
    """Where the old import filed a listing: under the lab models.dev's base_model names, else its host."""
    if entry.model_hint:
        return entry.lab_hint, model_slug(entry.model_hint)
    return entry.host, model_slug(entry.host_model_id)


def import_the_old_way(data: dict) -> None:
    """The catalogue as it was imported before identity was resolved (3,981 models)."""
    providers, entries = parse_models_dev(copy.deepcopy(data))
    Provider.objects.bulk_create(
        Provider(slug=p.slug, name=p.name, is_lab=True, is_host=True) for p in providers
    )
    ids = dict(Provider.objects.values_list("slug", "pk"))
    models = {}
    for e in sorted(entries, key=lambda e: e.host != old_key(e)[0]):
        models.setdefault(
            old_key(e),
            Model(lab_id=ids[old_key(e)[0]], slug=old_key(e)[1], name=e.model.name, family=e.model.family),
        )
    Model.objects.bulk_create(models.values(), batch_size=500)
    pks = {(lab, slug): pk for pk, lab, slug in Model.objects.values_list("pk", "lab__slug", "slug")}
    Offering.objects.bulk_create(
        (
            Offering(model_id=pks[old_key(e)], host_id=ids[e.host], host_model_id=e.host_model_id)
            for e in entries
        ),
        batch_size=500,
    )


def main() -> None:
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    data = models_dev.load(MODELS_DEV_API_JSON)
    _, entries = parse_models_dev(copy.deepcopy(data))
    listings = [e.listing for e in entries]
    released = [e.model.release_date for e in entries]

    in_memory, _ = timed(lambda: resolve_listings(listings, released, ResolutionReport()))
    import_the_old_way(data)
    before = Model.objects.count()
    merging, report = timed(resolve_catalog)
    resolve_catalog()
    after = Model.objects.count()
    settled, again = timed(resolve_catalog)

    print(
        f"catalogue: {len(listings):,} listings; {before:,} models filed the old way, {after:,} once resolved"
    )
    print(f"resolver alone, every listing in memory:       {in_memory:6.2f} s")
    print(
        f"resolve_models on the old catalogue:           {merging:6.2f} s  "
        f"({report.moved:,} listings moved, {len(report.merged):,} models merged, {report.queued} queued)"
    )
    print(
        f"resolve_models again (nothing to do):          {settled:6.2f} s  "
        f"({again.moved} moved; ratio {merging / settled:.2f})"
    )
    print(f"target: the whole catalogue in under 10 s -> {'met' if merging < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
