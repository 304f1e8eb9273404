"""A model's status for the day, from the retirement dates sources announce: the same on every page and in the API,
turning from deprecated to retired on its date with no sync."""

import datetime as dt

import pytest

from catalog.models import Model, ModelStatus, Offering
from tests.fixtures import text_of

pytestmark = pytest.mark.django_db

SONNET = "/models/anthropic/claude-sonnet-4-5/"
BEFORE = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)  # LiteLLM: Anthropic retires it on 2026-11-30
AFTER = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


def test_a_model_reads_deprecated_with_its_date_until_it_retires(sample_data, reader, time_machine):
    time_machine.move_to(BEFORE)

    page = text_of(reader.get(SONNET))
    assert "Deprecated retires on 30 Nov 2026" in page
    assert "it retires on 30 November 2026" in page
    api = reader.get("/api/v1/models/anthropic/claude-sonnet-4-5/").json()
    assert (api["status"], api["retires_on"]) == ("deprecated", "2026-11-30")
    # A deprecated model's profile is no longer featured on the home page (issue 11); its page stays.
    assert '<h3><a href="/models/anthropic/claude-sonnet-4-5/">' not in reader.get("/").content.decode()


def test_after_its_date_it_reads_retired_everywhere_and_is_never_featured(sample_data, reader, time_machine):
    time_machine.move_to(AFTER)

    page = text_of(reader.get(SONNET))
    assert "Retired on 30 Nov 2026" in page and "Generally available" not in page
    assert "Its successor:" in page
    browse = text_of(reader.get("/models/", {"lab": "anthropic"}))
    assert "Claude Sonnet 4.5" not in browse  # retired models leave the default list
    retired = text_of(reader.get("/models/", {"lab": "anthropic", "status": "retired"}))
    assert "Claude Sonnet 4.5" in retired and "Retired" in retired
    assert "Retired" in text_of(reader.get("/models/", {"q": "sonnet 4.5"}))  # a search still finds it
    compare = text_of(reader.get("/compare/", {"models": "anthropic/claude-sonnet-4-5,openai/gpt-4o"}))
    assert "Retired on 30 Nov 2026" in compare
    api = reader.get("/api/v1/models/anthropic/claude-sonnet-4-5/").json()
    assert (api["status"], api["retires_on"]) == ("retired", "2026-11-30")
    listed = reader.get("/api/v1/models/", {"lab": "anthropic", "limit": 200}).json()["items"]
    assert next(m for m in listed if m["slug"] == "claude-sonnet-4-5")["status"] == "retired"
    assert "Claude Sonnet 4.5" not in text_of(reader.get("/"))
    assert reader.get(SONNET).status_code == 200  # its history stays reachable


def test_a_host_that_retires_it_later_keeps_its_own_status(sample_data, reader, time_machine):
    time_machine.move_to(AFTER)
    model = Model.objects.get(lab__slug="anthropic", slug="claude-sonnet-4-5")
    later = Offering.objects.filter(model=model, retires_on__gt=AFTER.date()).select_related("host").first()
    assert later is not None, "LiteLLM gives Bedrock a later date (2027-04-08)"

    assert model.lifecycle == ModelStatus.RETIRED and later.lifecycle == ModelStatus.DEPRECATED
    hosts = {o["host"]: o for o in reader.get(f"/api/v1/models/{model.key}/").json()["offerings"]}
    assert hosts[later.host.slug]["status"] == "deprecated"
    assert hosts["anthropic"]["status"] == "retired"


def test_an_editors_date_wins_over_the_sources(sample_data, reader, time_machine):
    time_machine.move_to(BEFORE)
    model = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    model.editor_retires_on = dt.date(2026, 10, 1)
    model.save()

    assert model.lifecycle == ModelStatus.RETIRED
    assert reader.get("/api/v1/models/openai/gpt-4o/").json()["retires_on"] == "2026-10-01"


def test_a_new_retirement_date_flags_the_reviewed_profile_for_its_editor(sample_data):
    from catalog.lifecycle import record_retirements

    model = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    lab_offering = model.offerings.get(host__slug="openai", host_model_id="gpt-4o")
    assert model.profile.status == "published"

    record_retirements({lab_offering.pk: dt.date(2027, 6, 1)})

    model.refresh_from_db()
    assert model.retires_on == dt.date(2027, 6, 1) and model.profile.status == "needs_update"


def test_the_sitemap_keeps_a_retired_model_at_a_low_priority(sample_data, reader, time_machine):
    time_machine.move_to(AFTER)

    sitemap = reader.get("/sitemap.xml").content.decode()

    entry = sitemap[sitemap.index("/models/anthropic/claude-sonnet-4-5/") :].split("</url>")[0]
    assert "<priority>0.2</priority>" in entry and "<changefreq>yearly</changefreq>" in entry
    current = sitemap[sitemap.index("/models/openai/gpt-5-nano/") :].split("</url>")[0]
    assert "<priority>0.4</priority>" in current  # deprecated: OpenAI retires it on 2026-12-11
