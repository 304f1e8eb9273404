"""A sync: a parsed feed's prices matched to the catalog and recorded, all or nothing.

Entries whose id the catalog does not know are resolved to their lab's model (catalog.identity); only a model no
lab lists yet is created, unreviewed, and listed in the report. The prices go into the source's own record and
the published ledger follows (pricing.history: holds, missing keys, reconciliation between sources).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction

from catalog import search
from catalog.identity import Listing
from catalog.importing import curated_providers, offering_ids
from catalog.lifecycle import record_retirements
from catalog.models import Model, Offering, Provider
from catalog.resolution import (
    ResolutionReport,
    legacy_key,
    offering_kind,
    record_redirects,
    resolve_listings,
)
from pricing.history import LedgerChanges, record_observations
from pricing.listing import refresh_listed_prices
from pricing.models import Component, Mode, PriceSource
from pricing.records import PriceRecord
from pricing.sources.base import FeedEntry, ParsedFeed, Rejection


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


def resolve_offerings(
    entries: list[FeedEntry], source: PriceSource
) -> tuple[dict[tuple[str, str], int], list[str]]:
    """(host, host model id) → offering id for the whole catalog, after creating the hosts, labs, models and
    offerings these entries need; and the source ids that matched no model.

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
    resolutions = resolve_listings(
        listings, [e.facts.release_date for e in new_entries], ResolutionReport(), whole_catalog=True
    )
    resolved = {(e.host, e.host_model_id): r for e, r in zip(new_entries, resolutions, strict=True)}
    models = {(lab, slug): pk for pk, lab, slug in Model.objects.values_list("pk", "lab__slug", "slug")}

    providers = dict(Provider.objects.values_list("slug", "id"))
    hosts = {e.host for e in new_entries}
    labs = {r.lab for r in resolved.values()}
    curated = curated_providers()
    Provider.objects.bulk_create(
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
    )
    providers = dict(Provider.objects.values_list("slug", "id"))
    unmatched = [e for e in new_entries if resolved[(e.host, e.host_model_id)].key_tuple not in models]
    new_models = {}
    for entry in unmatched:
        r = resolved[(entry.host, entry.host_model_id)]
        new_models.setdefault(
            r.key_tuple,
            Model(lab_id=providers[r.lab], slug=r.slug, needs_review=True, **entry.facts.fields()),
        )
    Model.objects.bulk_create(new_models.values())
    models.update({key: m.pk for key, m in new_models.items()})
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
        found = at_host.get((models[resolved[(e.host, e.host_model_id)].key_tuple], e.host), [])
        if not e.id_is_exact and len(found) == 1 and found[0] not in taken:
            candidates.setdefault(found[0], []).append(e)
    for offering_id, claimants in candidates.items():
        if len(claimants) == 1:
            filed[(claimants[0].host, claimants[0].host_model_id)] = offering_id
            new_entries.remove(claimants[0])
    Offering.objects.bulk_create(
        Offering(
            model_id=models[resolved[(e.host, e.host_model_id)].key_tuple],
            host_id=providers[e.host],
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
    )
    record_redirects(
        {
            legacy_key(e.host, e.host_model_id): models[resolved[(e.host, e.host_model_id)].key_tuple]
            for e in new_entries
        }
    )
    search.refresh_documents(
        {models[resolved[(e.host, e.host_model_id)].key_tuple] for e in new_entries}
        | {model.pk for model in new_models.values()}
    )
    return offering_ids() | filed, [e.source_id for e in unmatched]


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


@transaction.atomic
def sync_feed(
    feed: ParsedFeed, *, source: PriceSource, observed_at: dt.datetime, dry_run: bool = False
) -> SyncReport:
    """Match and record a parsed feed. With dry_run, everything is computed and then rolled back."""
    entries, duplicates = deduplicate(feed.entries)
    report = SyncReport(seen=feed.seen, skipped=feed.skipped, rejections=[*feed.rejections, *duplicates])
    offerings, report.unmatched = resolve_offerings(entries, source)
    offering_of = {e.source_id: offerings[(e.host, e.host_model_id)] for e in entries}
    record_retirements({offering_of[e.source_id]: e.retires_on for e in entries if e.retires_on})
    unmatched = set(report.unmatched)
    new_offerings = [offering_of[e.source_id] for e in entries if e.source_id in unmatched]
    report.new_models = Offering.objects.filter(pk__in=new_offerings).values("model_id").distinct().count()
    report.matched = len(entries) - len(report.unmatched)

    prices: dict[int, list[PriceRecord]] = {offering_of[e.source_id]: list(e.prices) for e in entries}
    evidence = {offering_of[e.source_id]: {"id": e.source_id, "entry": e.evidence} for e in entries}
    feed_hosts = None
    if feed.complete:
        hosts = {e.host for e in entries} | {host for host, _ in feed.unpriced}
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
    )
    if report.ledger.wrote_anything:
        touched = Offering.objects.filter(pk__in=report.ledger.republished).values_list("model_id", flat=True)
        refresh_listed_prices(set(touched))
    if dry_run:
        transaction.set_rollback(True)
    return report
