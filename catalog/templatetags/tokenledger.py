"""Display filters: every number on the site is formatted here, in one place."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

from django import template
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import conditional_escape, escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from catalog.markdown import render_markdown
from catalog.models import OfferingKind
from catalog.sections import resolve
from tokenledger import formatting

register = template.Library()


register.filter("usd", formatting.usd)
register.filter("price_change", formatting.price_change)
register.filter("display_name", formatting.display_name)


register.filter("tokens", formatting.tokens)
register.filter("age", formatting.age)


@register.filter
def listed_prices(model) -> str:
    """A model's listed input and output price on one line (formatting.in_and_out)."""
    return formatting.in_and_out(model.listed_input_price, model.listed_output_price)


@register.filter
def cost(value: Decimal | float | None, things: str = "requests") -> str:
    """A cost per request (a chat, a call), and where that is under a cent, also per 1,000 of them:
    "$0.00000540" with "$5.40 per 1,000 chats" beneath."""
    scaled = formatting.per_thousand(value, things)
    if scaled is None:
        return formatting.usd(value)
    # As format_html writes it, without its argument handling nor escape's check for lazy text (html.escape is
    # what escape runs): the table of hosts writes one per cost.
    return mark_safe(
        f'{html.escape(formatting.usd(value))}<span class="cost-scale">{html.escape(scaled)}</span>'
    )


@register.filter
def tokens_exact(value: int | None) -> str:
    return f"{value:,}" if value else "—"


@register.filter
def percent(value: Decimal | float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):.{digits}f}%"


@register.filter
def score(value: Decimal, unit: str = "%") -> str:
    """Percentages with one decimal, as benchmarks publish them (79.0%); other units as given."""
    if unit == "%":
        return f"{Decimal(value):.1f}%"
    return f"{Decimal(value).normalize():f} {unit}".strip()


@register.filter
def bar_width(value: Decimal | None, maximum: Decimal | None) -> str:
    """A CSS width in percent for a bar comparison; never zero-width for a non-zero value."""
    if not value or not maximum:
        return "0%"
    return f"{max(Decimal(2), Decimal(value) / Decimal(maximum) * 100):.1f}%"


@register.filter
def utc(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%b %-d, %Y · %H:%M UTC") if value else "—"


@register.filter
def facet_checkboxes(facet) -> SafeString:
    """A browse filter's checkboxes, one per choice that finds models (or is ticked), each with its count. Written
    here rather than in a template loop: the provider filter alone has some 150 choices, which cost a tenth of the
    page's function calls as template lookups (19k of 216k per build)."""
    return format_html_join(
        "",
        '\n        <li><label><input type="checkbox" name="{}" value="{}"{}> {} <span class="count">{}</span></label></li>'
        "\n        ",
        (
            (
                facet.param,
                choice.value,
                mark_safe(" checked") if choice.selected else "",
                choice.label,
                f"{choice.count:,}",  # as intcomma writes it in English, without its locale lookups per call
            )
            for choice in facet.choices
            if choice.count or choice.selected
        ),
    )


# One row of a model's table of hosts, as the template loop wrote it (the page's HTML is unchanged): a page
# has up to some 70 hosts, each with a dozen lookups and filters, which were a quarter of the page's build.
HOST_ROW = (
    "\n"
    "      <tr{}>\n"
    '        <th scope="row">\n'
    '          <a href="{}">{}</a>\n'
    "          {}\n"
    "          {}\n"
    "          {}\n"
    "          {}\n"
    "          {}\n"
    "          \n"  # where the template had a comment: the page's HTML is unchanged, byte for byte
    "          {}\n"
    '          <br><code class="small muted">{}</code>{}\n'
    "        </th>\n"
    '        <td class="num">{}</td>\n'
    '        <td class="num">{}</td>\n'
    '        <td class="num">{}</td>\n'
    "        <td>\n"
    "          {}\n"
    "        </td>\n"
    "      </tr>\n"
    "      "
)


@register.simple_tag(takes_context=True)
def host_rows(context, costs: list, model) -> SafeString:
    """The rows of the table of every price at every host, in the order of `costs` (pricing.queries.rank's, for
    the reader's conversation), written here rather than in a template loop (see HOST_ROW), as plain strings:
    every value from the database is escaped once, here (format_html per badge and row cost more than the rest of
    the table). What a row shows whatever the conversation is written once from the page's `hosts`
    (OfferingPrices, by offering; computed when first read, catalog.sections.Lazy) and kept with the page's
    sections (catalog.sections): only the conversation's cost and the cheapest host's marks are written for each
    answer."""

    def parts() -> dict[int, tuple[str, str, str, str]]:
        return _host_row_parts(resolve(context["hosts"]), model)

    sections = context.get("sections")
    written = parts() if sections is None else sections.data("host-rows", parts)
    rows = []
    # Hosts mostly charge what others do: each cost is written once.
    shown: dict[Decimal | None, str] = {None: "—"}
    for host in costs:
        start, before_badge, before_cost, end = written[host.offering_id]
        conversation = host.typical_conversation_cost
        if conversation not in shown:
            shown[conversation] = f"≈ {conditional_escape(cost(conversation, 'conversations'))}"
        rows += (
            start,
            CHEAPEST_ROW if host.is_cheapest else "",
            before_badge,
            CHEAPEST if host.is_cheapest else "",
            before_cost,
            shown[conversation],
            end,
        )
    return mark_safe("".join(rows))


# The price of the reader's conversation at the page's first host and the form to change it, as the template
# wrote them (the page's HTML is unchanged): rendered for every answer (a hole of the profile page,
# catalog.sections), where its dozen lookups and filters cost a tenth of a page built from its skeleton.
CONVERSATION_COST = (
    '<div class="rates">\n'
    '    <div class="rate">\n'
    '      <span class="rate__label">Input</span>\n'
    '      <span class="rate__value">{input_price}</span>\n'
    '      <span class="rate__unit">per 1M tokens</span>\n'
    "    </div>\n"
    '    <div class="rate">\n'
    '      <span class="rate__label">Output</span>\n'
    '      <span class="rate__value">{output_price}</span>\n'
    '      <span class="rate__unit">per 1M tokens</span>\n'
    "    </div>\n"
    '    <div class="rate rate--estimate">\n'
    '      <span class="rate__label">{label}</span>\n'
    '      <span class="rate__value">≈ {cost}</span>\n'
    '      <span class="rate__unit">{input_tokens:,} input + {output_tokens:,} output = {total_tokens:,} tokens</span>\n'
    "    </div>\n"
    "  </div>\n"
    '  <form class="conversation-form" method="get" action="#s-pricing">\n'
    '    <label>Input tokens <input type="number" name="input_tokens" min="0" max="10000000" '
    'value="{input_tokens}"></label>\n'
    '    <label>Output tokens <input type="number" name="output_tokens" min="0" max="10000000" '
    'value="{output_tokens}"></label>\n'
    '    <button type="submit">Price it</button>\n'
    "  </form>"
)


@register.simple_tag
def conversation_cost(main_cost, conversation) -> SafeString:
    """The rates of the page's first host (`main_cost`, a pricing.queries.HostCost) and the cost of the reader's
    `conversation` there, with the form that changes it (CONVERSATION_COST). Token counts are written as
    intcomma writes them in English, without its locale lookups."""
    return mark_safe(
        CONVERSATION_COST.format(
            input_price=conditional_escape(formatting.usd(main_cost.input_price)),
            output_price=conditional_escape(formatting.usd(main_cost.output_price)),
            label="Typical conversation" if conversation.is_default else "Your conversation",
            cost=conditional_escape(cost(main_cost.typical_conversation_cost, "conversations")),
            input_tokens=conversation.input_tokens,
            output_tokens=conversation.output_tokens,
            total_tokens=conversation.total_tokens,
        )
    )


_CUT = "\x00"  # where a row's conversation-dependent values go, in the parts _host_row_parts writes


def _host_row_parts(hosts: list, model) -> dict[int, tuple[str, str, str, str]]:
    """Offering id → its row of the table without the conversation's cost and the cheapest marks: the text
    before, between and after them."""
    lifecycle = model.lifecycle
    chips: dict[tuple, str] = {}  # hosts mostly repeat one another's other prices: each chip is written once
    # A host's address is the same but for its slug, which is routable as it is (catalog.slugs): reversed once.
    before, _, after = reverse("catalog:provider", args=["slug"]).rpartition("slug")
    parts = {}
    for row in hosts:
        values = _host_row(row, model, lifecycle, chips, f"{before}{row.offering.host.slug}{after}")
        start, before_badge, before_cost, end = HOST_ROW.format(
            _CUT, *values[1:4], _CUT, *values[5:13], _CUT, values[14]
        ).split(_CUT)
        parts[row.offering.pk] = (start, before_badge, before_cost, end)
    return parts


def _chip(period, chips: dict[tuple, str]) -> str:
    key = (period.component, period.tier, period.mode, period.price, period.unit)
    if key not in chips:
        chips[key] = (
            f'<span class="chip">{escape(period.label)}: {escape(formatting.usd(period.price))} '
            f"{escape(period.get_unit_display())}</span>"
        )
    return chips[key]


CHEAPEST_ROW = ' class="is-cheapest"'
LABS_API = '<span class="badge">Lab\'s API</span>'
CHEAPEST = '<span class="badge badge--ok">Cheapest</span>'
DISAGREE = (
    '<span class="badge badge--warn" title="Another source gives a different price">Sources disagree</span>'
)
NO_OTHER_PRICES = '<span class="muted">—</span>'


def _host_row(row, model, lifecycle: str, chips: dict[tuple, str], host_url: str) -> tuple:
    """HOST_ROW's values, each safe HTML, but for those that depend on the conversation (left empty)."""
    offering = row.offering
    host = offering.host
    withdrawn = offering.withdrawn_on
    # Only a host's own retirement date makes its status differ from the model's: deprecated or retired.
    status = offering.lifecycle
    if status == lifecycle:
        retiring = ""
    elif status == "retired":
        retiring = f'<span class="badge badge--{escape(status)}">Retired here</span>'
    else:
        retiring = (
            f'<span class="badge badge--{escape(status)}">Retires here '
            f"{escape(date(offering.retires_on, 'j M Y'))}</span>"
        )
    others = row.other_periods
    regions = offering.regions
    return (
        "",  # CHEAPEST_ROW, for each answer
        escape(host_url),
        escape(host.name),
        LABS_API if offering.host_id == model.lab_id else "",
        "",  # CHEAPEST, for each answer
        DISAGREE if row.disagreements else "",
        '<span class="badge badge--retired" title="No source prices it here any more">Withdrawn '
        f"{escape(date(withdrawn, 'j M Y'))}</span>"
        if withdrawn
        else "",
        '<span class="badge badge--kind" title="Not a pay-as-you-go price: never the model\'s listed price">'
        f"{escape(offering.get_kind_display())}</span>"
        if offering.kind != OfferingKind.PAYG
        else "",
        retiring,
        escape(offering.host_model_id),
        f' <span class="small muted">· {escape(", ".join(map(str, regions)))}</span>' if regions else "",
        escape(formatting.usd(row.input.price if row.input else None)),
        escape(formatting.usd(row.output.price if row.output else None)),
        "",  # the conversation's cost, for each answer
        "".join(_chip(p, chips) for p in others) if others else NO_OTHER_PRICES,
    )


@register.filter
def lifecycle_badge(model) -> SafeString:
    """A model's status today, with its retirement date where one is announced (catalog/_lifecycle_badge.html)."""
    status, date = model.lifecycle, model.retirement_date
    badge = f'<span class="badge badge--{conditional_escape(status)}">{conditional_escape(model.lifecycle_label)}</span>'
    if date:
        when = "on" if status == "retired" else "retires on"
        badge += (
            f' <span class="lifecycle-date small">{when} <time datetime="{dateformat.format(date, "Y-m-d")}">'
            f"{dateformat.format(date, 'j M Y')}</time></span>"
        )
    return mark_safe(badge)


def _name(provider) -> str:
    return conditional_escape(provider.name) if provider is not None else ""


def _model_row(model, pick: bool, picked_keys) -> str:
    name, lab = conditional_escape(model.name), conditional_escape(model.lab.name)
    about = lab
    hosts = getattr(
        model, "host_count", None
    )  # annotated by browse (with_host_count), not by a provider's page
    if hosts:
        about += f" · {hosts} host{'s' if hosts != 1 else ''}"
    if model.release_date:
        about += f' · <span class="nowrap">released {dateformat.format(model.release_date, "Y-m-d")}</span>'
    picker = ""
    if pick:
        key = conditional_escape(model.key)
        checked = " checked" if model.key in picked_keys else ""
        picker = (
            f'<label class="model-table__pick small"><input type="checkbox" name="models" value="{key}" '
            f'data-name="{name}"{checked} aria-label="Compare {name} ({lab})"> Compare</label>'
        )
    dash = '<span class="muted">—</span>'
    cheaper = model.cheaper_elsewhere
    input_price = output_price = dash
    if model.listed_input_price is not None:
        input_price = conditional_escape(formatting.usd(model.listed_input_price))
        if model.listed_price_host_id != model.lab_id:
            input_price += f'<span class="small muted">at {_name(model.listed_price_host)}</span>'
        if cheaper:
            input_price += (
                f'<span class="small model-table__from">from {conditional_escape(formatting.usd(model.cheapest_input_price))}'
                f" at {_name(model.cheapest_price_host)}</span>"
            )
    if model.listed_output_price is not None:
        output_price = conditional_escape(formatting.usd(model.listed_output_price))
        if cheaper:
            output_price += f'<span class="small model-table__from">from {conditional_escape(formatting.usd(model.cheapest_output_price))}</span>'
    chat = model.listed_conversation_cost
    chat = conditional_escape(cost(chat, "chats")) if chat is not None else dash
    availability = (
        conditional_escape(percent(model.listed_availability))
        if model.listed_availability is not None
        else '<span class="muted" title="Not measured">—</span>'
    )
    return (
        f'\n    <tr>\n      <td class="model-table__name"><a href="{conditional_escape(model.get_absolute_url())}">'
        f'{name}</a><span class="small muted">{about}</span>{picker}</td>'
        f'\n      <td class="num" data-label="Input / 1M">{input_price}</td>'
        f'\n      <td class="num" data-label="Output / 1M">{output_price}</td>'
        f'\n      <td class="num" data-label="Typical chat">{chat}</td>'
        f'\n      <td class="num" data-label="Context">{conditional_escape(formatting.tokens(model.context_window))}</td>'
        f'\n      <td class="num" data-label="Availability 7 d">{availability}</td>'
        f'\n      <td data-label="Status">\n{lifecycle_badge(model)}\n</td>\n    </tr>\n    '
    )


@register.simple_tag
def model_rows(models, pick: bool = False, picked_keys=()) -> SafeString:
    """The rows of catalog/_model_table.html, one per model. Written here rather than in a template loop: a
    hundred rows of a dozen lookups and filters each were half of the browse page's build."""
    return mark_safe("".join(_model_row(model, pick, picked_keys or ()) for model in models))


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render_markdown(text))


@register.simple_tag(takes_context=True)
def url_with(context, **changes) -> str:
    """This page's query string with `changes` (an empty value removes the parameter); back to page 1 unless a
    page is given, since a new filter or order starts again from the top."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = value
    return f"?{params.urlencode()}" if params else "?"


@register.simple_tag(takes_context=True)
def url_without(context, name: str, value: str | None = None) -> str:
    """This page's query string without parameter `name` (or only without its `value`), from page 1."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    if value is None:
        params.pop(name, None)
    else:
        params.setlist(name, [v for v in params.getlist(name) if v != str(value)])
    return f"?{params.urlencode()}" if params else "?"
