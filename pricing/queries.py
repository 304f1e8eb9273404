"""What pages need from the ledger, computed in few queries whatever the length of the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Prefetch, Subquery

from catalog.models import Model, Offering
from pricing.models import Component, PricePeriod
from pricing.records import ONE_MILLION


@dataclass
class OfferingPrices:
    """The prices in force at one host, with what the page says about them."""

    offering: Offering
    periods: list[PricePeriod]
    history_length: int = 0
    first_seen: object = None
    is_cheapest: bool = False
    base: dict[str, PricePeriod] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = {p.component: p for p in self.periods if not p.tier and p.mode == "standard"}

    @property
    def input(self) -> PricePeriod | None:
        return self.base.get(Component.INPUT)

    @property
    def output(self) -> PricePeriod | None:
        return self.base.get(Component.OUTPUT)

    @property
    def other_periods(self) -> list[PricePeriod]:
        """Every price in force other than base input and output: cache, audio, tiers, modes."""
        return [p for p in self.periods if p not in (self.input, self.output)]

    @property
    def typical_conversation_cost(self) -> Decimal | None:
        return typical_conversation_cost(self.input, self.output)

    @property
    def sources(self) -> list:
        return sorted({p.source for p in self.periods}, key=lambda s: s.name)


def typical_conversation_cost(
    input_period: PricePeriod | None,
    output_period: PricePeriod | None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
) -> Decimal | None:
    """USD for one typical conversation: 600 input + 200 output tokens unless told otherwise."""
    if input_period is None or output_period is None:
        return None
    input_tokens = settings.TYPICAL_CONVERSATION_INPUT_TOKENS if input_tokens is None else input_tokens
    output_tokens = settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS if output_tokens is None else output_tokens
    return (input_period.price * input_tokens + output_period.price * output_tokens) / ONE_MILLION


def prices_by_host(model: Model) -> list[OfferingPrices]:
    """Prices in force at every host of `model`: the lab's own API first, then the cheapest. Three queries."""
    previous = PricePeriod.objects.filter(
        offering=OuterRef("offering"),
        component=OuterRef("component"),
        tier=OuterRef("tier"),
        mode=OuterRef("mode"),
        valid_to=OuterRef("valid_from"),
    )
    current = (
        PricePeriod.objects.in_force()
        .select_related("source")
        .annotate(previous_price=Subquery(previous.values("price")[:1]))
        .order_by("component", "mode", "tier")
    )
    offerings = (
        Offering.objects.filter(model=model)
        .select_related("host")
        .prefetch_related(Prefetch("price_periods", queryset=current, to_attr="current_periods"))
        .annotate(history_length=Count("price_periods"), first_seen=Min("price_periods__valid_from"))
    )
    rows = [
        OfferingPrices(o, o.current_periods, history_length=o.history_length, first_seen=o.first_seen)
        for o in offerings
    ]
    priced = [r for r in rows if r.typical_conversation_cost is not None]
    if len(priced) > 1:
        cheapest = min(r.typical_conversation_cost for r in priced)
        for r in priced:
            r.is_cheapest = r.typical_conversation_cost == cheapest
    return sorted(
        rows,
        key=lambda r: (
            r.offering.host_id != model.lab_id,
            r.typical_conversation_cost is None,
            r.typical_conversation_cost or 0,
            r.offering.host.name,
        ),
    )


def last_observed(model: Model):
    return PricePeriod.objects.filter(offering__model=model).aggregate(at=Max("observed_at"))["at"]
