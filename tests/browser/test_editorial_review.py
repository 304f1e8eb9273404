"""The editorial workflow in chromium: an author cannot publish their own draft; a reviewer approves it and the
public page changes."""

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from catalog.groups import ensure_groups
from catalog.models import Profile
from tests.browser.test_catalog_and_profile import SCREENSHOTS

PASSWORD = "a-long-test-password-42"


def log_in(browser, live_server, username: str):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Site administration")).to_be_visible()
    return page


def test_a_reviewer_publishes_a_draft_its_author_could_not(
    live_server, live_sample_data, browser, django_user_model
):
    ensure_groups()  # a live-server test runs on a database the browser tests before it flushed
    for username, groups in (("ada", ["Authors", "Reviewers"]), ("grace", ["Reviewers"])):
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=username.title()
        )
        user.groups.set(Group.objects.filter(name__in=groups))
    profile = Profile.objects.get(model__lab__slug="openai", model__slug="gpt-4o")
    public = f"{live_server.url}/models/openai/gpt-4o/"

    author = log_in(browser, live_server, "ada")
    author.goto(f"{live_server.url}/admin/catalog/profile/{profile.pk}/change/")
    author.get_by_role("link", name="Write a new revision").click()
    author.get_by_label("Tagline").fill("Reviewed in the browser test")
    author.get_by_role("button", name="Save and continue editing").click()
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator(".messagelist")).to_contain_text("is waiting for review")
    author.get_by_role("button", name="Approve and publish").click()
    expect(author.locator(".messagelist")).to_contain_text("Nobody approves their own work")
    author.screenshot(path=SCREENSHOTS / "review-refused.png", full_page=True)
    author.goto(public)
    expect(author.locator(".tagline")).to_have_text(profile.tagline)

    reviewer = log_in(browser, live_server, "grace")
    reviewer.get_by_role("link", name="Review queue").click()
    reviewer.get_by_role("link", name="Profile of openai/gpt-4o").click()
    reviewer.get_by_role("link", name="Changes").click()
    expect(reviewer.locator("table.diff")).to_contain_text("Reviewed\xa0in\xa0the\xa0browser\xa0test")
    reviewer.go_back()
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("is published")

    reviewer.goto(public)
    expect(reviewer.locator(".tagline")).to_have_text("Reviewed in the browser test")
    expect(reviewer.locator(".byline")).to_contain_text("Reviewed by Grace")
    reviewer.locator(".profile-header").screenshot(path=SCREENSHOTS / "review-published.png")
