"""A sync run as the weekly job and `manage.py sync_prices` start it: one source at a time, never two at once,
each recorded as a SyncRun with its counts or its error."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from pricing.fetch import display_url, fetch_json
from pricing.models import PriceSource, SyncLease, SyncRun, SyncStatus
from pricing.sources import genai_prices, litellm, llm_prices, models_dev, openrouter, price_source
from pricing.sources.base import FeedError
from pricing.sync import SyncReport, sync_feed
from tokenledger.redaction import without_url_secrets

ADAPTERS = {adapter.SLUG: adapter for adapter in (litellm, models_dev, openrouter, genai_prices, llm_prices)}
STAGES = ("fetching", "checking", "recording")
LEASE_NAME = "price-sync"
LEASE_SECONDS = 30 * 60


class SyncBusy(RuntimeError):
    """Another sync holds the lease."""


def acquire_lease(name: str = LEASE_NAME, seconds: int = LEASE_SECONDS) -> str | None:
    """Take the lease if it is free or expired; the holder's name, or None if someone else has it."""
    now = timezone.now()
    holder = f"{socket.gethostname()}:{os.getpid()}:{now.timestamp()}"
    try:
        with transaction.atomic():
            SyncLease.objects.get_or_create(name=name, defaults={"expires_at": now - dt.timedelta(seconds=1)})
    except IntegrityError:
        pass  # created by a concurrent caller; the conditional update below decides
    taken = SyncLease.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=now + dt.timedelta(seconds=seconds)
    )
    return holder if taken else None


def release_lease(holder: str, name: str = LEASE_NAME) -> None:
    SyncLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=timezone.now())


def load_feed(source: PriceSource, *, url: str | None, file: Path | None) -> tuple[Any, str]:
    if file is not None:
        try:
            with file.open(encoding="utf-8") as f:
                return json.load(f, parse_float=Decimal), str(file)
        except FileNotFoundError:
            raise FeedError(f"no such file: {file}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FeedError(f"{file} is not valid JSON: {error}") from None
    url = url or source.url
    if not url:
        raise FeedError(f"{source.name} has no URL to fetch; give --url or --file")
    return fetch_json(url), display_url(url)


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
    # Only the display form of a URL is kept: its user, password or query string may be a key.
    origin = str(file) if file is not None else display_url(url or source.url)
    run = SyncRun.objects.create(source=source, observed_at=observed_at, dry_run=dry_run, origin=origin)
    holder = acquire_lease()
    if holder is None:
        run.status, run.finished_at = SyncStatus.SKIPPED, timezone.now()
        run.error = "another price sync was running"
        run.save()
        return run, None
    try:
        data, run.origin = load_feed(source, url=url, file=file)
        report = sync_feed(
            ADAPTERS[source_slug].parse(data), source=source, observed_at=observed_at, dry_run=dry_run
        )
    except Exception as error:  # recorded for the admin, then raised for the caller and Celery's retry
        message = f"{type(error).__name__}: {error}"
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
