"""The editorial workflow: draft → in review → published (→ needs update when the model's facts change).

An author writes a revision; another person, with the review permission, approves it, which publishes it, or sends
it back with a note. Nobody approves their own work. The public page shows the profile, which only publishing
changes, so a new draft is invisible until approved. "Reviewed by" and "Last technical review" are set here and
nowhere else.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import (
    FaqEntry,
    Profile,
    ProfileRevision,
    ProfileStatus,
    RevisionState,
    faq_text,
)

REVIEW_PERMISSION = "catalog.review_profilerevision"
EDITED_FIELDS = ["tagline", "summary", "strengths", "weaknesses", "faq", "article"]


class WorkflowError(Exception):
    """An action the workflow does not allow; its message is shown to the person who tried it."""


def is_editor(user) -> bool:
    """Editors (and superusers) may edit and submit anyone's draft: they hold the permission to change profiles,
    which Django caches on the user, so asking again costs no query."""
    return user.has_perm("catalog.change_profile")


def new_revision(profile: Profile, author) -> ProfileRevision:
    """A draft that starts from what the public page shows now (or from the latest draft if it was never
    published). Not saved."""
    latest = profile.revisions.order_by("-number").first()
    revision = ProfileRevision(profile=profile, author=author)
    if profile.is_public or latest is None:
        revision.tagline, revision.summary, revision.article = (
            profile.tagline,
            profile.summary,
            profile.article,
        )
        revision.strengths = "\n".join(profile.strengths)
        revision.weaknesses = "\n".join(profile.weaknesses)
        revision.faq = faq_text((entry.question, entry.answer) for entry in profile.faq.all())
    else:
        for name in EDITED_FIELDS:
            setattr(revision, name, getattr(latest, name))
    return revision


def save_draft(revision: ProfileRevision, user) -> ProfileRevision:
    """Save a draft: new ones get the next number and their author; only the author or an editor edits one."""
    if revision.pk is None:
        revision.author = user
        revision.number = (revision.profile.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    else:
        stored = ProfileRevision.objects.get(pk=revision.pk)
        if stored.state != RevisionState.DRAFT:
            raise WorkflowError(
                f"Revision {stored.number} is {stored.get_state_display().lower()}: it can no longer be edited."
            )
        if stored.author_id != user.pk and not is_editor(user):
            raise WorkflowError("Only its author or an editor can edit a draft.")
    revision.save()
    return revision


@transaction.atomic
def submit(revision: ProfileRevision, user) -> None:
    revision = ProfileRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != RevisionState.DRAFT:
        raise WorkflowError(
            f"Only a draft can be submitted; this revision is {revision.get_state_display().lower()}."
        )
    if revision.author_id != user.pk and not is_editor(user):
        raise WorkflowError("Only its author or an editor can submit a draft for review.")
    revision.state = RevisionState.IN_REVIEW
    revision.submitted_at = timezone.now()
    revision.review_note = ""
    revision.save(update_fields=["state", "submitted_at", "review_note", "updated_at"])
    if revision.profile.status == ProfileStatus.DRAFT:
        Profile.objects.filter(pk=revision.profile_id).update(status=ProfileStatus.IN_REVIEW)


def _check_reviewer(revision: ProfileRevision, reviewer) -> None:
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise WorkflowError("You do not have the permission to review profiles.")
    if revision.author_id == reviewer.pk:
        raise WorkflowError(
            "You wrote this revision: someone else must review it. Nobody approves their own work."
        )
    if revision.state != RevisionState.IN_REVIEW:
        raise WorkflowError(
            f"Only a revision in review can be reviewed; this one is {revision.get_state_display().lower()}."
        )


@transaction.atomic
def approve(revision: ProfileRevision, reviewer) -> Profile:
    """Publish the revision: the public page shows it from now on, reviewed by `reviewer` today."""
    revision = ProfileRevision.objects.select_for_update().select_related("profile").get(pk=revision.pk)
    _check_reviewer(revision, reviewer)
    now = timezone.now()
    revision.state = RevisionState.PUBLISHED
    revision.reviewer = reviewer
    revision.reviewed_at = now
    revision.save(update_fields=["state", "reviewer", "reviewed_at", "updated_at"])

    profile = revision.profile
    profile.tagline, profile.summary, profile.article = revision.tagline, revision.summary, revision.article
    profile.strengths, profile.weaknesses = revision.strength_list, revision.weakness_list
    profile.author, profile.reviewer = revision.author, reviewer
    profile.reviewed_on, profile.published_at = now.date(), now
    profile.status = ProfileStatus.PUBLISHED
    profile.save()
    profile.faq.all().delete()
    FaqEntry.objects.bulk_create(
        FaqEntry(profile=profile, position=i, question=q, answer=a)
        for i, (q, a) in enumerate(revision.faq_entries)
    )
    return profile


@transaction.atomic
def request_changes(revision: ProfileRevision, reviewer, note: str) -> None:
    """Send the revision back to its author as a draft, with the reviewer's note."""
    revision = ProfileRevision.objects.select_for_update().get(pk=revision.pk)
    _check_reviewer(revision, reviewer)
    if not note.strip():
        raise WorkflowError("Say what should change: the note goes to the author.")
    revision.state = RevisionState.DRAFT
    revision.review_note = note.strip()
    revision.save(update_fields=["state", "review_note", "updated_at"])


def mark_needs_update(model_ids) -> int:
    """Published profiles of models whose facts changed: still public, flagged for an editor's next review."""
    return Profile.objects.filter(model_id__in=list(model_ids), status=ProfileStatus.PUBLISHED).update(
        status=ProfileStatus.NEEDS_UPDATE
    )


@dataclass
class FieldDiff:
    name: str
    table: str  # an HTML table, lines side by side, changes marked


def diff(old: ProfileRevision | None, new: ProfileRevision) -> list[FieldDiff]:
    """What changed from `old` to `new`, field by field (only fields that differ)."""
    differ = difflib.HtmlDiff(wrapcolumn=70)
    changes = []
    for name in EDITED_FIELDS:
        before = (getattr(old, name) if old else "").splitlines()
        after = getattr(new, name).splitlines()
        if before == after:  # line endings and a final newline are not changes
            continue
        label = ProfileRevision._meta.get_field(name).verbose_name.capitalize()
        table = differ.make_table(
            before,
            after,
            fromdesc=f"Revision {old.number}" if old else "Nothing",
            todesc=f"Revision {new.number}",
            context=True,
            numlines=2,
        )
        changes.append(FieldDiff(label, table))
    return changes
