"""Models a reader of one model's page may look at instead: its family first, then models of other families in
the same price band or with a context window of the same size. Only models in service (neither deprecated nor
retired), each with a listed price, one line per name (catalogues list hosts' copies of a model as models of
their own). Two queries whatever the size of the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Abs

from catalog.models import Model, ModelStatus, one_per_name

SIMILAR_SHOWN = 6
FAMILY_SHOWN = 4  # leave room for models of other labs and families
BAND = 2  # within a factor of 2 of the model's typical conversation cost, or of its context window
# Rows read per query, so that hosts' copies of one model, dropped in Python, still leave enough.
CANDIDATES = 30
WEIGHT = DecimalField(max_digits=30, decimal_places=6)
# What _similar_models.html reads: the address, the lifecycle badge, the facts and the listed host.
SHOWN_FIELDS = [
    "slug",
    "name",
    "family",
    "status",
    "retires_on",
    "editor_retires_on",
    "release_date",
    "context_window",
    "listed_input_price",
    "listed_output_price",
    "lab__slug",
    "lab__name",
    "listed_price_host__slug",
    "listed_price_host__name",
]


@dataclass
class Similar:
    model: Model
    same_family: bool
    same_price_band: bool
    same_context_size: bool

    @property
    def reasons(self) -> list[str]:
        reasons = [
            ("same family", self.same_family),
            ("similar price", self.same_price_band),
            ("similar context window", self.same_context_size),
        ]
        return [text for text, applies in reasons if applies]


def similar_models(model: Model, limit: int = SIMILAR_SHOWN) -> list[Similar]:
    """Up to `limit` models like `model`: up to FAMILY_SHOWN of its family, then others in its price band or of
    its context size (both first), the closest price first. Two queries."""
    weight = _conversation_weight(model)
    price_band = (
        Q(conversation_weight__gte=weight / BAND, conversation_weight__lte=weight * BAND) if weight else None
    )
    context = (
        Q(context_window__gte=model.context_window // BAND, context_window__lte=model.context_window * BAND)
        if model.context_window
        else None
    )
    candidates = _candidates(model, price_band, context, weight)
    family: list = []
    if model.family:
        family = list(candidates.filter(family=model.family)[:CANDIDATES])
    others: QuerySet | list = []
    alike = [condition for condition in (price_band, context) if condition is not None]
    if alike:
        either = alike[0] if len(alike) == 1 else alike[0] | alike[1]
        others = candidates.filter(either)
        if model.family:
            others = others.exclude(family=model.family)
        others = list(others[:CANDIDATES])
    seen = {model.name.casefold()}
    chosen = one_per_name(family, FAMILY_SHOWN, seen)
    chosen += one_per_name(others, limit - len(chosen), seen)
    chosen += one_per_name(family, limit - len(chosen), seen)  # a family of many, where there are few others
    return [
        Similar(
            row,
            same_family=bool(model.family) and row.family == model.family,
            same_price_band=row.in_price_band,
            same_context_size=row.of_context_size,
        )
        for row in chosen
    ]


def _candidates(model: Model, price_band: Q | None, context: Q | None, weight: Decimal | None) -> QuerySet:
    """Priced models in service other than `model`, annotated with what they share with it, most alike first."""

    def flag(condition: Q | None) -> Case | Value:
        if condition is None:
            return Value(False)
        return Case(When(condition, then=Value(True)), default=Value(False))

    rows = (
        Model.objects.with_lifecycle()
        .exclude(status_today__in=[ModelStatus.DEPRECATED, ModelStatus.RETIRED])
        .exclude(pk=model.pk)
        .filter(listed_input_price__isnull=False, listed_output_price__isnull=False)
        .with_listing()
        # Only what the section shows and `one_per_name` reads: SQLite carries whole rows (and their joined
        # hosts) through the sort of every candidate, which with the search documents took twice as long.
        .select_related(None)
        .select_related("lab", "listed_price_host")
        .only(*SHOWN_FIELDS)
        .annotate(in_price_band=flag(price_band), of_context_size=flag(context))
        .annotate(
            alike=Case(When(in_price_band=True, then=Value(1)), default=Value(0), output_field=IntegerField())
            + Case(When(of_context_size=True, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
    )
    order: list = ["-alike"]
    if weight:  # the closest price first
        order.append(Abs(ExpressionWrapper(F("conversation_weight") - Value(weight), output_field=WEIGHT)))
    return rows.order_by(*order, F("release_date").desc(nulls_last=True), "name", "pk")


def _conversation_weight(model: Model) -> Decimal | None:
    """The model's typical conversation cost × 1M, as `with_listing` computes `conversation_weight`."""
    cost = model.listed_conversation_cost
    return cost * 1_000_000 if cost else None
