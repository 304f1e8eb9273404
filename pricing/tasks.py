import logging

from celery import shared_task

from pricing.listing import bring_into_force
from pricing.models import PriceSource, SyncStatus
from pricing.runs import run_sync
from pricing.sources.base import FeedError

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(FeedError,), retry_backoff=300, retry_backoff_max=3600, max_retries=3)
def sync_source(slug: str) -> str:
    """Sync one source; a feed that cannot be fetched is retried with backoff."""
    run, _ = run_sync(slug)
    return run.status


@shared_task
def sync_enabled_sources() -> dict[str, str]:
    """The weekly job: every enabled source, one after the other. A failing source does not stop the others."""
    results = {}
    for source in PriceSource.objects.filter(enabled=True).order_by("priority"):
        try:
            run, _ = run_sync(source.slug)
            results[source.slug] = run.status
        except Exception as error:  # the SyncRun row holds the error for the admin
            logger.warning("price sync of %s failed: %s", source.slug, error)
            results[source.slug] = SyncStatus.FAILED
    return results


@shared_task
def apply_scheduled_prices() -> int:
    """Daily: a price announced with its date is in force from that date on every page (pages ask for the prices
    in force now); this brings the catalog's listed prices, kept on each model for sorting, in line as well."""
    return bring_into_force()
