"""Error reporting to Sentry, when SENTRY_DSN is set (settings call `init_sentry`; without a DSN this module is
never imported).

Every event leaves with the site's secrets redacted wherever they appear (an exception's message, a frame's
local variables, a request's URL) and tagged with the request id that the 500 page and the logs show.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.transport import Transport

from tokenledger.logs import current_request_id, log_secrets
from tokenledger.redaction import redact_values


def init_sentry(
    dsn: str,
    *,
    environment: str,
    release: str = "",
    traces_sample_rate: float = 0.0,
    transport: type[Transport] | None = None,
) -> None:
    """Reports errors of the web processes and of Celery's tasks to `dsn` (`transport`: tests capture)."""
    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or default_release(),
        traces_sample_rate=traces_sample_rate,
        # send_default_pii stays off, its default (no user, cookie, IP address or request body): sentry-sdk 2.75
        # warns that the option itself is deprecated (for data_collection, which older 2.x do not know).
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,
        before_send_transaction=before_send,
        **options,
    )


def default_release() -> str:
    try:
        return f"tokenledger@{version('tokenledger')}"
    except PackageNotFoundError:  # run from a checkout that was never installed
        return ""


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """The event with every secret redacted, tagged with the request id (or the enqueuing request's, in a task)."""
    event = redact_values(event, log_secrets())
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event
