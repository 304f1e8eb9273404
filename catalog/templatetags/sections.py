"""{% section %}: a part of a page kept in the cache; {% hole %}: a part of a kept page rendered for each answer
(catalog.sections)."""

from __future__ import annotations

from django import template
from django.template.loader_tags import IncludeNode

from catalog.sections import HOLE_MARK

register = template.Library()


class SectionNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str, extra: list[template.base.FilterExpression]):
        self.nodelist, self.name, self.extra = nodelist, name, extra

    def render(self, context) -> str:
        sections = context.get("sections")
        if sections is None:
            return self.nodelist.render(context)
        extra = [value.resolve(context) for value in self.extra]
        return sections.data(self.name, lambda: self.nodelist.render(context), *extra)


@register.tag
def section(parser, token) -> SectionNode:
    """{% section "name" [value …] %}…{% endsection %}: what is inside, rendered once and then read from the
    page's `sections` (catalog.sections.Sections) while the data it reads is unchanged; `value`s are part of
    the key (a host's id: what the section shows that the rest of the key does not say). Without `sections` in
    the context, rendered every time."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'":
        raise template.TemplateSyntaxError("{% section %} takes the section's name, quoted")
    nodelist = parser.parse(("endsection",))
    parser.delete_first_token()
    return SectionNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])


class HoleNode(IncludeNode):
    def render(self, context) -> str:
        mark = context.get(HOLE_MARK)
        if mark is None:
            return super().render(context)
        return f"{mark}{self.template.resolve(context)}{mark}"


@register.tag
def hole(parser, token) -> HoleNode:
    """{% hole "template name" %}: that template, included, where a page kept as its skeleton
    (catalog.sections.Sections.page) differs between answers: it is rendered for each answer, in the page's
    context, and the rest of the page is not. The template must not read what the page sets as it renders
    ({% with %}, a loop's variables), and no hole may be inside a {% section %}."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'":
        raise template.TemplateSyntaxError("{% hole %} takes the name of the template it renders, quoted")
    return HoleNode(parser.compile_filter(bits[1]))
