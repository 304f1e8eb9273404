"""A sync run as the weekly job and `manage.py sync_prices` start it: one source at a time, never two at once,
each recorded as a SyncRun with its counts or its error."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from pricing.feedjson import read_file
from pricing.fetch import MAX_FEED_BYTES, fetch_json
from pricing.history import StaleObservation
from pricing.models import PriceSource, SourcePeriod, SyncLease, SyncRun, SyncStatus
from pricing.sources import genai_prices, litellm, llm_prices, models_dev, openrouter, price_source
from pricing.sources.base import FeedError
from pricing.sync import SyncReport, sync_feed
from tokenledger.redaction import display_url, without_url_secrets

ADAPTERS = {adapter.SLUG: adapter for adapter in (litellm, models_dev, openrouter, genai_prices, llm_prices)}
STAGES = ("fetching", "checking", "recording")
LEASE_NAME = "price-sync"


class LeaseLost(RuntimeError):
    """Another sync took the lease over: this one ran past it without a heartbeat."""


def acquire_lease(
    run: SyncRun | None = None, *, name: str = LEASE_NAME, seconds: int | None = None
) -> str | None:
    """Take the lease for `run` if it is free or expired; the holder's name, or None if someone else has it.

    The lease lasts `seconds` (settings.PRICE_SYNC_LEASE_SECONDS) from now and from each heartbeat (renew_lease).
    A run still "running" that does not hold the lease was left by a worker that stopped: the taker marks it
    failed, with the expiry of the lease it named when there is one.
    """
    seconds = settings.PRICE_SYNC_LEASE_SECONDS if seconds is None else seconds
    now = timezone.now()
    holder = f"{socket.gethostname()}:{os.getpid()}:{now.timestamp()}"
    try:
        with transaction.atomic():
            SyncLease.objects.get_or_create(name=name, defaults={"expires_at": now - dt.timedelta(seconds=1)})
    except IntegrityError:
        pass  # created by a concurrent caller; the conditional update below decides
    previous = (
        SyncLease.objects.filter(name=name, expires_at__lte=now).values("holder", "run", "expires_at").first()
    )
    if previous is None:
        return None
    # Conditional on what was read: of two callers that saw the same expired lease, one takes it.
    taken = SyncLease.objects.filter(
        name=name, holder=previous["holder"], expires_at=previous["expires_at"]
    ).update(holder=holder, run=run, expires_at=now + dt.timedelta(seconds=seconds))
    if not taken:
        return None
    if previous["run"] is not None:
        _abandon(
            SyncRun.objects.filter(pk=previous["run"]),
            f"the worker stopped (lease expired at {previous['expires_at']:%Y-%m-%d %H:%M:%S} UTC)",
        )
    # Older runs, or a worker that stopped before its lease named its run. A run created an instant ago by a
    # sync that is about to be refused the lease reads failed only until it records itself skipped.
    _abandon(
        SyncRun.objects.exclude(pk=run.pk if run else None),
        "the worker stopped (it no longer held the lease)",
    )
    return holder


def _abandon(runs, why: str) -> None:
    runs.filter(status=SyncStatus.RUNNING).update(
        status=SyncStatus.FAILED, finished_at=timezone.now(), error=f"abandoned: {why}"
    )


def renew_lease(holder: str, *, name: str = LEASE_NAME, seconds: int | None = None) -> None:
    """The running sync's heartbeat: the lease lasts `seconds` more. LeaseLost if another sync took it over."""
    seconds = settings.PRICE_SYNC_LEASE_SECONDS if seconds is None else seconds
    renewed = SyncLease.objects.filter(name=name, holder=holder).update(
        expires_at=timezone.now() + dt.timedelta(seconds=seconds)
    )
    if not renewed:
        raise LeaseLost("another sync took the lease over after this one let it expire")


def release_lease(holder: str, name: str = LEASE_NAME) -> None:
    SyncLease.objects.filter(name=name, holder=holder).update(holder="", run=None, expires_at=timezone.now())


def load_feed(source: PriceSource, *, url: str | None, file: Path | None) -> tuple[Any, str]:
    if file is not None:
        return read_file(file, max_bytes=MAX_FEED_BYTES), str(file)
    url = url or source.url
    if not url:
        raise FeedError(f"{source.name} has no URL to fetch; give --url or --file")
    return fetch_json(url), display_url(url)


def latest_observation(source: PriceSource) -> dt.datetime | None:
    """When this source was last observed: its last recorded sync, or the newest price it showed."""
    run = SyncRun.objects.filter(source=source, status=SyncStatus.SUCCEEDED, dry_run=False).aggregate(
        at=Max("observed_at")
    )["at"]
    shown = SourcePeriod.objects.filter(source=source).aggregate(at=Max("observed_at"))["at"]
    return max((at for at in (run, shown) if at is not None), default=None)


def stored_origin(source: PriceSource, *, url: str | None, file: Path | None) -> str:
    """What a run records as its origin: a file's path, or a URL's display form (its user, password or query
    string may be a key)."""
    return str(file) if file is not None else display_url(url or source.url)


def check_request(source: PriceSource, *, origin: str, from_file: bool, observed_at: dt.datetime) -> None:
    """FeedError, before anything is written, for a sync that could not be recorded or would corrupt the ledger:
    an origin longer than SyncRun.origin holds, a date in the future (it would block every later change), or one
    before the source's latest observation (the ledger is a history: replay snapshots in date order)."""
    longest = SyncRun._meta.get_field("origin").max_length
    if len(origin) > longest:
        what = "--file" if from_file else "--url"
        raise FeedError(f"{what} is {len(origin):,} characters long; the longest we record is {longest}")
    if observed_at > timezone.now():
        raise FeedError(f"--as-of {observed_at:%Y-%m-%d} is in the future")
    latest = latest_observation(source)
    if latest is not None and observed_at < latest:
        raise FeedError(
            f"--as-of {observed_at:%Y-%m-%d} is before {source.name}'s latest observation "
            f"({latest:%Y-%m-%d}); replay snapshots in date order"
        )


def run_sync(
    source_slug: str,
    *,
    url: str | None = None,
    file: Path | None = None,
    observed_at: dt.datetime | None = None,
    dry_run: bool = False,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> tuple[SyncRun, SyncReport | None]:
    """Fetch, check and record one source's feed. A failure leaves the ledger exactly as it was.

    `on_stage` hears each of the STAGES as it starts, for a progress bar.
    """
    source = price_source(source_slug)
    observed_at = observed_at or timezone.now()
    origin = stored_origin(source, url=url, file=file)
    check_request(source, origin=origin, from_file=file is not None, observed_at=observed_at)
    run = SyncRun.objects.create(source=source, observed_at=observed_at, dry_run=dry_run, origin=origin)
    holder = acquire_lease(run)
    if holder is None:
        run.status, run.finished_at = SyncStatus.SKIPPED, timezone.now()
        run.error = "another price sync was running"
        run.save()
        return run, None
    try:
        on_stage(STAGES[0])
        data, run.origin = load_feed(source, url=url, file=file)
        _next_stage(holder, STAGES[1], on_stage)
        feed = ADAPTERS[source_slug].parse(data)
        _next_stage(holder, STAGES[2], on_stage)
        report = sync_feed(feed, source=source, observed_at=observed_at, dry_run=dry_run)
    except StaleObservation as error:  # checked above against the runs; a ledger edited since may differ
        run.status, run.finished_at, run.error = SyncStatus.FAILED, timezone.now(), f"out of order: {error}"
        run.save()
        raise FeedError(f"out of order: {error}; replay snapshots in date order") from None
    except Exception as error:  # recorded for the admin, then raised for the caller and Celery's retry
        message = _reason(error)
        cleaned = message if file is not None else without_url_secrets(message, url or source.url)
        run.status, run.finished_at, run.error = SyncStatus.FAILED, timezone.now(), cleaned
        run.save()
        if (
            cleaned != message
        ):  # the error quoted the URL's secrets: neither the caller nor a log may see them
            raise FeedError(cleaned.removeprefix("FeedError: ")) from None
        raise
    finally:
        release_lease(holder)
    run.status, run.finished_at = SyncStatus.SUCCEEDED, timezone.now()
    run.seen, run.matched, run.new_models = report.seen, report.matched, report.new_models
    run.opened, run.changed, run.unchanged = (
        report.ledger.opened,
        report.ledger.changed,
        report.ledger.unchanged,
    )
    run.held, run.skipped, run.rejected = report.held, report.skipped, len(report.rejections)
    run.rejections = [{"id": r.source_id, "reason": r.reason} for r in report.rejections]
    run.unmatched = report.unmatched
    run.save()
    return run, report


def _next_stage(holder: str, stage: str, on_stage: Callable[[str], None]) -> None:
    """Between stages (never inside the write transaction, where other syncs could not see it) the heartbeat."""
    renew_lease(holder)
    on_stage(stage)


def _reason(error: Exception) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return "stopped: the sync ran past its task's time limit (PRICE_SYNC_TIME_LIMIT_SECONDS)"
    return f"{type(error).__name__}: {error}"
