"""What `make serve` and a platform reading the Procfile start: gunicorn's settings from the environment, the
processes, and the guard against serving without collected static files. (.ci/serve-check runs it for real.)"""

import runpy
from pathlib import Path

import pytest
from django.conf import settings

from tokenledger.staticfiles import missing_manifest

BASE_DIR = Path(settings.BASE_DIR)
MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def gunicorn_settings(monkeypatch, cores: int = 2, **env: str) -> dict:
    for name in ("BIND", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(cores)))
    return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))


def test_gunicorn_runs_two_workers_per_core_and_one_more(monkeypatch):
    assert gunicorn_settings(monkeypatch, cores=2)["workers"] == 5


def test_a_large_machine_does_not_start_dozens_of_workers(monkeypatch):
    conf = gunicorn_settings(monkeypatch, cores=64)
    assert conf["workers"] == conf["MAX_WORKERS"] == 12


def test_web_concurrency_sets_the_workers(monkeypatch):
    assert gunicorn_settings(monkeypatch, cores=64, WEB_CONCURRENCY="3")["workers"] == 3


def test_gunicorn_binds_every_address_on_port_or_8000_unless_bind_says(monkeypatch):
    assert gunicorn_settings(monkeypatch)["bind"] == "0.0.0.0:8000"
    assert gunicorn_settings(monkeypatch, PORT="5123")["bind"] == "0.0.0.0:5123"
    assert gunicorn_settings(monkeypatch, PORT="5123", BIND="127.0.0.1:9000")["bind"] == "127.0.0.1:9000"


def test_gunicorn_logs_each_request_and_recycles_its_workers(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert conf["accesslog"] == "-"
    assert conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0
    assert conf["secure_scheme_headers"] == {}  # HTTPS is Django's call alone: TRUSTED_PROXY_HEADER


def test_gunicorn_logs_through_the_sites_handler_in_the_format_asked(monkeypatch):
    plain = gunicorn_settings(monkeypatch)["logconfig_dict"]
    json = gunicorn_settings(monkeypatch, LOG_FORMAT="json")["logconfig_dict"]
    for config in (plain, json):  # gunicorn's loggers leave through the root's handler, redaction included
        assert config["loggers"]["gunicorn.access"]["propagate"] is True
        assert config["loggers"]["gunicorn.error"]["propagate"] is True
    assert plain["handlers"]["console"]["formatter"] == "plain"
    assert json["handlers"]["console"]["formatter"] == "json"


def procfile() -> dict[str, str]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_procfile_migrates_on_release_and_runs_web_worker_and_one_database_scheduled_beat():
    processes = procfile()
    assert set(processes) == {"release", "web", "worker", "beat"}
    assert processes["release"] == "python manage.py migrate --noinput"
    assert processes["web"].startswith("gunicorn tokenledger.wsgi")
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in processes["beat"]


def test_make_serve_collects_static_files_migrates_and_starts_the_three_long_running_processes():
    makefile = (BASE_DIR / "Makefile").read_text()
    recipe = makefile.split("\nserve: $(INSTALLED)\n", 1)[1].split("\n\n", 1)[0]
    assert "collectstatic --noinput" in recipe
    assert "migrate --noinput" in recipe
    assert (
        "honcho -f Procfile start web worker beat" in recipe
    )  # not `release`: honcho would stop all when it ends


def test_without_collected_static_files_production_storage_is_refused(settings, tmp_path):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path

    assert "collectstatic" in missing_manifest()

    (tmp_path / "staticfiles.json").write_text("{}")
    assert missing_manifest() == ""


def test_gunicorn_does_not_start_without_the_manifest(settings, tmp_path, monkeypatch, capsys):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path

    with pytest.raises(SystemExit):
        gunicorn_settings(monkeypatch)["on_starting"](None)
    assert "run `manage.py collectstatic --noinput` first" in capsys.readouterr().err


def test_development_storage_needs_no_manifest(settings):
    settings.STORAGES = {
        **MANIFEST_STORAGE,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert missing_manifest() == ""
