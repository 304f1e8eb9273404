"""What the broker does with a task whose worker died: on Redis it is handed out again, to another worker, and
never while a copy still runs within its time limit; the embedded filesystem broker is left as it was."""

import json
import sys

import pytest

from tests.test_infrastructure import environment, run

CELERY_CONF = """
import json
import django
django.setup()
from tokenledger.celery import app
app.loader.import_default_modules()
tasks = {
    name: {
        "time_limit": task.time_limit or app.conf.task_time_limit,
        "countdown": min(task.retry_backoff_max, task.retry_backoff * 2 ** (task.max_retries - 1))
        if getattr(task, "autoretry_for", ()) and task.retry_backoff else 0,
    }
    for name, task in app.tasks.items() if not name.startswith("celery.")
}
print(json.dumps({
    "broker_url": app.conf.broker_url,
    "transport_options": app.conf.broker_transport_options,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "acks_late": app.conf.task_acks_late,
    "tasks": tasks,
}))
"""


def celery_conf(tmp_path, **changes: str | None) -> dict:
    env = environment(TOKENLEDGER_VAR_DIR=str(tmp_path), **changes)
    result = run([sys.executable, "-c", CELERY_CONF], env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def on_redis(tmp_path_factory) -> dict:
    # Read from the settings, never connected to.
    return celery_conf(tmp_path_factory.mktemp("var"), REDIS_URL="redis://127.0.0.1:6379/4")


def test_on_redis_a_task_of_a_lost_worker_is_handed_out_again_and_a_killed_one_requeued(on_redis):
    conf = on_redis

    assert conf["broker_url"] == "redis://127.0.0.1:6379/4"
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    options = conf["transport_options"]
    assert options["visibility_timeout"] == 2 * 60 * 60
    # Every worker looks for tasks past their visibility timeout every 10 s, not kombu's default of 100 s.
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] == 10


def test_no_task_outlives_the_visibility_timeout_so_none_is_handed_out_twice_while_it_runs(on_redis):
    conf = on_redis
    timeout = conf["transport_options"]["visibility_timeout"]

    longest = {name: task["time_limit"] + task["countdown"] for name, task in conf["tasks"].items()}

    assert "pricing.tasks.sync_enabled_sources" in longest
    assert "monitoring.tasks.probe_slot" in longest
    assert all(limit for limit in longest.values()), longest  # every task has a hard limit
    assert max(longest.values()) < timeout, longest


def test_the_visibility_timeout_can_be_set_for_a_benchmark(tmp_path):
    conf = celery_conf(tmp_path, REDIS_URL="redis://127.0.0.1:6379/4", CELERY_VISIBILITY_TIMEOUT="30")

    assert conf["transport_options"]["visibility_timeout"] == 30


def test_the_embedded_filesystem_broker_is_unchanged(tmp_path):
    conf = celery_conf(tmp_path, REDIS_URL=None)

    assert conf["broker_url"] == "filesystem://"
    assert conf["reject_on_worker_lost"] in (None, False)
    assert conf["transport_options"] == {
        "data_folder_in": str(tmp_path / "celery" / "queue"),
        "data_folder_out": str(tmp_path / "celery" / "queue"),
        "processed_folder": str(tmp_path / "celery" / "processed"),
        "store_processed": False,
        "control_folder": str(tmp_path / "celery" / "control"),
    }
