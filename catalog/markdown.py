"""Editorial Markdown rendered to sanitised HTML: no scripts, no event handlers, no javascript: links."""

from __future__ import annotations

import functools
import re

import markdown as md
import nh3
from django.conf import settings
from django.templatetags.static import static

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "figcaption", "figure",
    "h2", "h3", "h4", "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align"},
    "td": {"align"},
    "abbr": {"title"},
}
# Illustrations shipped with the content live in our static files; an article names them relatively.
ILLUSTRATION_PREFIX = "illustrations/"


def _resolve_illustration(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and value.startswith(ILLUSTRATION_PREFIX):
        return static("catalog/" + value)
    if element == "img" and attribute == "loading":
        return "lazy"
    return value


# An image alone in its paragraph, with a title, is an illustration: a figure with its caption.
_FIGURE = re.compile(r'<p>(<img [^>]*?title="(?P<caption>[^"]*)"[^>]*>)</p>')


def _as_figure(match: re.Match) -> str:
    return f"<figure>{match[1]}<figcaption>{match['caption']}</figcaption></figure>"


def render_markdown(text: str) -> str:
    # Every build of a profile page renders its article (about 10 ms, a fifth of the page's Python); the HTML
    # depends on the text and where static files are served alone, so each process keeps the last articles' HTML.
    return _render(text, settings.STATIC_URL)


@functools.lru_cache(maxsize=128)
def _render(text: str, static_url: str) -> str:
    html = md.markdown(text, extensions=["tables", "sane_lists", "smarty"], output_format="html")
    html = _FIGURE.sub(_as_figure, html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_resolve_illustration,
    )
