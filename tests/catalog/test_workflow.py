"""The editorial workflow in the admin: draft → in review → published, nobody approves their own work, the public
page changes only when a revision is published, every revision kept, with a preview and a diff."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog import workflow
from catalog.models import Model, Profile, ProfileRevision, ProfileStatus, RevisionState
from tests.fixtures import reimport_as_deprecated, text_of

pytestmark = pytest.mark.django_db

PAGE = "/models/openai/gpt-4o/"


def member(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(
        username, password="not-used", is_staff=True, first_name=username.title()
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(django_user_model):
    return {
        "author": member(django_user_model, "ada", "Authors"),
        "reviewer": member(django_user_model, "grace", "Reviewers"),
        "editor": member(django_user_model, "linus", "Editors"),
    }


@pytest.fixture
def profile(sample_data):
    return Profile.objects.get(model__lab__slug="openai", model__slug="gpt-4o")


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def write_draft(client: Client, profile: Profile, tagline: str) -> ProfileRevision:
    """The author opens "Write a new revision", changes the tagline and saves."""
    add = reverse("admin:catalog_profilerevision_add") + f"?profile={profile.pk}"
    form = client.get(add).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in workflow.EDITED_FIELDS}
    response = client.post(add, {**data, "profile": profile.pk, "tagline": tagline})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ProfileRevision.objects.filter(profile=profile).order_by("-number").first()


def post(client: Client, name: str, revision: ProfileRevision, **data):
    return client.post(
        reverse(f"admin:catalog_profilerevision_{name}", args=[revision.pk]), data, follow=True
    )


def test_a_draft_is_private_until_another_person_approves_it(profile, people, reader, time_machine):
    # Today at noon, the clock running: the review's date and the date the test expects are the same day even
    # when the suite runs across midnight (UTC).
    time_machine.move_to(timezone.now().replace(hour=12, minute=0, second=0, microsecond=0))
    published_tagline = profile.tagline
    author, reviewer = as_user(people["author"]), as_user(people["reviewer"])

    draft = write_draft(author, profile, "A new tagline, not yet reviewed")
    assert (draft.state, draft.author, draft.number) == (RevisionState.DRAFT, people["author"], 2)
    assert draft.summary == profile.summary  # a new revision starts from the published text
    assert published_tagline in text_of(reader.get(PAGE))
    assert "A new tagline" not in text_of(reader.get(PAGE))

    post(author, "submit", draft)
    refused = post(author, "approve", draft)  # an author may not publish their own draft
    assert "do not have the permission to review" in text_of(refused)
    draft.refresh_from_db()
    assert draft.state == RevisionState.IN_REVIEW and "A new tagline" not in text_of(reader.get(PAGE))

    approved = post(reviewer, "approve", draft)
    assert "is published" in text_of(approved)
    page = text_of(reader.get(PAGE))
    assert "A new tagline, not yet reviewed" in page and published_tagline not in page
    today = timezone.now().date()
    assert f"Reviewed by Grace on {today:%b} {today.day}, {today.year}" in page
    assert f"Last technical review: {today:%Y-%m-%d}" in page
    history = list(profile.revisions.order_by("-number").values_list("number", "state", "author__username"))
    assert history[0] == (2, "published", "ada") and history[1][:2] == (1, "published")  # both kept
    assert profile.revisions.get(number=2).reviewer == people["reviewer"]


def test_nobody_approves_their_own_work_even_an_editor(profile, people):
    editor = as_user(people["editor"])
    draft = write_draft(editor, profile, "An editor's own change")
    post(editor, "submit", draft)

    refused = post(editor, "approve", draft)

    assert "Nobody approves their own work" in text_of(refused)
    draft.refresh_from_db()
    assert draft.state == RevisionState.IN_REVIEW
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database agrees
        ProfileRevision.objects.filter(pk=draft.pk).update(reviewer=people["editor"])


def test_a_reviewer_sends_a_draft_back_with_a_note(profile, people, reader):
    author, reviewer = as_user(people["author"]), as_user(people["reviewer"])
    draft = write_draft(author, profile, "Needs work")
    post(author, "submit", draft)

    assert "Say what should change" in text_of(post(reviewer, "changes", draft, note=""))
    post(reviewer, "changes", draft, note="Cite the price source.")

    draft.refresh_from_db()
    assert (draft.state, draft.review_note) == (RevisionState.DRAFT, "Cite the price source.")
    assert "Reviewer's note: Cite the price source." in text_of(author.get(draft_url(draft)))
    assert "Needs work" not in text_of(reader.get(PAGE))


def draft_url(revision: ProfileRevision) -> str:
    return reverse("admin:catalog_profilerevision_change", args=[revision.pk])


def test_a_revision_in_review_is_locked_and_others_drafts_are_not_yours_to_edit(
    profile, people, django_user_model
):
    author = as_user(people["author"])
    draft = write_draft(author, profile, "Locked once submitted")
    other = as_user(member(django_user_model, "bob", "Authors"))

    assert other.post(draft_url(draft), {"tagline": "Bob was here"}).status_code == 403
    post(author, "submit", draft)
    assert author.post(draft_url(draft), {"tagline": "Changed in review"}).status_code == 403
    draft.refresh_from_db()
    assert draft.tagline == "Locked once submitted"


def test_the_preview_shows_a_draft_as_it_would_read_and_only_to_staff(profile, people, reader):
    author = as_user(people["author"])
    draft = write_draft(author, profile, "Seen in preview only")
    url = reverse("admin:catalog_profilerevision_preview", args=[draft.pk])

    preview = text_of(author.get(url))

    assert "Preview of revision 2 (draft) by Ada" in preview and "Seen in preview only" in preview
    assert reader.get(url).status_code == 302  # to the admin login


def test_the_diff_shows_what_a_revision_changes_from_the_published_one(profile, people):
    author = as_user(people["author"])
    draft = write_draft(author, profile, "A sharper tagline")

    response = author.get(reverse("admin:catalog_profilerevision_diff", args=[draft.pk]))

    page = text_of(response).replace("\xa0", " ")  # the diff table keeps spaces as &nbsp;
    assert (
        "Tagline" in page and "A sharper tagline" in page and profile.tagline[:40] in page
    )  # lines wrap at 70
    assert "<h2>Summary</h2>" not in response.content.decode()  # unchanged fields are left out


def test_the_reviewed_by_fields_cannot_be_typed_by_hand(profile, people):
    editor = as_user(people["editor"])
    form = editor.get(reverse("admin:catalog_profile_change", args=[profile.pk])).context["adminform"].form

    assert not {"reviewer", "reviewed_on", "author", "status", "tagline"} & set(form.fields)


def test_the_review_queue_lists_what_waits_for_review(profile, people):
    author, reviewer = as_user(people["author"]), as_user(people["reviewer"])
    draft = write_draft(author, profile, "Queued")
    queue = reverse("admin:catalog_revisioninreview_changelist")
    assert "Profile of openai/gpt-4o" not in text_of(reviewer.get(queue))

    post(author, "submit", draft)

    page = text_of(reviewer.get(queue))
    assert "Profile of openai/gpt-4o" in page and "ada" in page


def test_a_published_profile_needs_an_update_when_its_models_facts_change(profile, reader):
    model = profile.model
    reimport_as_deprecated(model)

    profile.refresh_from_db()
    assert profile.status == ProfileStatus.NEEDS_UPDATE and profile.is_public
    assert "facts about this model changed after this review" in text_of(reader.get(PAGE))
    assert Model.objects.get(pk=model.pk).status == "deprecated"


def test_every_profile_loaded_from_the_content_files_has_its_first_revision(sample_data):
    for profile in Profile.objects.public():
        first = profile.revisions.get()
        assert (first.state, first.author_id, first.reviewer_id) == (
            "published",
            profile.author_id,
            profile.reviewer_id,
        )
        assert first.tagline == profile.tagline and first.reviewed_at.date() == profile.reviewed_on


def test_a_new_profile_starts_private_and_goes_public_when_its_first_revision_is_approved(
    sample_data, people, reader
):
    editor, reviewer = as_user(people["editor"]), as_user(people["reviewer"])
    model = Model.objects.get(lab__slug="openai", slug="gpt-4o-mini")
    page = f"/models/openai/{model.slug}/"
    assert not Profile.objects.filter(model=model).exists()

    created = editor.post(reverse("admin:catalog_profile_add"), {"model": model.pk})

    profile = Profile.objects.get(model=model)
    assert created["Location"] == reverse("admin:catalog_profilerevision_add") + f"?profile={profile.pk}"
    assert profile.status == ProfileStatus.DRAFT
    assert "Not yet reviewed by our editors" in text_of(reader.get(page))
    draft = write_draft(editor, profile, "The small, cheap GPT-4o")
    post(editor, "submit", draft)
    assert "The small, cheap GPT-4o" not in text_of(reader.get(page))

    post(reviewer, "approve", draft)

    assert "The small, cheap GPT-4o" in text_of(reader.get(page))
    assert "Reviewed by Grace" in text_of(reader.get(page))
