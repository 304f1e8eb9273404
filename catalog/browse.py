"""Browsing the catalog: search, filters with a count beside each choice, sorting. Every state is in the query
string, so a URL is a shareable view, and everything works without JavaScript.

Counts are faceted as shoppers expect: each filter's choices are counted with every *other* filter applied, so a
count says how many models picking that choice would show. A fixed number of queries whatever the catalogue's
size: one per filter group, one count and one page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import QueryDict

from catalog import search
from catalog.models import Model, ModelStatus, Offering, OfferingKind, provider_slug_validator
from tokenledger.params import DecimalParam, IntParam, ListParam, QueryParams, TextParam, choice_item

INPUT_MODALITIES = [
    ("text", "Text"),
    ("image", "Image"),
    ("audio", "Audio"),
    ("video", "Video"),
    ("pdf", "PDF"),
]
OUTPUT_MODALITIES = [("text", "Text"), ("image", "Image"), ("audio", "Audio")]
CAPABILITIES = {
    "tools": ("Tool calling", Q(supports_tools=True)),
    "reasoning": ("Reasoning", Q(supports_reasoning=True)),
    "vision": ("Vision (image or video input)", Q(supports_vision=True)),
    "audio": ("Audio in or out", Q(supports_audio=True)),
    "structured": ("Structured output", Q(supports_structured_output=True)),
    "open_weights": ("Open weights", Q(open_weights=True)),
}
CONTEXT_CHOICES = [(32_000, "32K+"), (128_000, "128K+"), (200_000, "200K+"), (1_000_000, "1M+")]
PRICE_CHOICES = [Decimal(v) for v in ("0.1", "0.5", "1", "3", "10")]
MAX_PRICE = Decimal(1_000_000)


# The default order: models released and generally available first, then the other dated ones (preview,
# deprecated), newest first within each; a model without a release date never leads.
NEWEST_GA_FIRST = Case(
    When(status_today=ModelStatus.GA, release_date__isnull=False, then=Value(0)),
    When(release_date__isnull=False, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)

SORTS = {
    "newest": ("Newest first, generally available", [NEWEST_GA_FIRST.asc(), F("release_date").desc()]),
    "name": ("Name", [Lower("name").asc(), Lower("lab__name").asc()]),
    "input_price": ("Input price, lowest first", [F("listed_input_price").asc(nulls_last=True)]),
    "output_price": ("Output price, lowest first", [F("listed_output_price").asc(nulls_last=True)]),
    "conversation": ("Typical conversation, cheapest first", [F("conversation_weight").asc(nulls_last=True)]),
    "context": ("Context window, largest first", [F("context_window").desc(nulls_last=True)]),
    "released": ("Release date, newest first", [F("release_date").desc(nulls_last=True)]),
    "availability": ("Availability, highest first", [F("listed_availability").desc(nulls_last=True)]),
}
DEFAULT_SORT = "newest"
# A search is ordered by relevance unless the reader picks another order (catalog.search.RELEVANCE).
RELEVANCE = "relevance"
SEARCH_SORTS = {RELEVANCE: ("Relevance", search.RELEVANCE), **SORTS}


@dataclass
class Choice:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    param: str
    label: str
    choices: list[Choice]
    multiple: bool = True

    @property
    def active(self) -> bool:
        return any(choice.selected for choice in self.choices)


MAX_PAGES = 10_000
MAX_CONTEXT = 100_000_000


def lab_item() -> forms.CharField:
    """A provider slug, as ?lab= gives it."""
    return forms.CharField(max_length=100, validators=[provider_slug_validator])


def model_key_item() -> forms.CharField:
    """A "<lab>/<model>" key, as ?models= gives it."""
    return forms.CharField(
        max_length=301,
        validators=[RegexValidator(r"^[^/\s]+/[^/\s]+$", "Not a <lab>/<model> key.")],
    )


class BrowseParams(QueryParams):
    """Every parameter of /models/, with its bounds."""

    q = TextParam(max_length=200)
    lab = ListParam(lab_item())
    input = ListParam(choice_item(INPUT_MODALITIES))
    output = ListParam(choice_item(OUTPUT_MODALITIES))
    cap = ListParam(choice_item(CAPABILITIES))
    status = ListParam(choice_item(ModelStatus.values))
    kind = ListParam(choice_item(OfferingKind.values))
    min_context = IntParam(min_value=1, max_value=MAX_CONTEXT)
    max_input = DecimalParam(min_value=Decimal(0), max_value=MAX_PRICE, decimal_places=6)
    max_output = DecimalParam(min_value=Decimal(0), max_value=MAX_PRICE, decimal_places=6)
    sort = forms.ChoiceField(required=False, choices=[(name, name) for name in SEARCH_SORTS])
    page = IntParam(min_value=1, max_value=MAX_PAGES)
    # Models ticked for comparing (catalog.comparing.picked_keys), kept as browse moves on.
    models = ListParam(model_key_item(), separator=",", ordered=True)


@dataclass
class CatalogQuery:
    """What the reader asked for, from the query string; values that make no sense are dropped, not errors."""

    q: str = ""
    labs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    min_context: int | None = None
    max_input: Decimal | None = None
    max_output: Decimal | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, params: QueryDict) -> CatalogQuery:
        values = BrowseParams(params).values
        q = values.get("q", "")
        sorts = SEARCH_SORTS if q else SORTS
        sort = values.get("sort")
        return cls(
            q=q,
            labs=values.get("lab", []),
            inputs=values.get("input", []),
            outputs=values.get("output", []),
            capabilities=values.get("cap", []),
            statuses=values.get("status", []),
            kinds=values.get("kind", []),
            min_context=values.get("min_context"),
            max_input=values.get("max_input"),
            max_output=values.get("max_output"),
            sort=sort if sort in sorts else (RELEVANCE if q else DEFAULT_SORT),
        )

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.labs
            or self.inputs
            or self.outputs
            or self.capabilities
            or self.statuses
            or self.kinds
            or self.min_context
            or self.max_input is not None
            or self.max_output is not None
        )

    @property
    def filter_count(self) -> int:
        """How many filters are on (each choice ticked counts), for the folded filter panel's summary."""
        lists = (self.labs, self.inputs, self.outputs, self.capabilities, self.statuses, self.kinds)
        single = (self.q, self.min_context, self.max_input, self.max_output)
        return sum(map(len, lists)) + sum(1 for value in single if value not in (None, ""))

    def conditions(self, *, without: str = "") -> Q:
        """Every filter as one condition, leaving out the group `without` (for its own counts)."""
        condition = Q()
        if self.q:
            condition &= search.matching(self.q)
        if self.labs and without != "lab":
            condition &= Q(lab__slug__in=self.labs)
        if without != "input":
            for modality in self.inputs:
                condition &= Q(modality_tags__contains=f" in:{modality} ")
        if without != "output":
            for modality in self.outputs:
                condition &= Q(modality_tags__contains=f" out:{modality} ")
        if without != "cap":
            for capability in self.capabilities:
                condition &= CAPABILITIES[capability][1]
        if self.statuses and without != "status":
            condition &= Q(status_today__in=self.statuses)
        elif not self.statuses and not self.q:
            # Retired models stay reachable (a search finds them, labelled), but leave the default lists.
            condition &= ~Q(status_today=ModelStatus.RETIRED)
        if self.kinds and without != "kind":
            condition &= Q(pk__in=Offering.objects.filter(kind__in=self.kinds).values("model_id"))
        if self.min_context and without != "min_context":
            condition &= Q(context_window__gte=self.min_context)
        if self.max_input is not None and without != "max_input":
            condition &= Q(listed_input_price__lte=self.max_input)
        if self.max_output is not None and without != "max_output":
            condition &= Q(listed_output_price__lte=self.max_output)
        return condition

    def models(self) -> QuerySet[Model]:
        """The models shown, sorted, with what the table shows."""
        models = Model.objects.with_lifecycle().filter(self.conditions()).with_listing().with_host_count()
        if self.sort == RELEVANCE:
            return search.ranked(models, self.q).order_by(*search.RELEVANCE)
        return models.order_by(*SORTS[self.sort][1], "lab__name", "name", "pk")

    @property
    def sorts(self) -> dict:
        """The orders the reader can pick: relevance too when searching."""
        return SEARCH_SORTS if self.q else SORTS

    def facets(self) -> list[Facet]:
        """Every filter group with a count beside each choice. One query per group."""
        return [
            self._lab_facet(),
            self._tag_facet("input", "Input", INPUT_MODALITIES, "in", self.inputs),
            self._tag_facet("output", "Output", OUTPUT_MODALITIES, "out", self.outputs),
            self._capability_facet(),
            self._threshold_facet(
                "min_context",
                "Context window",
                [(str(v), label, Q(context_window__gte=v)) for v, label in CONTEXT_CHOICES],
                str(self.min_context or ""),
            ),
            self._threshold_facet(
                "max_input",
                "Input price, per 1M",
                [(str(v), f"${v} or less", Q(listed_input_price__lte=v)) for v in PRICE_CHOICES],
                _plain(self.max_input),
            ),
            self._threshold_facet(
                "max_output",
                "Output price, per 1M",
                [(str(v), f"${v} or less", Q(listed_output_price__lte=v)) for v in PRICE_CHOICES],
                _plain(self.max_output),
            ),
            self._status_facet(),
            self._kind_facet(),
        ]

    def _base(self, without: str) -> QuerySet[Model]:
        return Model.objects.with_lifecycle().filter(self.conditions(without=without)).order_by()

    def _lab_facet(self) -> Facet:
        rows = self._base("lab").values("lab__slug", "lab__name").annotate(count=Count("id"))
        choices = [
            Choice(row["lab__slug"], row["lab__name"], row["count"], row["lab__slug"] in self.labs)
            for row in rows
        ]
        choices.sort(key=lambda c: (not c.selected, -c.count, c.label.lower()))
        return Facet("lab", "Provider", choices)

    def _tag_facet(self, param: str, label: str, options, prefix: str, selected: list[str]) -> Facet:
        counts = self._base(param).aggregate(
            **{
                value: Count("id", filter=Q(modality_tags__contains=f" {prefix}:{value} "))
                for value, _ in options
            }
        )
        return Facet(param, label, [Choice(v, text, counts[v], v in selected) for v, text in options])

    def _capability_facet(self) -> Facet:
        counts = self._base("").aggregate(  # capabilities combine with AND, as modalities do
            **{name: Count("id", filter=condition) for name, (_, condition) in CAPABILITIES.items()}
        )
        return Facet(
            "cap",
            "Capabilities",
            [Choice(n, text, counts[n], n in self.capabilities) for n, (text, _) in CAPABILITIES.items()],
        )

    def _threshold_facet(self, param: str, label: str, options, current: str) -> Facet:
        counts = self._base(param).aggregate(
            **{f"c{i}": Count("id", filter=condition) for i, (_, _, condition) in enumerate(options)}
        )
        choices = [
            Choice(value, text, counts[f"c{i}"], value == current)
            for i, (value, text, _) in enumerate(options)
        ]
        if current and not any(choice.selected for choice in choices):  # a value typed into the URL
            choices.append(Choice(current, current, 0, True))
        return Facet(param, label, choices, multiple=False)

    def _kind_facet(self) -> Facet:
        """Models sold as each kind of offering somewhere: pay as you go, a free tier, a plan, a router."""
        base = self._base("kind")
        counts = base.aggregate(
            **{
                kind: Count("id", filter=Q(pk__in=Offering.objects.filter(kind=kind).values("model_id")))
                for kind in OfferingKind.values
            }
        )
        return Facet(
            "kind",
            "Sold as",
            [
                Choice(v, text, counts[v], v in self.kinds)
                for v, text in OfferingKind.choices
                if counts[v] or v in self.kinds
            ],
        )

    def _status_facet(self) -> Facet:
        rows = self._base("status").values("status_today").annotate(count=Count("id"))
        counts = {row["status_today"]: row["count"] for row in rows}
        return Facet(
            "status",
            "Status",
            [Choice(v, text, counts.get(v, 0), v in self.statuses) for v, text in ModelStatus.choices],
        )


def _plain(value: Decimal | None) -> str:
    """A price as the choices spell it: 0.5, 1, 10."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
