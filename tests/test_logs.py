"""Logs as an operator reads them: plain lines by default, one JSON object per line with LOG_FORMAT=json, and
never a secret in either."""

import datetime as dt
import io
import json
import logging
import logging.config
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from tokenledger.logs import bound_request_id, logging_config
from tokenledger.redaction import environment_secrets

ROOT = Path(__file__).resolve().parent.parent
# Shaped like a provider's key, so that the shape patterns are tested too; made per run, never committed.
PLANTED_KEY = "sk-" + secrets.token_hex(12)


def test_a_json_line_has_the_time_level_logger_message_and_the_extra_fields(json_log_lines):
    logging.getLogger("pricing.sync").warning(
        "synced %s: %d prices", "litellm", 3, extra={"source": "litellm", "prices": 3}
    )

    (line,) = json_log_lines()
    assert line["level"] == "WARNING" and line["logger"] == "pricing.sync"
    assert line["message"] == "synced litellm: 3 prices"
    assert line["source"] == "litellm" and line["prices"] == 3
    timestamp = dt.datetime.fromisoformat(line["timestamp"])
    assert timestamp.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - timestamp) < dt.timedelta(hours=1)
    assert "request_id" not in line and "exception" not in line  # outside of a request, outside of an error


def test_an_exception_is_a_field_of_its_one_line(json_log_lines):
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        logging.getLogger("pricing.sync").exception("the sync failed")

    (line,) = json_log_lines()
    assert line["level"] == "ERROR" and line["message"] == "the sync failed"
    assert line["exception"].startswith("Traceback (most recent call last)")
    assert line["exception"].endswith("ZeroDivisionError: division by zero")


def test_a_line_written_while_serving_a_request_carries_its_id(json_log_lines):
    with bound_request_id("4f1c9e2ab3d84d0c9a1e5b7c3d2f6a80"):
        logging.getLogger("catalog.views").info("rendered")
    logging.getLogger("catalog.views").info("after")

    inside, after = json_log_lines()
    assert inside["request_id"] == "4f1c9e2ab3d84d0c9a1e5b7c3d2f6a80"
    assert "request_id" not in after


def test_no_secret_of_the_environment_reaches_a_json_line(json_log_lines, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2-redis-pass@127.0.0.1:6379/8")
    log = logging.getLogger("monitoring.probing")

    log.warning("provider answered: invalid key %s", PLANTED_KEY, extra={"body": {"key": PLANTED_KEY}})
    log.warning("broker down at redis://:hunter2-redis-pass@127.0.0.1:6379/8")
    log.warning("settings key %s", settings.SECRET_KEY)
    try:
        raise RuntimeError(f"Authorization: Bearer {PLANTED_KEY}")
    except RuntimeError:
        log.exception("probe failed")

    lines = json_log_lines()
    written = json.dumps(lines)
    assert len(lines) == 4
    assert PLANTED_KEY not in written and "hunter2-redis-pass" not in written
    assert settings.SECRET_KEY not in written
    assert lines[0]["message"] == "provider answered: invalid key [redacted]"
    assert lines[0]["body"] == {"key": "[redacted]"}
    assert lines[1]["message"] == "broker down at redis://:[redacted]@127.0.0.1:6379/8"  # the host stays
    assert "Bearer [redacted]" in lines[3]["exception"]


def test_plain_lines_are_todays_format_and_have_no_secret_either(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED_KEY)
    buffer = io.StringIO()
    logging.config.dictConfig(logging_config("plain", "INFO"))
    try:
        logging.getLogger().handlers[0].setStream(buffer)
        logging.getLogger("pricing.sync").warning("key %s refused", PLANTED_KEY)
    finally:
        logging.config.dictConfig(settings.LOGGING)

    line = buffer.getvalue()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING pricing.sync: key \[redacted\] refused\n", line
    )


def test_an_unknown_log_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of plain, json; got 'xml'"):
        logging_config("xml")


def test_manage_py_writes_one_json_object_per_line_on_stderr_with_log_format_json(tmp_path):
    script = (
        "import logging\n"
        "logging.getLogger('django.request').error('Internal Server Error: /x/')\n"
        "logging.getLogger('pricing.sync').info('two\\nlines', extra={'source': 'litellm'})\n"
        "logging.getLogger('httpx').info('HTTP Request: GET https://example.com')\n"  # quiet below WARNING
    )
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "DEBUG": "1",
        "TOKENLEDGER_VAR_DIR": str(tmp_path),
        "OPENAI_API_KEY": PLANTED_KEY,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("django.request", "ERROR"),  # once: Django's own handler of "django" no longer prints it again
        ("pricing.sync", "INFO"),
    ]
    assert lines[1]["message"] == "two\nlines" and lines[1]["source"] == "litellm"


@pytest.fixture
def gunicorn_logs():
    """gunicorn's logger as a gunicorn.conf.py with `logconfig_dict = logging_config("json")` sets it up."""
    buffer = io.StringIO()
    cfg = Config()
    cfg.set("logconfig_dict", logging_config("json", "INFO"))
    logger = GunicornLogger(cfg)
    logging.getLogger().handlers[0].setStream(buffer)
    yield logger, lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)


def test_gunicorns_error_and_access_lines_are_json_with_the_request_id_of_the_response(gunicorn_logs):
    logger, lines = gunicorn_logs
    response = SimpleNamespace(
        status="500 Internal Server Error", sent=1234, headers=[("X-Request-ID", "9d2c4e1f00aa")]
    )
    request = SimpleNamespace(headers=[("USER-AGENT", "curl/8")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/models/?key={PLANTED_KEY}",
        "PATH_INFO": "/models/",
        "QUERY_STRING": f"key={PLANTED_KEY}",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }

    logger.info("Booting worker with pid: %s", 4242)
    logger.access(response, request, environ, dt.timedelta(milliseconds=87))

    boot, access = lines()
    assert boot["logger"] == "gunicorn.error" and boot["message"] == "Booting worker with pid: 4242"
    assert access["logger"] == "gunicorn.access" and access["request_id"] == "9d2c4e1f00aa"
    assert (access["http_method"], access["path"], access["status_code"], access["duration_ms"]) == (
        "GET",
        "/models/",
        500,
        87,
    )


def test_the_secrets_of_the_environment_are_keys_and_passwords_not_user_names_or_hosts():
    environ = {
        "SECRET_KEY": "k" * 50,
        "DATABASE_URL": "postgres://postgres:p%40ss-word@db.internal:5432/tokenledger",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SENTRY_DSN": "https://abcdef0123@o1.ingest.sentry.io/2",
        "PROBE_KEY_ENV_PATTERNS": "*_API_KEY,*_TOKEN",
        "MISTRAL_API_KEY": "mk-123456",
        "HF_TOKEN": "hf_abcdef",
        "SHORT_API_KEY": "abc",  # too short to look for without garbling every line
        "HOME": "/root",
    }

    assert environment_secrets(environ) == sorted(
        {"k" * 50, "p%40ss-word", "p@ss-word", "abcdef0123", "mk-123456", "hf_abcdef"}
    )
