"""Model identity against the database: the resolver built from the catalog, and what resolving changes in it.

`catalog.identity` decides which lab model a listing is; this module feeds it the catalog's models and the
editors' decisions, files doubtful listings for review, keeps old addresses answering (ModelRedirect), and
merges a model into another without losing anything that hangs off it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from catalog import freshness
from catalog.identity import LabIndex, Listing, Resolution, Resolver, rules, slug_of
from catalog.models import (
    BenchmarkScore,
    MatchReview,
    MatchStatus,
    Model,
    ModelAlias,
    ModelRedirect,
    Offering,
    OfferingKind,
    Profile,
    Provider,
    StatusChange,
)


def decisions() -> dict[tuple[str, str], tuple[str, str] | None]:
    return {(a.host, a.host_model_id): a.decision for a in ModelAlias.objects.all()}


def catalog_index(labs: set[str]) -> LabIndex:
    """The catalog's models of these labs, the lab's own listings' names first."""
    index = LabIndex()
    rows = (
        Model.objects.filter(lab__slug__in=labs)
        .values_list("lab__slug", "slug", "name", "release_date")
        .order_by("lab__slug", "slug")
    )
    for lab, slug, name, released in rows:
        index.add(lab, slug, name, released)
    return index


def known_labs() -> set[str]:
    """Labs whose models listings resolve to: those our rules name, and labs in the catalog that host nothing."""
    named = set(rules()["host_labs"].values()) | set(rules()["lab_spellings"].values())
    return named | set(Provider.objects.filter(is_lab=True, is_host=False).values_list("slug", flat=True))


def catalog_resolver(extra_hosts: Iterable[str] = ()) -> Resolver:
    """A resolver over the whole catalog as it is now, for a price sync or `resolve_models`."""
    labs = known_labs()
    hosts = set(Provider.objects.values_list("slug", flat=True)) | set(extra_hosts)
    index = catalog_index(labs)
    index.fold_snapshots()
    return Resolver(index, decisions(), labs=labs, hosts=hosts)


def offering_kind(host: str, resolution: Resolution, varies: bool = False) -> str:
    """What the host sells: a free tier (":free" ids, free hosts), a plan, a router's variable price, or PAYG."""
    if varies:
        return OfferingKind.ROUTER
    if resolution.free:
        return OfferingKind.FREE
    return rules()["host_kinds"].get(host, OfferingKind.PAYG)


# --- What resolving writes ----------------------------------------------------------------------------------


@dataclass
class ResolutionReport:
    rules: Counter = field(default_factory=Counter)
    queued: int = 0
    moved: int = 0  # listings filed under another model than before
    merged: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key)
    created: int = 0  # models created for listings of a model not yet in the catalog

    def lines(self) -> list[str]:
        lines = [f"Listings by rule: {', '.join(f'{k} {v}' for k, v in sorted(self.rules.items()))}"]
        lines.append(f"Moved {self.moved} listings; merged {len(self.merged)} models; queued {self.queued}")
        return lines


def queue_doubtful(doubtful: list[tuple[Listing, Resolution]]) -> int:
    """File listings the resolver could not place for sure for an editor; decided ones are left as decided."""
    existing = {(r.host, r.host_model_id): r for r in MatchReview.objects.all()}
    to_create, to_update = [], []
    for listing, resolution in doubtful:
        values = {
            "name": listing.name[:200],
            "source": listing.source[:100],
            "filed_as": resolution.key,
            "candidates": list(resolution.candidates),
            "evidence": resolution.evidence,
        }
        review = existing.get((listing.host, listing.host_model_id))
        if review is None:
            to_create.append(MatchReview(host=listing.host, host_model_id=listing.host_model_id, **values))
        elif review.status == MatchStatus.PENDING and any(getattr(review, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(review, name, value)
            to_update.append(review)
    MatchReview.objects.bulk_create(to_create, batch_size=500)
    MatchReview.objects.bulk_update(to_update, ["name", "source", "filed_as", "candidates", "evidence"])
    return len(to_create)


def record_redirects(old_keys: dict[tuple[str, str], int]) -> int:
    """Old addresses → model id, for keys that are no model's own address and not yet recorded."""
    if not old_keys:
        return 0
    taken = set(Model.objects.values_list("lab__slug", "slug"))
    recorded = set(ModelRedirect.objects.values_list("lab", "slug"))
    new = [
        ModelRedirect(lab=lab, slug=slug, model_id=model_id)
        for (lab, slug), model_id in old_keys.items()
        if (lab, slug) not in taken and (lab, slug) not in recorded and slug
    ]
    ModelRedirect.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


def legacy_key(host: str, host_model_id: str) -> tuple[str, str]:
    """Where a listing was filed before identity was resolved: a model of its host, by its id."""
    return host, slug_of(host_model_id)


@transaction.atomic
def merge_model(old: Model, into: Model) -> None:
    """Merge `old` into `into`: its offerings (and with them prices, quotes, held changes, probe targets and
    runs), profile, benchmark scores and status history move; its address answers 301 to `into`."""
    if old.pk == into.pk:
        return
    Offering.objects.filter(model=old).update(model=into)
    if not Profile.objects.filter(model=into).exists():
        Profile.objects.filter(model=old).update(model=into)
    taken = set(
        BenchmarkScore.objects.filter(model=into).values_list("benchmark_id", "source_name", "measured_on")
    )
    for score in BenchmarkScore.objects.filter(model=old):
        if (score.benchmark_id, score.source_name, score.measured_on) in taken:
            score.delete()
        else:
            score.model = into
            score.save(update_fields=["model"])
    StatusChange.objects.filter(model=old).update(model=into)
    ModelRedirect.objects.filter(model=old).update(model=into)
    Model.objects.filter(successor=old).update(successor=into)
    ModelRedirect.objects.update_or_create(lab=old.lab.slug, slug=old.slug, defaults={"model": into})
    # A profile that could not move (the target has its own) goes with the old model: say so in the log.
    old.delete()


def merge_orphans(moves: dict[int, Counter]) -> list[tuple[str, str]]:
    """Models that lost every offering to resolution merge into the model most of them went to."""
    if not moves:
        return []
    left = dict(
        Model.objects.filter(pk__in=list(moves)).annotate(n=Count("offerings")).values_list("pk", "n")
    )
    merged = []
    targets = Model.objects.select_related("lab").in_bulk(
        {target for counter in moves.values() for target in counter}
    )
    for old in Model.objects.select_related("lab").filter(pk__in=[pk for pk, n in left.items() if n == 0]):
        into = targets[moves[old.pk].most_common(1)[0][0]]
        merged.append((old.key, into.key))
        merge_model(old, into)
    if merged:
        freshness.bump(freshness.CATALOG)
    return merged


def moves_of(before: dict[int, int], after: dict[int, int]) -> dict[int, Counter]:
    """old model id → Counter of new model ids, for offerings (id → model id) whose model changed."""
    moves: dict[int, Counter] = defaultdict(Counter)
    for offering_id, old_model in before.items():
        new_model = after.get(offering_id)
        if new_model is not None and new_model != old_model:
            moves[old_model][new_model] += 1
    return moves
