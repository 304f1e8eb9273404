"""What pages need from the ledger, computed in a fixed number of queries whatever the length of the history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from catalog.models import Model, Offering, OfferingKind
from pricing.models import (
    Component,
    Mode,
    PricePeriod,
    PriceSource,
    Review,
    SourcePeriod,
    SyncRun,
    SyncStatus,
)
from pricing.records import ONE_MILLION, tier_threshold


@dataclass(frozen=True)
class Conversation:
    """The token counts a reader prices a conversation at: 600 input + 200 output unless they say otherwise."""

    input_tokens: int = 600
    output_tokens: int = 200
    MAX_TOKENS = 10_000_000

    @classmethod
    def default(cls) -> Conversation:
        return cls(settings.TYPICAL_CONVERSATION_INPUT_TOKENS, settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS)

    @classmethod
    def from_query(cls, params) -> Conversation:
        """From ?input_tokens=&output_tokens=, falling back to the defaults for anything not a sane count."""
        default = cls.default()

        def count(name: str, fallback: int) -> int:
            try:
                value = int(params.get(name, fallback))
            except (TypeError, ValueError):
                return fallback
            return value if 0 <= value <= cls.MAX_TOKENS else fallback

        return cls(count("input_tokens", default.input_tokens), count("output_tokens", default.output_tokens))

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def is_default(self) -> bool:
        return self == self.default()

    def cost(self, input_period: PricePeriod | None, output_period: PricePeriod | None) -> Decimal | None:
        if input_period is None or output_period is None:
            return None
        return self.cost_at(input_period.price, output_period.price)

    def cost_at(self, input_price: Decimal, output_price: Decimal) -> Decimal:
        """The conversation at these prices per 1M tokens, in dollars."""
        return (input_price * self.input_tokens + output_price * self.output_tokens) / ONE_MILLION


@dataclass(frozen=True)
class Workload:
    """A reader's workload: tokens per request, the share of input tokens served from the prompt cache, requests
    per day. Costs are at the prices in force, cached input at the cached-input price where the host has one."""

    input_tokens: int = 600
    output_tokens: int = 200
    cache_hit_percent: int = 0
    requests_per_day: int = 1_000
    DAYS_PER_MONTH = 30

    @classmethod
    def default(cls) -> Workload:
        """The site's typical conversation, a thousand times a day, nothing from the cache."""
        return cls(settings.TYPICAL_CONVERSATION_INPUT_TOKENS, settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS)

    def cost_per_request(self, prices: OfferingPrices | None) -> Decimal | None:
        if prices is None or prices.input is None or prices.output is None:
            return None
        rates = prices.rates_for_prompt(self.input_tokens)
        cached_price = rates.get(Component.CACHE_READ, rates[Component.INPUT]).price
        cached = Decimal(self.input_tokens * self.cache_hit_percent) / 100
        uncached = self.input_tokens - cached
        return (
            uncached * rates[Component.INPUT].price
            + cached * cached_price
            + self.output_tokens * rates[Component.OUTPUT].price
        ) / ONE_MILLION

    def cost_per_month(self, prices: OfferingPrices | None) -> Decimal | None:
        per_request = self.cost_per_request(prices)
        return None if per_request is None else per_request * self.requests_per_day * self.DAYS_PER_MONTH


@dataclass
class Quote:
    """One source's figure for a price on a date, and since when it has given it."""

    source: PriceSource
    price: Decimal
    since: dt.datetime
    last_seen: dt.datetime | None = None  # the date of the source's newest file, when it has been synced


@dataclass
class Disagreement:
    """Sources giving different figures for one price in force: who says what, and since when."""

    component: str
    tier: str
    mode: str
    published: PricePeriod
    quotes: list[Quote]  # every source pricing it now, the followed one first


@dataclass
class OfferingPrices:
    """The prices in force at one host, with what the page says about them."""

    offering: Offering
    periods: list[PricePeriod]
    conversation: Conversation
    is_cheapest: bool = False
    disagreements: list[Disagreement] = field(default_factory=list)
    base: dict[str, PricePeriod] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = {p.component: p for p in self.periods if not p.tier and p.mode == Mode.STANDARD}

    @property
    def input(self) -> PricePeriod | None:
        return self.base.get(Component.INPUT)

    def rates_for_prompt(self, prompt_tokens: int) -> dict[str, PricePeriod]:
        """The standard-mode prices that apply to a prompt this long: the base prices, replaced component by
        component by those of the highest long-context tier ("prompt>200000") the prompt is over."""
        rates = dict(self.base)
        tiers = [
            (tier_threshold(p.tier), p)
            for p in self.periods
            if p.mode == Mode.STANDARD and tier_threshold(p.tier)
        ]
        for threshold, period in sorted(tiers, key=lambda item: item[0]):
            if prompt_tokens > threshold:
                rates[period.component] = period
        return rates

    @property
    def output(self) -> PricePeriod | None:
        return self.base.get(Component.OUTPUT)

    @property
    def other_periods(self) -> list[PricePeriod]:
        """Every price in force other than base input and output: standard mode first, then each mode."""
        components, modes = list(Component), list(Mode)
        others = [p for p in self.periods if p not in (self.input, self.output)]
        return sorted(others, key=lambda p: (modes.index(p.mode), p.tier, components.index(p.component)))

    @property
    def typical_conversation_cost(self) -> Decimal | None:
        return self.conversation.cost(self.input, self.output)

    @property
    def sources(self) -> list[PriceSource]:
        return sorted({p.source for p in self.periods}, key=lambda s: s.name)

    @property
    def first_seen(self) -> dt.datetime | None:
        return min((p.first_seen for p in self.periods), default=None)


def host_order(offering: Offering, model: Model, cost: Decimal | None) -> tuple:
    """How hosts are listed: pay-as-you-go first (free tiers, plans and routers after), the lab's own API first
    among them, then by the cost of a conversation, unpriced last."""
    return (
        offering.kind != OfferingKind.PAYG,
        offering.host_id != model.lab_id,
        cost is None,
        cost or 0,
        offering.host.name,
    )


def _in_force_with_previous():
    """Periods in force, each annotated with the price of the period it replaced and its key's first start."""
    same_key = {
        "offering": OuterRef("offering"),
        "component": OuterRef("component"),
        "tier": OuterRef("tier"),
        "mode": OuterRef("mode"),
    }
    # At most one period of a key ends where another starts (periods never overlap): no order needed, and none
    # wanted, since the default one joins the offering and its host and sorts for every row (some 15 ms a page).
    previous = PricePeriod.objects.filter(**same_key, valid_to=OuterRef("valid_from")).order_by()
    first = PricePeriod.objects.filter(**same_key).order_by("valid_from")
    return (
        PricePeriod.objects.in_force()
        .annotate(
            previous_price=Subquery(previous.values("price")[:1]),
            first_seen=Subquery(first.values("valid_from")[:1]),
        )
        .order_by("component", "mode", "tier")
    )


def sources_by_id() -> dict[int, PriceSource]:
    """Every price source (a handful), each with `last_seen`: the date of its newest observation (the feed's own
    date, not when we fetched it), None before its first sync. One query."""
    newest = SyncRun.objects.filter(
        source=OuterRef("pk"), status=SyncStatus.SUCCEEDED, dry_run=False, observed_at__isnull=False
    ).order_by("-observed_at")
    return {
        source.pk: source
        for source in PriceSource.objects.annotate(last_seen=Subquery(newest.values("observed_at")[:1]))
    }


def prices_by_host(model: Model, conversation: Conversation | None = None) -> list[OfferingPrices]:
    """Prices in force at every host of `model`: the lab's own API first, then the cheapest. Four queries; each
    period's `source` is one of `sources_by_id()`, shared (one instance per source, not one per row, made ten
    times a page), and carries its `last_seen`."""
    conversation = conversation or Conversation.default()
    sources = sources_by_id()
    offerings = list(Offering.objects.filter(model=model).with_price_end().select_related("host"))
    # Grouped here rather than by prefetch_related, whose bookkeeping per row cost more than the grouping.
    periods: dict[int, list[PricePeriod]] = {offering.pk: [] for offering in offerings}
    for period in _in_force_with_previous().filter(offering__model=model):
        period.source = sources[period.source_id]
        periods[period.offering_id].append(period)
    rows = []
    for offering in offerings:
        offering.model = model
        rows.append(OfferingPrices(offering, periods[offering.pk], conversation))
    costs = {
        r.typical_conversation_cost
        for r in rows
        if r.typical_conversation_cost is not None and r.offering.kind == OfferingKind.PAYG
    }
    if len(costs) > 1:  # when every host charges the same, none is the cheapest
        for r in rows:
            r.is_cheapest = r.offering.kind == OfferingKind.PAYG and r.typical_conversation_cost == min(costs)
    _attach_disagreements(rows, sources)
    return sorted(rows, key=lambda r: host_order(r.offering, model, r.typical_conversation_cost))


def _attach_disagreements(rows: list[OfferingPrices], sources: dict[int, PriceSource]) -> None:
    """Where sources give different figures for a price in force, say who says what. One query, of the accepted
    source records in force (quotes_for's, for a moment that is now), read as tuples: a page has hundreds."""
    now = timezone.now()
    records: dict[tuple, list[tuple]] = {}
    in_force = (
        SourcePeriod.objects.filter(
            offering_id__in={r.offering.pk for r in rows}, review=Review.ACCEPTED, valid_from__lte=now
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=now))
        .order_by("valid_from")
        .values_list("offering_id", "component", "tier", "mode", "source_id", "price", "unit", "valid_from")
    )
    for offering_id, component, tier, mode, *quote in in_force:
        records.setdefault((offering_id, component, tier, mode), []).append(quote)
    for row in rows:
        for period in row.periods:
            found = records.get((period.offering_id, period.component, period.tier, period.mode), [])
            if len({(price, unit) for _, price, unit, _ in found}) < 2:
                continue
            found.sort(key=lambda q: (q[0] != period.source_id, -sources[q[0]].priority))
            quotes = [
                Quote(sources[source_id], price, since, sources[source_id].last_seen)
                for source_id, price, _, since in found
            ]
            row.disagreements.append(Disagreement(period.component, period.tier, period.mode, period, quotes))


def base_history(offering: Offering) -> list[PricePeriod]:
    """Every period of the offering's base input and output prices, oldest first. One query."""
    return list(
        PricePeriod.objects.filter(
            offering=offering, component__in=[Component.INPUT, Component.OUTPUT], tier="", mode=Mode.STANDARD
        )
        .select_related("source")
        .order_by("valid_from")
    )


def quotes_for(periods: list[PricePeriod], on: dt.datetime | None = None) -> dict[int, list[SourcePeriod]]:
    """Published period id → every source's accepted figure for its key on its date, the followed source first.

    The date is `on` when given; else now for a period in force, its start for a scheduled one, and its last
    moment for a closed one. One query."""
    now = timezone.now()
    records: dict[tuple, list[SourcePeriod]] = {}
    rows = (
        SourcePeriod.objects.filter(offering_id__in={p.offering_id for p in periods}, review=Review.ACCEPTED)
        .select_related("source")
        .order_by("valid_from")
    )
    for row in rows:
        records.setdefault((row.offering_id, row.component, row.tier, row.mode), []).append(row)
    found = {}
    for period in periods:
        if on is not None:
            moment = on
        elif period.valid_from > now:
            moment = period.valid_from
        elif period.valid_to is None or period.valid_to > now:
            moment = now
        else:
            moment = period.valid_to - dt.timedelta(microseconds=1)
        covering = [
            r
            for r in records.get((period.offering_id, period.component, period.tier, period.mode), [])
            if r.valid_from <= moment and (r.valid_to is None or moment < r.valid_to)
        ]
        found[period.pk] = sorted(
            covering, key=lambda r: (r.source_id != period.source_id, -r.source.priority)
        )
    return found
