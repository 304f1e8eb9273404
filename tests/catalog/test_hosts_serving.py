"""How many hosts serve a model (`Model.hosts_serving`), kept on the model for the catalogue and the API: current
wherever its listings change, a host's several ids counted once."""

import importlib

import pytest
from django.apps import apps
from django.db.models import Count

from catalog.models import Model, Offering, Provider
from catalog.resolution import merge_models

pytestmark = pytest.mark.django_db


def counted() -> dict[str, int]:
    """Each model's hosts, counted from its offerings now."""
    models = Model.objects.annotate(n=Count("offerings__host", distinct=True))
    return {model.key: model.n for model in models.select_related("lab")}


def kept() -> dict[str, int]:
    return {model.key: model.hosts_serving for model in Model.objects.select_related("lab")}


def hosts_in_the_api(reader) -> dict[str, int]:
    items = reader.get("/api/v1/models/", {"lab": "acme"}).json()["items"]
    return {item["key"]: item["hosts"] for item in items}


@pytest.fixture
def acme(db):
    acme = Provider.objects.create(slug="acme", name="Acme AI", is_lab=True, is_host=True)
    for slug in ["cloudy", "sky"]:
        Provider.objects.create(slug=slug, name=slug.title(), is_host=True)
    for slug in ["nova", "nova-copy"]:
        Model.objects.create(lab=acme, slug=slug, name=slug.title())
    return acme


def offer(key: str, host: str, host_model_id: str) -> Offering:
    lab, _, slug = key.partition("/")
    return Offering.objects.create(
        model=Model.objects.get(lab__slug=lab, slug=slug),
        host=Provider.objects.get(slug=host),
        host_model_id=host_model_id,
    )


def test_the_imported_catalogue_keeps_every_models_count(sample_data):
    assert kept() == counted()
    assert max(kept().values()) > 1


def test_a_listing_added_moved_or_removed_one_by_one_counts_at_once(acme, reader):
    """As the admin and scripts change them: single saves and deletes."""
    offer("acme/nova", "acme", "nova")
    cloudy = offer("acme/nova", "cloudy", "nova-1")
    offer("acme/nova", "cloudy", "nova-1:eu")  # the same host under another id
    assert kept() == {"acme/nova": 2, "acme/nova-copy": 0} == hosts_in_the_api(reader)

    cloudy.model = Model.objects.get(slug="nova-copy")
    cloudy.save()
    assert kept() == {"acme/nova": 2, "acme/nova-copy": 1} == counted()  # cloudy's other id stays

    Offering.objects.filter(host__slug="cloudy", model__slug="nova").get().delete()
    assert kept() == {"acme/nova": 1, "acme/nova-copy": 1} == counted()
    assert hosts_in_the_api(reader) == {"acme/nova": 1, "acme/nova-copy": 1}


def test_a_merged_models_hosts_count_for_the_model_it_merged_into(acme):
    offer("acme/nova", "acme", "nova")
    offer("acme/nova-copy", "cloudy", "nova-copy")
    offer("acme/nova-copy", "sky", "nova-copy")

    merge_models({Model.objects.get(slug="nova-copy").pk: Model.objects.get(slug="nova").pk})

    assert kept() == {"acme/nova": 3} == counted()


def test_the_migration_fills_the_counts_of_the_models_already_there(sample_data):
    fill = importlib.import_module("catalog.migrations.0017_model_hosts_serving").fill_hosts_serving
    Model.objects.update(hosts_serving=0)

    fill(apps, None)

    assert kept() == counted()
