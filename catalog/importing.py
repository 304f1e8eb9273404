"""Imports providers, models and offerings into the catalog, idempotently and in bulk.

Feeds are parsed into plain facts first (`ProviderFacts`, `EntryFacts`); `import_facts` then compares them
with what the database holds and writes only the differences, so a second import writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from django.db import transaction

from catalog import freshness, search
from catalog.identity import (
    CONTENT_DIR,
    Listing,
    lab_of_host,
    name_core,
)
from catalog.models import (
    Model,
    ModelStatus,
    Offering,
    OfferingKind,
    Provider,
    StatusChange,
    modality_flags,
)
from catalog.resolution import (
    ResolutionReport,
    legacy_key,
    merge_orphans,
    moves_of,
    offering_kind,
    record_redirects,
    resolve_listings,
)
from catalog.slugs import model_slug, provider_slug
from catalog.workflow import mark_needs_update


@dataclass(frozen=True)
class ProviderFacts:
    slug: str
    name: str
    is_lab: bool = False
    is_host: bool = False
    website: str = ""
    docs_url: str = ""
    api_base_url: str = ""
    country_code: str = ""
    api_key_env: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        # A catalogue's provider id becomes the provider's address: routable whatever the feed wrote.
        object.__setattr__(self, "slug", provider_slug(self.slug))

    def fields(self) -> dict[str, Any]:
        values = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "slug"}
        values["api_key_env"] = list(self.api_key_env)
        return values


@dataclass(frozen=True)
class ModelFacts:
    name: str
    family: str = ""
    status: str = ModelStatus.GA
    release_date: dt.date | None = None
    last_updated: dt.date | None = None
    knowledge_cutoff: str = ""
    context_window: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    supports_tools: bool = False
    supports_reasoning: bool = False
    supports_structured_output: bool = False
    supports_attachments: bool = False
    open_weights: bool = False
    source: str = ""

    def fields(self) -> dict[str, Any]:
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values["input_modalities"] = list(self.input_modalities)
        values["output_modalities"] = list(self.output_modalities)
        values.update(modality_flags(values["input_modalities"], values["output_modalities"]))
        return values


@dataclass(frozen=True)
class EntryFacts:
    """One entry of a feed: a model as one host serves it. `lab` and `model_slug` name the lab's model it is:
    given by the feed (our additions) or left empty for `import_facts` to resolve (catalog.identity), with
    what the feed says as hints."""

    host: str
    host_model_id: str
    model: ModelFacts
    lab: str = ""
    model_slug: str = ""
    lab_hint: str = ""  # models.dev base_model's lab
    model_hint: str = ""  # models.dev base_model's model id
    regions: tuple[str, ...] = ()
    # Set by resolution: whether this entry's facts describe the model (the lab's own listing does best).
    describes_model: bool = True
    rule: str = ""
    kind: str = OfferingKind.PAYG
    listed_name: str = ""  # the host's own name for it (set by resolution; `model` then holds the model's)
    source_hint: str = ""  # "<lab>/<model>" as the feed named it, kept for resolving again
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The host is a provider's address (as ProviderFacts.slug makes it); the lab and model, where given,
        # a model's (resolution gives them otherwise, through the same functions).
        object.__setattr__(self, "host", provider_slug(self.host))
        if self.lab:
            object.__setattr__(self, "lab", provider_slug(self.lab))
        if self.model_slug:
            object.__setattr__(self, "model_slug", model_slug(self.model_slug))

    @property
    def listing(self) -> Listing:
        return Listing(
            host=self.host,
            host_model_id=self.host_model_id,
            name=self.model.name,
            lab_hint=self.lab_hint or self.lab,
            model_hint=self.model_hint or self.model_slug,
            family=self.model.family,
            source=self.model.source.partition(":")[0],
        )


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportReport:
    providers: Counts = field(default_factory=Counts)
    models: Counts = field(default_factory=Counts)
    offerings: Counts = field(default_factory=Counts)
    resolution: ResolutionReport = field(default_factory=ResolutionReport)

    @property
    def changed_anything(self) -> bool:
        return any(c.created or c.updated for c in (self.providers, self.models, self.offerings))


def parse_date(value: str | None) -> dt.date | None:
    """A full YYYY-MM-DD date; a month alone (YYYY-MM) is not a date and is left out rather than guessed."""
    if not value or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def positive(value: Any) -> int | None:
    """Token limits: models.dev writes 0 for unknown or not applicable."""
    return int(value) if value else None


@functools.cache
def curated_providers() -> dict[str, dict[str, Any]]:
    """Facts about labs and hosts that feeds do not carry (country, website), kept in content/providers.yaml.
    Read once per process (every import and sync asks; parsing the file each time cost 0.2 s a call)."""
    with (CONTENT_DIR / "providers.yaml").open(encoding="utf-8") as f:
        return {item["slug"]: item for item in yaml.safe_load(f)}


def with_curated(facts: ProviderFacts, curated: dict[str, dict[str, Any]]) -> ProviderFacts:
    extra = curated.get(facts.slug, {})
    return ProviderFacts(
        slug=facts.slug,
        name=extra.get("name") or facts.name,
        is_lab=facts.is_lab or extra.get("is_lab", False),
        is_host=facts.is_host,
        website=extra.get("website", facts.website),
        docs_url=facts.docs_url or extra.get("docs_url", ""),
        api_base_url=facts.api_base_url or extra.get("api_base_url", ""),
        country_code=extra.get("country", facts.country_code),
        api_key_env=facts.api_key_env,
        source=facts.source,
    )


def _no_progress(items: Iterable[Any]) -> Iterable[Any]:
    return items


@transaction.atomic
def import_facts(
    providers: Iterable[ProviderFacts],
    entries: Iterable[EntryFacts],
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> ImportReport:
    report = ImportReport()
    providers = list(providers)
    entries = resolve_entries(entries, report.resolution)
    provider_ids = _sync_providers(_with_labs(providers, entries), report.providers)
    hosts = {e.host for e in entries}
    before = dict(Offering.objects.filter(host__slug__in=hosts).values_list("pk", "model_id"))
    model_ids = _sync_models(entries, provider_ids, report.models, progress)
    _sync_offerings(entries, provider_ids, model_ids, report.offerings)
    after = dict(Offering.objects.filter(host__slug__in=hosts).values_list("pk", "model_id"))
    moves = moves_of(before, after)
    report.resolution.moved = sum(sum(c.values()) for c in moves.values())
    report.resolution.merged = list(merge_orphans(moves).values())
    if report.offerings.created or moves:  # only a new or moved listing leaves an old address to answer
        record_redirects(
            {
                legacy_key(e.host, e.host_model_id): model_ids[(e.lab, e.model_slug)]
                for e in entries
                if legacy_key(e.host, e.host_model_id) != (e.lab, e.model_slug)
            }
        )
    if report.changed_anything or report.resolution.merged:
        search.refresh_documents()  # names, ids, labs and listings may all have changed: a few reads
        freshness.bump(freshness.CATALOG)
    return report


def resolve_entries(entries: Iterable[EntryFacts], report: ResolutionReport) -> list[EntryFacts]:
    """Each entry with the lab model it is (catalog.resolution.resolve_listings), its offering kind and the
    rule that decided."""
    entries = list(entries)
    listings = [entry.listing for entry in entries]
    resolutions = resolve_listings(listings, [e.model.release_date for e in entries], report)
    resolved = []
    for entry, listing, resolution in zip(entries, listings, resolutions, strict=True):
        host_is_lab = resolution.lab in (entry.host, lab_of_host(entry.host))
        model = entry.model if host_is_lab else replace(entry.model, name=name_core(entry.model.name))
        resolved.append(
            replace(
                entry,
                lab=resolution.lab,
                model_slug=resolution.slug,
                model=model,
                describes_model=host_is_lab,
                rule=resolution.rule,
                kind=offering_kind(
                    entry.host,
                    resolution,
                    host_model_id=entry.host_model_id,
                    costs_nothing=costs_nothing(entry.raw),
                ),
                listed_name=entry.model.name,
                source_hint=f"{listing.lab_hint}/{listing.model_hint}" if listing.model_hint else "",
            )
        )
    return resolved


def costs_nothing(raw: dict[str, Any]) -> bool:
    """A catalogue entry priced $0 for input and output: a free tier, whatever the host calls it."""
    cost = raw.get("cost") if isinstance(raw, dict) else None
    if not isinstance(cost, dict):
        return False
    try:
        return float(cost.get("input", 1)) == 0 and float(cost.get("output", 1)) == 0
    except (TypeError, ValueError):
        return False


def _with_labs(providers: list[ProviderFacts], entries: list[EntryFacts]) -> list[ProviderFacts]:
    """The feed's providers marked as labs where models are filed under them, and the labs the feed does not
    list as providers (meta, or an organisation named in ids such as "allenai/…") added."""
    labs = {e.lab for e in entries}
    new_labs = labs - {p.slug for p in providers} - set(Provider.objects.values_list("slug", flat=True))
    # A new lab's name as its own ids spell it ("TheDrummer/…"), where no curated name says better.
    written = {}
    for e in entries:
        head = e.host_model_id.lstrip("~").split("/")[0]
        if e.lab in new_labs and head.lower() == e.lab:
            written.setdefault(e.lab, head)
    marked = [replace(p, is_lab=p.is_lab or p.slug in labs) for p in providers]
    added = [
        ProviderFacts(slug=lab, name=written.get(lab, lab), is_lab=True, source="catalog identity")
        for lab in sorted(new_labs)
    ]
    return marked + [with_curated(p, curated_providers()) for p in added]


def _upsert(model_class, existing: dict, wanted: dict, make: Callable, counts: Counts, progress=None) -> list:
    """Create what is missing and update what differs, in bulk; `wanted` maps natural keys to field values.
    Returns the objects updated."""
    to_create, to_update, changed_fields = [], [], set()
    for key, values in (progress or _no_progress)(wanted.items()):
        obj = existing.get(key)
        if obj is None:
            to_create.append(make(key, values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            counts.unchanged += 1
            continue
        for name in changed:
            setattr(obj, name, values[name])
        to_update.append(obj)
        changed_fields.update(changed)
    model_class.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model_class.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}), batch_size=500)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    return to_update


def _sync_providers(providers: list[ProviderFacts], counts: Counts) -> dict[str, int]:
    _upsert(
        Provider,
        existing={p.slug: p for p in Provider.objects.all()},
        wanted={facts.slug: facts.fields() for facts in providers},
        make=lambda slug, values: Provider(slug=slug, **values),
        counts=counts,
    )
    return dict(Provider.objects.values_list("slug", "id"))


def _sync_models(entries, provider_ids, counts: Counts, progress) -> dict[tuple[str, str], int]:
    # The lab's own entry describes a model (its dated snapshot best: the undated alias is named "… (latest)");
    # otherwise the first host's entry does.
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    order = sorted(
        entries, key=lambda e: (not e.describes_model, e.rule != "snapshot", e.host, e.host_model_id)
    )
    for entry in order:
        if (entry.lab, entry.model_slug) not in wanted:
            wanted[(entry.lab, entry.model_slug)] = entry.model.fields()
    existing = {
        (m.lab.slug, m.slug): m
        for m in Model.objects.select_related("lab").filter(lab__slug__in={lab for lab, _ in wanted})
    }
    before = {key: model.status for key, model in existing.items()}
    updated = _upsert(
        Model,
        existing=existing,
        wanted=wanted,
        make=lambda key, values: Model(lab_id=provider_ids[key[0]], slug=key[1], **values),
        counts=counts,
        progress=progress,
    )
    # A reviewed profile no longer matches facts that changed under it: it stays public, flagged for review.
    mark_needs_update(model.pk for model in updated)
    StatusChange.objects.bulk_create(
        StatusChange(model=model, old_status=before[(model.lab.slug, model.slug)], new_status=model.status)
        for model in updated
        if model.status != before[(model.lab.slug, model.slug)]
    )
    return {(lab, slug): pk for pk, lab, slug in Model.objects.values_list("pk", "lab__slug", "slug")}


def _sync_offerings(entries, provider_ids, model_ids, counts: Counts) -> None:
    wanted = {
        (entry.host, entry.host_model_id): {
            "model_id": model_ids[(entry.lab, entry.model_slug)],
            "regions": list(entry.regions),
            "source": entry.model.source,
            "kind": entry.kind,
            "match_rule": entry.rule,
            "listed_name": entry.listed_name[:200],
            "source_hint": entry.source_hint[:301],
        }
        for entry in entries
    }
    _upsert(
        Offering,
        existing={
            (o.host.slug, o.host_model_id): o
            for o in Offering.objects.select_related("host").filter(
                host__slug__in={host for host, _ in wanted}
            )
        },
        wanted=wanted,
        make=lambda key, values: Offering(host_id=provider_ids[key[0]], host_model_id=key[1], **values),
        counts=counts,
    )


def offering_ids() -> dict[tuple[str, str], int]:
    """(host slug, host model id) → offering id, for attaching prices to what was imported."""
    return {
        (host, mid): pk for pk, host, mid in Offering.objects.values_list("pk", "host__slug", "host_model_id")
    }
