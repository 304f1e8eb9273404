"""Guard tests for the whole site: every public page answers, has one <h1>, a title and a description,
and every link on it to our own site resolves."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PUBLIC_PAGES = [
    "/",
    "/models/",
    "/models/?q=claude",
    "/models/openai/",
    "/models/openai/gpt-4o/",
    "/models/openai/gpt-4o-audio-preview-2024-12-17/",
    "/models/anthropic/claude-sonnet-4-5/",
    "/methodology/",
    "/benchmarks/",
    "/status/",
    "/compare/?models=openai/gpt-4o,openai/gpt-4o-audio-preview-2024-12-17",
    "/compare/",
]


def internal_links(html: str) -> set[str]:
    links = set(re.findall(r'href="(/[^"#]*)', html))
    return {link for link in links if not link.startswith(("/static/", "/admin/"))}


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_answers_with_one_h1_a_title_and_a_description(sample_data, reader, url):
    response = reader.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(r"<title>[^<]{10,}</title>", html)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)


@pytest.mark.django_db
def test_every_link_to_our_own_site_resolves(sample_data, reader):
    seen, failures = set(), []
    for url in PUBLIC_PAGES:
        for link in internal_links(reader.get(url).content.decode()) - seen:
            seen.add(link)
            status = reader.get(link).status_code
            if status != 200:
                failures.append((url, link, status))
    assert failures == []


@pytest.mark.django_db
def test_the_admin_login_page_answers(reader):
    assert reader.get(reverse("admin:login")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "limit"), [("/", 9), ("/models/", 12), ("/models/openai/", 9)])
def test_list_pages_run_a_fixed_number_of_queries(
    sample_data, reader, django_assert_max_num_queries, url, limit
):
    with django_assert_max_num_queries(limit):
        assert reader.get(url).status_code == 200


def test_no_template_comment_spans_lines():
    """Django's {# … #} ends on its own line: one that runs on is printed on the page as text."""
    templates = Path(settings.BASE_DIR) / "templates"
    open_comment = re.compile(r"\{#(?:(?!#\}).)*$")
    runaway = [
        f"{path.relative_to(templates)}:{number}"
        for path in templates.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if open_comment.search(line)
    ]
    assert runaway == []
