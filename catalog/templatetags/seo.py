"""Tags for what search engines and link previews read: absolute URLs, a block's text used twice, JSON-LD."""

from __future__ import annotations

from django import template
from django.utils.encoding import escape_uri_path
from django.utils.safestring import SafeString, mark_safe

from catalog import seo
from catalog.sections import resolve

register = template.Library()

register.simple_tag(seo.absolute_url, name="absolute_url")


@register.simple_tag(takes_context=True)
def page_url(context) -> str:
    """This page's address on the public site, without its query string (search filters, tracking tags)."""
    return seo.absolute_url(escape_uri_path(context["request"].path))


@register.simple_tag(takes_context=True)
def model_json_ld(context) -> SafeString:
    """The profile page's model (`model`, its public `profile` or None, its `hosts`) as a JSON-LD script."""
    model = context["model"]
    seller = next(
        (
            h.offering.host.name
            for h in resolve(context.get("hosts", []))
            if h.offering.host_id == model.listed_price_host_id
        ),
        None,
    )
    if seller is None and model.listed_price_host_id:
        seller = model.listed_price_host.name
    profile = resolve(context.get("profile"))
    data = seo.model_json_ld(model, profile, url=seo.absolute_url(model.get_absolute_url()), seller=seller)
    return seo.json_ld_script(data)


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context) -> str:
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # rendered, so escaped
        return ""


@register.tag
def capture(parser, token) -> CaptureNode:
    """{% capture page_title %}…{% endcapture %}: what is inside, rendered (blocks too), kept as `page_title`
    for the rest of the template, so that a block a page fills can be written in more than one place."""
    try:
        _, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% capture %} takes the name to keep the text under") from None
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, name)
