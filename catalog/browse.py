"""Browsing the catalog: search, filters with a count beside each choice, sorting. Every state is in the query
string, so a URL is a shareable view, and everything works without JavaScript.

Counts are faceted as shoppers expect: each filter's choices are counted with every *other* filter applied, so a
count says how many models picking that choice would show. A fixed number of queries whatever the catalogue's
size: one for every filter's counts, one count and one page.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.paginator import Page, Paginator
from django.core.validators import RegexValidator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Lower
from django.http import QueryDict

from catalog import search
from catalog.models import Model, ModelStatus, OfferingKind, provider_slug_validator
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


@dataclass
class Chip:
    """A filter that is on, as the chips above the results name it (each removes it)."""

    param: str
    value: str
    facet: str
    label: str


def chips(facets: list[Facet]) -> list[Chip]:
    """The choices ticked in `facets`, in their order."""
    return [
        Chip(facet.param, choice.value, facet.label, choice.label)
        for facet in facets
        for choice in facet.choices
        if choice.selected
    ]


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
    def filters(self) -> tuple:
        """What the reader asked for but the order: all that the number of models found and the facets' counts
        depend on, so that every page and order of one search can share them (catalog.views.model_list)."""
        values = dataclasses.astuple(dataclasses.replace(self, sort=""))
        return tuple(tuple(value) if isinstance(value, list) else value for value in values)  # hashable

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

    def _parts(self) -> tuple[Q, dict[str, Q]]:
        """The filters as (what every count shares, {group: its condition} for each group that is on)."""
        common = Q()
        if self.q:
            common &= search.matching(self.q)
        if not self.statuses and not self.q:
            # Retired models stay reachable (a search finds them, labelled), but leave the default lists.
            common &= ~Q(status_today=ModelStatus.RETIRED)
        parts = {}
        if self.labs:
            parts["lab"] = Q(lab__slug__in=self.labs)
        if self.inputs:
            parts["input"] = _all(Q(modality_tags__contains=f" in:{m} ") for m in self.inputs)
        if self.outputs:
            parts["output"] = _all(Q(modality_tags__contains=f" out:{m} ") for m in self.outputs)
        if self.capabilities:
            parts["cap"] = _all(CAPABILITIES[capability][1] for capability in self.capabilities)
        if self.statuses:
            parts["status"] = Q(status_today__in=self.statuses)
        if self.kinds:
            parts["kind"] = _any(Q(offering_kinds__contains=f" {kind} ") for kind in self.kinds)
        if self.min_context:
            parts["min_context"] = Q(context_window__gte=self.min_context)
        if self.max_input is not None:
            parts["max_input"] = Q(listed_input_price__lte=self.max_input)
        if self.max_output is not None:
            parts["max_output"] = Q(listed_output_price__lte=self.max_output)
        return common, parts

    def conditions(self) -> Q:
        """Every filter as one condition."""
        common, parts = self._parts()
        return common & _all(parts.values())

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
        """Every filter group with a count beside each choice. One query: the counts of every choice, each with
        the other groups' filters, by lab (the provider filter's counts; the others add up the labs)."""
        common, parts = self._parts()
        groups = {
            "input": [(v, text, Q(modality_tags__contains=f" in:{v} ")) for v, text in INPUT_MODALITIES],
            "output": [(v, text, Q(modality_tags__contains=f" out:{v} ")) for v, text in OUTPUT_MODALITIES],
            "cap": [(name, text, condition) for name, (text, condition) in CAPABILITIES.items()],
            "min_context": [(str(v), label, Q(context_window__gte=v)) for v, label in CONTEXT_CHOICES],
            "max_input": [(str(v), f"${v} or less", Q(listed_input_price__lte=v)) for v in PRICE_CHOICES],
            "max_output": [(str(v), f"${v} or less", Q(listed_output_price__lte=v)) for v in PRICE_CHOICES],
            "status": [(v, text, Q(status_today=v)) for v, text in ModelStatus.choices],
            "kind": [(v, text, Q(offering_kinds__contains=f" {v} ")) for v, text in OfferingKind.choices],
        }

        def others(group: str) -> Q:
            # Capabilities combine with AND, as modalities do: their counts keep their own filter on. The
            # provider filter is applied below, by adding up only the labs ticked.
            return _all(
                condition
                for name, condition in parts.items()
                if name != "lab" and (name != group or name == "cap")
            )

        counts = {"lab": Count("id", filter=others("lab") or None)}
        for group, options in groups.items():
            filters = others(group)  # once per group: each choice adds its own condition to it
            for i, (_, _, choice) in enumerate(options):
                counts[f"{group}{i}"] = Count("id", filter=filters & choice)
        rows = list(
            Model.objects.with_lifecycle()
            .filter(common)
            .values("lab__slug", "lab__name")
            .annotate(**counts)
            .order_by("lab__slug", "lab__name")
        )
        ticked = [row for row in rows if row["lab__slug"] in self.labs] if self.labs else rows
        total = {name: sum(row[name] for row in ticked) for name in counts}
        counted = {
            group: [Choice(v, text, total[f"{group}{i}"], False) for i, (v, text, _) in enumerate(options)]
            for group, options in groups.items()
        }
        return [
            self._lab_facet(rows),
            self._multiple("input", "Input", counted["input"], self.inputs),
            self._multiple("output", "Output", counted["output"], self.outputs),
            self._multiple("cap", "Capabilities", counted["cap"], self.capabilities),
            self._threshold(
                "min_context", "Context window", counted["min_context"], str(self.min_context or "")
            ),
            self._threshold("max_input", "Input price, per 1M", counted["max_input"], _plain(self.max_input)),
            self._threshold(
                "max_output", "Output price, per 1M", counted["max_output"], _plain(self.max_output)
            ),
            self._multiple("status", "Status", counted["status"], self.statuses),
            # Models sold as each kind of offering somewhere: pay as you go, a free tier, a plan, a router.
            self._multiple(
                "kind",
                "Sold as",
                [c for c in counted["kind"] if c.count or c.value in self.kinds],
                self.kinds,
            ),
        ]

    def _lab_facet(self, rows: list[dict]) -> Facet:
        choices = [
            Choice(row["lab__slug"], row["lab__name"], row["lab"], row["lab__slug"] in self.labs)
            for row in rows
            if row["lab"]
        ]
        choices.sort(key=lambda c: (not c.selected, -c.count, c.label.lower()))
        return Facet("lab", "Provider", choices)

    @staticmethod
    def _multiple(param: str, label: str, choices: list[Choice], selected: list[str]) -> Facet:
        for choice in choices:
            choice.selected = choice.value in selected
        return Facet(param, label, choices)

    @staticmethod
    def _threshold(param: str, label: str, choices: list[Choice], current: str) -> Facet:
        for choice in choices:
            choice.selected = choice.value == current
        if current and not any(choice.selected for choice in choices):  # a value typed into the URL
            choices.append(Choice(current, current, 0, True))
        return Facet(param, label, choices, multiple=False)


class SortedIdsPaginator(Paginator):
    """Pages of a sorted queryset whose page is picked by sorting the ids alone, in a subquery, and only its rows
    read whole. Sorting whole rows (a model's search document and three providers each) of every model to keep
    fifty made browse's page query ten times slower on SQLite (61 ms for the last page, 6 ms so). The ordering
    must end with a unique field, so that the subquery's page is the queryset's."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **options) -> None:
        """`count`: the number of objects, where the caller knows it (else counted by a query when needed)."""
        super().__init__(object_list, per_page, **options)
        if count is not None:
            self.count = count  # in place of the cached property's query

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=Subquery(ids)), number, self)


def _all(conditions) -> Q:
    """The conditions combined with AND; an empty Q (no condition) when there are none."""
    combined = Q()
    for condition in conditions:
        combined &= condition
    return combined


def _any(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def _plain(value: Decimal | None) -> str:
    """A price as the choices spell it: 0.5, 1, 10."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
