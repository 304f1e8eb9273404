"""Cached pages that are never stale: each page names the kinds of data it is built from (catalog, prices,
monitoring); every change to such data stamps a new version of its kind (`bump`); a page's cache key, ETag and
Last-Modified come from those versions. A price sync, a publication or a new probe batch therefore retires every
page that showed the old data, on every web process at once, and browsers revalidate with a 304.

Each web process trusts the versions it read for VERSIONS_TRUSTED_FOR (a second), so that a page served from the
cache costs no query at all; a change made in this process is seen at once, one made elsewhere (a Celery worker's
sync, another web process's admin) within that second.

Only anonymous GET and HEAD requests are cached (and the API's, the same for everyone: pricing.api.cached);
editors always see fresh pages. Only a 200 is cached: errors and redirects are built each time. A page is cached under its
canonical query string only (the parameters it reads, each spelled one way: tokenledger.params), and the view
sees that query string, so `?a=1`, `?a=1&utm=x` and `?utm=y&a=1` are one entry; a request with a value in error
is answered uncached (it shows a notice), and so is a page larger than PAGE_MAX_BYTES. The cache itself is
bounded (CACHES in settings; the Redis check in tokenledger.checks). With a shared cache (Redis), each process
also keeps the pages it served last in a "near" cache of its own (CACHES["near"]): under the same keys, so it is
never staler than the shared one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import QueryDict
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from catalog.models import DataVersion
from tokenledger.params import NoParams, QueryParams

CATALOG, PRICES, MONITORING = "catalog", "prices", "monitoring"
ALL = (CATALOG, PRICES, MONITORING)
MISSING = object()
PAGE_TIMEOUT = 60 * 60  # a page no one changes still leaves the cache within the hour
# A larger page is served but not kept: a bounded cache holds many pages, not a few huge ones.
PAGE_MAX_BYTES = 512 * 1024
# How long a web process serves pages by the data versions it last read before it reads them again: a page from the
# cache then costs no database round trip (on PostgreSQL two: the connection's health check and the versions).
VERSIONS_TRUSTED_FOR = 1.0  # seconds


T = TypeVar("T")
_deferred = threading.local()


class _Kept(dict):
    """A dict that holds at most `size` entries, dropping the oldest: a per-process memo."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def keep(self, key, value) -> None:
        with self._lock:
            if len(self) >= self.size:
                del self[next(iter(self))]  # the oldest
            self[key] = value


@contextlib.contextmanager
def deferred():
    """Bump each kind of data once, on leaving, however many rows change inside (a bulk merge deletes thousands
    of rows, each of which would bump through the signals)."""
    if getattr(_deferred, "scopes", None) is not None:
        yield
        return
    _deferred.scopes = set()
    try:
        yield
    finally:
        scopes, _deferred.scopes = _deferred.scopes, None
    if scopes:
        bump(*sorted(scopes))


def bump(*scopes: str) -> None:
    """Record that data of these kinds changed (in the caller's transaction: a rolled-back change bumps nothing)."""
    if getattr(_deferred, "scopes", None) is not None:
        _deferred.scopes.update(scopes)
        return
    now = timezone.now()
    for scope in scopes:
        DataVersion.objects.update_or_create(
            scope=scope, defaults={"version": uuid.uuid4().hex, "changed_at": now}
        )
    # This process sees its own change at once: inside the transaction, and again once it is committed.
    forget_versions()
    transaction.on_commit(forget_versions)


def current(scopes: tuple[str, ...]) -> tuple[str, dt.datetime | None]:
    """The combined version of these kinds of data and when the latest of them changed. One query."""
    return _combined(_stamps(scopes), scopes)


def _stamps(scopes: tuple[str, ...]) -> dict[str, tuple[str, dt.datetime]]:
    """Each kind's version and when it changed (kinds never changed are missing). In SQL: it comes before every
    built page, where building the query through the ORM took ten times as long as running it."""
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    placeholders = ", ".join(["%s"] * len(scopes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT scope, version, changed_at FROM {table} WHERE scope IN ({placeholders})", scopes
        )
        # SQLite gives the stored UTC time without its zone.
        return {
            scope: (stamp, at if at.tzinfo else at.replace(tzinfo=dt.UTC))
            for scope, stamp, at in cursor.fetchall()
        }


def _combined(
    stamps: dict[str, tuple[str, dt.datetime]], scopes: tuple[str, ...]
) -> tuple[str, dt.datetime | None]:
    rows = sorted((scope, *stamps[scope]) for scope in set(scopes) if scope in stamps)
    version = "|".join(f"{scope}:{stamp}" for scope, stamp, _ in rows) or "none"
    return version, max((at for _, _, at in rows), default=None)


# Every kind's stamps as this process last read them, until when they are trusted, and what `trusted` made of
# them for each set of kinds asked for; replaced whole, so that a thread never sees half of a new reading.
_trusted: tuple[float, dict, dict] = (-1.0, {}, {})
_clock = time.monotonic


def trusted(scopes: tuple[str, ...]) -> tuple[str, dt.datetime | None]:
    """`current(scopes)` as this process last read it, if that was less than VERSIONS_TRUSTED_FOR ago: what cached
    pages and sections are keyed by. Every kind is read at once (a page and its sections name different kinds:
    one query, not one per set). Not for decisions that must see every change (a sync's plan reads `current`)."""
    global _trusted
    now = _clock()
    until, stamps, combined = _trusted
    if now >= until:
        stamps, combined = _stamps(ALL), {}
        _trusted = (now + VERSIONS_TRUSTED_FOR, stamps, combined)
    versions = combined.get(scopes)
    if versions is None:
        if not set(scopes) <= set(ALL):
            raise ValueError(f"Unknown kinds of data: {sorted(set(scopes) - set(ALL))}")
        versions = combined[scopes] = _combined(stamps, scopes)
    return versions


def forget_versions() -> None:
    """Read the data versions again at the next page, and forget what was `remembered` (bump does it; so does
    each test)."""
    global _trusted
    _trusted = (-1.0, {}, {})
    _remembered.clear()


_remembered = _Kept(256)


def remembered(scopes: tuple[str, ...], key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, remembered under `key` while the data of `scopes` keeps the version this process trusts: for
    what is the same on every page of an answer (the count of a list) and is built for a page the cache missed.
    The version is read before computing, so a value is never older than the version it is kept under. The last
    256 are kept."""
    version, _ = trusted(scopes)
    entry = (scopes, version, key)
    try:
        return _remembered[entry]
    except KeyError:
        pass
    value = compute()
    _remembered.keep(entry, value)
    return value


@functools.lru_cache(maxsize=16)
def _http_date(timestamp: int) -> str:
    return http_date(timestamp)


def signed_in(request) -> bool:
    """Only a request with a session cookie can be signed in: without one, the session and the user are not read."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


_reads = _Kept(256)  # (params, query string as sent) → (notices shown, in error, canonical query string)


def _read(params: type[QueryParams], request) -> tuple[tuple[str, ...], bool, str]:
    """What `params` reads from the request's query string: (the notices shown, whether a value is in error, the
    canonical query string). A pure function of the two (no parameter's bounds or choices come from the data), so
    the last 256 are remembered by the query string as sent: building the form took a third of a cached /models/
    answer (its choice fields are deep-copied), and parsing the query string is left to Django, once."""
    key = (params, request.META.get("QUERY_STRING", ""))
    read = _reads.get(key)
    if read is None:
        parsed = params(request.GET)
        read = tuple(parsed.notices_shown), parsed.in_error, parsed.canonical().urlencode()
        _reads.keep(key, read)
    return read


def cached_page(*scopes: str, params: type[QueryParams] = NoParams, signed_in_too: bool = False) -> Callable:
    """Serve an anonymous GET from the cache while the data of `scopes` is unchanged, with an ETag and a
    Last-Modified header for conditional requests. `params` names the query parameters the view reads: the view
    sees only those, canonical; any value in error is named in `request.param_notices` (base.html shows them).

    Only a 200 is kept and given validators: an error or a redirect is answered as the view makes it. Signed-in
    users get a page built for them (pages show editors their links), unless `signed_in_too` (the API, which is
    the same for everyone). The key holds the scheme and host too: the API's links name the host it was asked on."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            notices, in_error, query = _read(params, request)
            request.param_notices = list(notices)
            if (
                request.method not in ("GET", "HEAD")
                or in_error
                or (not signed_in_too and signed_in(request))
            ):
                return view(request, *args, **kwargs)
            request.GET = QueryDict(query)
            version, changed_at = trusted(scopes)
            # The day is part of the key: pages draw "the last 90 days" and "today" from the clock. The host is the
            # one asked for, as sent (CommonMiddleware has refused any not in ALLOWED_HOSTS), read without
            # validating it again.
            host = request.META.get("HTTP_HOST", "")
            digest = hashlib.sha256(
                f"{request.scheme}://{host}{request.path}?{query}|{version}|{timezone.now().date()}".encode()
            ).hexdigest()
            etag = f'"{digest[:32]}"'
            last_modified = int(changed_at.timestamp()) if changed_at else None
            not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
            if not_modified is not None:
                return not_modified
            key = f"page:{digest}"
            response = kept(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                _keep(key, response)
            response["ETag"] = etag
            if last_modified:
                response["Last-Modified"] = _http_date(last_modified)
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
            return response

        return wrapper

    return decorator


def _near():
    """This process's near cache, beside a shared one (CACHES["near"]), or None."""
    return caches["near"] if "near" in settings.CACHES else None


def kept(key: str, default=None):
    """What is kept under `key` (a page, a section: keyed by data versions, so never stale): from this process's
    near cache, else from the shared one (then kept near too); `default` where neither has it."""
    near = _near()
    value = near.get(key, MISSING) if near else MISSING
    if value is MISSING:
        value = cache.get(key, MISSING)
        if value is not MISSING and near:
            near.set(key, value, PAGE_TIMEOUT)
    return default if value is MISSING else value


def kept_many(keys: list[str]) -> dict:
    """`kept` for several keys: those the near cache lacks are read from the shared one in one round trip."""
    near = _near()
    found = near.get_many(keys) if near else {}
    missing = [key for key in keys if key not in found]
    if missing:
        shared = cache.get_many(missing)
        if shared and near:
            near.set_many(shared, PAGE_TIMEOUT)
        found.update(shared)
    return found


def keep(key: str, value) -> None:
    """Keep `value` under `key` for PAGE_TIMEOUT, in the shared cache and near."""
    cache.set(key, value, PAGE_TIMEOUT)
    if near := _near():
        near.set(key, value, PAGE_TIMEOUT)


def _keep(key: str, response) -> None:
    """Keep a page just built under `key` (and near), unless it streams, sets a cookie or is over PAGE_MAX_BYTES."""
    if response.streaming or response.cookies:
        return
    if hasattr(response, "render"):
        response.render()
    if len(response.content) > PAGE_MAX_BYTES:
        return
    keep(key, response)


def _bump_on_change(scope: str, *models) -> None:
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                lambda sender, scope=scope, **kwargs: bump(scope),
                sender=model,
                weak=False,
                dispatch_uid=f"freshness-{scope}-{model._meta.label}-{signal is post_save}",
            )


def connect_signals() -> None:
    """Edits one row at a time (the admin, `save()`) bump their kind of data; bulk writes bump explicitly."""
    from catalog import models as catalog
    from monitoring import models as monitoring
    from pricing import models as pricing

    _bump_on_change(
        CATALOG,
        catalog.Provider,
        catalog.Model,
        catalog.Offering,
        catalog.Profile,
        catalog.FaqEntry,
        catalog.Verdict,
        catalog.Benchmark,
        catalog.BenchmarkScore,
        catalog.StatusChange,
    )
    _bump_on_change(PRICES, pricing.PricePeriod, pricing.PriceSource, pricing.SourcePeriod, pricing.SyncRun)
    # Not runs and rollups: they are written and deleted in bulk (a receiver would make Django delete a million
    # runs one by one), and monitoring.rollups bumps after each batch and each prune.
    _bump_on_change(MONITORING, monitoring.ProbeTarget)
