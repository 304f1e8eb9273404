import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from catalog.models import Offering
from pricing.ledger import record_prices
from pricing.records import PriceRecord
from pricing.sources import price_source

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/feeds/price-changes.atom"
AUGUST = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)


def change_prices(model: str, host: str, observed_at: dt.datetime, **prices: str) -> None:
    offering = Offering.objects.get(model__slug=model, host__slug=host, host_model_id=model)
    record_prices(
        {offering.pk: [PriceRecord(c, Decimal(p)) for c, p in prices.items()]},
        source=price_source("models_dev"),
        observed_at=observed_at,
    )


def entries(reader, url: str = FEED) -> list[dict[str, str]]:
    response = reader.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "published": entry.findtext(f"{ATOM}published"),
            "id": entry.findtext(f"{ATOM}id"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in ET.fromstring(response.content).iter(f"{ATOM}entry")
    ]


@pytest.fixture
def price_changes(sample_data):
    """Azure halves GPT-4o's input price in August; Anthropic raises Claude Sonnet 4.5's a week later."""
    change_prices("gpt-4o", "azure", AUGUST, input="1.25", output="10")
    change_prices("claude-sonnet-4-5", "anthropic", AUGUST + dt.timedelta(weeks=1), input="4", output="15")


def test_first_observations_are_not_price_changes(sample_data, reader):
    assert entries(reader) == []


def test_a_price_change_is_an_entry_that_says_what_changed_and_by_how_much(price_changes, reader):
    feed = entries(reader)

    gpt_4o = next(e for e in feed if "GPT-4o" in e["title"])
    assert gpt_4o["title"] == "GPT-4o at Azure OpenAI (Microsoft): input $2.50 → $1.25 per 1M tokens (▼ 50%)"
    assert gpt_4o["link"] == "http://testserver/models/openai/gpt-4o/"
    assert gpt_4o["published"] == "2026-08-01T00:00:00+00:00"
    assert "Source: models.dev." in gpt_4o["summary"]
    assert "down from $2.50" in gpt_4o["summary"]


def test_only_the_components_whose_price_changed_are_entries(price_changes, reader):
    titles = [e["title"] for e in entries(reader)]

    assert len(titles) == 2  # the two output prices were recorded again unchanged
    assert titles[0] == "Claude Sonnet 4.5 at Anthropic: input $3.00 → $4.00 per 1M tokens (▲ 33%)"


def test_entries_are_newest_first_each_with_its_own_id(price_changes, reader):
    feed = entries(reader)

    assert [e["published"] for e in feed] == sorted((e["published"] for e in feed), reverse=True)
    assert len({e["id"] for e in feed}) == len(feed)
    assert all(e["id"].startswith("tag:") for e in feed)


def test_the_feed_has_the_latest_50_changes(sample_data, reader):
    for week in range(1, 27):
        change_prices(
            "gpt-4o",
            "azure",
            AUGUST + dt.timedelta(days=week),
            input=str(Decimal("2.5") + week),
            output=str(10 + week),
        )

    feed = entries(reader)

    assert len(feed) == 50
    assert feed[0]["published"] == (AUGUST + dt.timedelta(days=26)).isoformat()


def test_a_labs_feed_has_the_changes_of_its_models_at_every_host(price_changes, reader):
    openai = [e["title"] for e in entries(reader, "/feeds/providers/openai/price-changes.atom")]
    anthropic = [e["title"] for e in entries(reader, "/feeds/providers/anthropic/price-changes.atom")]

    assert openai == ["GPT-4o at Azure OpenAI (Microsoft): input $2.50 → $1.25 per 1M tokens (▼ 50%)"]
    assert [t.split(":")[0] for t in anthropic] == ["Claude Sonnet 4.5 at Anthropic"]


def test_an_unknown_provider_has_no_feed(sample_data, reader):
    assert reader.get("/feeds/providers/no-such-lab/price-changes.atom").status_code == 404


@pytest.mark.parametrize(("url", "queries"), [(FEED, 1), ("/feeds/providers/openai/price-changes.atom", 2)])
def test_the_feed_runs_the_same_queries_however_many_changes_it_lists(
    price_changes, reader, django_assert_num_queries, url, queries
):
    with django_assert_num_queries(queries):
        reader.get(url)
    for week in range(1, 30):
        change_prices("gpt-4o", "azure", AUGUST + dt.timedelta(days=week), input=str(Decimal(week)))

    with django_assert_num_queries(queries):
        assert len(entries(reader, url)) >= 30


def test_every_page_announces_the_site_wide_feed(sample_data, reader):
    html = reader.get("/").content.decode()

    assert f'<link rel="alternate" type="application/atom+xml" title="Price changes" href="{FEED}">' in html
