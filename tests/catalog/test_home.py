"""The home page answers a reader's first questions: search, what changed, what is new, what is cheapest, which
models our editors reviewed."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.browse import CatalogQuery
from catalog.highlights import CHEAPEST_CLASSES, cheapest_in_classes
from catalog.models import Model, ModelStatus, Offering, Profile, Provider
from catalog.similar import similar_models
from pricing.ledger import record_prices
from pricing.records import PriceRecord
from pricing.sources import price_source
from tests.fixtures import empty_caches, load_whole_catalogue, text_of
from tokenledger.formatting import usd

pytestmark = pytest.mark.django_db

AUGUST = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
HOME_QUERIES = 9  # data versions, counts, profiles, price changes, releases, one per cheapest kind (4)


def record(model: str, host: str, source: str, observed_at: dt.datetime, **prices: str) -> None:
    offering = Offering.objects.get(model__slug=model, host__slug=host, host_model_id=model)
    record_prices(
        {offering.pk: [PriceRecord(c, Decimal(p)) for c, p in prices.items()]},
        source=price_source(source),
        observed_at=observed_at,
    )


def block(html: str, heading_id: str) -> str:
    """The text of the home page's section headed `heading_id`."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_the_home_page_searches_the_catalog(sample_data, reader):
    html = reader.get("/").content.decode()

    form = re.search(r'<form class="home-search" action="([^"]+)" method="get"[^>]*>(.*?)</form>', html, re.S)
    assert form and form.group(1) == "/models/"
    assert re.search(r'<input id="home-search" type="search" name="q"', form.group(2))
    assert '<label for="home-search">Find a model</label>' in form.group(2)


def test_it_lists_real_price_changes_with_the_old_and_new_price_but_not_corrections(sample_data, reader):
    record("gpt-4o", "azure", "models_dev", AUGUST, input="1.25", output="10")
    # llm-prices outranks models.dev: following it with another figure is a correction, not a change.
    record("claude-sonnet-4-5", "anthropic", "llm_prices", AUGUST + dt.timedelta(days=3), input="4")

    html = reader.get("/").content.decode()
    moves = block(html, "moves-heading")
    page = text_of(type("R", (), {"content": moves.encode()}))

    assert (
        f"2026-08-01 GPT-4o at Azure OpenAI (Microsoft) Input {usd(Decimal('2.5'))} → {usd(Decimal('1.25'))}"
        in page
    )
    assert "(▼ 50%)" in page
    assert "Claude Sonnet 4.5" not in page
    assert 'href="/changes/?kind=prices"' in moves
    assert 'href="/models/openai/gpt-4o/"' in moves


def test_it_lists_models_released_lately_once_each_and_none_from_the_future_or_retired(sample_data, reader):
    today = timezone.localdate()
    lab = Provider.objects.get(slug="openai")
    host = Provider.objects.get(slug="azure")
    Model.objects.create(
        lab=lab, slug="fresh-one", name="Fresh One", release_date=today - dt.timedelta(days=1)
    )
    Model.objects.create(
        lab=host, slug="fresh-one", name="Fresh One", release_date=today - dt.timedelta(days=1)
    )
    Model.objects.create(
        lab=lab, slug="tomorrow", name="Tomorrow Model", release_date=today + dt.timedelta(days=1)
    )
    Model.objects.create(
        lab=lab, slug="gone", name="Gone Model", release_date=today, retires_on=today - dt.timedelta(days=1)
    )

    releases = block(reader.get("/").content.decode(), "released-heading")

    assert releases.count(">Fresh One</a>") == 1
    assert (
        'href="/models/openai/fresh-one/"' in releases
    )  # the lab's own, with the host's copy named beside it
    assert "also Azure OpenAI (Microsoft)" in releases
    assert "Tomorrow Model" not in releases
    assert "Gone Model" not in releases
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', releases)
    assert 1 <= len(dates) <= 8
    assert dates == sorted(dates, reverse=True)


def test_it_features_reviewed_profiles_of_models_in_service_only(sample_data, reader):
    assert "Reviewed profiles" not in text_of(reader.get("/")), (
        "every shipped profile is of a deprecated or retired model"
    )
    in_service = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    Model.objects.filter(pk=in_service.pk).update(
        retires_on=None, editor_retires_on=None, status=ModelStatus.GA
    )
    others = [
        p.model for p in Profile.objects.public().select_related("model") if p.model_id != in_service.pk
    ]
    assert others and all(m.lifecycle in (ModelStatus.DEPRECATED, ModelStatus.RETIRED) for m in others)
    empty_caches()  # a queryset update sends no signal

    profiles = block(reader.get("/").content.decode(), "reviewed-heading")

    assert re.findall(r'<h3><a href="([^"]+)">', profiles) == ["/models/openai/gpt-4o/"]


def test_the_cheapest_of_each_kind_is_paid_in_service_and_first_in_its_browse_link(sample_data, reader):
    html = reader.get("/").content.decode()
    cheapest = block(html, "cheapest-heading")

    classes = cheapest_in_classes()
    assert [c.title for c in classes] == [title for title, _ in CHEAPEST_CLASSES]
    assert any(c.models for c in classes)
    for kind in classes:
        assert kind.browse_url.replace("&", "&amp;") in cheapest
        for model in kind.models:
            assert model.listed_input_price > 0 and model.listed_output_price > 0
            assert model.lifecycle in (ModelStatus.GA, ModelStatus.PREVIEW)
            assert f'href="{model.get_absolute_url()}"' in cheapest
        if kind.models:  # the browse view the link opens lists the same model first
            query = CatalogQuery.from_query(reader.get(kind.browse_url).wsgi_request.GET)
            assert query.models().filter(listed_input_price__gt=0).first() == kind.models[0]
    tools = next(c for c in classes if c.title.startswith("Tool calling"))
    assert all(m.supports_tools and m.context_window >= 128_000 for m in tools.models)


def test_the_home_page_is_cached_and_names_prices_as_what_it_is_built_from(sample_data, reader):
    reader.get("/")
    record("gpt-4o", "azure", "models_dev", AUGUST, input="1.25", output="10")

    assert "GPT-4o" in block(reader.get("/").content.decode(), "moves-heading"), (
        "a price change retires the page"
    )


def test_the_home_page_runs_a_fixed_number_of_queries(sample_data, reader, django_assert_max_num_queries):
    record("gpt-4o", "azure", "models_dev", AUGUST, input="1.25", output="10")
    with django_assert_max_num_queries(HOME_QUERIES):
        assert reader.get("/").status_code == 200
    with django_assert_max_num_queries(1):  # then from the page cache: the data versions only
        assert reader.get("/").status_code == 200


@pytest.fixture
def whole_catalogue(db, real_api_json):
    """The whole real models.dev catalogue (5,276 listings of 147 providers), as `make run` loads it."""
    return load_whole_catalogue(real_api_json)


def test_home_and_model_pages_take_as_many_queries_on_the_whole_catalogue(
    whole_catalogue, reader, django_assert_max_num_queries
):
    assert Model.objects.count() > 1_000  # the sample catalogue has 135
    with django_assert_max_num_queries(HOME_QUERIES):
        response = reader.get("/")
    assert response.status_code == 200
    assert "Latest price changes" in text_of(response)

    kimi = Model.objects.select_related("lab").get(lab__slug="moonshotai", slug="kimi-k2.6")
    with django_assert_max_num_queries(2):
        assert len(similar_models(kimi)) == 6
    empty_caches()
    with django_assert_max_num_queries(26):  # as on the small catalogue (test_profile_page)
        assert reader.get(kimi.get_absolute_url()).status_code == 200
