"""Browsing /models/: search, filters with counts, sorting and pages, every state a shareable URL."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from catalog import freshness
from catalog.browse import CatalogQuery
from catalog.models import Model, ModelStatus, Offering, OfferingKind
from pricing.listing import refresh_listed_prices
from pricing.models import Component, Mode, PricePeriod
from tests.fixtures import empty_caches, text_of
from tokenledger.formatting import usd

pytestmark = pytest.mark.django_db

URL = reverse("catalog:model_list")


def shown(response) -> list[str]:
    """The model links of the results table, in order."""
    return re.findall(r'<td class="model-table__name"><a href="(/models/[^"]+/)">', response.content.decode())


def facet_count(response, param: str, value: str) -> int:
    match = re.search(
        rf'name="{param}" value="{re.escape(value)}"[^>]*> [^<]* <span class="count">([\d,]+)</span>',
        response.content.decode(),
    )
    assert match, f"no choice {param}={value}"
    return int(match[1].replace(",", ""))


def option_count(response, param: str, value: str) -> int:
    """The count beside a threshold's choice (a select's option)."""
    select = re.search(rf'<select name="{param}".*?</select>', response.content.decode(), re.S)
    match = re.search(rf'<option value="{value}"[^>]*>[^<]*\(([\d,]+)\)</option>', select[0])
    assert match, f"no choice {param}={value}"
    return int(match[1].replace(",", ""))


def test_filter_by_provider_and_maximum_price_sorted_by_input_price(sample_data, reader):
    response = reader.get(URL, {"lab": "openai", "max_input": "1", "sort": "input_price"})

    urls = shown(response)
    models = [Model.objects.get(lab__slug="openai", slug=url.split("/")[3]) for url in urls]
    expected = Model.objects.current().filter(lab__slug="openai", listed_input_price__lte=1)
    assert len(urls) == expected.count() > 3
    assert all(m.listed_input_price <= 1 for m in models)
    prices = [m.listed_input_price for m in models]
    assert prices == sorted(prices)
    page = text_of(response)
    assert f"{expected.count()} models" in page
    assert "Provider: OpenAI ×" in page and "Input price, per 1M: $1 or less ×" in page


def test_each_choice_counts_the_models_it_would_show_with_the_other_filters(sample_data, reader):
    response = reader.get(URL, {"lab": "openai", "cap": "reasoning"})

    openai = Model.objects.current().filter(lab__slug="openai")
    assert facet_count(response, "cap", "reasoning") == openai.filter(supports_reasoning=True).count()
    assert (
        facet_count(response, "cap", "tools")
        == openai.filter(supports_reasoning=True, supports_tools=True).count()
    )
    assert (
        facet_count(response, "input", "image")
        == openai.filter(supports_reasoning=True, input_modalities__icontains="image").count()
    )
    # The provider's own group counts every provider under the other filters: picking Anthropic would add these.
    anthropic = Model.objects.current().filter(lab__slug="anthropic", supports_reasoning=True).count()
    assert facet_count(response, "lab", "anthropic") == anthropic > 0
    assert len(shown(response)) == openai.filter(supports_reasoning=True).count()


def test_a_modality_filter_needs_every_modality_picked(sample_data, reader):
    response = reader.get(URL, {"input": ["image", "audio"], "output": "text"})

    for url in shown(response):
        _, _, lab, slug, _ = url.split("/")
        model = Model.objects.get(lab__slug=lab, slug=slug)
        assert {"image", "audio"} <= set(model.input_modalities) and "text" in model.output_modalities
    assert shown(response)


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("output_price", lambda m: m.listed_output_price, False),
        ("context", lambda m: m.context_window, True),
        ("released", lambda m: m.release_date, True),
        ("name", lambda m: m.name.lower(), False),
    ],
)
def test_every_sort_orders_the_models_and_puts_unknown_values_last(sample_data, reader, sort, key, reverse):
    models = [
        Model.objects.get(lab__slug=url.split("/")[2], slug=url.split("/")[3])
        for url in shown(reader.get(URL, {"lab": "openai", "sort": sort}))
    ]
    known = [key(m) for m in models if key(m) is not None]
    assert known == sorted(known, reverse=reverse)
    assert all(key(m) is None for m in models[len(known) :])


def test_sorting_by_a_typical_conversation_uses_both_prices(sample_data, reader):
    models = [
        Model.objects.get(lab__slug=url.split("/")[2], slug=url.split("/")[3])
        for url in shown(reader.get(URL, {"lab": "anthropic", "sort": "conversation"}))
    ]
    costs = [m.listed_input_price * 600 + m.listed_output_price * 200 for m in models if m.listed_input_price]
    assert costs == sorted(costs) and len(costs) > 3


def test_pages_keep_the_filters_and_the_order_in_their_links(sample_data, reader):
    first = reader.get(URL, {"sort": "context", "cap": "tools"})
    next_link = re.search(r'<a href="\?([^"]+)" rel="next">', first.content.decode())[1].replace("&amp;", "&")

    assert sorted(next_link.split("&")) == ["cap=tools", "page=2", "sort=context"]
    second = reader.get(f"{URL}?{next_link}")
    assert set(shown(first)).isdisjoint(shown(second)) and shown(second)


def test_nonsense_in_the_query_string_is_ignored_not_an_error(sample_data, reader):
    response = reader.get(
        URL,
        {"max_input": "-3", "max_output": "NaN", "min_context": "lots", "sort": "1; DROP TABLE", "cap": "x"},
    )

    assert response.status_code == 200
    assert f"{Model.objects.current().count()} models" in text_of(response)


def test_a_search_by_a_hosts_id_finds_the_model_once(sample_data, reader):
    response = reader.get(URL, {"q": "openai/gpt-4o"})  # gpt-4o's id at OpenRouter (and other models' ids)

    assert shown(response).count("/models/openai/gpt-4o/") == 1


def test_the_listed_price_is_the_labs_own_then_the_cheapest_hosts(sample_data):
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    assert (gpt4o.listed_input_price, gpt4o.listed_output_price, gpt4o.listed_price_host.slug) == (
        Decimal("2.5"),
        Decimal("10"),
        "openai",
    )
    # Without the lab's own offering, the cheapest conversation among the hosts is listed.
    Offering.objects.filter(model=gpt4o, host__slug="openai").delete()
    refresh_listed_prices([gpt4o.pk])
    gpt4o.refresh_from_db()
    assert gpt4o.listed_price_host.slug != "openai"


def test_the_browse_page_takes_the_same_queries_with_few_models_as_with_many(
    sample_data, reader, django_assert_num_queries
):
    params = {"lab": "openai", "max_input": "3", "cap": "tools", "sort": "conversation", "q": "gpt"}
    with django_assert_num_queries(4) as few:  # data versions, the count, the page, every filter's counts
        reader.get(URL, params)
    assert CatalogQuery().models().count() > 50

    freshness.forget_versions()  # the second page reads the data versions too
    with django_assert_num_queries(len(few)):
        reader.get(URL, {k: v for k, v in params.items() if k == "sort"})


def test_another_page_or_order_of_one_search_reads_only_its_page(
    sample_data, reader, django_assert_num_queries
):
    params = {"cap": "tools", "sort": "conversation"}
    reader.get(URL, params)

    # The number found and the filters' counts are the first page's: only the page's models are read.
    with django_assert_num_queries(1):
        second = reader.get(URL, {**params, "page": "2", "sort": "input_price"})

    empty_caches()
    freshness.forget_versions()
    assert second.content == reader.get(URL, {**params, "page": "2", "sort": "input_price"}).content


def test_the_counts_of_a_search_follow_the_catalogue(sample_data, reader):
    params = {"cap": "tools"}
    before = reader.get(URL, params)
    model = Model.objects.current().filter(supports_tools=True, context_window__lt=32_000).first()

    model.context_window = 1_000_000
    model.save()  # an editor's change in the admin: a new version of the catalogue

    after = reader.get(URL, {**params, "page": "2"})
    assert option_count(after, "min_context", "1000000") == option_count(before, "min_context", "1000000") + 1
    assert f"{CatalogQuery(capabilities=['tools']).models().count()} models" in text_of(after)


def row_of(response, key: str) -> str:
    """The text of the results row of model `key`."""
    rows = re.findall(r"<tr>\s*<td class=\"model-table__name\">.*?</tr>", response.content.decode(), re.S)
    row = next(r for r in rows if f'href="/models/{key}/"' in r)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row))).strip()


def test_by_default_the_newest_generally_available_models_come_first(sample_data, reader):
    models = [
        Model.objects.get(lab__slug=url.split("/")[2], slug=url.split("/")[3])
        for url in shown(reader.get(URL))
    ]

    first = models[:10]
    assert all(m.lifecycle == ModelStatus.GA and m.release_date for m in first)
    assert [m.release_date for m in first] == sorted((m.release_date for m in first), reverse=True)
    newest = (
        Model.objects.current()
        .filter(status=ModelStatus.GA, release_date__isnull=False)
        .latest("release_date")
    )
    assert models[0].release_date == newest.release_date
    # A model without a release date never leads: every dated model of the page comes before any undated one.
    dated = [m.release_date is not None for m in models]
    assert dated == sorted(dated, reverse=True)
    assert 'value="newest" selected' in reader.get(URL).content.decode()


def test_the_reader_can_still_sort_by_name(sample_data, reader):
    names = [
        Model.objects.get(lab__slug=url.split("/")[2], slug=url.split("/")[3]).name.lower()
        for url in shown(reader.get(URL, {"sort": "name"}))
    ]
    assert names == sorted(names) and len(names) == 50


def test_each_row_is_one_model_with_its_number_of_hosts(sample_data, reader):
    urls = shown(reader.get(URL, {"lab": "openai", "sort": "name"}))  # one page: fewer than 50

    assert len(urls) == len(set(urls)) == Model.objects.current().filter(lab__slug="openai").count()
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    hosts = gpt4o.offerings.values("host").distinct().count()
    assert hosts == 3  # OpenAI, Azure and OpenRouter: one row, not three
    assert f"OpenAI · {hosts} hosts" in row_of(reader.get(URL, {"q": "gpt-4o"}), "openai/gpt-4o")


def _set_base_prices(offering: Offering, input_price: str, output_price: str) -> None:
    base = PricePeriod.objects.in_force().filter(offering=offering, tier="", mode=Mode.STANDARD)
    base.filter(component=Component.INPUT).update(price=Decimal(input_price))
    base.filter(component=Component.OUTPUT).update(price=Decimal(output_price))
    refresh_listed_prices([offering.model_id])


def test_a_cheaper_pay_as_you_go_host_is_named_beside_the_labs_price(sample_data, reader):
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    azure = gpt4o.offerings.get(host__slug="azure")
    _set_base_prices(azure, "1.25", "5")

    row = row_of(reader.get(URL, {"q": "gpt-4o"}), "openai/gpt-4o")
    # The lab's own price stays the listed one; the host beside it is the cheapest pay-as-you-go one.
    assert f"{usd(Decimal('2.5'))} from {usd(Decimal('1.25'))} at Azure" in row
    assert f"{usd(Decimal('10'))} from {usd(Decimal('5'))}" in row


@pytest.mark.parametrize("kind", [OfferingKind.FREE, OfferingKind.ROUTER, OfferingKind.PLAN])
def test_a_free_tier_a_plan_or_a_router_is_never_the_cheapest_host(sample_data, reader, kind):
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    azure = gpt4o.offerings.get(host__slug="azure")
    Offering.objects.filter(pk=azure.pk).update(kind=kind)
    _set_base_prices(azure, "0.5", "1")

    assert " from " not in row_of(reader.get(URL, {"q": "gpt-4o"}), "openai/gpt-4o")
    gpt4o.refresh_from_db()
    assert gpt4o.cheapest_price_host.slug != "azure"


def test_a_saving_too_small_to_see_is_not_pointed_out(sample_data, reader):
    azure = Offering.objects.get(model__lab__slug="openai", model__slug="gpt-4o", host__slug="azure")
    _set_base_prices(azure, "2.499", "9.996")  # 0.04% less: the same figure once rounded

    assert " from " not in row_of(reader.get(URL, {"q": "gpt-4o"}), "openai/gpt-4o")


def test_the_filters_fold_into_a_panel_that_names_how_many_are_on(sample_data, reader):
    page = reader.get(URL, {"lab": "openai", "input": "image", "min_context": "128000"}).content.decode()

    panel = re.search(
        r'<details class="browse__filters" id="filters"( open)?>\s*<summary[^>]*>(.*?)</summary>', page, re.S
    )
    assert (
        panel and panel[1] is None
    )  # closed in the HTML: a phone shows results first; CSS opens it when wide
    assert re.sub(r"<[^>]+>|\s+", " ", panel[2]).split() == ["Filters", "(3", "active)"]
    assert page.index('id="filters"') < page.index('id="filter-lab"') < page.index("</details>")


def test_every_row_has_a_compare_checkbox_and_ticks_survive_a_new_search(sample_data, reader):
    page = reader.get(URL, {"q": "gpt-4o"}).content.decode()
    assert 'type="checkbox" name="models" value="openai/gpt-4o"' in page
    assert 'formaction="/compare/"' in page

    # GPT-4o ticked, then a search for Claude: GPT-4o is no longer a row but travels on as a hidden field.
    page = reader.get(URL, {"q": "claude sonnet", "models": ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"]})
    html = page.content.decode()
    assert '<input type="hidden" name="models" value="openai/gpt-4o"' in html
    assert re.search(r'value="anthropic/claude-sonnet-4-5" data-name="[^"]+" checked', html)
    assert re.search(r"Ticked: GPT-4o × ?, Claude Sonnet 4\.5 ×", text_of(page))
    assert "Compare 2 models" in text_of(page)


def test_the_browse_page_stays_one_page_of_queries_with_ticked_models(
    sample_data, reader, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):  # the page's 4 and the ticked models' names
        reader.get(URL, {"models": ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"], "sort": "name"})


def test_a_host_selling_the_model_under_two_ids_lists_its_cheaper_one(sample_data, reader):
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    own = gpt4o.offerings.get(host__slug="openai", host_model_id="gpt-4o")
    extended = Offering.objects.create(model=gpt4o, host=own.host, host_model_id="gpt-4o:extended")
    for period in PricePeriod.objects.in_force().filter(offering=own, tier="", mode=Mode.STANDARD):
        period.pk, period.offering = None, extended
        period.price *= 3  # a pricier variant at the same host, filed after the standard one
        period.save()
    refresh_listed_prices([gpt4o.pk])
    gpt4o.refresh_from_db()

    assert (gpt4o.listed_input_price, gpt4o.listed_output_price) == (Decimal("2.5"), Decimal("10"))
    assert f"{usd(Decimal('2.5'))}" in row_of(reader.get(URL, {"q": "gpt-4o"}), "openai/gpt-4o")
