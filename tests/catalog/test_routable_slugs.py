"""Every model and provider slug is routable, however it enters: a feed, the catalogue import, the admin, a bulk
write. Ids in other scripts are transliterated, ids with nothing left get a stable digest, provider names with
"/" or markup become plain slugs, and the pages that list them answer 200."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import resolve, reverse
from django.urls.converters import StringConverter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.feeds import parse_models_dev
from catalog.importing import import_facts
from catalog.models import Model, ModelAlias, ModelRedirect, Provider
from catalog.slugs import (
    MODEL_SLUG_MAX,
    PROVIDER_SLUG_MAX,
    is_model_slug,
    is_provider_slug,
    model_slug,
    provider_slug,
)
from pricing.runs import run_sync

WEEK_1 = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
PRICES = {"mode": "chat", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}
HOSTILE_IDS = ["模型-测试", "🔥🔥", "!!!", "🔥"]
HOSTILE_PROVIDERS = ["evil/host", "<b>x</b>"]
ROUTABLE = re.compile(StringConverter.regex)  # what <str:lab> and <str:model> accept


def assert_routable(lab: str, slug: str) -> None:
    url = reverse("catalog:model", args=[lab, slug])
    assert resolve(url).kwargs == {"lab": lab, "model": slug}
    assert resolve(reverse("catalog:provider", args=[lab])).kwargs == {"lab": lab}


# --- The slug functions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("模型-测试", "moxing-ceshi"),
        ("🔥🔥", "fire-fire"),
        ("🔥", "fire"),
        ("gpt-4o-🔥", "gpt-4o-fire"),
        ("café-model", "cafe-model"),
        ("GPT-4o", "gpt-4o"),
        ("openai/gpt-4o:free", "openai-gpt-4o:free"),
        ("claude--3", "claude--3"),  # an ASCII id keeps its own spelling: the real data's slugs do not move
    ],
)
def test_a_model_id_in_any_script_becomes_a_readable_slug(text, slug):
    assert model_slug(text) == slug


def test_an_id_with_nothing_left_gets_a_stable_digest_of_itself_and_never_anothers():
    assert model_slug("!!!") == "id-" + hashlib.sha256(b"!!!").hexdigest()[:12]
    assert model_slug("!!!") == model_slug("!!!")
    assert len({model_slug(text) for text in ["!!!", "???", "", " ", "\u200b"]}) == 5


def test_a_long_id_is_cut_to_the_column_and_stays_its_own():
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    assert len(model_slug(a)) == MODEL_SLUG_MAX
    assert model_slug(a) != model_slug(b)
    assert len(provider_slug(a)) == PROVIDER_SLUG_MAX


@pytest.mark.parametrize(
    ("name", "slug"),
    [("evil/host", "evil-host"), ("<b>x</b>", "b-x-b"), ("Moonshot AI", "moonshot-ai"), ("模型", "moxing")],
)
def test_a_provider_name_with_a_slash_or_markup_becomes_a_plain_slug(name, slug):
    assert provider_slug(name) == slug


def test_a_valid_slug_is_kept_as_it_is():
    for slug in ["gpt-4o", "gpt-4.1", "gpt-4o:free", "llama_3", "claude--3", "o1+"]:
        assert model_slug(slug) == slug
    for slug in ["openai", "wafer.ai", "amazon-bedrock", "io_net"]:
        assert provider_slug(slug) == slug


def _old_slug_of(model_id: str) -> str:
    """The slug of a model id as it was before catalog.slugs, to show that no slug of the real data moves."""
    slug = re.sub(r"[^a-z0-9._:+-]+", "-", model_id.lower()).strip("-.")
    digest = hashlib.sha256(model_id.encode()).hexdigest()[:12]
    if len(slug) > 200:
        return f"{slug[:187]}-{digest}"
    return slug or f"id-{digest}"


def test_every_id_of_the_real_catalogue_keeps_the_slug_it_had(real_api_json):
    ids = {model_id for provider in real_api_json.values() for model_id in provider["models"]}
    ids |= {
        entry.get("base_model", "").partition("/")[2]
        for p in real_api_json.values()
        for entry in p["models"].values()
    }
    moved = {model_id for model_id in ids if model_slug(model_id) != _old_slug_of(model_id)}
    assert len(ids) > 2500
    assert moved == set()
    assert all(provider_slug(p) == p for p in real_api_json)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_makes_a_routable_model_and_provider_slug(text):
    slug, lab = model_slug(text), provider_slug(text)
    assert slug and lab
    assert ROUTABLE.fullmatch(slug) and ROUTABLE.fullmatch(lab)
    assert is_model_slug(slug) and is_provider_slug(lab)
    assert model_slug(slug) == slug and provider_slug(lab) == lab
    assert_routable(lab, slug)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=120))
def test_any_text_makes_slugs_the_database_accepts(text):
    with transaction.atomic():
        (lab,) = Provider.objects.bulk_create([Provider(slug=provider_slug(text), name="x")])
        (model,) = Model.objects.bulk_create([Model(lab=lab, slug=model_slug(text), name="x")])
        assert Model.objects.get(pk=model.pk).get_absolute_url() == f"/models/{lab.slug}/{model.slug}/"
        transaction.set_rollback(True)


# --- Feeds and the catalogue import -------------------------------------------------------------------------


def sync_litellm(tmp_path, entries: dict) -> None:
    path = tmp_path / "litellm.json"
    path.write_text(json.dumps(entries))
    run_sync("litellm", file=path, observed_at=WEEK_1)


@pytest.fixture
def hostile_feed(db, tmp_path):
    """A LiteLLM table with ids in other scripts, ids of symbols only, and providers named with "/" and markup."""
    entries = {"gpt-4o": {**PRICES, "litellm_provider": "openai"}}
    entries |= {model_id: {**PRICES, "litellm_provider": "openai"} for model_id in HOSTILE_IDS}
    entries |= {f"model-{n}": {**PRICES, "litellm_provider": p} for n, p in enumerate(HOSTILE_PROVIDERS)}
    sync_litellm(tmp_path, entries)


def offering_model(host: str, host_model_id: str) -> Model:
    return Model.objects.select_related("lab").get(
        offerings__host__slug=host, offerings__host_model_id=host_model_id
    )


def test_hostile_feed_ids_become_separate_routable_models(hostile_feed):
    models = [offering_model("openai", model_id) for model_id in HOSTILE_IDS]

    assert [m.slug for m in models[:2]] == ["moxing-ceshi", "fire-fire"]
    assert models[2].slug.startswith("id-")
    assert models[3].slug == "fire"
    assert len({m.pk for m in models}) == 4
    for model in Model.objects.select_related("lab"):
        assert is_model_slug(model.slug) and is_provider_slug(model.lab.slug)
        assert_routable(model.lab.slug, model.slug)


def test_a_model_named_in_symbols_is_found_by_searching_them(hostile_feed, client):
    page = client.get("/models/?q=🔥🔥")

    assert page.status_code == 200
    assert offering_model("openai", "🔥🔥").get_absolute_url() in page.content.decode()


def test_a_provider_named_with_a_slash_or_markup_gets_a_plain_slug(hostile_feed):
    slugs = set(Provider.objects.values_list("slug", flat=True))

    assert {"evil-host", "b-x-b"} <= slugs
    assert not any("/" in s or "<" in s for s in slugs)
    assert offering_model("evil-host", "model-0").lab.slug == "evil-host"


@pytest.mark.parametrize(
    "url",
    [
        "/models/",
        "/models/?q=🔥",
        "/models/?q=模型",
        "/models/?lab=evil-host",
        "/models/?lab=evil/host",
        "/models/?page=-1",
        "/api/v1/models/?lab=openai&limit=200",
        "/api/v1/models/",
        "/sitemap.xml",
        "/",
        "/compare/",
        "/changes/",
        "/models/openai/",
        "/models/evil-host/",
        "/models/b-x-b/",
        "/models/openai/moxing-ceshi/",
        "/models/openai/fire-fire/",
        "/models/openai/fire/",
        "/models/evil-host/model-0/",
    ],
)
def test_pages_that_list_hostile_models_answer_200(hostile_feed, client, url):
    assert client.get(url).status_code == 200


def test_every_model_page_and_its_price_history_answer_200(hostile_feed, client):
    for model in Model.objects.select_related("lab"):
        assert client.get(model.get_absolute_url()).status_code == 200
        assert client.get(f"/api/v1/models/{model.lab.slug}/{model.slug}/prices/").status_code == 200


def test_genai_prices_provider_names_in_other_scripts_get_a_host_of_their_own(db, tmp_path):
    feed = [
        {
            "id": provider,
            "name": provider,
            "models": [{"id": "some-model", "prices": {"input_mtok": 1, "output_mtok": 2}}],
        }
        for provider in ["模型", "evil/host", "<b>x</b>"]
    ]
    path = tmp_path / "genai.json"
    path.write_text(json.dumps(feed))

    run_sync("genai_prices", file=path, observed_at=WEEK_1)

    hosts = set(Provider.objects.filter(is_host=True).values_list("slug", flat=True))
    assert {"moxing", "evilhost", "bxb"} <= hosts
    assert all(is_provider_slug(h) for h in hosts)


def test_a_catalogue_with_hostile_provider_ids_and_model_ids_imports_routable_rows(db, client):
    data = {
        "evil/host": {
            "id": "evil/host",
            "name": "<b>Evil</b>",
            "models": {m: {"id": m, "name": m} for m in HOSTILE_IDS},
        },
        "<b>x</b>": {
            "id": "<b>x</b>",
            "name": "X",
            "models": {"x-1": {"id": "x-1", "name": "X 1", "base_model": "模型/模型-测试"}},
        },
    }
    providers, entries = parse_models_dev(data)

    import_facts(providers, entries)

    assert {"evil-host", "b-x-b", "moxing"} <= set(Provider.objects.values_list("slug", flat=True))
    for model in Model.objects.select_related("lab"):
        assert is_model_slug(model.slug) and is_provider_slug(model.lab.slug)
        assert client.get(model.get_absolute_url()).status_code == 200
    assert Model.objects.filter(lab__slug="evil-host").count() == 4
    assert client.get("/models/?q=🔥").status_code == 200


# --- The database and the admin -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["", "evil/host", "<b>x</b>", "OpenAI", "-x", "..", "a b"])
def test_the_database_refuses_an_unroutable_slug_written_in_bulk(slug):
    lab = Provider.objects.create(slug="lab", name="Lab")
    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.bulk_create([Provider(slug=slug, name="x")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Model.objects.bulk_create([Model(lab=lab, slug=slug, name="x")])
    model = Model.objects.create(lab=lab, slug="ok", name="ok")
    with pytest.raises(IntegrityError), transaction.atomic():
        Model.objects.filter(pk=model.pk).update(slug=slug)


@pytest.mark.django_db
def test_the_admin_refuses_a_bad_provider_slug_with_a_message(admin_client):
    response = admin_client.post(
        "/admin/catalog/provider/add/", {"slug": "evil/host", "name": "Evil", "api_key_env": "[]"}
    )

    assert response.status_code == 200
    assert "no slashes" in response.content.decode()
    assert not Provider.objects.filter(name="Evil").exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_bad_model_slug_with_a_message(rf, admin_user):
    lab = Provider.objects.create(slug="openai", name="OpenAI", is_lab=True)
    model = Model.objects.create(lab=lab, slug="gpt-4o", name="GPT-4o")
    request = rf.get("/")
    request.user = admin_user
    model_admin = admin.site._registry[Model]
    form_class = model_admin.get_form(request, model)
    data = {**form_class(instance=model).initial, "lab": lab.pk, "slug": "gpt/4o 🔥"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["input_modalities"] = data["output_modalities"] = "[]"

    form = form_class(data, instance=model)

    assert not form.is_valid()
    assert "no slashes" in " ".join(form.errors["slug"])


# --- The migration that repairs existing rows -----------------------------------------------------------------

BEFORE = ("catalog", "0013_model_cheapest_host")  # the next, 0014_routable_slugs, repairs the rows


@pytest.fixture
def before_repair(transactional_db):
    """The database as it was before 0014, and a way to run 0014: its historical models, and `migrate()`."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps

    def migrate():  # 0014, and every later migration, so that the current models can read the result
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    yield apps, migrate
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_repairs_bad_rows_keeps_old_addresses_and_merges_nothing(before_repair, client):
    apps, migrate = before_repair
    OldProvider, OldModel = apps.get_model("catalog", "Provider"), apps.get_model("catalog", "Model")
    OldAlias = apps.get_model("catalog", "ModelAlias")
    # Written the way bulk paths wrote them, past every validator.
    openai, evil, upper, markup = OldProvider.objects.bulk_create(
        [
            OldProvider(slug="openai", name="OpenAI", is_lab=True),
            OldProvider(slug="evil/host", name="Evil", is_host=True, is_lab=True),
            OldProvider(slug="Shouty", name="Shouty", is_lab=True),
            OldProvider(slug="<b>x", name="X", is_lab=True),
        ]
    )
    rows = OldModel.objects.bulk_create(
        [
            OldModel(lab=openai, slug="", name="模型-测试"),
            OldModel(lab=openai, slug="GPT-4o!!", name="GPT 4o bang"),
            OldModel(
                lab=openai, slug="gpt-4o", name="GPT-4o"
            ),  # a good row, and the slug the one above wants
            OldModel(lab=openai, slug="..", name="!!!"),
            OldModel(lab=evil, slug="m", name="M"),
            OldModel(lab=upper, slug="Big-Model", name="Big Model"),
            OldModel(lab=markup, slug="x", name="X"),
        ]
    )
    OldModel.objects.filter(pk=rows[2].pk).update(slug="gpt-4o")
    OldAlias.objects.create(host="azure", host_model_id="gpt-4o-bang", target="openai/GPT-4o!!")

    migrate()

    slugs = {m.pk: (m.lab.slug, m.slug) for m in Model.objects.select_related("lab")}
    assert slugs[rows[0].pk] == ("openai", "moxing-ceshi")
    assert slugs[rows[1].pk] == ("openai", f"gpt-4o-{rows[1].pk}")  # gpt-4o is another model's: not merged
    assert slugs[rows[2].pk] == ("openai", "gpt-4o")
    assert slugs[rows[3].pk] == ("openai", "id-" + hashlib.sha256(b"..").hexdigest()[:12])
    assert slugs[rows[4].pk] == ("evil-host", "m")
    assert slugs[rows[5].pk] == ("shouty", "big-model")
    assert slugs[rows[6].pk][0] == "b-x"
    assert Model.objects.count() == 7
    for lab, slug in slugs.values():
        assert_routable(lab, slug)
        assert client.get(f"/models/{lab}/{slug}/").status_code == 200
    # Old addresses a browser could reach now redirect; one with "/" in it never was an address.
    response = client.get("/models/Shouty/Big-Model/")
    assert response.status_code == 301 and response["Location"] == "/models/shouty/big-model/"
    assert client.get("/models/openai/GPT-4o!!/")["Location"] == f"/models/openai/gpt-4o-{rows[1].pk}/"
    assert not ModelRedirect.objects.filter(lab="evil/host").exists()
    assert ModelAlias.objects.get(host="azure").target == f"openai/gpt-4o-{rows[1].pk}"
    assert client.get("/models/?q=big-model").status_code == 200
    assert "/models/shouty/big-model/" in client.get("/models/?q=big-model").content.decode()
    for url in ["/models/", "/sitemap.xml", "/api/v1/models/?lab=openai&limit=200", "/models/evil-host/"]:
        assert client.get(url).status_code == 200


def test_the_migration_leaves_good_rows_as_they_are(before_repair):
    apps, migrate = before_repair
    OldProvider, OldModel = apps.get_model("catalog", "Provider"), apps.get_model("catalog", "Model")
    lab = OldProvider.objects.create(slug="wafer.ai", name="Wafer")
    OldModel.objects.create(lab=lab, slug="gpt-4o:free", name="GPT-4o")

    migrate()

    assert list(Model.objects.values_list("lab__slug", "slug")) == [("wafer.ai", "gpt-4o:free")]
    assert not ModelRedirect.objects.exists()
