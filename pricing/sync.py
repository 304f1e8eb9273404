"""A sync: a parsed feed's prices matched to the catalog and recorded, all or nothing.

Entries whose id the catalog does not know are resolved to their lab's model (catalog.identity); only a model no
lab lists yet is created, unreviewed, and listed in the report. The prices go into the source's own record and
the published ledger follows (pricing.history: holds, missing keys, reconciliation between sources).

A sync is computed from reads alone (`plan_sync`: what to create, what each ledger key's periods become) and then
written in one short transaction (`SyncPlan.write`), so that on SQLite, which has a single writer, the site stays
writable while a sync reads and compares; a dry run only computes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model as DjangoModel

from catalog import freshness, search
from catalog.identity import Listing
from catalog.importing import curated_providers, offering_ids
from catalog.lifecycle import record_retirements
from catalog.models import DataVersion, Model, Offering, Provider
from catalog.resolution import (
    ResolutionReport,
    legacy_key,
    offering_kind,
    queue_doubtful,
    record_redirects,
    resolve_listings,
)
from pricing.history import LedgerChanges, record_observations
from pricing.listing import refresh_listed_prices
from pricing.models import Component, Mode, PriceSource
from pricing.records import PriceRecord
from pricing.sources.base import FeedEntry, ParsedFeed, Rejection

logger = logging.getLogger(__name__)


@dataclass
class SyncReport:
    seen: int = 0
    matched: int = 0
    new_models: int = 0
    skipped: int = 0
    ledger: LedgerChanges = field(default_factory=LedgerChanges)
    rejections: list[Rejection] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        """Changes this sync held for an editor."""
        return self.ledger.held

    @property
    def wrote_anything(self) -> bool:
        return bool(self.ledger.wrote_anything or self.new_models)

    def lines(self) -> list[str]:
        lines = [
            f"Seen: {self.seen} entries ({self.skipped} skipped: not a language model or no price)",
            f"Matched: {self.matched} to the catalog; new: {self.new_models} models created for review",
            f"Prices: {self.ledger}",
            f"Published: {self.ledger.published} periods written ({self.ledger.corrections} corrections)",
            f"Rejected: {len(self.rejections)}",
        ]
        lines += [f"  - {r.source_id}: {r.reason}" for r in self.rejections]
        return lines


def _prefer(a: FeedEntry, b: FeedEntry) -> FeedEntry:
    """Of two entries for the same host and id, the one that names its host (`deepseek/deepseek-chat`)."""
    return a if a.source_id.count("/") >= b.source_id.count("/") else b


def deduplicate(entries: list[FeedEntry]) -> tuple[list[FeedEntry], list[Rejection]]:
    chosen: dict[tuple[str, str], FeedEntry] = {}
    rejections = []
    for entry in entries:
        key = (entry.host, entry.host_model_id)
        other = chosen.get(key)
        if other is None:
            chosen[key] = entry
            continue
        keep = _prefer(other, entry)
        drop = entry if keep is other else other
        chosen[key] = keep
        if set(drop.prices) != set(keep.prices):
            rejections.append(
                Rejection(
                    drop.source_id,
                    f"same host and id as {keep.source_id}, with other prices; kept {keep.source_id}",
                )
            )
    return list(chosen.values()), rejections


def is_batch_only(entry: FeedEntry) -> bool:
    """Priced only in batch mode: a batch-only offering."""
    return bool(entry.prices) and all(r.mode == Mode.BATCH for r in entry.prices)


def is_free(entry: FeedEntry) -> bool:
    """Priced $0 for input and output: a free tier."""
    base = {r.component: r.price for r in entry.prices if not r.tier and r.mode == Mode.STANDARD}
    return base.get(Component.INPUT) == 0 and base.get(Component.OUTPUT) == 0


# Stand-in ids of the offerings a plan creates: above every real id and in the order they are created, as their
# ids will be (the ledger writes keys in id order).
PLANNED = 2**62


def planned_id(index: int) -> int:
    """The stand-in id of a plan's `index`-th new offering, until it is written (`CatalogPlan.write`)."""
    return PLANNED + index


def _ref(name: str, target: int | DjangoModel) -> dict:
    """A foreign key to a row that exists (its id) or that the plan creates (the unsaved object, saved first)."""
    return {f"{name}_id": target} if isinstance(target, int) else {name: target}


def _pk(target: int | DjangoModel) -> int:
    return target if isinstance(target, int) else target.pk


@dataclass
class CatalogPlan:
    """What a feed's entries add to the catalog, computed from reads alone (`resolve_offerings`): the hosts, labs,
    models and offerings it lacks (unsaved, each pointing at the others it needs), the old addresses to redirect,
    the doubtful listings to queue for an editor. `write` creates them all."""

    offerings: dict[tuple[str, str], int]  # (host, host model id) → offering id, or a stand-in (planned_id)
    unmatched: list[str]  # the source ids that matched no model
    providers: list[Provider] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)
    new_offerings: list[Offering] = field(default_factory=list)  # the i-th is planned_id(i)
    redirects: dict[tuple[str, str], int | Model] = field(default_factory=dict)
    searched: list[int | Model] = field(default_factory=list)  # models whose search documents change
    doubtful: list = field(default_factory=list)

    def write(self) -> dict[int, int]:
        """Create what the plan lacks, in bulk; stand-in id → the id each new offering was created with."""
        Provider.objects.bulk_create(self.providers)
        Model.objects.bulk_create(self.models)
        Offering.objects.bulk_create(self.new_offerings)
        redirects = {key: _pk(model) for key, model in self.redirects.items()}
        record_redirects(redirects, refresh=False)
        search.refresh_documents({_pk(model) for model in self.searched} | set(redirects.values()))
        queue_doubtful(self.doubtful)
        return {planned_id(i): offering.pk for i, offering in enumerate(self.new_offerings)}


def resolve_offerings(entries: list[FeedEntry], source: PriceSource) -> CatalogPlan:
    """(host, host model id) → offering id for the whole catalog, with the hosts, labs, models and offerings these
    entries need (planned: written by `CatalogPlan.write`); and the source ids that matched no model.

    A listing the catalog does not know yet is resolved to its lab model by the same rules as the catalogue
    import (catalog.identity): only a model no lab lists yet is created, unreviewed."""
    offerings = offering_ids()
    filed = _by_spelling([e for e in entries if not e.id_is_exact], offerings, entries)
    new_entries = [
        e
        for e in entries
        if (e.host, e.host_model_id) not in offerings and (e.host, e.host_model_id) not in filed
    ]
    listings = [
        Listing(
            host=entry.host,
            host_model_id=entry.host_model_id,
            name=entry.facts.name,
            lab_hint=entry.lab,
            model_hint=entry.model_slug if entry.hint_is_sure else "",
            family=entry.facts.family,
            source=source.name,
        )
        for entry in new_entries
    ]
    resolution = ResolutionReport()
    resolutions = resolve_listings(
        listings, [e.facts.release_date for e in new_entries], resolution, whole_catalog=True, queue=False
    )
    resolved = {(e.host, e.host_model_id): r for e, r in zip(new_entries, resolutions, strict=True)}
    models: dict[tuple[str, str], int | Model] = {
        (lab, slug): pk for pk, lab, slug in Model.objects.values_list("pk", "lab__slug", "slug")
    }

    providers: dict[str, int | Provider] = dict(Provider.objects.values_list("slug", "id"))
    hosts = {e.host for e in new_entries}
    labs = {r.lab for r in resolved.values()}
    curated = curated_providers()
    new_providers = [
        Provider(
            slug=slug,
            name=curated.get(slug, {}).get("name", slug),
            website=curated.get(slug, {}).get("website", ""),
            country_code=curated.get(slug, {}).get("country", ""),
            is_host=slug in hosts,
            is_lab=slug in labs,
            source=source.name,
        )
        for slug in sorted((hosts | labs) - set(providers))
    ]
    providers.update({provider.slug: provider for provider in new_providers})
    unmatched = [e for e in new_entries if resolved[(e.host, e.host_model_id)].key_tuple not in models]
    new_models: dict[tuple[str, str], Model] = {}
    for entry in unmatched:
        r = resolved[(entry.host, entry.host_model_id)]
        new_models.setdefault(
            r.key_tuple,
            Model(**_ref("lab", providers[r.lab]), slug=r.slug, needs_review=True, **entry.facts.fields()),
        )
    models.update(new_models)
    # An entry spelt the source's own way goes to the host's offering of its model where that is the host's only
    # offering of it and no other entry of the feed is filed there: never two entries' prices on one offering.
    at_host: dict[tuple[int, str], list[int]] = {}
    for pk, model_id, host in Offering.objects.filter(
        host__slug__in={e.host for e in new_entries if not e.id_is_exact}
    ).values_list("pk", "model_id", "host__slug"):
        at_host.setdefault((model_id, host), []).append(pk)
    taken = {offerings[(e.host, e.host_model_id)] for e in entries if (e.host, e.host_model_id) in offerings}
    taken |= set(filed.values())
    candidates: dict[int, list[FeedEntry]] = {}
    for e in new_entries:
        model = models[resolved[(e.host, e.host_model_id)].key_tuple]
        found = (
            at_host.get((model, e.host), []) if isinstance(model, int) else []
        )  # a new model has no offering
        if not e.id_is_exact and len(found) == 1 and found[0] not in taken:
            candidates.setdefault(found[0], []).append(e)
    for offering_id, claimants in candidates.items():
        if len(claimants) == 1:
            filed[(claimants[0].host, claimants[0].host_model_id)] = offering_id
            new_entries.remove(claimants[0])
    new_offerings = [
        Offering(
            **_ref("model", models[resolved[(e.host, e.host_model_id)].key_tuple]),
            **_ref("host", providers[e.host]),
            host_model_id=e.host_model_id,
            regions=list(e.regions),
            kind=offering_kind(
                e.host,
                resolved[(e.host, e.host_model_id)],
                host_model_id=e.host_model_id,
                costs_nothing=is_free(e),
                batch_only=is_batch_only(e),
                variable_price=e.variable_price,
            ),
            match_rule=resolved[(e.host, e.host_model_id)].rule,
            source=f"{source.name}: {e.source_id}",
        )
        for e in new_entries
    ]
    planned = {(e.host, e.host_model_id): planned_id(i) for i, e in enumerate(new_entries)}
    return CatalogPlan(
        offerings=offerings | planned | filed,
        unmatched=[e.source_id for e in unmatched],
        providers=new_providers,
        models=list(new_models.values()),
        new_offerings=new_offerings,
        redirects={
            legacy_key(e.host, e.host_model_id): models[resolved[(e.host, e.host_model_id)].key_tuple]
            for e in new_entries
        },
        searched=[models[resolved[(e.host, e.host_model_id)].key_tuple] for e in new_entries]
        + list(new_models.values()),
        doubtful=resolution.doubtful,
    )


def _spelling(host_model_id: str) -> str:
    return re.sub(r"[._\s]+", "-", host_model_id.lower())


def _by_spelling(
    inexact: list[FeedEntry], offerings: dict[tuple[str, str], int], entries: list[FeedEntry]
) -> dict[tuple[str, str], int]:
    """(host, id) → offering id for entries whose id is the host's once punctuation is ignored ("4.5" = "4-5").
    Never onto an offering another entry of the feed names exactly, nor where two offerings or two entries read
    alike: two entries' prices never land on one offering."""
    spelt: dict[tuple[str, str], int | None] = {}
    for (host, mid), pk in offerings.items():
        key = (host, _spelling(mid))
        spelt[key] = None if key in spelt else pk  # None: two offerings read alike
    exact = {offerings[(e.host, e.host_model_id)] for e in entries if (e.host, e.host_model_id) in offerings}
    claims: dict[int, list[FeedEntry]] = {}
    for e in inexact:
        if (e.host, e.host_model_id) in offerings:
            continue
        pk = spelt.get((e.host, _spelling(e.host_model_id)))
        if pk is not None and pk not in exact:
            claims.setdefault(pk, []).append(e)
    return {(es[0].host, es[0].host_model_id): pk for pk, es in claims.items() if len(es) == 1}


# The data a plan is computed from: every write an editor makes to the catalog or the ledger bumps one of these.
PLANNED_ON = (freshness.CATALOG, freshness.PRICES)
REPLANS = 2


@dataclass
class SyncPlan:
    """A sync worked out from reads alone: what it adds to the catalog and to the ledger, and its report."""

    report: SyncReport
    catalog: CatalogPlan
    retirements: dict[int, dt.date]  # offering id (or stand-in) → the retirement date the source announces
    version: str  # of the data it was computed from (PLANNED_ON)

    def is_current(self) -> bool:
        """Nothing it was computed from has changed since. Inside the write transaction: on SQLite no one else can
        write by then; on PostgreSQL the rows of the versions are locked until the commit."""
        list(DataVersion.objects.select_for_update().filter(scope__in=PLANNED_ON).values_list("pk"))
        return freshness.current(PLANNED_ON)[0] == self.version

    def write(self) -> SyncReport:
        """Write it all (call inside a transaction): the catalog's new rows first, then the ledger."""
        ids = self.catalog.write()
        record_retirements({ids.get(pk, pk): date for pk, date in self.retirements.items()})
        ledger = self.report.ledger
        ledger.write(ids)
        if ledger.wrote_anything:
            touched = Offering.objects.filter(pk__in=ledger.republished).values_list("model_id", flat=True)
            refresh_listed_prices(set(touched))
        return self.report


def plan_sync(feed: ParsedFeed, *, source: PriceSource, observed_at: dt.datetime) -> SyncPlan:
    """Match a parsed feed to the catalog and compute what recording it changes, writing nothing."""
    version = freshness.current(PLANNED_ON)[0]
    entries, duplicates = deduplicate(feed.entries)
    report = SyncReport(seen=feed.seen, skipped=feed.skipped, rejections=[*feed.rejections, *duplicates])
    catalog = resolve_offerings(entries, source)
    offerings, report.unmatched = catalog.offerings, catalog.unmatched
    offering_of = {e.source_id: offerings[(e.host, e.host_model_id)] for e in entries}
    report.new_models = len(catalog.models)
    report.matched = len(entries) - len(report.unmatched)

    prices: dict[int, list[PriceRecord]] = {offering_of[e.source_id]: list(e.prices) for e in entries}
    evidence = {offering_of[e.source_id]: {"id": e.source_id, "entry": e.evidence} for e in entries}
    feed_hosts = None
    if feed.complete:
        hosts = {e.host for e in entries} | {host for host, _ in feed.unpriced}
        # The hosts that exist: one the plan creates has no price yet to go missing.
        feed_hosts = set(Provider.objects.filter(slug__in=hosts).values_list("pk", flat=True))
        for key in feed.unpriced:  # listed without a price: every price it had is missing
            if key in offerings:
                prices.setdefault(offerings[key], [])
    # An entry whose prices failed a check is still listed: its prices stay as they were, neither missing nor closed.
    unreadable = {offerings[r.listing] for r in report.rejections if r.listing in offerings}
    report.ledger = record_observations(
        prices,
        source=source,
        observed_at=observed_at,
        feed_hosts=feed_hosts,
        evidence=evidence,
        still_listed=unreadable,
        write=False,
    )
    retirements = {offering_of[e.source_id]: e.retires_on for e in entries if e.retires_on}
    return SyncPlan(report, catalog, retirements, version)


def sync_feed(
    feed: ParsedFeed, *, source: PriceSource, observed_at: dt.datetime, dry_run: bool = False
) -> SyncReport:
    """Match and record a parsed feed, all or nothing. A dry run computes the same report and writes nothing.

    Everything is read and computed first, outside any transaction, and then written in one short one: SQLite
    has a single writer, and a sync that held it for its whole length kept editors from logging in. Should an
    editor change the catalog or the ledger meanwhile, the plan is computed again. Two syncs never run at once
    (the price-sync lease, pricing.runs)."""
    started = time.perf_counter()
    plan = plan_sync(feed, source=source, observed_at=observed_at)
    logger.debug("%s: computed in %.3f s", source.name, time.perf_counter() - started)
    if dry_run:
        return plan.report
    for attempt in range(1 + REPLANS):
        if attempt:
            logger.info(
                "%s: the catalog or the ledger changed while the sync computed; computing again", source
            )
            plan = plan_sync(feed, source=source, observed_at=observed_at)
        started = time.perf_counter()
        with transaction.atomic():
            if plan.is_current():
                report = plan.write()
                logger.debug(
                    "%s: wrote in one transaction of %.3f s", source.name, time.perf_counter() - started
                )
                return report
    logger.warning(
        "%s: the data kept changing while the sync computed; computing with the write lock held", source
    )
    with transaction.atomic():
        return plan_sync(feed, source=source, observed_at=observed_at).write()
