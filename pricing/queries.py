"""What pages need from the ledger, computed in a fixed number of queries whatever the length of the history."""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple, dataclass, field
from decimal import Decimal
from functools import cached_property

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
    Unit,
)
from pricing.records import ONE_MILLION, tier_threshold
from tokenledger.prepared import PreparedQuery


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
    # A price of it starts later (PricePeriod.objects.scheduled), as host_prices saw it.
    announced: bool = False
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

    @cached_property  # the host table reads it a few times a row, the sort and the cheapest once each
    def typical_conversation_cost(self) -> Decimal | None:
        return self.conversation.cost(self.input, self.output)

    @property
    def sources(self) -> list[PriceSource]:
        return sorted({p.source for p in self.periods}, key=lambda s: s.name)

    @property
    def first_seen(self) -> dt.datetime | None:
        return min((p.first_seen for p in self.periods), default=None)


@dataclass
class HostCost:
    """What an answer reads of one host to price the reader's conversation and to order the hosts (`rank`): a
    few values of OfferingPrices, which a page keeps with its sections (catalog.sections) and reads back for
    each answer at a fiftieth of the cost of the whole rows."""

    offering_id: int
    kind: str
    host_id: int
    host_name: str
    input_price: Decimal | None
    output_price: Decimal | None
    typical_conversation_cost: Decimal | None = None  # at the conversation `rank` was given
    is_cheapest: bool = False

    def __reduce__(self):
        # Pickled as its values, rebuilt by __init__: a page's hosts are read back three times faster than as
        # objects with their attributes restored one by one.
        return HostCost, astuple(self)

    @classmethod
    def of(cls, row: OfferingPrices) -> HostCost:
        offering = row.offering
        return cls(
            offering.pk,
            offering.kind,
            offering.host_id,
            offering.host.name,
            row.input.price if row.input else None,
            row.output.price if row.output else None,
        )


def rank(hosts: list[HostCost], model: Model, conversation: Conversation | None = None) -> list[HostCost]:
    """`hosts` priced at `conversation`, the cheapest marked (none when every host charges the same), in the order
    pages list them (they are changed): pay-as-you-go first (free tiers, plans and routers after), the lab's own
    API first among them, then by the cost of a conversation, unpriced last; ties keep their order."""
    conversation = conversation or Conversation.default()
    payg, lab_id = OfferingKind.PAYG, model.lab_id  # read once: a page ranks up to some 70 hosts per answer
    costs_at: dict[tuple[Decimal, Decimal], Decimal] = {}  # hosts mostly charge what others do
    for host in hosts:
        host.is_cheapest = False
        if host.input_price is None or host.output_price is None:
            host.typical_conversation_cost = None
            continue
        prices = (host.input_price, host.output_price)
        if prices not in costs_at:
            costs_at[prices] = conversation.cost_at(*prices)
        host.typical_conversation_cost = costs_at[prices]
    costs = {
        h.typical_conversation_cost
        for h in hosts
        if h.typical_conversation_cost is not None and h.kind == payg
    }
    if len(costs) > 1:
        cheapest = min(costs)
        for h in hosts:
            h.is_cheapest = h.kind == payg and h.typical_conversation_cost == cheapest
    return sorted(
        hosts,
        key=lambda h: (
            h.kind != payg,
            h.host_id != lab_id,
            h.typical_conversation_cost is None,
            h.typical_conversation_cost or 0,
            h.host_name,
        ),
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


class PriceInForce:
    """A published price in force as the pages read it (a PricePeriod's fields, read as a tuple: a page has
    hundreds), with the price of the period it replaced (`previous_price`: None for a first price, or after a
    gap) and when its key was first priced (`first_seen`)."""

    # The columns read, in this order.
    FIELDS = (
        "pk",
        "offering_id",
        "component",
        "tier",
        "mode",
        "price",
        "unit",
        "valid_from",
        "valid_to",
        "source_id",
        "effective",
        "opening",
    )
    __slots__ = (*FIELDS, "previous_price", "first_seen", "source")
    COMPONENTS = dict(Component.choices)
    MODES = dict(Mode.choices)
    UNITS = dict(Unit.choices)

    def __init__(
        self, values: tuple, previous_price: Decimal | None, first_seen: dt.datetime, source
    ) -> None:
        (
            self.pk,
            self.offering_id,
            self.component,
            self.tier,
            self.mode,
            self.price,
            self.unit,
            self.valid_from,
            self.valid_to,
            self.source_id,
            self.effective,
            self.opening,
        ) = values
        self.previous_price, self.first_seen, self.source = previous_price, first_seen, source

    def get_component_display(self) -> str:
        return self.COMPONENTS.get(self.component, self.component)

    def get_mode_display(self) -> str:
        return self.MODES.get(self.mode, self.mode)

    def get_unit_display(self) -> str:
        return self.UNITS.get(self.unit, self.unit)

    label = PricePeriod.label
    is_open = PricePeriod.is_open
    is_stated = PricePeriod.is_stated
    is_correction = PricePeriod.is_correction


def prices_by_host(model: Model, conversation: Conversation | None = None) -> list[OfferingPrices]:
    """Prices in force at every host of `model`: the lab's own API first, then the cheapest. Four queries; each
    price's `source` is one of `sources_by_id()`, shared (one instance per source, not one per row), and carries
    its `last_seen`."""
    return for_conversation(host_prices(model), model, conversation)


def host_prices(model: Model, sources: dict[int, PriceSource] | None = None) -> list[OfferingPrices]:
    """Every host of `model` with its prices in force and where sources disagree on them, in no order and for
    no conversation yet (`for_conversation`): what a page of the model reads from the database. Four queries,
    or three given `sources` (what sources_by_id returned)."""
    sources = sources_by_id() if sources is None else sources
    offerings = list(
        Offering.objects.filter(model=model)
        .select_related("host")
        .only(*OFFERING_FIELDS, "host__slug", "host__name")
        # By id, as the aggregate query this replaced happened to read them (Django drops Meta.ordering there):
        # hosts that tie in host_order (one host's regional ids) keep their place.
        .order_by("pk")
    )
    # Every period of the model, read once, oldest first per key: what is in force, each with the price it
    # replaced and its key's first start, and each offering's `withdrawn_on` (as with_price_end annotates it).
    periods: dict[int, list[PriceInForce]] = {offering.pk: [] for offering in offerings}
    ends: dict[int, list] = {offering.pk: [None, 0] for offering in offerings}  # price_end, open_prices
    announced: set[int] = set()
    now = timezone.now()
    key = previous = first_seen = None
    rows = (
        PricePeriod.objects.filter(offering__model=model)
        .order_by("offering_id", "component", "mode", "tier", "valid_from")
        .values_list(*PriceInForce.FIELDS)
    )
    for values in rows:
        _, offering_id, component, tier, mode, price, _, valid_from, valid_to, source_id, _, _ = values
        if key != (offering_id, component, tier, mode):
            key, previous, first_seen = (offering_id, component, tier, mode), None, valid_from
        end = ends[offering_id]
        if valid_to is None:
            end[1] += 1
        elif end[0] is None or valid_to > end[0]:
            end[0] = valid_to
        if valid_from > now:
            announced.add(offering_id)
        elif valid_to is None or valid_to > now:
            replaced = previous[1] if previous is not None and previous[0] == valid_from else None
            periods[offering_id].append(PriceInForce(values, replaced, first_seen, sources[source_id]))
        previous = (valid_to, price)
    hosts = []
    for offering in offerings:
        offering.model = model
        offering.price_end, offering.open_prices = ends[offering.pk]
        hosts.append(
            OfferingPrices(
                offering, periods[offering.pk], Conversation.default(), announced=offering.pk in announced
            )
        )
    _attach_disagreements(hosts, sources)
    return hosts


def for_conversation(
    hosts: list[OfferingPrices], model: Model, conversation: Conversation | None = None
) -> list[OfferingPrices]:
    """`host_prices`' hosts priced at `conversation`, the cheapest marked, in `rank`'s order (they are changed)."""
    conversation = conversation or Conversation.default()
    rows = {row.offering.pk: row for row in hosts}
    ranked = []
    for host in rank([HostCost.of(row) for row in hosts], model, conversation):
        row = rows[host.offering_id]
        row.offering.model = model
        row.conversation, row.is_cheapest = conversation, host.is_cheapest
        row.__dict__["typical_conversation_cost"] = host.typical_conversation_cost  # as rank priced it
        ranked.append(row)
    return ranked


# What the pages read of an offering (the host's name and address aside).
OFFERING_FIELDS = ["model", "host", "host_model_id", "regions", "kind", "retires_on"]


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


@dataclass(frozen=True, slots=True)
class QuotedFigure:
    """One source's accepted figure for a published price, as quotes_for gives it."""

    source: str  # the source's slug
    price: Decimal
    observed_at: dt.datetime  # when the source first gave it
    since: dt.datetime  # from when the source says it applies


# What quotes_for reads of each accepted source record.
QUOTE_RECORD_FIELDS = (
    "offering_id",
    "component",
    "tier",
    "mode",
    "valid_from",
    "valid_to",
    "source_id",
    "source__priority",
    "source__slug",
    "price",
    "observed_at",
)


def _accepted_records():
    return (
        SourcePeriod.objects.filter(review=Review.ACCEPTED)
        .order_by("valid_from", "pk")
        .values_list(*QUOTE_RECORD_FIELDS)
    )


# Every accepted record of one model's offerings, compiled once: the API's prices read it on every answer.
RECORDS_OF_MODEL = PreparedQuery(
    lambda model_id: _accepted_records().filter(offering__model_id=model_id), model_id=int
)


def quotes_for(
    periods: list, on: dt.datetime | None = None, *, model_id: int | None = None
) -> dict[int, list[QuotedFigure]]:
    """Published period id → every source's accepted figure for its key on its date, the followed source first.
    `periods` are PricePeriods or rows with their fields (PricePeriod.objects.history_of); when they are all of
    one model's offerings, `model_id` names it, and its records are read by a query compiled once.

    The date is `on` when given; else now for a period in force, its start for a scheduled one, and its last
    moment for a closed one. One query, of values: records as model instances took twice as long."""
    if not periods:
        return {}
    now = timezone.now()
    records: dict[tuple, list[tuple]] = {}
    if model_id is not None:
        rows = RECORDS_OF_MODEL.rows(model_id=model_id)
    else:
        rows = _accepted_records().filter(offering_id__in={p.offering_id for p in periods})
    for offering_id, component, tier, mode, valid_from, valid_to, source_id, priority, *figure in rows:
        figure = QuotedFigure(figure[0], figure[1], figure[2], valid_from)
        records.setdefault((offering_id, component, tier, mode), []).append(
            (valid_from, valid_to, source_id, priority, figure)
        )
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
            if r[0] <= moment and (r[1] is None or moment < r[1])
        ]
        covering.sort(key=lambda r: (r[2] != period.source_id, -r[3]))
        found[period.pk] = [r[4] for r in covering]
    return found
