import logging.config
import os
from contextvars import Token
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from tokenledger import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenledger.settings")

app = Celery("tokenledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The message header that carries the id of the request that enqueued a task, so the task's logs join its own.
REQUEST_ID_HEADER = "request_id"


@app.task(name="tokenledger.ping")
def ping() -> str:
    """Answers "pong": lets operators and tests see that a worker consumes tasks."""
    return "pong"


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """The worker and beat log through the site's LOGGING (LOG_FORMAT, LOG_LEVEL) instead of Celery taking over
    the root logger with its own format: a receiver of this signal is what tells Celery to leave it alone."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = logs.current_request_id()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


# The context each running task set, by task id, to restore when it ends (an eager task runs inside a request).
_bound: dict[str, tuple[Token, Token | None]] = {}


@task_prerun.connect
def bind_task_context(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    """Logs written in the task carry its id and name, and the id of the request that enqueued it."""
    request = getattr(task, "request", None)
    # A worker makes each message header an attribute of the request; an eager apply(headers=) keeps them apart.
    carried = getattr(request, REQUEST_ID_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        REQUEST_ID_HEADER
    )
    task_token = logs.task.set((task_id, getattr(task, "name", "")))
    request_token = logs.request_id.set(carried) if isinstance(carried, str) and carried else None
    _bound[task_id] = (task_token, request_token)


@task_postrun.connect
def unbind_task_context(task_id: str = "", **kwargs: Any) -> None:
    task_token, request_token = _bound.pop(task_id, (None, None))
    if request_token is not None:
        logs.request_id.reset(request_token)
    if task_token is not None:
        logs.task.reset(task_token)
