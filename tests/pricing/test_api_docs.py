"""The API's documentation page: at /api/v1/docs, with Swagger UI from our own static files, linked site-wide."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.fixtures import text_of

pytestmark = pytest.mark.django_db


def test_the_api_docs_page_answers_and_loads_every_asset_from_our_static_files(reader):
    response = reader.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(a.startswith("/static/") for a in assets), assets  # never a CDN
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not in our static files"
    assert "/api/v1/openapi.json" in html


def test_the_footer_and_every_page_with_a_json_link_link_the_api_docs(sample_data, reader):
    for url in ("/", "/models/openai/gpt-4o/"):
        html = reader.get(url).content.decode()
        assert 'href="/api/v1/docs">API documentation</a>' in html, url
    profile = reader.get("/models/openai/gpt-4o/").content.decode()
    assert '>JSON</a> (<a href="/api/v1/docs">API docs</a>)' in profile


def test_the_footer_names_every_price_source_the_site_uses(reader):
    footer = text_of(reader.get("/")).split("Catalogue facts and prices come from")[1]
    for source in ("models.dev", "LiteLLM", "OpenRouter", "genai-prices", "llm-prices"):
        assert source in footer
