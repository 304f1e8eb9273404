import pytest

from catalog.markdown import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<svg onload="alert(1)">',
    '<iframe src="https://example.org"></iframe>',
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    '<div style="background:url(javascript:alert(1))">x</div>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markup_that_could_run_script_is_removed(payload):
    html = render_markdown(payload).lower()

    for dangerous in ("<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "style="):
        assert dangerous not in html


def test_headings_tables_links_and_images_survive():
    html = render_markdown(
        "## Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.org)\n\n![A diagram](https://example.org/d.png)"
    )

    assert "<h2>Heading</h2>" in html
    assert "<table>" in html
    assert 'href="https://example.org"' in html
    assert 'alt="A diagram"' in html


def test_an_illustration_named_relatively_is_served_from_our_static_files():
    html = render_markdown('![Flow of an audio request](illustrations/audio-flow.svg "How audio travels")')

    assert 'src="/static/catalog/illustrations/audio-flow.svg"' in html
    assert "<figcaption>How audio travels</figcaption>" in html


def test_an_illustration_follows_where_static_files_are_served_although_articles_are_kept_rendered(settings):
    article = '![Flow of an audio request](illustrations/audio-flow.svg "How audio travels")'
    render_markdown(article)
    settings.STATIC_URL = "https://cdn.example.org/static/"

    assert 'src="https://cdn.example.org/static/catalog/illustrations/audio-flow.svg"' in render_markdown(
        article
    )
