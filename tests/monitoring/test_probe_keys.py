"""A probe target's key comes only from a variable meant for one (`*_API_KEY`, never a setting of the site), and a
provider that echoes the key back, however it spells it, never gets it into a stored error, a page or a log."""

import base64
import json
import logging
import urllib.parse
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalog.models import Offering
from monitoring.fake_provider import FakeProvider
from monitoring.keys import key_variable_problem
from monitoring.models import Adapter, ProbeRun, ProbeTarget
from monitoring.probing import probe_targets
from tokenledger.redaction import redact

# Made up, and chosen so that each encoding spells it differently: mixed case, "/", "+", "=".
KEY = "Zq9/Te+st=Key-ABCdef123xyz"


def spellings_of(key: str) -> list[str]:
    return [
        key,
        key.upper(),
        key.lower(),
        base64.b64encode(key.encode()).decode(),
        base64.urlsafe_b64encode(key.encode()).decode(),
        base64.b64encode(key.encode()).decode().rstrip("="),
        base64.b64encode(f"Bearer {key}".encode()).decode()[12:-4],  # the key's part of it, at that alignment
        base64.b64encode(f"user:{key}".encode()).decode()[8:-4],
        json.dumps(key)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(char):04x}" for char in key),
        urllib.parse.quote(key, safe=""),
        urllib.parse.quote_plus(key),
        key.encode().hex(),
    ]


@pytest.fixture(scope="module")
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def offering(sample_data):
    gpt_4o = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")

    def make(model: str) -> Offering:
        return Offering.objects.create(model=gpt_4o.model, host=gpt_4o.host, host_model_id=model)

    return make


@pytest.mark.parametrize(
    "name",
    ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SENTRY_DSN", "DEBUG", "ALLOWED_HOSTS", "HTTP_USER_AGENT"],
)
def test_a_setting_of_the_site_is_never_a_key_variable_whatever_the_patterns(name):
    with override_settings(PROBE_KEY_ENV_PATTERNS=["*"]):
        assert "one of this site's own settings" in key_variable_problem(name)


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("OPENAI_API_KEY", True),
        ("MY_PROVIDER_API_KEY", True),
        ("OPENAI_KEY", False),
        ("HOME", False),
        ("openai_api_key", False),
        ("X_API_KEY; rm", False),
        ("", True),  # no variable: no key
    ],
)
def test_only_variables_matching_the_patterns_may_hold_a_key(name, allowed):
    assert (key_variable_problem(name) == "") is allowed


@override_settings(PROBE_KEY_ENV_PATTERNS=["*_TOKEN"])
def test_the_operator_sets_the_patterns():
    assert key_variable_problem("HF_TOKEN") == ""
    assert "does not match the variables allowed for API keys (*_TOKEN)" in key_variable_problem(
        "OPENAI_API_KEY"
    )


def test_the_model_refuses_a_site_setting_as_its_key_variable(offering):
    target = ProbeTarget(
        offering=offering("gpt-4o-x"), adapter=Adapter.OPENAI, base_url="https://api.example"
    )
    target.api_key_env = "SECRET_KEY"

    with pytest.raises(ValidationError) as raised:
        target.full_clean()

    assert "api_key_env" in raised.value.message_dict


def test_the_admin_shows_why_a_key_variable_is_refused(offering, admin_client):
    form = {
        "offering": offering("gpt-4o-x").pk,
        "adapter": "openai",
        "base_url": "https://api.example/v1",
        "api_key_env": "SECRET_KEY",
        "interval_minutes": 60,
        "timeout_seconds": 30,
        "prompt": "Reply with the single word: pong",
        "max_tokens": 16,
        "enabled": "on",
    }

    page = admin_client.post("/admin/monitoring/probetarget/add/", form)

    assert page.status_code == 200
    assert "SECRET_KEY is one of this site&#x27;s own settings" in page.content.decode()
    assert not ProbeTarget.objects.exists()
    page = admin_client.post("/admin/monitoring/probetarget/add/", {**form, "api_key_env": "OPENAI_API_KEY"})
    assert page.status_code == 302 and ProbeTarget.objects.get().api_key_env == "OPENAI_API_KEY"


def test_the_probe_command_refuses_a_key_variable_that_is_not_allowed(fake):
    with pytest.raises(CommandError, match="--key-env: SECRET_KEY is one of this site's own settings"):
        call_command(
            "probe",
            "--base-url",
            fake.url,
            "--api-model",
            "fake:echo_key:status=401",
            "--key-env",
            "SECRET_KEY",
        )


def test_the_probe_command_sends_a_key_from_an_allowed_variable(fake, monkeypatch):
    monkeypatch.setenv("FAKE_API_KEY", KEY)
    out = StringIO()

    call_command(
        "probe", "--base-url", fake.url, "--api-model", "fake:echo_key:status=401", "--key-env", "FAKE_API_KEY",
        "--json", stdout=out,
    )  # fmt: skip

    first = json.loads(out.getvalue().splitlines()[0])
    assert first["error"] == "HTTP 401: Incorrect API key provided: [redacted]"


@pytest.mark.django_db
def test_a_target_naming_a_site_setting_sends_no_key_and_records_why(fake, offering, caplog):
    caplog.set_level(logging.DEBUG)
    target = ProbeTarget.objects.create(  # as a bulk import or an old row would, without the model's checks
        offering=offering("fake:echo_key:status=401"),
        adapter=Adapter.OPENAI,
        base_url=fake.url,
        api_key_env="SECRET_KEY",
        is_demo=True,
    )

    probe_targets([target])

    run = ProbeRun.objects.get(target=target)
    assert run.error.startswith("API key not sent: SECRET_KEY is one of this site's own settings")
    assert run.error.endswith("HTTP 401: Incorrect API key provided:")  # the provider got no key to echo
    assert settings.SECRET_KEY not in run.error and settings.SECRET_KEY not in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["json", "plain"])
def test_a_key_echoed_in_any_spelling_appears_nowhere(
    fake, offering, body, monkeypatch, caplog, admin_client
):
    monkeypatch.setenv("FAKE_PROVIDER_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    target = ProbeTarget.objects.create(
        offering=offering("fake:echo_encoded:status=401" + (":plain" if body == "plain" else "")),
        adapter=Adapter.OPENAI,
        base_url=fake.url,
        api_key_env="FAKE_PROVIDER_API_KEY",
        is_demo=True,
    )

    probe_targets([target])

    run = ProbeRun.objects.get(target=target)
    assert (run.outcome, run.http_status) == ("http_error", 401)
    assert run.error.startswith("HTTP 401: Incorrect API key provided: [redacted] [redacted]")
    pages = "".join(
        admin_client.get(url).content.decode()
        for url in ("/admin/monitoring/proberun/", f"/admin/monitoring/proberun/{run.pk}/change/")
    )
    for spelling in spellings_of(KEY):
        assert spelling.lower() not in run.error.lower(), spelling
        assert spelling not in pages and spelling not in caplog.text, spelling


def test_redaction_keeps_the_text_around_the_key():
    said = f'{{"error": "bad key {KEY.upper()} for org-1", "auth": "Basic {base64.b64encode(f"u:{KEY}".encode()).decode()}"}}'

    kept = redact(said, [KEY])

    assert kept.startswith('{"error": "bad key [redacted] for org-1", "auth": "Basic ')
    assert all(spelling not in kept for spelling in spellings_of(KEY))


def test_a_short_secret_is_redacted_as_itself_only():
    assert redact("HTTP 401 for abc: ABC, YWJj", ["abc"]) == "HTTP 401 for [redacted]: [redacted], YWJj"
