"""Logging: plain lines for people, one JSON object per line for machines (LOG_FORMAT=json), with the request id.

`logging_config()` builds the dictConfig both Django's LOGGING and a gunicorn config (`logconfig_dict`) use, so
the application's, gunicorn's and Celery's records all leave through one handler, one format and the same
redaction. It imports nothing of Django: gunicorn's master reads it before any application is loaded.

The request id lives in a context variable: the middleware (tokenledger.middleware.RequestIdMiddleware) sets it
for a request, the Celery signals (tokenledger.celery) for a task, and `ContextFilter` writes it on each record.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from tokenledger.redaction import environment_secrets, redact, redact_values

FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

request_id: ContextVar[str] = ContextVar("request_id", default="")
task: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)  # (id, name) of a running task


def current_request_id() -> str:
    """The id of the request (or of the request that enqueued the task) being served; "" outside of both."""
    return request_id.get()


@contextmanager
def bound_request_id(value: str) -> Iterator[None]:
    """Logs written inside carry `value` as their request_id."""
    token = request_id.set(value)
    try:
        yield
    finally:
        request_id.reset(token)


def logging_config(log_format: str = "plain", level: str = "INFO") -> dict[str, Any]:
    """The dictConfig of every process: one console handler on stderr, in `log_format` ("plain" or "json")."""
    log_format = (log_format or "plain").strip().lower()
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}; got {log_format!r}")
    # Everything propagates to the root's one handler: Django's own "django" handlers would print its errors a
    # second time, and gunicorn's would bypass the format.
    through_root = {"handlers": [], "propagate": True}
    loggers: dict[str, dict[str, Any]] = {
        "django": {**through_root, "level": "INFO"},
        "gunicorn.error": through_root,
        "gunicorn.access": through_root,
        # httpx logs every request line at INFO; probes and syncs report what matters themselves.
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    }
    if log_format == "json":
        loggers["django.server"] = through_root  # runserver's request lines (plain: Django's own format)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "tokenledger.logs.ContextFilter"}},
        "formatters": {
            "plain": {"()": "tokenledger.logs.PlainFormatter", "format": PLAIN_FORMAT},
            "json": {"()": "tokenledger.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": loggers,
    }


class ContextFilter(logging.Filter):
    """Adds request_id (and task_id, task_name in a Celery task) to each record; for gunicorn's access lines,
    the request's id as the response header gave it, and its method, path, status and duration as fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            _add_access_fields(record, record.args)
        if not getattr(record, "request_id", ""):
            # Django logs a 4xx ("Not Found: /x/") after the middleware has returned, but with the request.
            value = request_id.get() or getattr(getattr(record, "request", None), "request_id", "")
            if value:
                record.request_id = value
        running = task.get()
        if running is not None and not hasattr(record, "task_id"):
            record.task_id, record.task_name = running
        return True


def _add_access_fields(record: logging.LogRecord, atoms: Mapping) -> None:
    # gunicorn's atoms: m method, U path (no query: it may carry a key), s status, M milliseconds, and each
    # response header as "{name}o".
    record.http_method = atoms.get("m")
    record.path = atoms.get("U")
    record.status_code = _int_or_none(atoms.get("s"))
    record.duration_ms = _int_or_none(atoms.get("M"))
    value = atoms.get("{x-request-id}o")
    if value and value != "-":
        record.request_id = value


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def log_secrets() -> list[str]:
    """What no log line may show: the site's key, the passwords in its URLs, the API keys in its environment."""
    secret_key = ""
    try:
        from django.conf import settings

        if settings.configured:
            secret_key = settings.SECRET_KEY  # the development key comes from var/, not the environment
    except Exception:  # settings that failed to load
        pass
    # Looked at for each line (a key set at run time counts), but worked out once per state of the environment.
    return _secrets_of(_environment_state(), secret_key)


def _environment_state() -> tuple:
    # Reading os.environ decodes every variable (70 µs for 40 of them, each line); its raw bytes tell as well
    # whether anything changed, in 4 µs.
    raw = getattr(os.environ, "_data", None)
    return tuple(raw.items()) if isinstance(raw, dict) else tuple(os.environ.items())


@lru_cache(maxsize=8)
def _secrets_of(environment_state: tuple, secret_key: str) -> list[str]:
    return sorted({*environment_secrets(os.environ), *([secret_key] if secret_key else [])})


class PlainFormatter(logging.Formatter):
    """Today's plain lines, with the secrets taken out."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), log_secrets())


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: timestamp (ISO 8601, UTC), level, logger, message, request_id when there is
    one, exception when there is one, and whatever `extra=` the call passed, with the secrets taken out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "levelname,name,message")
        kwargs.setdefault("style", ",")
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault(
            "rename_fields",
            {"levelname": "level", "name": "logger", "exc_info": "exception", "stack_info": "stack"},
        )
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        secrets = log_secrets()
        # "request" is the HttpRequest Django's request logger passes as an extra: its method and path say
        # what it was (its repr would quote the query string).
        http_request = log_data.pop("request", None)
        if http_request is not None and hasattr(http_request, "method"):
            log_data.setdefault("http_method", http_request.method)
            log_data.setdefault("path", getattr(http_request, "path", ""))
        # The time first, as a person reading the lines expects; it, the level and the logger's name come from
        # the code, not from data, and are not searched for secrets (each search costs some 10 µs).
        fixed = {key: log_data.pop(key, None) for key in ("timestamp", "level", "logger")}
        rest = redact_values({key: _jsonable(value) for key, value in log_data.items()}, secrets)
        return {**fixed, **rest}


def _jsonable(value: Any) -> Any:
    """The value, or its text when JSON has no form for it (so that the redaction sees what will be written)."""
    if value is None or isinstance(value, str | bool | int | float | dict | list | tuple):
        return value
    if hasattr(value, "isoformat"):  # the timestamp: the encoder writes it as ISO 8601
        return value
    return str(value)
