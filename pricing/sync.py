"""A sync: a parsed feed's prices matched to the catalog and recorded in the ledger, all or nothing.

Entries whose id the catalog does not know create a new, unreviewed model with its offering, and are listed in
the report. A drop to 0, a move of 10× or more, or a cached-input price not below the input price is held for an
editor instead of published. When another source with a higher priority opened the period in force, this source's
price is kept as a quote only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

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
from pricing.ledger import LedgerChanges, close_withdrawn, open_periods, record_prices
from pricing.listing import refresh_listed_prices
from pricing.models import Component, Mode, PendingPriceChange, PendingStatus, PriceSource, SourceQuote
from pricing.records import PriceRecord
from pricing.sources.base import FeedEntry, ParsedFeed, Rejection

SUSPICIOUS_FACTOR = Decimal(10)


@dataclass
class SyncReport:
    seen: int = 0
    matched: int = 0
    new_models: int = 0
    skipped: int = 0
    outranked: int = 0
    held: int = 0  # changes of this feed waiting for an editor
    newly_held: int = 0  # of which held by this sync (the others were held by an earlier one)
    ledger: LedgerChanges = field(default_factory=LedgerChanges)
    rejections: list[Rejection] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    @property
    def wrote_anything(self) -> bool:
        return bool(self.ledger.wrote_anything or self.new_models or self.newly_held)

    def lines(self) -> list[str]:
        lines = [
            f"Seen: {self.seen} entries ({self.skipped} skipped: not a language model or no price)",
            f"Matched: {self.matched} to the catalog; new: {self.new_models} models created for review",
            f"Prices: {self.ledger.opened} new, {self.ledger.changed} changed, {self.ledger.unchanged} unchanged, "
            f"{self.held} held for review, {self.outranked} kept as quotes (a higher-priority source rules)",
            f"Rejected: {len(self.rejections)}",
        ]
        lines += [f"  - {r.source_id}: {r.reason}" for r in self.rejections]
        return lines


def is_suspicious(old: Decimal, new: Decimal) -> str | None:
    """Why a change should be held for an editor, or None."""
    if old > 0 and new == 0:
        return "drops to $0"
    if old > 0 and new > 0 and (new / old >= SUSPICIOUS_FACTOR or old / new >= SUSPICIOUS_FACTOR):
        return f"moves {SUSPICIOUS_FACTOR}× or more at once"
    return None


def cached_above_input(record: PriceRecord, records: list[PriceRecord]) -> str | None:
    """A cached-input price at or above the input price beside it: a slip, since a cache read is sold at a
    discount (LiteLLM's claude-3-5-haiku once read $0.80 for $0.80 input, between $0.10 and $0.08)."""
    if record.component != Component.CACHE_READ:
        return None
    same_key = (Component.INPUT, record.tier, record.mode)
    for other in records:
        if (other.component, other.tier, other.mode) == same_key and record.price >= other.price:
            return f"cached input ${record.price} is not below the input price ${other.price}"
    return None


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
    new_entries = [e for e in entries if (e.host, e.host_model_id) not in offerings]
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
    return offering_ids(), [e.source_id for e in unmatched]


def _save_dissent(
    dissent: dict[int, list[PriceRecord]],
    listed: dict[int, list[PriceRecord]],
    source: PriceSource,
    observed_at: dt.datetime,
) -> None:
    """Keep this source's prices that differ from a higher-priority source's published price, as quotes.

    A quote of this source for a key it now agrees on (or publishes itself) is deleted: only disagreement is
    worth a row, so a sync of an unchanged feed writes nothing.
    """
    existing = {
        (q.offering_id, q.component, q.tier, q.mode): q
        for q in SourceQuote.objects.filter(source=source, offering_id__in=list(listed))
    }
    dissenting = {(offering_id, *r.key): r for offering_id, records in dissent.items() for r in records}
    to_create, to_update = [], []
    for key, r in dissenting.items():
        quote = existing.get(key)
        if quote is None:
            to_create.append(
                SourceQuote(
                    offering_id=key[0],
                    component=r.component,
                    tier=r.tier,
                    mode=r.mode,
                    source=source,
                    price=r.price,
                    unit=r.unit,
                    observed_at=observed_at,
                )
            )
        elif (quote.price, quote.unit) != (r.price, r.unit):
            quote.price, quote.unit, quote.observed_at = r.price, r.unit, observed_at
            to_update.append(quote)
    stale = [q.pk for key, q in existing.items() if key not in dissenting]
    SourceQuote.objects.bulk_create(to_create, batch_size=500)
    SourceQuote.objects.bulk_update(to_update, ["price", "unit", "observed_at"], batch_size=500)
    SourceQuote.objects.filter(pk__in=stale).delete()


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
    evidence = {offering_of[e.source_id]: (e.source_id, e.evidence) for e in entries}

    current_periods = open_periods(prices)
    priority = dict(PriceSource.objects.values_list("pk", "priority"))
    already_held = set(
        PendingPriceChange.objects.filter(status=PendingStatus.PENDING, source=source).values_list(
            "offering_id", "component", "tier", "mode", "new_price"
        )
    )
    to_record: dict[int, list[PriceRecord]] = defaultdict(list)
    dissent: dict[int, list[PriceRecord]] = defaultdict(list)
    held = []
    for offering_id, records in prices.items():
        for record in records:
            current = current_periods.get((offering_id, *record.key))
            if (
                current is not None
                and current.source_id != source.pk
                and priority[current.source_id] > source.priority
            ):
                report.outranked += 1
                if (current.price, current.unit) != (record.price, record.unit):
                    dissent[offering_id].append(record)
                continue
            reason = None
            if current is not None and current.price != record.price:
                reason = is_suspicious(current.price, record.price) or cached_above_input(record, records)
            if reason:
                report.held += 1
                if (offering_id, *record.key, record.price) not in already_held:
                    source_id, raw = evidence[offering_id]
                    held.append(
                        PendingPriceChange(
                            offering_id=offering_id,
                            component=record.component,
                            tier=record.tier,
                            mode=record.mode,
                            unit=record.unit,
                            source=source,
                            old_price=current.price,
                            new_price=record.price,
                            observed_at=observed_at,
                            reason=reason,
                            evidence={"id": source_id, "entry": raw},
                        )
                    )
                continue
            to_record[offering_id].append(record)
    PendingPriceChange.objects.bulk_create(held)
    _save_dissent(dissent, prices, source, observed_at)
    report.newly_held = len(held)
    listed = {offering_id: {r.key for r in records} for offering_id, records in prices.items()}
    listed.update({offerings[key]: set() for key in feed.unpriced if key in offerings})
    withdrawn = close_withdrawn(listed, source=source, observed_at=observed_at)
    report.ledger = record_prices(to_record, source=source, observed_at=observed_at)
    report.ledger.withdrawn = withdrawn
    if report.ledger.wrote_anything:
        touched = Offering.objects.filter(pk__in=listed.keys()).values_list("model_id", flat=True).distinct()
        refresh_listed_prices(touched)
    if dry_run:
        transaction.set_rollback(True)
    return report
