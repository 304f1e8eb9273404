"""Shared fixtures: real sample data (a trimmed slice of the real models.dev catalogue) and named actors."""

from __future__ import annotations

import copy
import functools
import http.server
import re
import threading
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from pricing.sources import models_dev
from tests.snapshots import load_once
from tokenledger.sample_data import DATA_DIR, MODELS_DEV_API_JSON, load_all

# The labs of the reference page and of our shipped profiles, and the hosts that resell their models.
SAMPLE_LABS = ("openai", "anthropic", "google", "deepseek", "mistral", "xai")
SAMPLE_HOSTS = ("azure", "openrouter", "amazon-bedrock")
SAMPLE_HOSTED_MODELS = ("openai/gpt-4o", "anthropic/claude-sonnet-4-5", "openai/gpt-4o-mini")


@pytest.fixture(scope="session")
def real_api_json() -> dict[str, Any]:
    """The real models.dev catalogue shipped in data/ (147 providers, 5,276 models)."""
    return models_dev.load(MODELS_DEV_API_JSON)


def trim_catalogue(data: dict[str, Any]) -> dict[str, Any]:
    """The labs' own entries, and the hosts' entries of a few well-known models; nothing else is changed."""
    trimmed = {lab: copy.deepcopy(data[lab]) for lab in SAMPLE_LABS}
    for host in SAMPLE_HOSTS:
        provider = copy.deepcopy(data[host])
        provider["models"] = {
            model_id: entry
            for model_id, entry in provider["models"].items()
            if entry.get("base_model") in SAMPLE_HOSTED_MODELS
        }
        trimmed[host] = provider
    return trimmed


@pytest.fixture(scope="session")
def sample_api_json(real_api_json) -> dict[str, Any]:
    return trim_catalogue(real_api_json)


def load_sample(sample_api_json: dict[str, Any]) -> list[str]:
    """The sample catalogue with its prices, our additions and the editorial profiles, as `make run` loads it
    (loaded once a session, then written back: tests.snapshots)."""
    return load_once("sample", lambda: load_all(copy.deepcopy(sample_api_json)))


def load_shipped() -> list[str]:
    """What `make run` loads: the whole catalogue, every shipped price file replayed in date order, the
    profiles (loaded once a session, then written back: tests.snapshots)."""
    return load_once("shipped", load_all)


def load_whole_catalogue(real_api_json: dict[str, Any]) -> list[str]:
    """The whole real models.dev catalogue (5,276 listings of 147 providers) with its own prices, as of its date
    (loaded once a session, then written back: tests.snapshots)."""
    return load_once("whole catalogue", lambda: load_all(copy.deepcopy(real_api_json)))


@pytest.fixture
def sample_data(db, sample_api_json):
    """The sample catalogue with its prices, our additions and the editorial profiles, as `make run` loads it."""
    return load_sample(sample_api_json)


@pytest.fixture
def reader(client):
    """An anonymous reader."""
    return client


@pytest.fixture
def live_sample_data(transactional_db, sample_api_json):
    """The sample data for tests that drive a browser against `live_server` (which needs committed rows)."""
    return load_sample(sample_api_json)


SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public feeds beside the clone (../shared/data), as CI has them."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not here: these tests replay the real feeds kept there")
    return SHARED_DATA


@pytest.fixture
def editor(django_user_model):
    """An editor who reviews held price changes in the admin."""
    return django_user_model.objects.create_user("eva-editor", password="x", is_staff=True)


def empty_caches() -> None:
    """Empty the page cache (Redis with REDIS_URL) and, beside Redis, this process's near cache of pages."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def text_of(response) -> str:
    """A page as a reader reads it: scripts, styles and tags dropped, entities decoded, white space folded."""
    return text_of_html(response.content.decode())


def text_of_html(html: str) -> str:
    """HTML as a reader reads it (see text_of)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def store_runs(runs: list) -> list:
    """Save probe runs as a probe batch does: the runs, then the rollups that pages and the API read."""
    from monitoring import rollups
    from monitoring.models import ProbeRun

    stored = ProbeRun.objects.bulk_create(runs)
    if stored:
        times = [run.started_at for run in stored]
        rollups.refresh(min(times), max(times))
    return stored


def reimport_as_deprecated(model) -> None:
    """A catalogue import that says `model` (served by its lab under its own slug) is now deprecated."""
    from catalog.importing import EntryFacts, ModelFacts, import_facts

    facts = ModelFacts(
        name=model.name,
        status="deprecated",
        context_window=model.context_window,
        input_modalities=tuple(model.input_modalities),
        output_modalities=tuple(model.output_modalities),
    )
    lab = model.lab.slug
    import_facts(
        [], [EntryFacts(lab=lab, model_slug=model.slug, host=lab, host_model_id=model.slug, model=facts)]
    )


@pytest.fixture
def data_server():
    """A static HTTP server on 127.0.0.1 serving data/ (the real feeds), for syncs that fetch over HTTP."""
    handler = functools.partial(_QuietHandler, directory=str(DATA_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def json_log_lines():
    """Logging set up as with LOG_FORMAT=json, its one handler writing to a buffer: call it for the lines so far,
    each parsed as JSON (a line that is not one JSON object fails the test)."""
    import io
    import json
    import logging.config

    from tokenledger.logs import logging_config

    buffer = io.StringIO()
    logging.config.dictConfig(logging_config("json", "INFO"))
    (handler,) = logging.getLogger().handlers
    handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)
