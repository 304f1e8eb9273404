import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from pricing import health
from pricing.listing import bring_into_force
from pricing.models import PriceSource, SyncStatus
from pricing.runs import ADAPTERS, run_sync
from pricing.sources.base import FeedError

logger = logging.getLogger(__name__)

# One source: above the fetch deadline, with room to check and record. The hard limit kills the worker process a
# minute later; its lease then expires and the next sync marks its run abandoned. Jobs that sync every source in
# turn get the sum.
SYNC_LIMIT = settings.PRICE_SYNC_TIME_LIMIT_SECONDS
ALL_SOURCES_LIMIT = SYNC_LIMIT * len(ADAPTERS)
HARD_MARGIN = 60


@shared_task(
    autoretry_for=(FeedError,),
    retry_backoff=300,
    retry_backoff_max=3600,
    max_retries=3,
    soft_time_limit=SYNC_LIMIT,
    time_limit=SYNC_LIMIT + HARD_MARGIN,
)
def sync_source(slug: str) -> str:
    """Sync one source; a feed that cannot be fetched is retried with backoff."""
    run, _ = run_sync(slug)
    return run.status


@shared_task(soft_time_limit=ALL_SOURCES_LIMIT, time_limit=ALL_SOURCES_LIMIT + HARD_MARGIN)
def sync_enabled_sources() -> dict[str, str]:
    """The weekly job: every enabled source, one after the other. A failing source does not stop the others;
    what fails or is skipped, sync_overdue_sources tries again."""
    return {
        source.slug: _sync(source.slug)
        for source in PriceSource.objects.filter(enabled=True).order_by("priority")
    }


@shared_task(soft_time_limit=ALL_SOURCES_LIMIT, time_limit=ALL_SOURCES_LIMIT + HARD_MARGIN)
def sync_overdue_sources() -> dict[str, str]:
    """The catch-up job (every 15 minutes): each enabled source with no successful sync in the last 7 days is
    synced again once its backoff has run out (pricing.health). A source that stays overdue is logged as an
    error each time, besides being flagged on /status/ and by `manage.py sync_health`."""
    results = {source.slug: _sync(source.slug) for source in health.due_for_retry()}
    for source in health.source_health():
        if source.overdue:
            logger.error("price source overdue: %s", source.describe())
    return results


def _sync(slug: str) -> str:
    try:
        run, _ = run_sync(slug)
    except SoftTimeLimitExceeded:
        raise  # out of time: the run is recorded as stopped, and the catch-up job syncs what is left
    except Exception as error:  # the SyncRun row holds the error for the admin
        logger.warning("price sync of %s failed: %s", slug, error)
        return SyncStatus.FAILED
    return run.status


@shared_task
def apply_scheduled_prices() -> int:
    """Daily: a price announced with its date is in force from that date on every page (pages ask for the prices
    in force now); this brings the catalog's listed prices, kept on each model for sorting, in line as well."""
    return bring_into_force()
