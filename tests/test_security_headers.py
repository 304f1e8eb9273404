"""The headers every response carries: a Content-Security-Policy with no inline script, and HTTPS trusted from a
proxy's X-Forwarded-Proto only when the operator says a proxy sets it."""

import secrets
import sys

import pytest

from tests.test_infrastructure import environment, run

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/", "/models/", "/models/openai/gpt-4o/", "/compare/", "/status/", "/api/v1/docs", "/admin/login/"],
)
def test_every_page_carries_the_policy(sample_data, reader, path):
    response = reader.get(path)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


@pytest.mark.django_db
def test_errors_and_the_api_carry_it_too(reader):
    for path in ("/no-such-page/", "/api/v1/models/"):
        assert directives(reader.get(path)["Content-Security-Policy"]) == POLICY


# A request that says it came over HTTPS through a proxy, in production settings (DEBUG off).
ASK = """
import django
django.setup()
from django.test import Client
response = Client().get("/robots.txt", HTTP_X_FORWARDED_PROTO="https")
print(response.status_code, response.get("Location", ""))
"""


def production(tmp_path, **changes: str | None) -> dict[str, str]:
    settings = {
        "DJANGO_SETTINGS_MODULE": "tokenledger.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "TOKENLEDGER_VAR_DIR": str(tmp_path),
        "DJANGO_ALLOW_ASYNC_UNSAFE": None,
        "SECURE_SSL_REDIRECT": None,
        "TRUSTED_PROXY_HEADER": None,
    }
    return environment(**{**settings, **changes})


def test_without_a_trusted_proxy_x_forwarded_proto_is_ignored_and_http_is_redirected(tmp_path):
    result = run([sys.executable, "-c", ASK], env=production(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "https://testserver/robots.txt"]


def test_with_a_trusted_proxy_its_x_forwarded_proto_makes_the_request_secure(tmp_path):
    result = run(
        [sys.executable, "-c", ASK], env=production(tmp_path, TRUSTED_PROXY_HEADER="X-Forwarded-Proto")
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200"]


def test_production_with_a_trusted_proxy_passes_the_deployment_checks(tmp_path):
    env = production(tmp_path, TRUSTED_PROXY_HEADER="X-Forwarded-Proto", ALLOWED_HOSTS="example.org")

    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)

    assert result.returncode == 0, result.stdout + result.stderr
