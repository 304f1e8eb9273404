"""The machinery under the site: a real Celery worker, production settings, the database, the migrations.

Each test runs as the environment says: on the embedded defaults (SQLite, the filesystem broker), or on
PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set, as in the second pass of `.ci/run`.
"""

import os
import secrets
import signal
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def environment(**changes: str | None) -> dict[str, str]:
    """The tests' own environment (tests.settings, DATABASE_URL, REDIS_URL...), changed: None removes."""
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)


def stop(process: subprocess.Popen) -> str:
    """Stop a process started in its own session (warm shutdown, then kill) and return what it printed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=15)
    return output


# A worker alone on its queue: the solo pool and no chatter with other workers start and stop it fast.
WORKER = [sys.executable, "-m", "celery", "-A", "tokenledger", "worker", "--pool=solo", "--loglevel=INFO"]
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]

SEND_PING = """
import sys
import django
django.setup()
from tokenledger.celery import ping
print(ping.apply_async(queue=sys.argv[1]).get(timeout=float(sys.argv[2])))
"""


def test_a_real_worker_consumes_a_task_through_the_configured_broker(tmp_path):
    # The filesystem broker's folders live in TOKENLEDGER_VAR_DIR: keep them out of the developer's var/.
    env = environment() if os.environ.get("REDIS_URL") else environment(TOKENLEDGER_VAR_DIR=str(tmp_path))
    queue = f"tests-{uuid.uuid4().hex}"  # no other worker listens here, so only ours can answer
    worker = subprocess.Popen(
        [*WORKER, "--queues", queue],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        sender = run([sys.executable, "-c", SEND_PING, queue, "60"], env=env, timeout=90)
    finally:
        log = stop(worker)

    assert sender.returncode == 0, f"{sender.stderr}\n--- worker ---\n{log}"
    assert sender.stdout.strip() == "pong"
    assert "Task tokenledger.ping[" in log and "succeeded" in log, log
    if os.environ.get("REDIS_URL"):
        assert "transport:   redis://" in log, log
    else:
        assert "transport:   filesystem://" in log, log
        # Every file the broker writes, its exchange table included, stays in the var dir.
        assert (tmp_path / "celery" / "control" / f"{queue}.exchange").exists()
        assert not (BASE_DIR / "control" / f"{queue}.exchange").exists()


def test_celery_goes_through_redis_when_redis_url_is_set():
    from tokenledger.celery import app

    if os.environ.get("REDIS_URL"):
        assert app.conf.broker_url == os.environ["REDIS_URL"]
        assert app.connection_for_write().transport_cls == "redis"
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else:
        assert app.conf.broker_url == "filesystem://"
        assert Path(app.conf.broker_transport_options["data_folder_in"]).is_dir()


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = environment(
        DJANGO_SETTINGS_MODULE="tokenledger.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        TOKENLEDGER_VAR_DIR=str(tmp_path),
        DJANGO_ALLOW_ASYNC_UNSAFE=None,  # set for the browser tests only
    )

    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = environment(
        DJANGO_SETTINGS_MODULE="tokenledger.settings",
        DEBUG="0",
        SECRET_KEY=None,
        TOKENLEDGER_VAR_DIR=str(tmp_path),
    )

    result = run([sys.executable, "manage.py", "check"], env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.django_db
def test_the_database_is_the_one_the_environment_names(tmp_path):
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        assert database_url.startswith(("postgres://", "postgresql://"))
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
    else:
        assert connection.vendor == "sqlite"
        # Outside the tests (which use an in-memory copy) the database is a file in var/.
        env = environment(TOKENLEDGER_VAR_DIR=str(tmp_path))
        code = "import django; django.setup(); from django.db import connection; print(connection.settings_dict['NAME'])"
        result = run([sys.executable, "-c", code], env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(tmp_path / "tokenledger.sqlite3")


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Missing migrations:\n{out.getvalue()}")


def test_the_development_key_is_generated_once_into_var_and_reused(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"

    def secret_key(var_dir: Path) -> str:
        env = environment(
            DJANGO_SETTINGS_MODULE="tokenledger.settings",
            DEBUG="1",
            SECRET_KEY=None,
            TOKENLEDGER_VAR_DIR=str(var_dir),
        )
        result = run([sys.executable, "-c", code], env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    first, second = secret_key(tmp_path / "a"), secret_key(tmp_path / "a")
    elsewhere = secret_key(tmp_path / "b")

    assert len(first) >= 50
    assert first == second == (tmp_path / "a" / "secret_key").read_text().strip()
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert elsewhere != first
