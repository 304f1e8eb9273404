"""Celery's worker and beat log through the site's LOGGING, and a task's lines carry its id, its name and the id
of the request that enqueued it (carried in the message's headers)."""

import logging
import logging.config

import pytest
from celery.worker.request import Request
from django.conf import settings
from django.test import override_settings
from kombu import Connection

from tokenledger import logs
from tokenledger.celery import app
from tokenledger.logs import JsonFormatter, logging_config


@app.task(name="tests.log_a_line")
def log_a_line() -> str:
    logging.getLogger("tests.task").warning("in the task")
    return logs.current_request_id()


def run_as_a_worker_does(enqueue) -> str:
    """Enqueues through `enqueue(connection)` on an in-memory broker, then runs the message as a worker does."""
    with Connection("memory://") as connection:
        enqueue(connection)
        message = connection.SimpleQueue("celery").get(timeout=5)
        return Request(message, app=app, task=app.tasks[message.headers["task"]]).execute()


def test_a_task_enqueued_in_a_request_logs_with_that_requests_id_and_its_own(json_log_lines):
    def enqueue(connection):
        with logs.bound_request_id("0d5e1c2b3a4f"):
            log_a_line.apply_async(connection=connection, task_id="task-1")

    assert run_as_a_worker_does(enqueue) == "0d5e1c2b3a4f"

    (line,) = [line for line in json_log_lines() if line["logger"] == "tests.task"]
    assert line["message"] == "in the task" and line["request_id"] == "0d5e1c2b3a4f"
    assert (line["task_id"], line["task_name"]) == ("task-1", "tests.log_a_line")
    assert logs.current_request_id() == ""  # nothing left behind for what the worker runs next


def test_a_task_enqueued_outside_a_request_has_no_request_id(json_log_lines):
    run_as_a_worker_does(lambda connection: log_a_line.apply_async(connection=connection, task_id="task-2"))

    lines = json_log_lines()
    (line,) = [line for line in lines if line["logger"] == "tests.task"]
    assert "request_id" not in line and line["task_id"] == "task-2"
    (done,) = [line for line in lines if line["logger"] == "celery.app.trace"]  # Celery's own line, as JSON
    assert done["task_id"] == "task-2" and "succeeded" in done["message"]


def test_an_eager_task_run_in_a_request_logs_under_it(json_log_lines):
    with logs.bound_request_id("e4a9"):
        assert log_a_line.apply(task_id="task-3").get() == "e4a9"
        assert logs.current_request_id() == "e4a9"  # the request's own id again once the task is done

    (line,) = [line for line in json_log_lines() if line["logger"] == "tests.task"]
    assert (line["request_id"], line["task_id"]) == ("e4a9", "task-3")


@pytest.fixture
def celery_logging_set_up(monkeypatch):
    """Lets Celery set up logging again, as a worker or beat does when it starts."""
    monkeypatch.setattr(app.log, "already_setup", False)
    for name in ("_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_"):
        monkeypatch.delenv(name, raising=False)  # Celery sets these; the test restores them
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_celery_leaves_the_root_logger_to_the_sites_logging(celery_logging_set_up):
    with override_settings(LOGGING=logging_config("json", "INFO")):
        app.log.setup_logging_subsystem(loglevel="WARNING", format="[%(asctime)s: %(levelname)s] %(message)s")

    root = logging.getLogger()
    assert root.level == logging.INFO  # LOG_LEVEL's, not the worker's --loglevel
    assert [type(handler.formatter) for handler in root.handlers] == [JsonFormatter]
