"""Errors reach Sentry when SENTRY_DSN is set: one event per failure, tagged with the request id, with no secret
in it. The transport here keeps the events in the test's memory: nothing goes over the network."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from celery.worker.request import Request
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from kombu import Connection
from sentry_sdk.transport import Transport

from tokenledger.celery import app
from tokenledger.logs import bound_request_id
from tokenledger.sentry import init_sentry

ROOT = Path(__file__).resolve().parent.parent
# Shaped like a provider's key, so that the shape patterns are tested too; made per run, never committed.
PLANTED_KEY = "sk-" + secrets.token_hex(12)


@pytest.fixture
def sentry_events():
    """Sentry set up as settings do with SENTRY_DSN set, its events captured here instead of sent."""
    events: list[dict] = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    init_sentry("https://0123456789abcdef@sentry.invalid/1", environment="test", transport=Capture)
    yield events
    sentry_sdk.init()  # no DSN: reporting is off again


def wsgi_get(path: str, query: str = "") -> tuple[str, dict[str, str]]:
    """A GET through the WSGI application as gunicorn calls it (Sentry's WSGI middleware included, which the
    test client bypasses): the status line and the response headers."""
    environ = {
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "SERVER_NAME": "testserver",
    }
    setup_testing_defaults(environ)
    answered: dict = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=status, headers=dict(headers))

    body = WSGIHandler()(environ, start_response)
    b"".join(body)
    body.close()
    return answered["status"], answered["headers"]


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db
def test_a_failing_view_is_one_event_tagged_with_the_request_id_and_without_the_key(
    sentry_events, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)

    status, headers = wsgi_get("/leaky/", query=f"key={PLANTED_KEY}")

    assert status.startswith("500")
    (event,) = sentry_events
    assert event["tags"]["request_id"] == headers["X-Request-ID"]
    assert event["environment"] == "test" and event["release"].startswith("tokenledger@")
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the provider refused the key [redacted]"
    assert event["request"]["url"] == "http://testserver/leaky/"
    assert event["request"]["query_string"] == "key=[redacted]"
    assert PLANTED_KEY not in json.dumps(event)  # nor in the frames' local variables
    assert "user" not in event  # send_default_pii=False


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db
def test_a_page_that_works_sends_nothing(sentry_events):
    assert Client().get("/logging/").status_code == 200
    assert sentry_events == []


def test_without_a_dsn_the_sdk_is_not_even_imported(tmp_path):
    script = (
        "import sys, django; django.setup()\n"
        "from django.conf import settings\n"
        "print(bool(settings.SENTRY_DSN), 'sentry_sdk' in sys.modules, 'tokenledger.sentry' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tokenledger.settings",
        "TOKENLEDGER_VAR_DIR": str(tmp_path),
    }
    env.pop("SENTRY_DSN", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert result.stdout.split() == ["False", "False", "False"]


@app.task(name="tests.fail_with_the_key")
def fail_with_the_key() -> None:
    raise RuntimeError(f"the provider refused {os.environ['OPENAI_API_KEY']}")


def test_a_failing_task_is_one_event_tagged_with_the_request_that_enqueued_it(sentry_events, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)

    with Connection("memory://") as connection:
        with bound_request_id("5a7e0c"):
            fail_with_the_key.apply_async(connection=connection)
        message = connection.SimpleQueue("celery").get(timeout=5)
        Request(message, app=app, task=fail_with_the_key).execute()  # as a worker runs it

    (event,) = sentry_events
    assert event["tags"]["request_id"] == "5a7e0c"
    assert event["exception"]["values"][-1]["value"] == "the provider refused [redacted]"
    assert PLANTED_KEY not in json.dumps(event)
