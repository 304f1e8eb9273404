"""What the home page answers at a glance: the latest price changes, the models released lately, the cheapest model
of a few kinds readers ask for, and the reviewed profiles of models in service. A fixed number of queries each,
whatever the size of the catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from catalog.browse import CatalogQuery
from catalog.models import Model, ModelStatus, Profile, Provider, one_per_name
from pricing.feeds import price_changes, what_changed
from pricing.models import Component, Mode, PricePeriod, Unit
from tokenledger.formatting import change, usd

IN_SERVICE = (ModelStatus.GA, ModelStatus.PREVIEW)
# Rows read to make the lines shown: a sync often moves a dozen prices of one offering on one day.
CHANGE_ROWS = 300
RELEASE_ROWS = 60
CHEAPEST_ROWS = 20


@dataclass
class PriceMove:
    """The prices of one model at one host that changed on one day, the base input and output first."""

    on: dt.date
    model: Model
    host: Provider
    periods: list[PricePeriod]

    SHOWN = 2

    @property
    def shown(self) -> list[PricePeriod]:
        return self.periods[: self.SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.periods) - self.SHOWN)

    @property
    def lines(self) -> list[str]:
        """ "input $5.00 → $2.50 (▼ 50%)", the unit named where it is not per 1M tokens."""
        return [
            f"{what_changed(p)} {usd(p.previous_price)} → {usd(p.price)}"
            f"{'' if p.unit == Unit.PER_MILLION_TOKENS else ' ' + p.get_unit_display()}"
            f" ({change(p.previous_price, p.price)})"
            for p in self.shown
        ]

    @property
    def direction(self) -> str:
        first = self.periods[0]
        return "down" if first.price < first.previous_price else "up"


def _importance(period: PricePeriod) -> tuple:
    """Standard untiered input and output first, then the other components, modes and tiers."""
    components = list(Component)
    return (period.mode != Mode.STANDARD, bool(period.tier), components.index(period.component), period.mode)


def latest_price_moves(limit: int = 8) -> list[PriceMove]:
    """The latest real price changes (no corrections), one line per model, host and day. One query."""
    groups: dict[tuple, list[PricePeriod]] = {}
    for period in price_changes()[:CHANGE_ROWS]:
        key = (period.offering_id, period.valid_from.date())
        if key in groups or len(groups) < limit:
            groups.setdefault(key, []).append(period)
    moves = []
    for (_, on), periods in groups.items():
        periods.sort(key=_importance)
        offering = periods[0].offering
        moves.append(PriceMove(on, offering.model, offering.host, periods))
    return moves


@dataclass
class Release:
    model: Model
    also_listed_by: list[str] = field(default_factory=list)


def recently_released(limit: int = 8, today: dt.date | None = None) -> list[Release]:
    """Models in service released most recently (not dated in the future), one line per name: catalogues list a
    host's own copy of a model as a model of that host. One query."""
    today = today or timezone.localdate()
    models = (
        Model.objects.with_lab()
        .with_lifecycle(today)
        .filter(status_today__in=IN_SERVICE, release_date__lte=today)
        .order_by("-release_date", "-lab__is_lab", "name", "pk")
    )
    releases: dict[str, Release] = {}
    for model in models[:RELEASE_ROWS]:
        name = model.name.casefold()
        if name in releases:
            releases[name].also_listed_by.append(model.lab.name)
        elif len(releases) < limit:
            releases[name] = Release(model)
    return list(releases.values())


@dataclass
class CheapestClass:
    """The cheapest models in service of one kind, at their listed pay-as-you-go price, with the browse view that
    lists them all (the same filters and order)."""

    title: str
    params: str
    models: list[Model]

    @property
    def browse_url(self) -> str:
        return f"{reverse('catalog:model_list')}?{self.params}"


# The kinds readers ask for, as browse's query string (catalog.browse), cheapest typical conversation first.
CHEAPEST_CLASSES = [
    ("Tool calling, 128K+ context", "cap=tools&min_context=128000&output=text"),
    ("Reads images", "input=image&output=text"),
    ("Reasoning", "cap=reasoning&input=text&output=text"),
    ("Open weights, 128K+ context", "cap=open_weights&min_context=128000&input=text&output=text"),
]
IN_SERVICE_CHEAPEST_FIRST = "status=ga&status=preview&sort=conversation"


def cheapest_in_classes(per_class: int = 3) -> list[CheapestClass]:
    """The cheapest paid models in service of each kind (a price for input and for output), one per name. One
    query per kind."""
    classes = []
    for title, filters in CHEAPEST_CLASSES:
        params = f"{filters}&{IN_SERVICE_CHEAPEST_FIRST}"
        models = CatalogQuery.from_query(QueryDict(params)).models()
        models = models.filter(listed_input_price__gt=0, listed_output_price__gt=0)
        classes.append(CheapestClass(title, params, one_per_name(models[:CHEAPEST_ROWS], per_class)))
    return classes


def featured_profiles() -> list[Profile]:
    """Public profiles of models in service, newest review first; a deprecated or retired model's profile stays on
    its page, unfeatured. One query."""
    in_service = Model.objects.with_lifecycle().filter(status_today__in=IN_SERVICE)
    return list(
        Profile.objects.public()
        .filter(model__in=in_service)
        .select_related("model__lab", "reviewer")
        .order_by("-reviewed_on", "model__name")
    )
