"""The price the catalog lists, sorts and filters each model by, kept on the model so the browse page stays one
query however large the ledger: the base (standard, untiered) input and output price in force at the lab's own
API, or, where the lab does not serve it, at the host with the cheapest typical conversation. Beside it, the
cheapest host's prices (the same host where the lab has no API), for "from $0.15 at DeepInfra". Only
pay-as-you-go offerings count: a free tier, a plan or a router's price is never a model's price."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from catalog import freshness
from catalog.models import Model, OfferingKind
from pricing.history import update_rows
from pricing.models import Component, Mode, PricePeriod
from pricing.queries import Conversation


class Listing(NamedTuple):
    """A model's listed prices and host, and the cheapest pay-as-you-go host's (the same host or another)."""

    input_price: Decimal | None
    output_price: Decimal | None
    host_id: int | None
    cheapest_input_price: Decimal | None
    cheapest_output_price: Decimal | None
    cheapest_host_id: int | None


UNLISTED = Listing(None, None, None, None, None, None)
LISTING_FIELDS = [
    "listed_input_price",
    "listed_output_price",
    "listed_price_host",
    "cheapest_input_price",
    "cheapest_output_price",
    "cheapest_price_host",
]


def listed_prices(model_ids: Iterable[int] | None = None) -> dict[int, Listing]:
    """model id → its listing, for the models with both prices somewhere. One query."""
    periods = PricePeriod.objects.in_force().filter(
        tier="",
        mode=Mode.STANDARD,
        component__in=[Component.INPUT, Component.OUTPUT],
        offering__kind=OfferingKind.PAYG,
    )
    if model_ids is not None:
        periods = periods.filter(offering__model_id__in=list(model_ids))
    rows = periods.values_list(
        "offering__model_id",
        "offering__model__lab_id",
        "offering__host_id",
        "offering_id",
        "component",
        "price",
    )
    # A host may sell one model under several ids (gpt-4o and gpt-4o:extended): each offering priced apart.
    by_offering: dict[int, dict[tuple[int, int], dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    lab_of: dict[int, int] = {}
    for model_id, lab_id, host_id, offering_id, component, price in rows:
        by_offering[model_id][(host_id, offering_id)][component] = price
        lab_of[model_id] = lab_id
    conversation = Conversation.default()
    listed: dict[int, Listing] = {}
    for model_id, offerings in by_offering.items():
        priced: dict[int, tuple[Decimal, Decimal]] = {}  # host → the prices of its cheapest offering
        for (host, _), p in sorted(offerings.items()):
            prices = (p.get(Component.INPUT), p.get(Component.OUTPUT))
            # $0 in and out is a free tier, whatever the host files it as: never the model's price.
            if None in prices or not any(prices):
                continue
            if host not in priced or conversation.cost_at(*prices) < conversation.cost_at(*priced[host]):
                priced[host] = prices
        if not priced:
            continue
        cheapest = min(priced, key=lambda h: (conversation.cost_at(*priced[h]), h))
        host = lab_of[model_id] if lab_of[model_id] in priced else cheapest
        listed[model_id] = Listing(*priced[host], host, *priced[cheapest], cheapest)
    return listed


def refresh_listed_prices(model_ids: Iterable[int] | None = None) -> int:
    """Bring the listed prices of these models (all by default) in line with the ledger; returns models changed."""
    model_ids = list(model_ids) if model_ids is not None else None
    listed = listed_prices(model_ids)
    attnames = [Model._meta.get_field(name).attname for name in LISTING_FIELDS]
    models = Model.objects.all()
    if model_ids is not None:
        models = models.filter(pk__in=model_ids)
    changed = []
    for pk, *old in models.values_list("pk", *attnames):
        new = listed.get(pk, UNLISTED)
        if tuple(old) != new:
            changed.append((pk, new))
    update_rows(Model, changed, LISTING_FIELDS)
    if changed:
        freshness.bump(freshness.CATALOG)
    return len(changed)


def bring_into_force(since: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Refresh the listed prices of models with a price that started or ended in the last `since` (announced
    changes coming into force); returns models changed. Pages need nothing: they read the prices in force now."""
    now = timezone.now()
    moved = PricePeriod.objects.filter(
        Q(valid_from__gt=now - since, valid_from__lte=now) | Q(valid_to__gt=now - since, valid_to__lte=now)
    )
    models = set(moved.values_list("offering__model_id", flat=True))
    changed = refresh_listed_prices(models) if models else 0
    if models:
        freshness.bump(freshness.PRICES)
    return changed
