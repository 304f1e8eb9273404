from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.importing import CONTENT_DIR
from catalog.models import Profile, ProfileStatus

pytestmark = pytest.mark.django_db

PROFILE = """---
model: openai/o3
tagline: A reasoning model.
summary: A multimodal model.
strengths: [broad knowledge]
weaknesses: [older knowledge cutoff]
faq:
  - question: Does it read images?
    answer: Yes.
benchmarks: []
verdicts: []
author: editorial-desk
reviewer: technical-review
reviewed_on: 2026-11-20
---
## What it does

Text and images in, text out.
"""


@pytest.fixture
def content_dir(tmp_path):
    (tmp_path / "profiles" / "openai").mkdir(parents=True)
    for name in ("editors.yaml", "benchmarks.yaml"):
        (tmp_path / name).write_text((CONTENT_DIR / name).read_text())
    return tmp_path


def load(content_dir) -> str:
    out = StringIO()
    call_command("load_profiles", dir=content_dir, stdout=out)
    return out.getvalue()


def test_a_profile_file_is_published_with_its_reviewer_and_loading_it_again_changes_nothing(
    sample_data, content_dir
):
    (content_dir / "profiles" / "openai" / "o3.md").write_text(PROFILE)

    assert "Profiles: 1 new" in load(content_dir)
    profile = Profile.objects.get(model__lab__slug="openai", model__slug="o3")
    assert profile.status == ProfileStatus.PUBLISHED
    assert profile.reviewer.username == "technical-review"
    assert profile.author.username == "editorial-desk"
    assert not profile.reviewer.has_usable_password()
    assert [e.question for e in profile.faq.all()] == ["Does it read images?"]
    assert "0 new, 0 updated, 1 unchanged" in load(content_dir)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "starts with YAML front matter"),
        ("---\nmodel: openai/gpt-4o\n", "not closed"),
        ("---\nmodel: openai/gpt-4o\n---\nbody", "missing"),
        (PROFILE.replace("openai/o3", "openai/no-such-model"), "no such model"),
    ],
)
def test_a_broken_profile_file_is_refused_with_a_clear_error(sample_data, content_dir, text, message):
    (content_dir / "profiles" / "openai" / "broken.md").write_text(text)

    with pytest.raises(CommandError, match=message):
        load(content_dir)
