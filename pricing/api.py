"""The public read-only JSON API at /api/v1/: the catalogue's models and every price in the ledger.

Its OpenAPI schema is served at /api/v1/openapi.json and its documentation at /api/v1/docs: Swagger UI from
django-ninja's own static files ('ninja' is an installed app; without it ninja would load Swagger from a CDN).
"""

# No `from __future__ import annotations` here: ninja reads the endpoints' Annotated parameters at import.
import datetime as dt
from collections.abc import Callable
from typing import Annotated

import orjson
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from catalog import freshness
from catalog.lifecycle import successor_of
from catalog.models import (
    Model,
    ModelQuerySet,
    ModelRedirect,
    Offering,
    Provider,
    lifecycle_status,
    withdrawal,
)
from catalog.slugs import PROVIDER_SLUG_PATTERN
from pricing.models import PricePeriod
from pricing.queries import QuotedFigure, quotes_for
from pricing.records import decimal_text
from tokenledger.params import given
from tokenledger.prepared import PreparedQuery

MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000  # far beyond the catalogue, far within every database's integers
SLUG_PATTERN = rf"^{PROVIDER_SLUG_PATTERN}$"  # pydantic's regex engine reads ^…$, not the validator's \A…\Z
# Days the ledger can answer for: from before its first price to far beyond any announced change.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


class JSONRenderer(BaseRenderer):
    """JSON by orjson, dates and times as Django writes them (DjangoJSONEncoder: milliseconds, "Z" for UTC),
    everything else as ninja's encoder does: the same values as ninja's own renderer (json.dumps), written
    compactly (no space after "," and ":") and in UTF-8 rather than with \\u escapes, ten times faster."""

    media_type = "application/json"
    _encoder = NinjaJSONEncoder()

    def render(self, request: HttpRequest, data, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=self._encoder.default, option=orjson.OPT_PASSTHROUGH_DATETIME)


api = NinjaAPI(
    title="Tokenledger API",
    version="1",
    description="Read-only access to Tokenledger's catalogue of AI models and their dated price history. "
    "Prices are USD per unit, as decimal strings without insignificant zeros.",
    urls_namespace="api",
    docs_url="/docs",
    renderer=JSONRenderer(),
)


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, error: ValidationError):
    """A parameter that cannot be read is the client's error: 400, naming each parameter and why."""
    return api.create_response(request, {"detail": error.errors}, status=400)


def cached(*scopes: str):
    """An endpoint's 200s cached and revalidated as pages are (catalog.freshness.cached_page): kept under the
    path and the query parameters the endpoint reads, as given, while the data of `scopes` is unchanged; ETag,
    Last-Modified and `Cache-Control: public, max-age=0, must-revalidate`, so a client asks again each time and
    mostly gets a 304. Errors (400, 404) and the redirects of moved models are not kept. Everyone gets the same
    answer: the API has no authentication. Put it under the `@api.get(...)` line."""

    def decorate(run):
        operation = run.__self__  # ninja decorates its Operation's bound `run`
        names = [
            name
            for model in operation.models
            if model.__ninja_param_source__ == "query"
            for name in model.__ninja_flatten_map__
        ]
        return freshness.cached_page(*scopes, params=given(*names), signed_in_too=True)(run)

    return decorate_view(decorate)


def model_page_url(request: HttpRequest) -> Callable[[str, str], str]:
    """(lab slug, model slug) → the absolute address of the model's page, reversed once for a whole answer (a
    reverse() per model was a fifth of the list's time). Slugs are routable (catalog.slugs): reverse() quotes
    nothing in them, so they take the place of placeholders that it quotes as nothing else is."""
    template = request.build_absolute_uri(reverse("catalog:model", args=["\0lab", "\0model"]))
    before, rest = template.split("%00lab", 1)
    middle, after = rest.split("%00model", 1)
    return lambda lab, model: f"{before}{lab}{middle}{model}{after}"


class Moved(Exception):
    """The model asked for lives under another key now (merged, or a host's listing of a lab's model)."""

    def __init__(self, model: Model):
        self.model = model


def _model_at(*fields: str) -> PreparedQuery:
    """The model at a key (lab, model) as a row of `fields`, by a query compiled once."""
    return PreparedQuery(
        lambda lab, model: Model.objects.filter(lab__slug=lab, slug=model).order_by().values(*fields),
        lab=str,
        model=str,
    )


MODEL_KEY = _model_at("pk", "lab__slug", "slug")


def key_of(row: dict) -> str:
    """The key of a model read as a row with its lab's slug: "<lab>/<model>"."""
    return f"{row['lab__slug']}/{row['slug']}"


def get_model(lab: str, model: str, fields: PreparedQuery = MODEL_KEY) -> dict:
    """The model at this key as a row of `fields` (by default its id and key, MODEL_KEY); else Moved, or a 404."""
    rows = fields.rows(lab=lab, model=model)
    if rows:
        return rows[0]
    moved = ModelRedirect.objects.target(lab, model)
    if moved is not None:
        raise Moved(moved)
    raise HttpError(404, f"No model {lab}/{model} in the catalogue.")


@api.exception_handler(Moved)
def moved(request: HttpRequest, error: Moved) -> HttpResponsePermanentRedirect:
    """301 to the same endpoint under the model's key, query string kept."""
    match = request.resolver_match
    kwargs = {**match.kwargs, "lab": error.model.lab.slug, "model": error.model.slug}
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(
        reverse(match.view_name, kwargs=kwargs) + (f"?{query}" if query else "")
    )


# --- The list of models ------------------------------------------------------------------------------------


class Answer(BaseModel):
    """What an endpoint answers, built as plain values (dicts, lists, strings, numbers, dates) and validated by
    pydantic itself: ninja's Schema reads every field of every object through a getter in Python, dict or not,
    which was most of the time of validating an answer. (No docstrings in subclasses that should have no
    description: a class's docstring is its description in the OpenAPI document.)"""


class BasePrice(Answer):
    host: str = Field(description="The host whose prices these are: the lab's own API, else the cheapest.")
    input: str | None = Field(description="USD per 1M input tokens.")
    output: str | None = Field(description="USD per 1M output tokens.")


class Lifecycle(Answer):
    """A model's status today at its lab, computed from the retirement dates sources and editors give."""

    status: str = Field(
        description="Today: preview, ga, deprecated (a retirement date is announced) or retired."
    )
    retires_on: dt.date | None = Field(description="The announced retirement date at the lab, if any.")


# What the list gives of each model, built as a dict by `summaries`, without resolvers: validating a page of
# model instances through resolvers was most of the list's time. (No docstring: it would be the schema's
# description in the OpenAPI document.)
class ModelSummary(Lifecycle):
    key: str = Field(description='"<lab>/<model>", the model\'s id across the site and the API.')
    lab: str
    slug: str
    name: str
    hosts: int = Field(description="How many hosts serve it (a host's several ids count once).")
    context_window: int | None
    url: str
    base_price: BasePrice | None = Field(
        description="Standard-mode input and output prices with no long-context tier, as the catalogue lists "
        "the model: at the lab's own API, else at the pay-as-you-go host cheapest for a typical conversation; "
        "null where no host gives both (a free tier never counts)."
    )


SUMMARY_FIELDS = [
    "lab__slug",
    "slug",
    "name",
    "status",
    "retires_on",
    "editor_retires_on",
    "context_window",
    "host_count",
    "listed_price_host__slug",
    "listed_input_price",
    "listed_output_price",
]


def summaries(rows: list[dict], request: HttpRequest) -> list[dict]:
    """The list's items from rows of SUMMARY_FIELDS (no model instances): the listed prices the ledger keeps on
    the model (pricing.listing) with their host, and the number of hosts."""
    today = timezone.localdate()
    page_url = model_page_url(request)
    items = []
    for row in rows:
        retires_on = row["editor_retires_on"] or row["retires_on"]
        lab, slug = row["lab__slug"], row["slug"]
        host = row["listed_price_host__slug"]
        items.append(
            {
                "status": lifecycle_status(row["status"], retires_on, today),
                "retires_on": retires_on,
                "key": key_of(row),
                "lab": lab,
                "slug": slug,
                "name": row["name"],
                "hosts": row["host_count"],
                "context_window": row["context_window"],
                "url": page_url(lab, slug),
                "base_price": None
                if host is None
                else {
                    "host": host,
                    "input": decimal_text(row["listed_input_price"]),
                    "output": decimal_text(row["listed_output_price"]),
                },
            }
        )
    return items


class Catalogue:
    """The models the list answers with, in its order: the catalogue by lab and name, or what a search `q` finds by
    relevance; of one lab, or of all. Pages of the catalogue are read by queries compiled once (PAGE_OF, COUNT_OF):
    compiling them took most of a page's time. Search builds its queryset each time (its conditions depend on the
    words)."""

    def __init__(self, lab: str | None, q: str):
        self.lab, self.q = lab, q

    def models(self) -> ModelQuerySet:
        """The models as a queryset, in the list's order."""
        if self.q.strip():
            models = Model.objects.search(self.q)  # annotated with host_count, which relevance orders by
        else:
            models = Model.objects.with_host_count().order_by("lab__name", "name", "pk")
        return models if self.lab is None else models.filter(lab__slug=self.lab)

    def page(self, offset: int, limit: int) -> list[dict]:
        """The `limit` models from `offset`, as rows of SUMMARY_FIELDS. One query."""
        if self.q.strip():
            return list(_page(self.models(), offset, limit))
        if self.lab is None:
            return PAGE_OF["all"].rows(offset=offset, limit=limit)
        return PAGE_OF["lab"].rows(lab=self.lab, offset=offset, limit=limit)

    def count(self) -> int:
        """How many models the list holds: one query, then remembered for every page of it while the data keeps
        the version its answers are cached under (catalog.freshness.remembered)."""
        return freshness.remembered(LIST_SCOPES, ("api-list-count", self.lab, self.q), self._counted)

    def _counted(self) -> int:
        if self.q.strip():
            return self.models().count()
        if self.lab is None:
            return COUNT_OF["all"].rows()[0]
        return COUNT_OF["lab"].rows(lab=self.lab)[0]


LIST_SCOPES = (freshness.CATALOG, freshness.PRICES)  # what the list's answers are cached by


def _page(models: ModelQuerySet, offset: int, limit: int) -> QuerySet:
    """A page of `models` as rows of SUMMARY_FIELDS, picked by sorting the ids alone (catalog.browse.SortedIdsPaginator
    says why)."""
    return models.filter(pk__in=Subquery(models.values("pk")[offset : offset + limit])).values(
        *SUMMARY_FIELDS
    )


# COUNT as a plain function, not an aggregate, so that the values() query is not grouped by every column.
_COUNT = Func(F("pk"), function="COUNT", output_field=IntegerField())
PAGE_OF = {
    "all": PreparedQuery(
        lambda offset, limit: _page(Catalogue(None, "").models(), offset, limit), offset=int, limit=int
    ),
    "lab": PreparedQuery(
        lambda lab, offset, limit: _page(Catalogue(lab, "").models(), offset, limit),
        lab=str,
        offset=int,
        limit=int,
    ),
}
COUNT_OF = {
    "all": PreparedQuery(lambda: Model.objects.order_by().values_list(_COUNT, flat=True)),
    "lab": PreparedQuery(
        lambda lab: Model.objects.filter(lab__slug=lab).order_by().values_list(_COUNT, flat=True), lab=str
    ),
}

LAB_EXISTS = PreparedQuery(
    lambda lab: Provider.objects.filter(slug=lab).order_by().values_list("pk", flat=True)[:1], lab=str
)


class ModelPagination(LimitOffsetPagination):
    """Pages of a Catalogue, each page's models read as `summaries`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, description=f"At most {MAX_PAGE_SIZE}; more is read as {MAX_PAGE_SIZE}.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def paginate_queryset(
        self, queryset: Catalogue, pagination: Input, request: HttpRequest, **params
    ) -> dict:
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        return {
            self.items_attribute: summaries(queryset.page(offset, limit), request),
            "count": queryset.count(),
        }


@api.get("/models/", response=list[ModelSummary], url_name="models", tags=["models"])
@cached(*LIST_SCOPES)
@paginate(ModelPagination, max_limit=MAX_PAGE_SIZE)
def list_models(
    request: HttpRequest,
    lab: Annotated[
        str | None,
        Query(
            description="Only this lab's models, by slug, e.g. openai; an unknown lab is a 404.",
            max_length=100,
            pattern=SLUG_PATTERN,
        ),
    ] = None,
    q: Annotated[
        str,
        Query(
            max_length=200,
            description="Search as the site does: every word, in any order, case, spaces and punctuation aside "
            "(gpt4o finds GPT-4o), in names, ids, any host's id, old addresses, families and labs; "
            "most relevant first.",
        ),
    ] = "",
):
    """The catalogue's models, by lab and name (by relevance with `q`), with their current base input and output
    prices."""
    if lab and not LAB_EXISTS.rows(lab=lab):
        raise HttpError(404, f"No lab {lab} in the catalogue.")
    return Catalogue(lab or None, q)


# --- One model ---------------------------------------------------------------------------------------------


class OfferingOut(Answer):
    host: str
    host_name: str
    host_model_id: str = Field(description="The id the host's API expects.")
    kind: str = Field(description="payg (pay as you go), free (a free tier), plan, router or batch.")
    status: str = Field(description="At this host today: preview, ga, deprecated or retired.")
    retires_on: dt.date | None = Field(description="When this host retires it, if announced.")
    regions: list[str]
    withdrawn_on: dt.datetime | None = Field(
        description="When every source that priced it here stopped listing it; null while it is priced."
    )


OFFERINGS_OF = PreparedQuery(
    lambda model_id: (
        Offering.objects.filter(model_id=model_id)
        .with_price_end()
        .order_by("host__slug", "host_model_id")
        .values(
            "host__slug",
            "host__name",
            "host_model_id",
            "kind",
            "retires_on",
            "regions",
            "price_end",
            "open_prices",
        )
    ),
    model_id=int,
)


def offerings_of(model_id: int, status: str, retires_on: dt.date | None, today: dt.date) -> list[dict]:
    """A model's offerings as `OfferingOut` gives them, as dicts (no resolvers: ninja validates a dict far
    faster than an instance through resolvers), from the model's catalogue status and retirement date. One
    query, compiled once."""
    return [
        {
            "host": row["host__slug"],
            "host_name": row["host__name"],
            "host_model_id": row["host_model_id"],
            "kind": row["kind"],
            # As Offering.lifecycle: the host's own retirement date, else the model's.
            "status": lifecycle_status(status, row["retires_on"] or retires_on, today),
            "retires_on": row["retires_on"],
            "regions": row["regions"],
            "withdrawn_on": withdrawal(row["price_end"], row["open_prices"]),
        }
        for row in OFFERINGS_OF.rows(model_id=model_id)
    ]


# The model's own fields that the detail gives as they are.
DETAIL_FIELDS = [
    "slug",
    "name",
    "family",
    "release_date",
    "knowledge_cutoff",
    "context_window",
    "max_input_tokens",
    "max_output_tokens",
    "input_modalities",
    "output_modalities",
    "supports_tools",
    "supports_reasoning",
    "supports_structured_output",
    "supports_attachments",
    "supports_vision",
    "supports_audio",
    "open_weights",
]

# What the detail reads of the model: those, its lab, its lifecycle and what successor_of needs
# (catalog.lifecycle).
SUCCESSOR_FIELDS = (
    "pk",
    "lab_id",
    "successor_id",
    "family",
    "status",
    "retires_on",
    "editor_retires_on",
    "release_date",
)
MODEL_FACTS = _model_at(
    *dict.fromkeys((*DETAIL_FIELDS, *SUCCESSOR_FIELDS, "lab__slug", "lab__name"))
)  # each once


class ModelDetail(Lifecycle):
    key: str
    lab: str
    lab_name: str
    slug: str
    name: str
    family: str
    successor: str | None = Field(description='The model to move to, as "<lab>/<model>", once deprecated.')
    release_date: dt.date | None
    knowledge_cutoff: str = Field(description="As the lab states it: YYYY-MM or YYYY-MM-DD, or empty.")
    context_window: int | None
    max_input_tokens: int | None
    max_output_tokens: int | None
    input_modalities: list[str]
    output_modalities: list[str]
    supports_tools: bool
    supports_reasoning: bool
    supports_structured_output: bool
    supports_attachments: bool
    supports_vision: bool
    supports_audio: bool
    open_weights: bool
    offerings: list[OfferingOut]
    url: str = Field(description="The model's page.")
    prices_url: str = Field(description="Every price of the model, at every host.")


def detail_of(row: dict, request: HttpRequest) -> dict:
    """A model as `ModelDetail` gives it, as a dict, from its row of MODEL_FACTS: its facts, its offerings and its
    successor (a query; another only where successor_of looks for one)."""
    today = timezone.localdate()
    lab, slug = row["lab__slug"], row["slug"]
    retires_on = row["editor_retires_on"] or row["retires_on"]
    status = lifecycle_status(row["status"], retires_on, today)
    successor = successor_of(Model(**{name: row[name] for name in SUCCESSOR_FIELDS}), today)
    return {
        **{name: row[name] for name in DETAIL_FIELDS},
        "status": status,
        "retires_on": retires_on,
        "key": key_of(row),
        "lab": lab,
        "lab_name": row["lab__name"],
        "successor": successor.key if successor else None,
        "offerings": offerings_of(row["pk"], row["status"], retires_on, today),
        "url": model_page_url(request)(lab, slug),
        "prices_url": request.build_absolute_uri(
            reverse("api:model_prices", kwargs={"lab": lab, "model": slug})
        ),
    }


class Error(Schema):
    detail: str


@api.get(
    "/models/{lab}/{model}/",
    response={200: ModelDetail, 404: Error},
    url_name="model",
    tags=["models"],
)
@cached(freshness.CATALOG, freshness.PRICES)
def model_detail(request: HttpRequest, lab: str, model: str):
    """One model: its facts, the hosts that serve it and the link to its page."""
    return detail_of(get_model(lab, model, MODEL_FACTS), request)


# --- Prices ------------------------------------------------------------------------------------------------


class QuoteOut(Answer):
    source: str = Field(description="The slug of the source.")
    usd_per_million: str = Field(description="Its figure, in the price's unit.")
    observed_at: dt.datetime = Field(description="When the source first gave this figure.")
    since: dt.datetime = Field(description="From when the source says the figure applies.")


class PriceOut(Answer):
    host: str = Field(description="The slug of the host whose price this is.")
    host_model_id: str = Field(description="The id the host's API expects.")
    component: str = Field(description="input, output, cache_read, audio_input, …")
    tier: str | None = Field(description='null for the base price; e.g. "prompt>200000" for long prompts.')
    mode: str = Field(description="standard, batch, flex, priority, fast or off_peak.")
    usd_per_million: str = Field(
        description="USD per 1M tokens, as a decimal string; for another unit, USD per that unit."
    )
    unit: str = Field(description="per_1m_tokens, per_request, per_image or per_audio_second.")
    valid_from: dt.datetime = Field(description="May lie in the future: a change announced with its date.")
    valid_to: dt.datetime | None = Field(description="null while the price is in force.")
    effective: str = Field(
        description="stated: the source gives valid_from as the date the price took effect; observed: "
        "valid_from is when a source first showed it."
    )
    opening: str = Field(
        description="first (first price, or first after a withdrawal), change (the followed source's price "
        "changed) or correction (another source is followed now, with another figure: not a price move)."
    )
    observed_at: dt.datetime = Field(description="When the followed source first showed this price.")
    source: str = Field(description="The slug of the source followed.")
    quotes: list[QuoteOut] = Field(
        description="Every source's figure for this price on its date (now while in force, the start for a "
        "scheduled price, the end for a closed one; the as_of day when given), the followed source first."
    )


class ModelPrices(Answer):
    model: str
    prices: list[PriceOut]


def price_row(period, quotes: list[QuotedFigure]) -> dict:
    """A row of PricePeriod.objects.history_of as PriceOut gives it."""
    return {
        "host": period.offering__host__slug,
        "host_model_id": period.offering__host_model_id,
        "component": period.component,
        "tier": period.tier or None,
        "mode": period.mode,
        "usd_per_million": decimal_text(period.price),
        "unit": period.unit,
        "valid_from": period.valid_from,
        "valid_to": period.valid_to,
        "effective": period.effective,
        "opening": period.opening,
        "observed_at": period.observed_at,
        "source": period.source__slug,
        "quotes": [
            {
                "source": q.source,
                "usd_per_million": decimal_text(q.price),
                "observed_at": q.observed_at,
                "since": q.since,
            }
            for q in quotes
        ],
    }


@api.get(
    "/models/{lab}/{model}/prices/",
    response={200: ModelPrices, 404: Error},
    url_name="model_prices",
    tags=["prices"],
)
@cached(freshness.CATALOG, freshness.PRICES)
def model_prices(
    request: HttpRequest,
    lab: str,
    model: str,
    host: Annotated[
        str | None,
        Query(
            description="Only this host's prices, by slug, e.g. azure; a host that never offered the model is "
            "a 404.",
            max_length=100,
            pattern=SLUG_PATTERN,
        ),
    ] = None,
    as_of: Annotated[
        dt.date | None,
        Query(
            ge=FIRST_DAY,
            le=LAST_DAY,
            description="Only the prices in force at the start of this day (UTC), as YYYY-MM-DD; effective "
            "dates are honoured, so a day after an announced change gives the new price.",
        ),
    ] = None,
):
    """Every price of the model at every host that offers it: one object per dated period, oldest first
    within each host, component, tier and mode; announced future prices included. Three queries (with `host`,
    four)."""
    found, host = get_model(lab, model), host or None
    key = key_of(found)
    if host is not None and not HOST_OFFERS.rows(model_id=found["pk"], host=host):
        raise HttpError(404, f"{key} is not offered by a host {host}.")
    on = dt.datetime.combine(as_of, dt.time.min, tzinfo=dt.UTC) if as_of is not None else None
    periods = price_history(found["pk"], host, on)
    quotes = quotes_for(periods, on, model_id=found["pk"])
    return {"model": key, "prices": [price_row(p, quotes[p.pk]) for p in periods]}


def _history(model_id: int, host: str | None = None, on: dt.datetime | None = None) -> QuerySet:
    periods = PricePeriod.objects.history_of(model_id)
    if host is not None:
        periods = periods.filter(offering__host__slug=host)
    return periods if on is None else periods.in_force(on=on)


# The history of a model, of one host's offerings of it or not, in force on a day or not: compiled once each.
HISTORY_OF = {
    (False, False): PreparedQuery(_history, model_id=int),
    (True, False): PreparedQuery(_history, model_id=int, host=str),
    (False, True): PreparedQuery(_history, model_id=int, on=dt.datetime),
    (True, True): PreparedQuery(_history, model_id=int, host=str, on=dt.datetime),
}
HOST_OFFERS = PreparedQuery(
    lambda model_id, host: (
        Offering.objects.filter(model_id=model_id, host__slug=host)
        .order_by()
        .values_list("pk", flat=True)[:1]
    ),
    model_id=int,
    host=str,
)


def price_history(model_id: int, host: str | None, on: dt.datetime | None) -> list:
    """PricePeriod.objects.history_of the model, only `host`'s offerings of it with `host`, only the periods in
    force `on` with `on`. One query."""
    values = {"host": host} if host is not None else {}
    if on is not None:
        values["on"] = on
    return HISTORY_OF[host is not None, on is not None].rows(model_id=model_id, **values)
