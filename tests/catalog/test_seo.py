"""What search engines and link previews read: sitemap.xml, robots.txt, canonical links, OpenGraph, JSON-LD."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from catalog.models import Model, Profile, Provider

pytestmark = pytest.mark.django_db

SITE = "https://tokenledger.example"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PROFILE_PAGE = "/models/openai/gpt-4o/"


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.SITE_URL = SITE


class HeadReader(HTMLParser):
    """The <meta> and <link> tags of a page, and the text of its JSON-LD scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        elif tag == "link":
            self.links[attrs["rel"]] = attrs["href"]
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data) -> None:
        if self._in_json_ld:
            self.json_ld[-1] += data


def head_of(response) -> HeadReader:
    assert response.status_code == 200
    reader = HeadReader()
    reader.feed(response.content.decode())
    return reader


def sitemap_entries(response) -> dict[str, str | None]:
    """<loc> → <lastmod> (or None) of every URL in the sitemap."""
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext("s:lastmod", namespaces=SITEMAP_NS)
        for url in root.findall("s:url", SITEMAP_NS)
    }


def is_model_page(location: str) -> bool:
    return re.fullmatch(rf"{SITE}/models/[^/]+/[^/]+/", location) is not None


def unreviewed_model() -> Model:
    """A model as a price sync creates it: no editor has checked it yet."""
    return Model.objects.create(
        lab=Provider.objects.get(slug="openai"), slug="gpt-from-a-price-feed", name="GPT from a price feed",
        needs_review=True,
    )  # fmt: skip


def test_the_sitemap_lists_every_checked_model_and_no_unchecked_one(sample_data, reader):
    unchecked = unreviewed_model()

    locations = set(sitemap_entries(reader.get("/sitemap.xml")))

    model_locations = {loc for loc in locations if is_model_page(loc)}
    checked = Model.objects.filter(needs_review=False).select_related("lab")
    assert len(checked) > 50
    assert model_locations == {SITE + model.get_absolute_url() for model in checked}
    assert SITE + unchecked.get_absolute_url() not in locations


def test_the_sitemap_lists_the_site_pages_and_the_labs_with_models(sample_data, reader):
    Provider.objects.create(slug="a-lab-without-models", name="A lab without models", is_lab=True)

    locations = set(sitemap_entries(reader.get("/sitemap.xml")))

    pages = {f"{SITE}{path}" for path in ("/", "/models/", "/benchmarks/", "/status/", "/methodology/")}
    labs = {
        f"{SITE}/models/{slug}/"
        for slug in Provider.objects.filter(is_lab=True, models__needs_review=False).values_list(
            "slug", flat=True
        )
    }
    assert {f"{SITE}/models/openai/", f"{SITE}/models/anthropic/"} <= labs
    assert {loc for loc in locations if not is_model_page(loc)} == pages | labs
    assert f"{SITE}/models/a-lab-without-models/" not in locations


def test_a_model_was_last_modified_when_its_facts_or_its_public_profile_were(sample_data, reader):
    later = timezone.now() + dt.timedelta(days=3)
    Profile.objects.filter(model__lab__slug="openai", model__slug="gpt-4o").update(published_at=later)

    entries = sitemap_entries(reader.get("/sitemap.xml"))

    assert entries[SITE + PROFILE_PAGE] == f"{later:%Y-%m-%d}"
    o3 = Model.objects.get(lab__slug="openai", slug="o3")
    assert entries[SITE + o3.get_absolute_url()] == f"{o3.updated_at:%Y-%m-%d}"


def test_the_sitemap_runs_the_same_queries_however_many_models_there_are(
    sample_data, reader, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as few:
        assert reader.get("/sitemap.xml").status_code == 200

    openai = Provider.objects.get(slug="openai")
    Model.objects.bulk_create(Model(lab=openai, slug=f"extra-{i}", name=f"Extra {i}") for i in range(100))

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(sitemap_entries(reader.get("/sitemap.xml"))) > 100


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_the_api_and_names_the_sitemap(reader):
    response = reader.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines and "Disallow: /api/" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


def test_the_home_page_has_a_canonical_link_without_its_query_string_and_opengraph_tags(sample_data, reader):
    head = head_of(reader.get("/", {"utm_source": "newsletter", "utm_campaign": "x"}))

    assert head.links["canonical"] == f"{SITE}/"
    assert head.meta["og:url"] == f"{SITE}/"
    assert head.meta["og:title"] == "AI model prices, history and availability"
    assert head.meta["og:description"] == head.meta["description"] != ""
    assert head.meta["og:type"] == "website"
    assert head.meta["og:site_name"] == "Tokenledger"
    assert head.meta["twitter:card"] == "summary"
    assert "robots" not in head.meta


def test_a_profile_page_has_its_canonical_link_and_opengraph_tags(sample_data, reader):
    head = head_of(reader.get(PROFILE_PAGE, {"input_tokens": "5000"}))

    profile = Profile.objects.get(model__lab__slug="openai", model__slug="gpt-4o")
    assert head.links["canonical"] == head.meta["og:url"] == SITE + PROFILE_PAGE
    assert head.meta["og:title"] == "GPT-4o (OpenAI): price, availability and review"
    assert head.meta["og:description"] == head.meta["description"] == profile.tagline
    assert head.meta["og:type"] == "article"
    assert "robots" not in head.meta


def test_the_profile_page_describes_the_model_as_a_product_in_json_ld(sample_data, reader):
    head = head_of(reader.get(PROFILE_PAGE))

    assert len(head.json_ld) == 1
    data = json.loads(head.json_ld[0])
    model = Model.objects.select_related("lab", "listed_price_host", "profile__author").get(
        lab__slug="openai", slug="gpt-4o"
    )
    profile = model.profile
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Product"
    assert data["name"] == "GPT-4o"
    assert data["brand"] == {"@type": "Brand", "name": "OpenAI"}
    assert data["url"] == SITE + PROFILE_PAGE
    assert data["description"] == profile.summary
    offer = data["offers"]
    assert offer["@type"] == "Offer"
    assert Decimal(offer["price"]) == model.listed_input_price == Decimal("2.5")
    assert offer["priceCurrency"] == "USD"
    assert offer["seller"]["name"] == model.listed_price_host.name
    assert data["review"]["author"]["name"] == profile.author.get_full_name()
    assert data["review"]["datePublished"] == profile.reviewed_on.isoformat()


def test_a_model_without_a_profile_or_price_is_described_in_one_factual_sentence(sample_data, reader):
    model = unreviewed_model()

    data = json.loads(head_of(reader.get(model.get_absolute_url())).json_ld[0])

    assert data["description"] == "GPT from a price feed is an AI model made by OpenAI."
    assert "offers" not in data and "review" not in data


def test_the_page_of_a_model_no_editor_has_checked_asks_not_to_be_indexed(sample_data, reader):
    model = unreviewed_model()

    head = head_of(reader.get(model.get_absolute_url()))

    assert head.meta["robots"] == "noindex"
    assert head.links["canonical"] == SITE + model.get_absolute_url()
