"""One model, every host: the catalogue import and resolve_models file each host's listing under its lab's model,
merge without losing anything, keep old addresses answering, and follow the editors' decisions."""

import copy
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.feeds import parse_models_dev
from catalog.importing import EntryFacts, ModelFacts, import_facts
from catalog.models import (
    Benchmark,
    BenchmarkScore,
    MatchReview,
    Model,
    ModelAlias,
    Offering,
    Profile,
    Provider,
)
from catalog.resolution import decide, resolve_catalog
from monitoring.models import ProbeRun, ProbeTarget
from pricing.ledger import record_prices
from pricing.models import PricePeriod
from pricing.records import PriceRecord
from pricing.sources import price_source

pytestmark = pytest.mark.django_db

# The eight hosts the issue found filing GPT-5 Nano as a model of their own, and the lab.
NANO_HOSTS = {
    "openai",
    "azure",
    "azure-cognitive-services",
    "helicone",
    "abacus",
    "jiekou",
    "opencode",
    "sap-ai-core",
}


@pytest.fixture(scope="module")
def nano_and_mini(real_api_json):
    """Every provider of the real catalogue with only its GPT-5 Nano and GPT-5 Mini listings."""
    data = {}
    for provider_id, provider in real_api_json.items():
        listings = {
            model_id: entry
            for model_id, entry in provider["models"].items()
            if any(word in model_id.lower() for word in ("gpt-5-nano", "gpt-5-mini"))
        }
        if listings:
            data[provider_id] = {**copy.deepcopy(provider), "models": copy.deepcopy(listings)}
    return data


def import_catalogue(data):
    return import_facts(*parse_models_dev(copy.deepcopy(data)))


def hosts_of(key: str) -> set[str]:
    lab, slug = key.split("/")
    return set(
        Offering.objects.filter(model__lab__slug=lab, model__slug=slug).values_list("host__slug", flat=True)
    )


def test_gpt_5_nano_is_one_model_with_every_hosts_offering(nano_and_mini):
    import_catalogue(nano_and_mini)

    assert hosts_of("openai/gpt-5-nano") >= NANO_HOSTS
    assert len(hosts_of("openai/gpt-5-nano")) > len(NANO_HOSTS)  # and the hosts models.dev already linked
    assert Model.objects.filter(name__icontains="nano").count() == 1
    # GPT-5 Mini stays a model of its own, with its own hosts.
    assert "azure" in hosts_of("openai/gpt-5-mini")
    assert Offering.objects.filter(model__slug="gpt-5-nano", host_model_id__icontains="mini").count() == 0
    assert not Provider.objects.get(slug="azure").is_lab


def test_a_hosts_old_address_answers_301_to_the_labs_model(nano_and_mini, client):
    import_catalogue(nano_and_mini)

    page = client.get("/models/azure/gpt-5-nano/?input_tokens=1000")
    assert page.status_code == 301
    assert page["Location"] == "/models/openai/gpt-5-nano/?input_tokens=1000"
    api = client.get("/api/v1/models/azure/gpt-5-nano/")
    assert (api.status_code, api["Location"]) == (301, "/api/v1/models/openai/gpt-5-nano/")
    prices = client.get("/api/v1/models/azure/gpt-5-nano/prices/?host=azure")
    assert prices["Location"] == "/api/v1/models/openai/gpt-5-nano/prices/?host=azure"
    assert client.get("/models/azure/no-such-model/").status_code == 404


def test_importing_the_same_catalogue_twice_changes_nothing(nano_and_mini):
    import_catalogue(nano_and_mini)
    before = list(Offering.objects.order_by("pk").values("pk", "model_id", "kind", "match_rule"))
    models = list(Model.objects.order_by("pk").values_list("pk", "lab__slug", "slug"))

    report = import_catalogue(nano_and_mini)

    assert not report.changed_anything and report.resolution.merged == []
    assert list(Offering.objects.order_by("pk").values("pk", "model_id", "kind", "match_rule")) == before
    assert list(Model.objects.order_by("pk").values_list("pk", "lab__slug", "slug")) == models


def test_an_editors_decision_survives_every_reimport(nano_and_mini):
    import_catalogue(nano_and_mini)
    review = MatchReview.objects.create(
        host="azure",
        host_model_id="gpt-5-nano",
        filed_as="openai/gpt-5-nano",
        candidates=["openai/gpt-5-nano"],
    )

    decide(review, "")  # an editor keeps Azure's listing apart
    assert "azure" not in hosts_of("openai/gpt-5-nano")
    import_catalogue(nano_and_mini)
    import_catalogue(nano_and_mini)

    offering = Offering.objects.select_related("model__lab").get(
        host__slug="azure", host_model_id="gpt-5-nano"
    )
    assert offering.model.key != "openai/gpt-5-nano" and offering.match_rule == "alias-separate"
    assert ModelAlias.objects.get(host="azure", host_model_id="gpt-5-nano").target == ""

    decide(review, "openai/gpt-5-nano")  # and changes their mind
    import_catalogue(nano_and_mini)
    assert "azure" in hosts_of("openai/gpt-5-nano")


def legacy_catalogue():
    """A catalog as imported before identity was resolved: Azure's GPT-5 Nano a model of Azure's own, with a
    price history, a probe target with runs, a reviewed profile and a benchmark score."""
    openai = Provider.objects.create(slug="openai", name="OpenAI", is_lab=True, is_host=True)
    azure = Provider.objects.create(slug="azure", name="Azure", is_lab=True, is_host=True)
    lab_model = Model.objects.create(lab=openai, slug="gpt-5-nano", name="GPT-5 Nano", family="gpt-nano")
    Offering.objects.create(model=lab_model, host=openai, host_model_id="gpt-5-nano")
    hosts_model = Model.objects.create(lab=azure, slug="gpt-5-nano", name="GPT-5 Nano", family="gpt-nano")
    offering = Offering.objects.create(model=hosts_model, host=azure, host_model_id="gpt-5-nano")
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("0.05")), PriceRecord("output", Decimal("0.4"))]},
        source=price_source("models_dev"),
        observed_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("0.055"))]},
        source=price_source("models_dev"),
        observed_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
    )
    target = ProbeTarget.objects.create(
        offering=offering, adapter="openai", base_url="https://example.invalid/v1", api_model="gpt-5-nano"
    )
    ProbeRun.objects.create(
        target=target, started_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC), outcome="ok", latency_ms=120
    )
    Profile.objects.create(model=hosts_model, tagline="Azure's copy")
    BenchmarkScore.objects.create(
        model=hosts_model,
        benchmark=Benchmark.objects.create(slug="b", name="B"),
        score=Decimal("50"),
        source_name="s",
        measured_on=dt.date(2026, 1, 1),
    )
    return lab_model, offering


def test_merging_keeps_prices_probes_profile_and_scores(client):
    lab_model, offering = legacy_catalogue()

    report = resolve_catalog()

    assert ("azure/gpt-5-nano", "openai/gpt-5-nano") in report.merged
    offering.refresh_from_db()
    assert offering.model_id == lab_model.pk
    assert PricePeriod.objects.filter(offering=offering).count() == 3  # input twice (one change), output once
    assert ProbeRun.objects.filter(target__offering__model=lab_model).count() == 1
    assert Profile.objects.get(model=lab_model).tagline == "Azure's copy"
    assert BenchmarkScore.objects.filter(model=lab_model).count() == 1
    assert not Model.objects.filter(lab__slug="azure").exists()
    assert client.get("/models/azure/gpt-5-nano/")["Location"] == "/models/openai/gpt-5-nano/"
    # Resolving again finds nothing more to do.
    again = resolve_catalog()
    assert (again.moved, again.merged) == (0, [])


def test_resolve_models_prints_what_it_merged_by_rule_and_a_dry_run_writes_nothing():
    legacy_catalogue()
    out = StringIO()

    call_command("resolve_models", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "normalised" in text and "azure/gpt-5-nano → openai/gpt-5-nano" in text
    assert "Merged: 1 models" in text and "Dry run" in text
    assert Model.objects.filter(lab__slug="azure", slug="gpt-5-nano").exists()


def test_a_doubtful_listing_goes_to_the_queue_and_an_editor_decides_it(admin_client):
    openai = Provider.objects.create(slug="openai", name="OpenAI", is_lab=True, is_host=True)
    Provider.objects.create(slug="azure", name="Azure", is_host=True)
    Model.objects.create(lab=openai, slug="gpt-4.1", name="GPT-4.1", release_date=dt.date(2025, 4, 14))
    facts = ModelFacts(name="GPT-4.1 (2025-04-14)")
    import_facts([], [EntryFacts(host="openai", host_model_id="gpt-4.1", model=ModelFacts(name="GPT-4.1"))])
    import_facts([], [EntryFacts(host="azure", host_model_id="gpt-4.1-2025-04-14", model=facts)])

    review = MatchReview.objects.get(host="azure", host_model_id="gpt-4.1-2025-04-14")
    assert review.candidates == ["openai/gpt-4.1"] and review.filed_as == "openai/gpt-4.1-2025-04-14"
    page = admin_client.get(f"/admin/catalog/matchreview/{review.pk}/change/")
    assert "the same model as openai/gpt-4.1" in page.content.decode()

    response = admin_client.post(
        f"/admin/catalog/matchreview/{review.pk}/change/", {"decision": "openai/gpt-4.1", "note": "same"}
    )

    assert response.status_code == 302
    assert hosts_of("openai/gpt-4.1") == {"openai", "azure"}
    assert not Model.objects.filter(slug="gpt-4.1-2025-04-14").exists()
    assert ModelAlias.objects.get(host_model_id="gpt-4.1-2025-04-14").target == "openai/gpt-4.1"


def test_aliases_travel_in_a_content_file(tmp_path):
    ModelAlias.objects.create(host="azure", host_model_id="gpt-5-nano", target="openai/gpt-5-nano", note="n")
    ModelAlias.objects.create(host="venice", host_model_id="x", target="")
    path = tmp_path / "aliases.yaml"

    call_command("aliases", "export", "--file", str(path), stdout=StringIO())
    ModelAlias.objects.all().delete()
    call_command("aliases", "load", "--file", str(path), stdout=StringIO())

    assert set(ModelAlias.objects.values_list("host", "host_model_id", "target")) == {
        ("azure", "gpt-5-nano", "openai/gpt-5-nano"),
        ("venice", "x", ""),
    }
