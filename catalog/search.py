"""Search that finds what people type: every word in any order, whatever the case, spaces and punctuation
("gpt4o", "gpt 4o", "GPT-4o" and "gpt-4o" are one query), across a model's names, ids, every host's id for it,
its old addresses, its family and its lab.

Each model keeps a folded search document (`Model.search_document`, with its name and slug apart in
`Model.search_name`), so that a search is one condition on one table, on any backend and at any size: a word
matches where it is a substring of the document (on PostgreSQL a trigram index serves that LIKE). The documents
are kept current by `refresh_documents`, which every bulk write of models, offerings and old addresses calls,
and by `Model.save` and the signals below for single rows.

Results are ranked: an exact name (or slug), then a name that starts with the query, then an exact host id or
old address, then any other match of every word; within each, the lab's own model before a host's listing filed
as a model of its own, current before retired, more hosts first, newest first.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from anyascii import anyascii
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower

MAX_WORDS = 8


def fold(text: str) -> str:
    """Text as search compares it: lowercase letters and digits only, accents dropped ("GPT-4o" → "gpt4o")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def query_words(text: str) -> list[str]:
    """The folded words of what the reader typed, each once, at most MAX_WORDS. A word with no letter or digit
    ("🔥") is read as its transliteration ("fire"), as catalog.slugs spells such a model's slug."""
    folded = (fold(part) or fold(anyascii(part)) for part in text.split())
    return list(dict.fromkeys(w for w in folded if w))[:MAX_WORDS]


def _terms(texts: Iterable[str]) -> str:
    """Folded terms, each once, space-separated with a space at both ends (so " term " is an exact term)."""
    terms = dict.fromkeys(t for t in (fold(text) for text in texts) if t)
    return f" {' '.join(terms)} " if terms else ""


def _id_parts(host_model_id: str) -> list[str]:
    """A host's id, and its last part where it names the model under a path ("openai/gpt-4o" → "gpt-4o")."""
    return [host_model_id, host_model_id.rstrip("/").rsplit("/", 1)[-1]]


def documents_for(
    name: str,
    slug: str,
    family: str,
    lab_name: str,
    lab_slug: str,
    listings: Iterable[tuple[str, str]] = (),
    old_addresses: Iterable[tuple[str, str]] = (),
) -> tuple[str, str]:
    """(search_name, search_document) of one model: its name and slug; then everything it is found by, its
    host ids and listed names (`listings`, (host id, listed name) pairs) and old addresses ((lab, slug) pairs)."""
    words = [name, slug, family, lab_name, lab_slug]
    for host_model_id, listed_name in listings:
        words += [*_id_parts(host_model_id), listed_name]
    for lab, old_slug in old_addresses:
        words += [old_slug, f"{lab}{old_slug}"]
    return _terms([name, slug]), _terms(words)


def documents(
    models: QuerySet, offerings: QuerySet, redirects: QuerySet, also: Iterable[str] = ()
) -> Iterator[tuple[Any, str, str]]:
    """(model, search_name, search_document) for each of `models`, from its listings in `offerings` and its old
    addresses in `redirects`, the model read with its fields `also` too. Three reads whatever the number of
    models; the migration that added the documents passes its historical models."""
    listings = defaultdict(list)
    for model_id, host_model_id, listed_name in offerings.order_by("pk").values_list(
        "model_id", "host_model_id", "listed_name"
    ):
        listings[model_id].append((host_model_id, listed_name))
    old_addresses = defaultdict(list)
    for model_id, lab, slug in redirects.order_by("pk").values_list("model_id", "lab", "slug"):
        old_addresses[model_id].append((lab, slug))
    for model in models.select_related("lab").only(
        "name", "slug", "family", "lab__name", "lab__slug", "search_name", "search_document", *also
    ):
        yield (
            model,
            *documents_for(
                model.name,
                model.slug,
                model.family,
                model.lab.name,
                model.lab.slug,
                listings[model.pk],
                old_addresses[model.pk],
            ),
        )


def refresh_documents(model_ids: Iterable[int] | None = None) -> int:
    """Recompute the search documents of these models (every model when None), and the kinds of offering that
    sell them and the number of hosts that serve them (`Model.offering_kinds`, `Model.hosts_serving`, which change
    where their listings do), and write those that changed. Four reads whatever the number of models, and a write
    per 500 changed. Returns how many changed."""
    from catalog.models import Model, ModelRedirect, Offering, offering_kind_tags

    models = Model.objects.all()
    offerings = Offering.objects.all()
    redirects = ModelRedirect.objects.all()
    if model_ids is not None:
        ids = set(model_ids)
        if not ids:
            return 0
        models = models.filter(pk__in=ids)
        offerings = offerings.filter(model_id__in=ids)
        redirects = redirects.filter(model_id__in=ids)
    kinds, hosts = defaultdict(set), defaultdict(set)
    for model_id, kind, host_id in offerings.order_by().values_list("model_id", "kind", "host_id").distinct():
        kinds[model_id].add(kind)
        hosts[model_id].add(host_id)
    derived = ["search_name", "search_document", "offering_kinds", "hosts_serving"]
    changed = []
    for model, name, document in documents(models, offerings, redirects, also=derived[2:]):
        values = (name, document, offering_kind_tags(kinds[model.pk]), len(hosts[model.pk]))
        if values != tuple(getattr(model, field) for field in derived):
            for field, value in zip(derived, values, strict=True):
                setattr(model, field, value)
            changed.append(model)
    Model.objects.bulk_update(changed, derived, batch_size=500)
    return len(changed)


def matching(text: str) -> Q:
    """Models in which every word of `text` is found; nothing when `text` has no letter or digit."""
    words = query_words(text)
    if not words:
        return Q(pk__in=[])
    condition = Q()
    for word in words:
        condition &= Q(search_document__contains=word)
    return condition


def ranked(models: QuerySet, text: str) -> QuerySet:
    """`models` annotated with what relevance orders by (see RELEVANCE), for the search `text`. `models` must be
    annotated `with_lifecycle()` and `with_host_count()`, as browse's are."""
    from catalog.models import ModelStatus, Offering

    whole = "".join(query_words(text))
    return models.annotate(
        search_tier=Case(
            When(search_name__contains=f" {whole} ", then=Value(0)),
            When(search_name__contains=f" {whole}", then=Value(1)),
            When(search_document__contains=f" {whole} ", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
        # The lab's own model: one its lab serves, or a catalogue entry of a lab that serves nothing itself
        # (Meta's Llama). A host's listing filed as a model of its own (an id no rule could place, created
        # unreviewed by a sync) is neither.
        search_own=Case(
            When(Exists(Offering.objects.filter(model=OuterRef("pk"), host=OuterRef("lab"))), then=Value(1)),
            When(lab__is_host=False, needs_review=False, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        search_retired=Case(
            When(status_today=ModelStatus.RETIRED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


RELEVANCE = [
    F("search_tier").asc(),
    F("search_own").desc(),
    F("search_retired").asc(),
    F("host_count").desc(nulls_last=True),
    F("release_date").desc(nulls_last=True),
    Lower("name").asc(),
    "pk",
]


def search(models: QuerySet, text: str) -> QuerySet:
    """The models of `models` that `text` finds, most relevant first."""
    return ranked(models.filter(matching(text)).with_lifecycle().with_host_count(), text).order_by(*RELEVANCE)


def did_you_mean(text: str, limit: int = 5) -> list[str]:
    """The model names nearest to `text`, for a search that found nothing. One query."""
    from catalog.models import Model

    whole = "".join(query_words(text))
    if len(whole) < 2:
        return []
    by_folded: dict[str, str] = {}
    for name in Model.objects.order_by("name").values_list("name", flat=True).distinct():
        by_folded.setdefault(fold(name), name)
    nearest = difflib.get_close_matches(whole, list(by_folded), n=limit, cutoff=0.6)
    return [by_folded[folded] for folded in nearest]


# --- Single rows: the admin, a test, a script -----------------------------------------------------------------


def _refresh_offering_model(sender, instance, **kwargs) -> None:
    refresh_documents({instance.model_id, getattr(instance, "_search_model_id", instance.model_id)})


def _refresh_lab_models(sender, instance, created=False, **kwargs) -> None:
    from catalog.models import Model

    if created:  # no model is filed under it yet
        return
    refresh_documents(Model.objects.filter(lab=instance).values_list("pk", flat=True))


def connect_signals() -> None:
    """Single-row saves and deletes keep their model's document current; bulk writes call refresh_documents."""
    from django.db.models.signals import post_delete, post_save

    from catalog.models import ModelRedirect, Offering, Provider

    for signal in (post_save, post_delete):
        signal.connect(_refresh_offering_model, sender=Offering, dispatch_uid=f"search-offering-{signal}")
    # Not on delete: redirects are deleted in bulk only where a model takes their address (a merge), and a
    # receiver would make Django delete them one by one.
    post_save.connect(_refresh_offering_model, sender=ModelRedirect, dispatch_uid="search-redirect")
    post_save.connect(_refresh_lab_models, sender=Provider, dispatch_uid="search-provider")
