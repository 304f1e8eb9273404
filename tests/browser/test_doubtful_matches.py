"""An editor clears a doubtful match in chromium: the listing joins the model they pick, and its page shows it."""

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from catalog.groups import ensure_groups
from catalog.importing import EntryFacts, ModelFacts, import_facts
from catalog.models import MatchReview, Model, Provider
from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.browser.test_editorial_review import PASSWORD, log_in


def test_an_editor_accepts_a_candidate_and_the_listing_joins_the_model(
    live_server, transactional_db, browser, django_user_model
):
    ensure_groups()
    editor = django_user_model.objects.create_user(
        "mary", password=PASSWORD, is_staff=True, first_name="Mary"
    )
    editor.groups.set(Group.objects.filter(name="Editors"))
    Provider.objects.create(slug="openai", name="OpenAI", is_lab=True, is_host=True)
    Provider.objects.create(slug="azure", name="Azure", is_host=True)
    import_facts([], [EntryFacts(host="openai", host_model_id="gpt-4.1", model=ModelFacts(name="GPT-4.1"))])
    import_facts(
        [], [EntryFacts(host="azure", host_model_id="gpt-4.1-2025-04-14", model=ModelFacts(name="GPT-4.1"))]
    )
    assert MatchReview.objects.filter(host="azure").exists()

    page = log_in(browser, live_server, "mary")
    page.get_by_role("link", name="Doubtful matches").click()
    page.get_by_role("link", name="azure · gpt-4.1-2025-04-14").click()
    expect(page.locator(".field-evidence")).to_contain_text("a snapshot of openai/gpt-4.1 dated 2025-04-14")
    page.get_by_label("the same model as openai/gpt-4.1").check()
    page.get_by_label("Note").fill("OpenAI's gpt-4.1 is this snapshot")
    page.screenshot(path=SCREENSHOTS / "doubtful-match.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Every later import and sync follows it")

    page.goto(f"{live_server.url}/models/openai/gpt-4.1/")
    expect(page.locator("#pricing, .profile")).to_contain_text("gpt-4.1-2025-04-14")
    assert not Model.objects.filter(slug="gpt-4.1-2025-04-14").exists()
    page.goto(f"{live_server.url}/models/openai/gpt-4.1-2025-04-14/")
    expect(page).to_have_url(f"{live_server.url}/models/openai/gpt-4.1/")
