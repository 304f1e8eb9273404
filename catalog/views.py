import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from types import SimpleNamespace
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from catalog import freshness, highlights, search
from catalog.browse import DEFAULT_SORT, MAX_PAGES, BrowseParams, CatalogQuery, SortedIdsPaginator, chips
from catalog.comparing import MAX_COMPARED, CompareParams, WorkloadForm, candidates, compare_url, picked_keys
from catalog.freshness import cached_page
from catalog.lifecycle import successor_of
from catalog.models import (
    BenchmarkScore,
    Model,
    ModelRedirect,
    Profile,
    ProfileRevision,
    Provider,
    StatusChange,
)
from catalog.sections import Lazy, Sections
from catalog.similar import similar_models
from monitoring.charts import charts_for
from monitoring.queries import last_test, summary_for_model
from pricing.charts import compare_history_chart, price_history_chart
from pricing.feeds import price_changes, what_changed
from pricing.models import Component, Mode, PricePeriod
from pricing.queries import (
    Conversation,
    HostCost,
    base_history,
    for_conversation,
    host_prices,
    prices_by_host,
    rank,
    sources_by_id,
)
from tokenledger.formatting import change, in_and_out, usd
from tokenledger.params import IntParam, QueryParams, TextParam

MODELS_PER_PAGE = 50


@cached_page(freshness.CATALOG, freshness.PRICES)
def home(request):
    """Answers first: search, the latest price changes, new models, the cheapest of a few kinds, and reviewed
    profiles of models in service (a deprecated or retired model's profile stays, unfeatured). Nine queries."""
    counts = Model.objects.aggregate(models=Count("id"), labs=Count("lab", distinct=True))
    return render(
        request,
        "catalog/home.html",
        {
            "model_count": counts["models"],
            "lab_count": counts["labs"],
            "price_moves": highlights.latest_price_moves(),
            "releases": highlights.recently_released(),
            "cheapest": highlights.cheapest_in_classes(),
            "conversation": Conversation.default(),
            "profiles": highlights.featured_profiles(),
        },
    )


def methodology(request):
    return render(request, "catalog/methodology.html")


LEADERBOARD_SORTS = {
    "score": ("Best score first", ["-score", "model__name"]),
    "date": ("Newest first", ["-measured_on", "-score"]),
    "model": ("Model name", ["model__name", "-score"]),
}


class BenchmarksParams(QueryParams):
    sort = forms.ChoiceField(required=False, choices=[(name, name) for name in LEADERBOARD_SORTS])


@cached_page(freshness.CATALOG, params=BenchmarksParams)
def benchmarks(request):
    """Every published score, grouped by benchmark, best first (or newest, or by model), each with its source and
    date; the rank is by score whatever the order. One query."""
    sort = request.GET.get("sort", "score")
    sort = sort if sort in LEADERBOARD_SORTS else "score"
    scores = BenchmarkScore.objects.select_related("benchmark", "model__lab").order_by(
        "benchmark__name", *LEADERBOARD_SORTS[sort][1]
    )
    boards: dict = {}
    for item in scores:
        boards.setdefault(item.benchmark, []).append(item)
    for board in boards.values():
        ranked = sorted(board, key=lambda s: -s.score)
        for item in board:
            item.rank = 1 + sum(1 for other in ranked if other.score > item.score)  # ties share a rank
    return render(
        request,
        "catalog/benchmarks.html",
        {"boards": list(boards.items()), "sort": sort, "sorts": LEADERBOARD_SORTS},
    )


@cached_page(*freshness.ALL, params=CompareParams)
def compare(request):
    """Two to four models side by side: facts, every price component, the cost of the reader's workload, price
    histories in one chart, measured availability and latency, benchmark scores; a picker adds and removes
    models with plain links and a search form, so it works without JavaScript."""
    workload_form = WorkloadForm.from_query(request.GET)
    workload = workload_form.workload()
    conversation = Conversation.default()
    asked = picked_keys(request.GET)
    keys, left_out = asked[:MAX_COMPARED], asked[MAX_COMPARED:]
    scores = Prefetch("benchmark_scores", queryset=BenchmarkScore.objects.select_related("benchmark"))
    found = {model.key: model for model in Model.objects.with_lab().by_keys(keys).prefetch_related(scores)}
    missing = [key for key in keys if key not in found]
    models = [found[key] for key in keys if key in found]
    chosen = [model.key for model in models]
    kept = workload_form.query()
    columns = []
    for model in models:
        hosts = prices_by_host(model, conversation)
        main = hosts[0] if hosts and hosts[0].input else None
        columns.append(
            {
                "model": model,
                "prices": main,
                "hosts": len(hosts),
                "per_request": workload.cost_per_request(main),
                "per_month": workload.cost_per_month(main),
                "history": base_history(main.offering) if main else [],
                "monitoring": last_test(model),
                "scores": {s.benchmark_id: s for s in model.benchmark_scores.all()},
                "remove_url": compare_url([k for k in chosen if k != model.key], kept),
            }
        )
    benchmarks = sorted({s.benchmark for c in columns for s in c["scores"].values()}, key=lambda b: b.name)
    find = request.GET.get("find", "").strip()[:100] if len(models) < MAX_COMPARED else ""
    return render(
        request,
        "catalog/compare.html",
        {
            "columns": columns,
            "missing": missing,
            "left_out": left_out,
            "max_compared": MAX_COMPARED,
            "price_rows": _price_rows(columns),
            "score_rows": [(b, [c["scores"].get(b.pk) for c in columns]) for b in benchmarks],
            "workload": workload,
            "workload_form": workload_form,
            "kept_workload": kept,
            "chosen": chosen,
            "find": find,
            "candidates": [
                (model, compare_url([*chosen, model.key], kept))
                for model in candidates(find, leaving_out=models)
            ],
            "history_chart": compare_history_chart(
                [(c["model"].name, c["history"]) for c in columns], now=timezone.now()
            ),
            "cheapest_month": _cheapest({c["per_month"] for c in columns if c["per_month"] is not None}),
        },
    )


def _cheapest(costs: set) -> Decimal | None:
    """The lowest cost, when there is a difference to point out."""
    return min(costs) if len(costs) > 1 else None


def _price_rows(columns: list[dict]) -> list[tuple[str, list]]:
    """Every price component any of the models has in force (standard mode first, then batch, flex, …), one row
    each, with each model's period or None."""
    keys: dict[tuple, str] = {}
    for column in columns:
        for period in column["prices"].periods if column["prices"] else []:
            keys[(period.mode, period.tier, period.component)] = period.label
    components, modes = list(Component), list(Mode)
    ordered = sorted(keys, key=lambda k: (modes.index(k[0]), k[1], components.index(k[2])))
    rows = []
    for key in ordered:
        cells = []
        for column in columns:
            periods = column["prices"].periods if column["prices"] else []
            cells.append(next((p for p in periods if (p.mode, p.tier, p.component) == key), None))
        rows.append((keys[key], cells))
    return rows


class PageParams(QueryParams):
    page = IntParam(min_value=1, max_value=MAX_PAGES)


def page_number(request) -> int:
    """The page asked for; the first where ?page= cannot be read (the notice says so). Past the last page,
    the paginator shows the last."""
    return PageParams(request.GET).values.get("page", 1)


# What every page and order of one search shares, kept by its filters (CatalogQuery.filters): the number of
# models found and the filters with their counts, half of building a page of /models/.
BROWSE_SECTIONS = dict.fromkeys(("found", "filter-fields", "chips"), (freshness.CATALOG, freshness.PRICES))


@cached_page(*freshness.ALL, params=BrowseParams)
def model_list(request):
    """Browse the catalog: search, filters with counts, sorting and pages, all in the query string."""
    query = CatalogQuery.from_query(request.GET)
    sections = Sections.for_request(request, "browse", BROWSE_SECTIONS)
    filters = query.filters
    sections.prefetch(("found", filters), ("filter-fields", filters), ("chips", filters))
    facets = Lazy(query.facets)  # counted only where a section that shows them is built
    models = query.models()
    found = sections.data("found", models.count, filters)
    page = SortedIdsPaginator(models, MODELS_PER_PAGE, count=found).get_page(page_number(request))
    # Models ticked for comparing, kept in the query string like every other choice.
    keys = picked_keys(request.GET)[:MAX_COMPARED]
    picked = {model.key: model for model in Model.objects.with_lab().by_keys(keys)} if keys else {}
    on_page = {model.key for model in page.object_list}
    # A search that finds nothing offers the nearest names instead of a dead end.
    did_you_mean = search.did_you_mean(query.q) if query.q and not page.paginator.count else []
    return render(
        request,
        "catalog/model_list.html",
        {
            "page": page,
            "query": query,
            "search_text": query.q,
            "sections": sections,
            "facets": facets,
            "chips": sections.data("chips", lambda: chips(facets()), filters) if query.is_filtered else [],
            "sorts": query.sorts,
            "did_you_mean": did_you_mean,
            "default_sort": DEFAULT_SORT,
            "max_compared": MAX_COMPARED,
            "picked": [picked[key] for key in keys if key in picked],
            "picked_keys": [key for key in keys if key in picked],
            "picked_elsewhere": [picked[key] for key in keys if key in picked and key not in on_page],
        },
    )


SUGGESTIONS = 8


class SuggestionParams(QueryParams):
    q = TextParam(max_length=200)


@cached_page(freshness.CATALOG, freshness.PRICES, params=SuggestionParams)
def search_suggestions(request):
    """What the header search suggests as the reader types (static/js/search.js): the most relevant models with
    their lab and listed price, or the nearest names when nothing matches. JSON; two queries, or three."""
    q = request.GET.get("q", "").strip()[:200]
    models = list(Model.objects.with_listing().search(q)[:SUGGESTIONS]) if search.query_words(q) else []
    return JsonResponse(
        {
            "q": q,
            "results": [
                {
                    "name": model.name,
                    "lab": model.lab.name,
                    "key": model.key,
                    "url": model.get_absolute_url(),
                    "price": in_and_out(model.listed_input_price, model.listed_output_price),
                    "status": model.lifecycle_label if model.lifecycle != "ga" else "",
                }
                for model in models
            ],
            "did_you_mean": search.did_you_mean(q) if q and not models else [],
            "all_url": f"{reverse('catalog:model_list')}?{urlencode({'q': q})}",
        }
    )


@cached_page(freshness.CATALOG, freshness.PRICES, params=PageParams)
def provider(request, lab):
    provider = get_object_or_404(Provider, slug=lab)
    models = provider.models.with_listing().order_by("name")
    hosted = (
        provider.offerings.exclude(model__lab=provider).select_related("model__lab").order_by("model__name")
    )
    return render(
        request,
        "catalog/provider.html",
        {
            "provider": provider,
            "page": Paginator(models, MODELS_PER_PAGE).get_page(page_number(request)),
            "hosted_count": hosted.count(),
        },
    )


class ConversationParams(QueryParams):
    """The conversation a model's page prices (pricing.queries.Conversation.from_query)."""

    input_tokens = IntParam(min_value=0, max_value=Conversation.MAX_TOKENS)
    output_tokens = IntParam(min_value=0, max_value=Conversation.MAX_TOKENS)


@cached_page(*freshness.ALL, params=ConversationParams)
def model_detail(request, lab, model):
    sections = Sections.for_request(request, f"model:{lab}/{model}", PROFILE_SECTIONS)
    sections.prefetch("model", "host-costs", "host-rows")  # what every answer reads, in one round trip
    found = sections.data("model", lambda: Model.objects.with_lab().filter(lab__slug=lab, slug=model).first())
    if found is None:
        # An old address: a model merged into another, or a host's listing filed under its lab's model.
        moved = ModelRedirect.objects.target(lab, model)
        if moved is None:
            raise Http404(f"No model {lab}/{model}")
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(moved.get_absolute_url() + (f"?{query}" if query else ""))
    return render_profile_page(request, found, sections=sections)


class _Entries(list):
    """A list that a template can read as a related manager (`profile.faq.all`)."""

    def all(self) -> list:
        return self


def _preview_profile(revision: ProfileRevision) -> SimpleNamespace:
    """The profile as it would read once `revision` is published, for the preview page."""
    return SimpleNamespace(
        tagline=revision.tagline,
        summary=revision.summary,
        strengths=revision.strength_list,
        weaknesses=revision.weakness_list,
        article=revision.article,
        faq=_Entries(SimpleNamespace(question=q, answer=a) for q, a in revision.faq_entries),
        verdicts=_Entries(revision.profile.verdicts.all()),
        author=revision.author,
        reviewer=None,
        reviewed_on=None,
        status=revision.profile.status,
    )


def scheduled_changes(model: Model) -> list[tuple[dt.datetime, str, str, list[PricePeriod]]]:
    """Prices announced with a future date, as (date, host, source, periods), one line per host and date. One
    query."""
    periods = (
        PricePeriod.objects.scheduled()
        .filter(offering__model=model)
        .select_related("offering__host", "source")
        .order_by("valid_from", "offering__host__name", "source__name", "mode", "tier", "component")
    )
    return [
        (start, host, source, list(group))
        for (start, host, source), group in groupby(
            periods, key=lambda p: (p.valid_from, p.offering.host.name, p.source.name)
        )
    ]


def section_numbers(
    *, reviewed: bool, priced: bool, measured: bool, scored: bool, similar: bool
) -> dict[str, str]:
    """The numbered sections of a model's page, "01" on: a reviewed profile has every editorial section, even
    where one is empty; a model without one only the sections its data fills."""
    if reviewed:
        sections = ["pricing", "strengths", "faq", "availability", "benchmarks", "article"]
    else:
        sections = ["pricing"] * priced + ["availability"] * measured + ["benchmarks"] * scored
    sections += ["similar"] * similar
    return {name: f"{number:02d}" for number, name in enumerate(sections, 1)}


# The profile page's cached parts (catalog.sections) that read the catalogue and prices only (a model's listed
# prices are the ledger's; "sources" is every page's, the last sync of each); the others read every kind of data.
PROFILE_SECTIONS = dict.fromkeys(
    ("model", "hosts", "sources", "host-costs", "description", "head", "header", "price-notes", "host-rows",
     "price-links"),
    (freshness.CATALOG, freshness.PRICES),
)  # fmt: skip


def render_profile_page(
    request, model: Model, *, preview: ProfileRevision | None = None, sections: Sections | None = None
):
    """The profile page of `model`: its public profile, or with `preview` the page as that revision would make it
    (staff only; the admin serves it, marked as a preview and kept out of search engines).

    Only the cost of the reader's conversation and the table of hosts are built for each answer (the holes of
    the page's kept skeleton): the rest of the page is kept, and its parts as sections (catalog.sections), while
    the data they read is unchanged, for anonymous readers; what only those read is computed when one is built
    (`Lazy`)."""
    if sections is None or preview is not None:
        sections = Sections.for_request(
            request, f"model:{model.key}", PROFILE_SECTIONS, enabled=preview is None
        )
    sections.prefetch("host-costs", "host-rows")

    @Lazy
    def profile():
        if preview is not None:
            return _preview_profile(preview)
        return (
            Profile.objects.public()
            .filter(model=model)
            .select_related("reviewer", "author")
            .prefetch_related("faq", "verdicts")
            .first()
        )

    conversation = Conversation.from_query(request.GET)
    # Every host's prices, read only where a section is built; each host's cost of the conversation, always.
    rows = Lazy(
        lambda: {
            row.offering.pk: row
            for row in sections.data(
                "hosts",
                lambda: host_prices(model, sources=sections.data("sources", sources_by_id, shared=True)),
            )
        }
    )
    costs = rank(
        sections.data("host-costs", lambda: [HostCost.of(row) for row in rows().values()]),
        model,
        conversation,
    )
    hosts = Lazy(lambda: for_conversation([rows()[cost.offering_id] for cost in costs], model, conversation))
    main_cost = costs[0] if costs and costs[0].input_price is not None else None
    main = Lazy(lambda: hosts()[0] if main_cost else None)
    history = Lazy(lambda: base_history(main().offering) if main_cost else [])
    monitoring = Lazy(lambda: summary_for_model(model))
    now = timezone.now()
    price_chart = Lazy(lambda: price_history_chart(history(), now=now) if history() else None)
    scores = Lazy(lambda: list(BenchmarkScore.objects.filter(model=model).select_related("benchmark")))
    similar = Lazy(lambda: similar_models(model))

    def facts() -> dict:
        return {
            "reviewed": profile() is not None,
            "section_no": section_numbers(
                reviewed=profile() is not None,
                priced=bool(costs),
                measured=monitoring().measured,
                scored=bool(scores()),
                similar=bool(similar()),
            ),
        }

    facts_of_page = Lazy(lambda: sections.data("facts", facts))
    return sections.page(
        request,
        "catalog/model_detail.html",
        {
            "sections": sections,
            "model": model,
            "profile": profile,
            "scores": scores,
            "similar": similar,
            "reviewed": Lazy(lambda: facts_of_page()["reviewed"]),
            "section_no": Lazy(lambda: facts_of_page()["section_no"]),
            "costs": costs,
            "main_cost": main_cost,
            "hosts": hosts,
            "main": main,
            "conversation": conversation,
            "lab_offering": Lazy(
                lambda: next((h for h in hosts() if h.offering.host_id == model.lab_id), None)
            ),
            "price_chart": price_chart,
            "price_changes": Lazy(lambda: sum(1 for p in history() if p.valid_to)),
            "syncs": Lazy(
                lambda: [(source, source.last_seen) for source in (main().sources if main_cost else [])]
            ),
            "monitoring": monitoring,
            "monitoring_charts": Lazy(
                lambda: charts_for(monitoring(), today=now.date(), load_plotly=price_chart() is None)
            ),
            "successor": Lazy(lambda: successor_of(model)),
            # The query only where host_prices saw an announced price: a price's start only moves into the past.
            "scheduled": Lazy(
                lambda: scheduled_changes(model) if any(row.announced for row in rows().values()) else []
            ),
            "preview": preview,
        },
        # The first host's prices and notes are outside the holes.
        main_cost.offering_id if main_cost else None,
        reads=(
            "facts", "description", "head", "header", "price-links", "body",
            *([("price-notes", main_cost.offering_id)] if main_cost else []),
        ),
    )  # fmt: skip


CHANGES_SHOWN = 100
CHANGE_KINDS = {
    "all": "Everything",
    "prices": "Price changes",
    "models": "New models",
    "status": "Status changes",
}


@dataclass
class Change:
    on: dt.date
    kind: str
    model: Model
    text: str
    direction: str = ""  # "down" or "up" for a price


class ChangesParams(QueryParams):
    kind = forms.ChoiceField(required=False, choices=[(name, name) for name in CHANGE_KINDS])


@cached_page(freshness.CATALOG, freshness.PRICES, params=ChangesParams)
def recent_changes(request):
    """What changed across the catalog, newest first: prices at every host, models released, lifecycle status.
    Three queries."""
    kind = request.GET.get("kind", "all")
    kind = kind if kind in CHANGE_KINDS else "all"
    changes: list[Change] = []
    if kind in ("all", "prices"):
        for period in price_changes()[:CHANGES_SHOWN]:
            host = period.offering.host.name
            changes.append(
                Change(
                    period.valid_from.date(),
                    "price",
                    period.offering.model,
                    f"{what_changed(period).capitalize()} at {host}: {usd(period.previous_price)} → "
                    f"{usd(period.price)} {period.get_unit_display()} ({change(period.previous_price, period.price)})",
                    "down" if period.price < period.previous_price else "up",
                )
            )
    if kind in ("all", "models"):
        released = (
            Model.objects.with_lab().filter(release_date__lte=timezone.now().date()).order_by("-release_date")
        )
        # Catalogues list a host's own copy of a model as a model of that host: one line per model and day.
        seen: dict[tuple, Change] = {}
        for model in released[: CHANGES_SHOWN * 3]:
            key = (model.name.casefold(), model.release_date)
            if key in seen:
                seen[key].text += f", {model.lab.name}"
                continue
            seen[key] = Change(model.release_date, "new", model, f"Listed by {model.lab.name}")
            changes.append(seen[key])
    if kind in ("all", "status"):
        for event in StatusChange.objects.select_related("model__lab")[:CHANGES_SHOWN]:
            changes.append(
                Change(
                    event.changed_at.date(),
                    "status",
                    event.model,
                    f"Status: {event.get_old_status_display()} → {event.get_new_status_display()}",
                )
            )
    changes.sort(key=lambda c: c.on, reverse=True)
    return render(
        request,
        "catalog/changes.html",
        {"changes": changes[:CHANGES_SHOWN], "kind": kind, "kinds": CHANGE_KINDS},
    )
