"""Retention settings that would leave a page without the runs it computes from are a configuration error."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

# The longest window whose percentiles are computed from raw runs, and the daily bars on the profile page.
PERCENTILE_WINDOW_DAYS = 30
DAILY_BARS_DAYS = 90


@register()
def check_retention(app_configs, **kwargs) -> list[Error]:
    retention = settings.MONITORING
    errors = []
    if retention["RAW_RETENTION_DAYS"] < PERCENTILE_WINDOW_DAYS:
        errors.append(
            Error(
                f"PROBE_RAW_RETENTION_DAYS is {retention['RAW_RETENTION_DAYS']}: raw probe runs must be kept for "
                f"the {PERCENTILE_WINDOW_DAYS}-day percentile window.",
                id="monitoring.E001",
            )
        )
    if retention["DAILY_RETENTION_DAYS"] < DAILY_BARS_DAYS:
        errors.append(
            Error(
                f"PROBE_DAILY_RETENTION_DAYS is {retention['DAILY_RETENTION_DAYS']}: daily rollups must cover the "
                f"{DAILY_BARS_DAYS} days of availability bars.",
                id="monitoring.E002",
            )
        )
    return errors
