"""Offering kinds: a free tier, a plan or a router is labelled as such and never stands as a model's price."""

import copy
import importlib
import re

import pytest
from django.apps import apps

from catalog.models import Model, Offering, OfferingKind
from tests.fixtures import text_of
from tokenledger.sample_data import load_models_dev

pytestmark = pytest.mark.django_db

LISTINGS = {
    "openai": ["gpt-4o-mini", "gpt-5-nano"],
    "anthropic": ["claude-opus-4-7"],
    "alibaba": ["qwen3-coder-plus"],
    "openrouter": [
        "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.3-70b-instruct:free",
        "openrouter/auto",
    ],
    "github-models": ["openai/gpt-4o-mini"],
    "alibaba-coding-plan": ["qwen3-coder-plus"],
    "gitlab": ["duo-chat-opus-4-7"],
    "azure": ["gpt-5-nano"],
}


@pytest.fixture
def catalogue(real_api_json):
    """Real listings of each kind, from the real models.dev catalogue, loaded with their prices."""
    data = {}
    for provider_id, ids in LISTINGS.items():
        provider = copy.deepcopy(real_api_json[provider_id])
        provider["models"] = {i: provider["models"][i] for i in ids}
        data[provider_id] = provider
    load_models_dev(data)


def kind_of(host: str, host_model_id: str) -> tuple[str, str]:
    offering = Offering.objects.select_related("model__lab").get(host__slug=host, host_model_id=host_model_id)
    return offering.kind, offering.model.key


def test_each_listing_has_its_kind_and_belongs_to_the_labs_model(catalogue):
    assert kind_of("openrouter", "meta-llama/llama-3.3-70b-instruct:free") == (
        OfferingKind.FREE,
        "meta/llama-3.3-70b-instruct",
    )
    assert kind_of("openrouter", "meta-llama/llama-3.3-70b-instruct")[0] == OfferingKind.PAYG
    assert kind_of("github-models", "openai/gpt-4o-mini") == (OfferingKind.FREE, "openai/gpt-4o-mini")
    assert kind_of("alibaba-coding-plan", "qwen3-coder-plus") == (
        OfferingKind.PLAN,
        "alibaba/qwen3-coder-plus",
    )
    assert kind_of("gitlab", "duo-chat-opus-4-7") == (OfferingKind.PLAN, "anthropic/claude-opus-4-7")
    assert kind_of("azure", "gpt-5-nano") == (OfferingKind.PAYG, "openai/gpt-5-nano")
    assert kind_of("openrouter", "openrouter/auto")[0] == OfferingKind.ROUTER


def test_a_free_tier_or_a_plan_is_never_a_models_price(catalogue, reader):
    llama = Model.objects.get(lab__slug="meta", slug="llama-3.3-70b-instruct")
    coder = Model.objects.get(lab__slug="alibaba", slug="qwen3-coder-plus")

    assert llama.listed_input_price > 0 and llama.listed_price_host.slug == "openrouter"
    assert coder.listed_input_price > 0 and coder.listed_price_host.slug == "alibaba"
    api = reader.get("/api/v1/models/", {"q": "llama-3.3"}).json()["items"]
    assert api[0]["base_price"]["input"] != "0"
    page = text_of(reader.get(llama.get_absolute_url()))
    assert "Free tier" in page
    # The paid host comes first and is the one compared; the free tier is listed, labelled, after it.
    assert page.index("OpenRouter meta-llama/llama-3.3-70b-instruct ") < page.index("Free tier")


def test_browse_filters_by_kind(catalogue, reader):
    plans = text_of(reader.get("/models/", {"kind": "plan"}))

    assert "Qwen3 Coder Plus" in plans and "Claude Opus 4.7" in plans and "GPT-5 Nano" not in plans
    assert "Subscription or plan" in text_of(reader.get("/models/"))


def sold_as(key: str) -> str:
    lab, _, slug = key.partition("/")
    return Model.objects.get(lab__slug=lab, slug=slug).offering_kinds


def test_a_models_offering_kinds_follow_its_listings(catalogue, reader):
    """What "Sold as" filters and counts by is kept on the model, current as listings come, change and go."""
    assert sold_as("openai/gpt-5-nano") == " payg "
    assert sold_as("anthropic/claude-opus-4-7") == " payg plan "  # Anthropic's API and GitLab Duo's plan
    nano = Model.objects.get(lab__slug="openai", slug="gpt-5-nano")
    azure = Offering.objects.get(model=nano, host__slug="azure")

    azure.kind = OfferingKind.BATCH
    azure.save()
    assert sold_as("openai/gpt-5-nano") == " batch payg "
    assert "GPT-5 Nano" in text_of(reader.get("/models/", {"kind": "batch"}))

    azure.delete()
    assert sold_as("openai/gpt-5-nano") == " payg "
    assert "GPT-5 Nano" not in text_of(reader.get("/models/", {"kind": "batch"}))


def test_the_sold_as_counts_are_the_models_each_kind_finds(catalogue, reader):
    page = reader.get("/models/").content.decode()
    for kind in OfferingKind.values:
        found = reader.get("/models/", {"kind": kind}).content.decode()
        count = re.search(r"<strong>([\d,]+)</strong> model", found).group(1)
        if count != "0":
            assert f'name="kind" value="{kind}"> ' in page
            assert re.search(rf'name="kind" value="{kind}"> [^<]+ <span class="count">{count}</span>', page)


def test_the_migration_fills_the_kinds_of_the_models_already_there(catalogue):
    fill = importlib.import_module("catalog.migrations.0015_model_offering_kinds").fill_offering_kinds
    Model.objects.update(offering_kinds="")

    fill(apps, None)

    assert sold_as("alibaba/qwen3-coder-plus") == " payg plan "
    assert sold_as("meta/llama-3.3-70b-instruct") == " free payg "
