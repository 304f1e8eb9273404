"""The sample data written back from a snapshot (tests.snapshots) is what loading it gives: the same rows in every
table, clock readings of now, fresh data versions; and a database in another state gets rows that fit it."""

import copy
import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from catalog.models import DataVersion, Model
from pricing.models import PricePeriod, SyncRun
from tests.fixtures import load_sample
from tokenledger.sample_data import load_all

pytestmark = pytest.mark.django_db


PRICE_FIELDS = [
    "offering__host__slug", "offering__model__slug", "component", "tier", "mode", "price", "valid_from", "valid_to"
]  # fmt: skip


def contents() -> dict:
    """What a reader could tell apart: the rows of every table, the models, the prices, the syncs' dates."""
    return {
        "rows": {
            m._meta.db_table: m._base_manager.count() for m in apps.get_models(include_auto_created=True)
        },
        "models": sorted(Model.objects.values_list("lab__slug", "slug", "name", "status")),
        "prices": sorted(PricePeriod.objects.values_list(*PRICE_FIELDS)),
        "observed": sorted(SyncRun.objects.values_list("source__slug", "observed_at")),
    }


def test_written_back_rows_are_those_a_load_writes(sample_api_json):
    with transaction.atomic():
        load_sample(sample_api_json)  # the snapshot is taken here, or was taken by an earlier test
        first = contents()
        first_versions = set(DataVersion.objects.values_list("version", flat=True))
        transaction.set_rollback(True)
    with transaction.atomic():
        load_sample(sample_api_json)  # written back, surely
        written_back = contents()
        versions = set(DataVersion.objects.values_list("version", flat=True))
        created = list(Model.objects.values_list("created_at", flat=True))
        transaction.set_rollback(True)

    load_all(copy.deepcopy(sample_api_json))

    assert written_back == first == contents()
    assert written_back["rows"]["catalog_model"] > 50 and written_back["prices"]
    assert versions and versions.isdisjoint(first_versions)  # no page cached for one passes for the other
    # The snapshot's models, maybe minutes old, were created just now as far as the tests can tell.
    assert created and all(timezone.now() - at < dt.timedelta(seconds=30) for at in created)


def test_a_database_with_rows_of_its_own_gets_the_sample_data_beside_them(sample_api_json):
    with transaction.atomic():  # the snapshot, of a database without the user
        load_sample(sample_api_json)
        transaction.set_rollback(True)

    own = get_user_model().objects.create_user("own-user")
    load_sample(sample_api_json)

    assert get_user_model().objects.filter(pk=own.pk, username="own-user").exists()
    assert Model.objects.filter(lab__slug="openai", slug="gpt-4o").exists()
