"""Search finds what people type: every word in any order, case, spaces and punctuation aside, across names,
ids, every host's id, old addresses, families and labs; ranked, on browse, in the API and in the header's
suggestions."""

import copy
import re

import pytest
from django.urls import reverse

from catalog import search
from catalog.models import Model, ModelRedirect, Offering, Provider
from catalog.resolution import merge_models
from tests.fixtures import text_of
from tokenledger.sample_data import load_all

pytestmark = pytest.mark.django_db

BROWSE = reverse("catalog:model_list")
SUGGESTIONS = reverse("catalog:search_suggestions")


def shown(response) -> list[str]:
    """The model keys of the results table, in order."""
    return re.findall(r'<td class="model-table__name"><a href="/models/([^"]+)/">', response.content.decode())


def found(text: str) -> list[str]:
    return [model.key for model in Model.objects.search(text)]


# --- Folding ------------------------------------------------------------------------------------------------


def test_folding_keeps_only_lowercase_letters_and_digits():
    assert search.fold("GPT-4o") == search.fold("gpt 4o") == search.fold("gpt_4.o") == "gpt4o"
    assert search.fold("Ministral 3B (Déc)") == "ministral3bdec"
    assert search.query_words("  Gemini   FLASH gemini -- ") == ["gemini", "flash"]


# --- What it finds, on the real sample catalogue -------------------------------------------------------------


@pytest.mark.parametrize("typed", ["gpt4o", "gpt 4o", "GPT-4o", "gpt-4o", "  GPT 4O  "])
def test_every_spelling_of_gpt_4o_finds_gpt_4o_first(sample_data, reader, typed):
    assert found(typed)[0] == "openai/gpt-4o"
    assert shown(reader.get(BROWSE, {"q": typed}))[0] == "openai/gpt-4o"
    assert reader.get("/api/v1/models/", {"q": typed}).json()["items"][0]["key"] == "openai/gpt-4o"


def test_gemini_flash_finds_every_gemini_flash_in_any_word_order(sample_data):
    flashes = found("gemini flash")

    assert {"google/gemini-2.5-flash", "google/gemini-2.0-flash"} <= set(flashes)
    expected = Model.objects.filter(name__icontains="gemini", search_name__contains="flash")
    assert set(expected.values_list("slug", flat=True)) <= {key.split("/")[1] for key in flashes}
    assert set(found("flash gemini")) == set(flashes)
    assert set(found("FLASH, Gemini!")) == set(flashes)


def test_a_hosts_id_finds_the_labs_model(sample_data):
    bedrock = Offering.objects.get(
        host__slug="amazon-bedrock", host_model_id__startswith="jp.anthropic.claude"
    )

    assert found(bedrock.host_model_id) == ["anthropic/claude-sonnet-4-5"]
    assert found("anthropic/claude-sonnet-4.5")[0] == "anthropic/claude-sonnet-4-5"  # OpenRouter's id
    assert found("4.5 sonnet claude")[0] == "anthropic/claude-sonnet-4-5"


def test_a_lab_or_family_finds_its_models(sample_data):
    deepseek = set(Model.objects.filter(lab__slug="deepseek").values_list("slug", flat=True))

    assert {key.split("/")[1] for key in found("DeepSeek") if key.startswith("deepseek/")} == deepseek


def test_an_old_address_finds_the_model_it_moved_to(sample_data):
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    ModelRedirect.objects.create(lab="openai", slug="gpt-omni-classic", model=gpt4o)

    assert found("gpt omni classic") == ["openai/gpt-4o"]


def test_the_search_documents_are_current_after_loading_the_sample_data(sample_data):
    """Every write path of the load (the import, its merges and redirects, the price sync's new listings) kept
    every model's document current: recomputing them all changes none."""
    assert search.refresh_documents() == 0
    assert " gpt4o " in Model.objects.get(lab__slug="openai", slug="gpt-4o").search_document


def test_nothing_typed_but_punctuation_finds_nothing(sample_data, reader):
    assert found("--") == []
    assert reader.get("/api/v1/models/", {"q": "--"}).json()["count"] == 0


# --- Ranking --------------------------------------------------------------------------------------------------


@pytest.fixture
def novas(db):
    """A lab that serves its models, and a host that lists some of them, one under an id no rule could place."""
    acme = Provider.objects.create(slug="acme", name="Acme AI", is_lab=True, is_host=True)
    cloudy = Provider.objects.create(slug="cloudy", name="Cloudy", is_host=True)

    def model(slug, name, *, hosts=(acme,), **facts):
        created = Model.objects.create(lab=acme, slug=slug, name=name, **facts)
        for host in hosts:
            Offering.objects.create(model=created, host=host, host_model_id=f"{host.slug}-{slug}")
        return created

    sky = Provider.objects.create(slug="sky", name="Sky", is_host=True)
    model("super-nova", "Super Nova", hosts=(acme, cloudy))
    model("nova-pro", "Nova Pro")
    # A host's listing filed as a model of its own, older and at more hosts than the lab's own "Nova".
    model("nova-cloudy", "Nova", hosts=(cloudy, sky), needs_review=True)
    model("nova", "Nova")
    model("nova-mini", "Nova Mini", hosts=(acme, cloudy))
    model("nova-legacy", "Nova Legacy", hosts=(acme, cloudy), retires_on="2020-01-01")
    model("pro-nova", "Pro Nova")
    return acme


def test_exact_name_then_prefix_then_every_word(novas):
    ranked = found("nova")

    assert ranked[0] == "acme/nova"
    assert ranked.index("acme/nova-pro") < ranked.index("acme/super-nova")
    assert ranked[-2:] == ["acme/super-nova", "acme/pro-nova"]  # all words: more hosts first
    assert found("pro nova")[:2] == ["acme/pro-nova", "acme/nova-pro"]  # exact, then every word
    assert found("nova pro")[:2] == ["acme/nova-pro", "acme/pro-nova"]


def test_the_labs_own_model_comes_before_a_hosts_listing_of_the_same_name(novas):
    assert found("Nova")[:2] == ["acme/nova", "acme/nova-cloudy"]


def test_among_equals_current_before_retired_then_more_hosts(novas):
    prefixed = [key for key in found("nova") if key not in ("acme/nova", "acme/nova-cloudy")][:3]

    assert prefixed == ["acme/nova-mini", "acme/nova-pro", "acme/nova-legacy"]


def test_the_api_ranks_as_browse_does(novas, reader):
    api = [item["key"] for item in reader.get("/api/v1/models/", {"q": "nova", "limit": 50}).json()["items"]]

    assert api == found("nova") == shown(reader.get(BROWSE, {"q": "nova"}))


def test_browse_orders_a_search_by_relevance_unless_the_reader_picks_an_order(novas, reader):
    by_relevance = reader.get(BROWSE, {"q": "nova"})
    by_name = reader.get(BROWSE, {"q": "nova", "sort": "name"})

    assert '<option value="relevance" selected>Relevance</option>' in by_relevance.content.decode()
    assert set(shown(by_name)[:2]) == {"acme/nova", "acme/nova-cloudy"}
    assert shown(by_name)[-1] == "acme/super-nova"
    assert shown(by_relevance)[-1] == "acme/pro-nova"
    assert "relevance" not in reader.get(BROWSE).content.decode()  # no search, no relevance to sort by


# --- Kept current -----------------------------------------------------------------------------------------------


def test_a_renamed_model_and_a_new_hosts_id_are_found_at_once(novas):
    nova = Model.objects.get(slug="nova")
    nova.name = "Nova Classic"
    nova.save()
    Offering.objects.create(model=nova, host=Provider.objects.get(slug="cloudy"), host_model_id="nv-1:free")

    assert found("classic nova") == ["acme/nova"]
    assert found("nv1free") == ["acme/nova"]


def test_a_merged_model_is_found_by_what_found_the_model_it_merged_into(novas):
    nova, listing = Model.objects.get(slug="nova"), Model.objects.get(slug="nova-cloudy")

    merge_models({listing.pk: nova.pk})

    assert found("cloudy-nova-cloudy") == ["acme/nova"]  # the host's id, moved with its offering
    assert "acme/nova" in found("nova cloudy")  # and its old address


def test_a_renamed_lab_finds_its_models_by_the_new_name(novas):
    novas.name = "Zenith Labs"
    novas.save()

    assert "acme/nova" in found("zenith")


# --- Nothing found --------------------------------------------------------------------------------------------


def test_a_search_that_finds_nothing_suggests_the_nearest_names(sample_data, reader):
    response = reader.get(BROWSE, {"q": "gtp-4o"})

    page = text_of(response)
    assert "0 models" in page
    assert re.search(r"Did you mean [^?]*GPT-4o", page)
    assert f'href="{BROWSE}?q=GPT-4o"' in response.content.decode()
    assert "GPT-4o" in reader.get(SUGGESTIONS, {"q": "gtp-4o"}).json()["did_you_mean"]


# --- Suggestions as the reader types ---------------------------------------------------------------------------


def test_the_suggestions_give_name_lab_price_and_address(sample_data, reader):
    response = reader.get(SUGGESTIONS, {"q": "gpt4o"})

    body = response.json()
    assert response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"] and response["ETag"]
    first = body["results"][0]
    assert (first["name"], first["lab"], first["url"]) == ("GPT-4o", "OpenAI", "/models/openai/gpt-4o/")
    assert first["price"] == "$2.50 in · $10.00 out per 1M"
    assert 5 <= len(body["results"]) <= 8
    assert body["all_url"] == f"{BROWSE}?q=gpt4o"
    assert reader.get(SUGGESTIONS, {"q": " "}).json()["results"] == []


def test_the_header_search_works_without_javascript(sample_data, reader):
    html = reader.get(reverse("catalog:home")).content.decode()

    form = re.search(r'<form class="site-search" action="([^"]+)" method="get"[^>]*>(.*?)</form>', html, re.S)
    assert form[1] == BROWSE and 'name="q"' in form[2]
    assert f'data-suggestions="{SUGGESTIONS}"' in html
    assert re.search(r'<script src="[^"]*js/search\.js" defer></script>', html)
    assert not re.search(
        r"<script>|\son[a-z]+=", html
    )  # no inline script or handler (a CSP will forbid them)


# --- Query counts, flat from fifty models to the whole catalogue ------------------------------------------------


PROFILED = {"openai": ["gpt-4o", "gpt-4o-audio-preview-2024-12-17"], "anthropic": ["claude-sonnet-4-5"]}
PROFILED |= {"deepseek": ["deepseek-chat"], "google": ["gemini-2.5-pro"], "mistral": ["mistral-large-2512"]}


def about_fifty_models(real_api_json) -> dict:
    """The labs' entries of the profiled models (the sample data's profiles need them) and a few dozen more."""
    catalogue = {}
    for lab, wanted in PROFILED.items():
        provider = copy.deepcopy(real_api_json[lab])
        extra = sorted(provider["models"])[:36] if lab == "openai" else []
        provider["models"] = {k: v for k, v in provider["models"].items() if k in wanted or k in extra}
        catalogue[lab] = provider
    return catalogue


SEARCHES = [
    (BROWSE, {"q": "gpt 4o"}, 12),  # data versions, a query per filter group, the count, the page
    (BROWSE, {"q": "gtp4 omni"}, 13),  # … and the nearest names
    (SUGGESTIONS, {"q": "gpt4o"}, 2),  # data versions, the models
    (SUGGESTIONS, {"q": "gtp4 omni"}, 3),  # … and the nearest names
    ("/api/v1/models/", {"q": "gpt 4o"}, 4),  # the count, the page, its offerings, their prices
]


def test_searching_takes_the_same_queries_with_fifty_models_as_with_the_whole_catalogue(
    transactional_db, real_api_json, reader, django_assert_max_num_queries
):
    load_all(about_fifty_models(real_api_json))
    assert 40 <= Model.objects.count() <= 70
    few = {}
    for url, params, limit in SEARCHES:
        with django_assert_max_num_queries(limit) as queries:
            assert reader.get(url, params).status_code == 200
        few[(url, params["q"])] = len(queries.captured_queries)

    load_all(copy.deepcopy(real_api_json))
    assert Model.objects.count() > 1000  # 5,276 listings of 147 providers
    for url, params, _ in SEARCHES:
        with django_assert_max_num_queries(few[(url, params["q"])]):
            response = reader.get(url, params)
        assert response.status_code == 200
    assert shown(reader.get(BROWSE, {"q": "gpt 4o"}))[0] == "openai/gpt-4o"
    assert reader.get(SUGGESTIONS, {"q": "gtp4 omni"}).json()["did_you_mean"]  # that path was measured too
