"""Loads editorial profiles written as Markdown files with YAML front matter (catalog/content/profiles/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max

from catalog.models import (
    Benchmark,
    BenchmarkScore,
    FaqEntry,
    Model,
    Profile,
    ProfileRevision,
    ProfileStatus,
    RevisionState,
    Verdict,
    faq_text,
)


class ProfileFileError(ValueError):
    pass


@dataclass
class ProfileLoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged"


def load_profiles(content_dir: Path) -> ProfileLoadReport:
    """Load every profile in `content_dir`/profiles/<lab>/<model>.md, with its editors and benchmarks."""
    editors = ensure_editors(yaml.safe_load((content_dir / "editors.yaml").read_text(encoding="utf-8")))
    benchmarks = sync_benchmarks(
        yaml.safe_load((content_dir / "benchmarks.yaml").read_text(encoding="utf-8"))
    )
    report = ProfileLoadReport()
    for path in sorted((content_dir / "profiles").glob("*/*.md")):
        try:
            meta, article = read_profile_file(path)
            state = load_profile(meta, article, editors, benchmarks)
        except (KeyError, TypeError, yaml.YAMLError) as error:
            raise ProfileFileError(f"{path.name}: {error!r}") from error
        except ProfileFileError as error:
            raise ProfileFileError(f"{path.name}: {error}") from error
        setattr(report, state, getattr(report, state) + 1)
    return report


def read_profile_file(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ProfileFileError(f"{path.name}: a profile starts with YAML front matter between '---' lines")
    front, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise ProfileFileError(f"{path.name}: the front matter is not closed by a '---' line")
    meta = yaml.safe_load(front)
    missing = {"model", "tagline", "summary", "author", "reviewer", "reviewed_on"} - set(meta)
    if missing:
        raise ProfileFileError(f"{path.name}: missing {', '.join(sorted(missing))}")
    return meta, body.strip() + "\n"


def ensure_editors(editors: list[dict[str, str]]) -> dict[str, Any]:
    User = get_user_model()
    users = {}
    for editor in editors:
        user, created = User.objects.get_or_create(
            username=editor["username"],
            defaults={"first_name": editor["first_name"], "last_name": editor["last_name"], "is_staff": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[user.username] = user
    return users


def sync_benchmarks(items: list[dict[str, str]]) -> dict[str, Benchmark]:
    benchmarks = {}
    for item in items:
        values = {
            "name": item["name"],
            "description": item.get("description", ""),
            "url": item.get("url", ""),
        }
        benchmark, created = Benchmark.objects.get_or_create(slug=item["slug"], defaults=values)
        if not created and any(getattr(benchmark, k) != v for k, v in values.items()):
            Benchmark.objects.filter(pk=benchmark.pk).update(**values)
        benchmarks[benchmark.slug] = benchmark
    return benchmarks


@transaction.atomic
def load_profile(meta: dict[str, Any], article: str, users: dict, benchmarks: dict[str, Benchmark]) -> str:
    """Create or update one profile with its FAQ, verdicts and benchmark scores; say what happened."""
    lab, _, slug = meta["model"].partition("/")
    try:
        model = Model.objects.get(lab__slug=lab, slug=slug)
    except Model.DoesNotExist:
        raise ProfileFileError(f"{meta['model']}: no such model in the catalog") from None
    reviewed_on: dt.date = meta["reviewed_on"]
    values = {
        "status": ProfileStatus.PUBLISHED,
        "tagline": meta["tagline"].strip(),
        "summary": meta["summary"].strip(),
        "strengths": list(meta.get("strengths", [])),
        "weaknesses": list(meta.get("weaknesses", [])),
        "article": article,
        "author": users[meta["author"]],
        "reviewer": users[meta["reviewer"]],
        "reviewed_on": reviewed_on,
        "published_at": dt.datetime.combine(reviewed_on, dt.time(), tzinfo=dt.UTC),
    }
    faq = [(i, q["question"].strip(), q["answer"].strip()) for i, q in enumerate(meta.get("faq", []))]
    verdicts = [
        (v["date"], v["title"].strip(), v["body"].strip(), list(v.get("highlights", [])))
        for v in meta.get("verdicts", [])
    ]
    scores = {
        (b["benchmark"], b["source"], b["measured_on"]): (
            Decimal(str(b["score"])),
            b.get("unit", "%"),
            b.get("source_url", ""),
        )
        for b in meta.get("benchmarks", [])
    }

    profile = Profile.objects.filter(model=model).first()
    state = "unchanged"
    if profile is None:
        profile = Profile.objects.create(model=model, **values)
        state = "created"
    elif any(getattr(profile, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(profile, k, v)
        profile.save()
        state = "updated"

    if _record_revision(profile, values, faq):
        state = "updated" if state == "unchanged" else state
    if [(e.position, e.question, e.answer) for e in profile.faq.all()] != faq:
        profile.faq.all().delete()
        FaqEntry.objects.bulk_create(
            FaqEntry(profile=profile, position=i, question=q, answer=a) for i, q, a in faq
        )
        state = "updated" if state == "unchanged" else state
    if [(v.date, v.title, v.body, v.highlights) for v in profile.verdicts.order_by("id")] != verdicts:
        profile.verdicts.all().delete()
        Verdict.objects.bulk_create(
            Verdict(profile=profile, date=d, title=t, body=b, highlights=h) for d, t, b, h in verdicts
        )
        state = "updated" if state == "unchanged" else state
    existing = {
        (s.benchmark.slug, s.source_name, s.measured_on): (s.score, s.unit, s.source_url)
        for s in model.benchmark_scores.select_related("benchmark")
    }
    if existing != scores:
        model.benchmark_scores.all().delete()
        BenchmarkScore.objects.bulk_create(
            BenchmarkScore(
                model=model,
                benchmark=benchmarks[slug],
                source_name=source,
                measured_on=measured_on,
                score=score,
                unit=unit,
                source_url=url,
            )
            for (slug, source, measured_on), (score, unit, url) in scores.items()
        )
        state = "updated" if state == "unchanged" else state
    return state


def _record_revision(profile: Profile, values: dict[str, Any], faq: list[tuple[int, str, str]]) -> bool:
    """Keep the file's text in the profile's history as a published revision, written and reviewed by the people
    its front matter names, unless the latest published revision already says the same."""
    content = {
        "tagline": values["tagline"],
        "summary": values["summary"],
        "strengths": "\n".join(values["strengths"]),
        "weaknesses": "\n".join(values["weaknesses"]),
        "faq": faq_text((question, answer) for _, question, answer in faq),
        "article": values["article"],
    }
    latest = profile.revisions.filter(state=RevisionState.PUBLISHED).order_by("-number").first()
    if latest is not None and all(getattr(latest, name) == value for name, value in content.items()):
        return False
    number = (profile.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    ProfileRevision.objects.create(
        profile=profile,
        number=number,
        state=RevisionState.PUBLISHED,
        author=values["author"],
        reviewer=values["reviewer"],
        submitted_at=values["published_at"],
        reviewed_at=values["published_at"],
        **content,
    )
    return True
