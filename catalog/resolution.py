"""Model identity against the database: the resolver built from the catalog, and what resolving changes in it.

`catalog.identity` decides which lab model a listing is; this module feeds it the catalog's models and the
editors' decisions, files doubtful listings for review, keeps old addresses answering (ModelRedirect), and
merges a model into another without losing anything that hangs off it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat, Substr

from catalog import freshness, search
from catalog.identity import (
    LabIndex,
    Listing,
    Resolution,
    Resolver,
    lab_spelling,
    name_core,
    rules,
    tokens,
)
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
from catalog.slugs import model_slug


def decisions() -> dict[tuple[str, str], tuple[str, str] | None]:
    return {(a.host, a.host_model_id): a.decision for a in ModelAlias.objects.all()}


ANCHORING_RULES = ("source-hint", "alias")


def catalog_index(labs: set[str], *, anchored_only: bool = False) -> LabIndex:
    """The catalog's models of these labs. With anchored_only, only the models a lab lists itself or a source
    or an editor named: not those created for listings no lab lists, so that resolving again comes out the same."""
    index = LabIndex()
    models = Model.objects.filter(lab__slug__in=labs)
    if anchored_only:
        anchored = Offering.objects.filter(Q(host_id=F("model__lab_id")) | Q(match_rule__in=ANCHORING_RULES))
        models = models.filter(pk__in=anchored.values("model_id"))
    rows = models.values_list("lab__slug", "slug", "name", "release_date").order_by("lab__slug", "slug")
    for lab, slug, name, released in rows:
        # As for a listing a source names the model of: a name only where it says no more than the id.
        agrees = not anchored_only or set(tokens(name_core(name))) <= set(tokens(slug))
        index.add(lab, slug, name if agrees else "", released)
    # The labs' own ids for their models, where they differ from the model's (a snapshot the lab lists as it).
    at_lab = Offering.objects.filter(host_id=F("model__lab_id"), model__lab__slug__in=labs)
    for lab, host_model_id, slug in at_lab.values_list("host__slug", "host_model_id", "model__slug"):
        index.add_listing(lab, host_model_id, slug)
    return index


def known_labs() -> set[str]:
    """The labs our rules and curated providers name. Deliberately not "every lab in the catalog": resolution
    must not depend on what earlier resolutions created, or resolving again would move listings."""
    from catalog.importing import curated_providers

    named = set(rules()["host_labs"].values()) | set(rules()["lab_spellings"].values())
    return named | {slug for slug, item in curated_providers().items() if item.get("is_lab")}


def catalog_resolver() -> Resolver:
    """A resolver over the whole catalog as it is now, for applying an editor's decision."""
    labs = known_labs()
    hosts = set(Provider.objects.filter(is_host=True).values_list("slug", flat=True))
    index = catalog_index(labs)
    index.fold_snapshots()
    return Resolver(index, decisions(), labs=labs, hosts=hosts)


def offering_kind(
    host: str,
    resolution: Resolution,
    *,
    host_model_id: str = "",
    costs_nothing: bool = False,
    batch_only: bool = False,
    variable_price: bool = False,
) -> str:
    """What the host sells: a plan (coding plans, GitLab Duo), a router that picks a model per request
    (openrouter/auto), a listing priced in batch mode only, a free tier (":free" ids, free hosts, a listing priced
    $0 in and out), or pay-as-you-go."""
    kind = rules()["host_kinds"].get(host, OfferingKind.PAYG)
    if variable_price or re.search(rules()["router_ids"], host_model_id, re.I):
        return OfferingKind.ROUTER
    if batch_only:
        return OfferingKind.BATCH
    if kind == OfferingKind.PAYG and (resolution.free or costs_nothing):
        return OfferingKind.FREE
    return kind


def resolve_listings(
    listings: list[Listing],
    released: list,
    report: ResolutionReport,
    *,
    whole_catalog: bool = False,
    queue: bool = True,
) -> list[Resolution]:
    """The lab model of each listing, in the same way for a catalogue import and for `resolve_models`, so that
    importing again or resolving again comes to the same models.

    Candidates are the models the labs list themselves and those sources or editors name, from these listings
    and from the catalog; the labs' own listings are resolved first, then those a source names the model of,
    then the rest by host and id, each model no lab lists registered as it is created so that two hosts'
    listings of it resolve to one model. Doubtful listings are queued for an editor.

    A price sync resolves only listings new to the catalog, against every model in it (`whole_catalog`): a model
    an earlier sync created is a candidate too.

    Only reads, but for queueing the doubtful listings; with `queue=False` they are left in `report.doubtful`
    for the caller to queue (`queue_doubtful`) where it writes (a sync, in its short write transaction)."""
    labs = known_labs() | {lab_spelling(x.lab_hint) or x.lab_hint for x in listings if x.lab_hint}
    index = catalog_index(labs, anchored_only=not whole_catalog)
    hosts = {listing.host for listing in listings} | set(
        Provider.objects.filter(is_host=True).values_list("slug", flat=True)
    )
    resolver = Resolver(index, decisions(), labs=labs, hosts=hosts)
    own = [
        not listing.model_hint and resolver.is_labs_own(listing.host, listing.host_model_id)
        for listing in listings
    ]
    for listing, is_own, date in zip(listings, own, released, strict=True):
        if listing.model_hint:
            # The host's name for it is the model's name only when it says no more than the model's id.
            agrees = set(tokens(name_core(listing.name))) <= set(tokens(listing.model_hint))
            lab = lab_spelling(listing.lab_hint) or listing.lab_hint
            index.add(lab, model_slug(listing.model_hint), listing.name if agrees else "", date)
        elif is_own:
            index.add(listing.host, model_slug(listing.host_model_id), listing.name, date)
    index.fold_snapshots()
    order = sorted(
        range(len(listings)),
        key=lambda i: (not own[i], not listings[i].model_hint, listings[i].host, listings[i].host_model_id),
    )
    resolutions: list[Resolution | None] = [None] * len(listings)
    doubtful = []
    for i in order:
        resolution = resolver.resolve(listings[i])
        if resolution.rule in REGISTERING_RULES:
            resolver.register(resolution, listings[i].name, released[i])
        if resolution.doubtful:
            doubtful.append((listings[i], resolution))
        report.rules[resolution.rule] += 1
        resolutions[i] = resolution
    report.doubtful = doubtful
    if queue:
        report.queued = queue_doubtful(doubtful)
    return resolutions


# Rules that file a listing under a model no lab lists: the model becomes a candidate for the listings after it.
REGISTERING_RULES = ("new", "own", "doubtful", "unknown-lab", "alias-separate")


# --- What resolving writes ----------------------------------------------------------------------------------


@dataclass
class ResolutionReport:
    rules: Counter = field(default_factory=Counter)
    queued: int = 0
    moved: int = 0  # listings filed under another model than before
    merged: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key)
    merged_rules: list[str] = field(default_factory=list)  # the rule that merged each
    moves: list[tuple[str, str, str, str]] = field(default_factory=list)  # (listing, from, to, rule)
    doubtful: list[tuple[Listing, Resolution]] = field(default_factory=list)  # for an editor


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


def record_redirects(old_keys: dict[tuple[str, str], int], *, refresh: bool = True) -> int:
    """Old addresses → model id, for keys that are no model's own address and not yet recorded. With
    `refresh=False` the caller refreshes the models' search documents itself (a sync, once for all it wrote)."""
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
    if refresh:
        search.refresh_documents({redirect.model_id for redirect in new})  # an old address finds its model
    return len(new)


def legacy_key(host: str, host_model_id: str) -> tuple[str, str]:
    """Where a listing was filed before identity was resolved: a model of its host, by its id."""
    return host, model_slug(host_model_id)


@transaction.atomic
@freshness.deferred()
def merge_models(into_of: dict[int, int]) -> dict[int, tuple[str, str]]:
    """Merge each model (id → the id of the model it is) into the other: its offerings (and with them prices,
    quotes, held changes, probe targets and runs), profile, benchmark scores and status history move, and its
    address answers 301 to the other. In bulk: a fixed number of queries for any number of models.
    Returns old model id → (old key, new key)."""
    into_of = {old: new for old, new in into_of.items() if old != new}
    if not into_of:
        return {}
    keys = {
        pk: (lab, slug)
        for pk, lab, slug in Model.objects.filter(pk__in={*into_of, *into_of.values()}).values_list(
            "pk", "lab__slug", "slug"
        )
    }
    by_target: dict[int, list[int]] = defaultdict(list)
    for old, new in into_of.items():
        by_target[new].append(old)
    for new, olds in by_target.items():
        Offering.objects.filter(model_id__in=olds).update(model_id=new)
    # A profile moves only to a model without one; two reviewed profiles of one model need an editor.
    with_profile = set(
        Profile.objects.filter(model_id__in=list(into_of.values())).values_list("model_id", flat=True)
    )
    for profile in Profile.objects.filter(model_id__in=list(into_of)):
        if into_of[profile.model_id] not in with_profile:
            with_profile.add(into_of[profile.model_id])
            Profile.objects.filter(pk=profile.pk).update(model_id=into_of[profile.model_id])
    taken = set(
        BenchmarkScore.objects.filter(model_id__in=list(into_of.values())).values_list(
            "model_id", "benchmark_id", "source_name", "measured_on"
        )
    )
    for score in BenchmarkScore.objects.filter(model_id__in=list(into_of)):
        key = (into_of[score.model_id], score.benchmark_id, score.source_name, score.measured_on)
        if key not in taken:
            taken.add(key)
            BenchmarkScore.objects.filter(pk=score.pk).update(model_id=key[0])
    for model_class, field_name in (
        (StatusChange, "model_id"),
        (ModelRedirect, "model_id"),
        (Model, "successor_id"),
    ):
        moved = list(model_class.objects.filter(**{f"{field_name}__in": list(into_of)}))
        for obj in moved:
            setattr(obj, field_name, into_of[getattr(obj, field_name)])
        model_class.objects.bulk_update(moved, [field_name.removesuffix("_id")], batch_size=500)
    # A redirect recorded from a key before a model took it (a sync created one there) gives way to this one.
    old_keys = {keys[old] for old in into_of}
    ModelRedirect.objects.filter(
        pk__in=[
            r.pk
            for r in ModelRedirect.objects.filter(lab__in={lab for lab, _ in old_keys})
            if (r.lab, r.slug) in old_keys
        ]
    ).delete()
    Model.objects.filter(pk__in=list(into_of)).delete()
    ModelRedirect.objects.bulk_create(
        [ModelRedirect(lab=keys[old][0], slug=keys[old][1], model_id=new) for old, new in into_of.items()],
        batch_size=500,
    )
    search.refresh_documents(set(into_of.values()))  # their listings and old addresses are the targets' now
    freshness.bump(freshness.CATALOG)
    return {old: ("/".join(keys[old]), "/".join(keys[new])) for old, new in into_of.items()}


def merge_orphans(moves: dict[int, Counter]) -> dict[int, tuple[str, str]]:
    """Models that lost every offering to resolution (old model id → Counter of the model ids its offerings went
    to) merge into the model most of them went to. Returns old model id → (old key, new key)."""
    if not moves:
        return {}
    left = dict(
        Model.objects.filter(pk__in=list(moves)).annotate(n=Count("offerings")).values_list("pk", "n")
    )
    return merge_models({old: moves[old].most_common(1)[0][0] for old, n in left.items() if n == 0})


def moves_of(before: dict[int, int], after: dict[int, int]) -> dict[int, Counter]:
    """old model id → Counter of new model ids, for offerings (id → model id) whose model changed."""
    moves: dict[int, Counter] = defaultdict(Counter)
    for offering_id, old_model in before.items():
        new_model = after.get(offering_id)
        if new_model is not None and new_model != old_model:
            moves[old_model][new_model] += 1
    return moves


# --- Editors' decisions and re-resolving the whole catalog ----------------------------------------------------


@transaction.atomic
def decide(review: MatchReview, target: str, user=None, note: str = "") -> ModelAlias:
    """An editor's decision on a doubtful listing: `target` "<lab>/<model>" it is, or "" to keep it separate.
    Kept as an alias (every later import and sync follows it) and applied now."""
    alias, _ = ModelAlias.objects.update_or_create(
        host=review.host,
        host_model_id=review.host_model_id,
        defaults={"target": target, "decided_by": user, "note": note[:300]},
    )
    review.status = MatchStatus.DECIDED
    review.save(update_fields=["status", "updated_at"])
    offerings = Offering.objects.select_related("model__lab").filter(
        host__slug=review.host, host_model_id=review.host_model_id
    )
    resolver = catalog_resolver()
    move_listings(
        [
            (
                offering.pk,
                resolver.resolve(Listing(review.host, review.host_model_id, name=offering.listed_name)),
            )
            for offering in offerings
        ]
    )
    return alias


def move_listings(moves: list[tuple[int, Resolution]]) -> list[tuple[str, str, str]]:
    """File offerings (id, resolution) under the models their resolutions name, creating those the catalog lacks
    (with the facts of the model each offering leaves, unreviewed), and merge every model left with no listing
    into the model its listings went to. In bulk. Returns (old key, new key, rule) for each merge."""
    if not moves:
        return []
    offerings = Offering.objects.in_bulk([pk for pk, _ in moves])
    models = {(lab, slug): pk for pk, lab, slug in Model.objects.values_list("pk", "lab__slug", "slug")}
    wanted = {r.key_tuple: offerings[pk].model_id for pk, r in moves if r.key_tuple not in models}
    if wanted:
        labs = dict(Provider.objects.values_list("slug", "pk"))
        Provider.objects.bulk_create(
            [Provider(slug=lab, name=lab, is_lab=True) for lab in {lab for lab, _ in wanted} - set(labs)]
        )
        Provider.objects.filter(slug__in={lab for lab, _ in wanted}, is_lab=False).update(is_lab=True)
        labs = dict(Provider.objects.values_list("slug", "pk"))
        like = Model.objects.in_bulk(set(wanted.values()))
        skip = {
            "id",
            "lab",
            "slug",
            "created_at",
            "updated_at",
            "successor",
            "listed_price_host",
            "cheapest_price_host",
        }
        fields = [f.attname for f in Model._meta.concrete_fields if f.name not in skip]
        Model.objects.bulk_create(
            Model(
                lab_id=labs[lab],
                slug=slug,
                **{**{name: getattr(like[source], name) for name in fields}, "needs_review": True},
            )
            for (lab, slug), source in wanted.items()
        )
        models.update(
            {(lab, slug): pk for pk, lab, slug in Model.objects.values_list("pk", "lab__slug", "slug")}
        )
    left: dict[int, Counter] = defaultdict(Counter)
    rule_of: dict[int, str] = {}
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, resolution in moves:
        offering = offerings[pk]
        target = models[resolution.key_tuple]
        left[offering.model_id][target] += 1
        rule_of[offering.model_id] = resolution.rule
        groups[(target, resolution.rule)].append(pk)
    # One UPDATE per target model: Django's bulk_update builds a CASE per row, far slower at this size.
    for (target, rule), pks in groups.items():
        Offering.objects.filter(pk__in=pks).update(model_id=target, match_rule=rule)
    search.refresh_documents({*left, *(target for target, _ in groups)})
    merged = merge_orphans(left)
    freshness.bump(freshness.CATALOG)
    return [(old, new, rule_of[pk]) for pk, (old, new) in merged.items()]


def resolve_catalog(*, dry_run: bool = False) -> ResolutionReport:
    """Resolve every listing in the catalog again by today's rules and decisions (as an import of every source
    would), and merge what resolves to one model. Resolving is done in memory; only listings that move are
    written. With dry_run, everything is computed and rolled back."""
    report = ResolutionReport()
    with transaction.atomic():
        # A catalog from before identity was resolved: a listing's own model holds its host's name for it, and a
        # listing filed under another lab than its host's was so filed by its source (models.dev base_model).
        own_model = Model.objects.filter(pk=OuterRef("model_id"))
        Offering.objects.filter(listed_name="").update(
            listed_name=Substr(Subquery(own_model.values("name")[:1]), 1, 200)
        )
        Offering.objects.filter(match_rule="").exclude(host_id=F("model__lab_id")).update(
            source_hint=Concat(
                Subquery(own_model.values("lab__slug")[:1]),
                Value("/"),
                Subquery(own_model.values("slug")[:1]),
            )
        )
        rows = list(
            Offering.objects.order_by("host__slug", "host_model_id").values(
                "pk",
                "host_model_id",
                "match_rule",
                "listed_name",
                "source_hint",
                host_slug=F("host__slug"),
                lab=F("model__lab__slug"),
                slug=F("model__slug"),
                family=F("model__family"),
                released=F("model__release_date"),
            )
        )
        listings = []
        for row in rows:
            lab_hint, _, model_hint = row["source_hint"].partition("/")
            listings.append(
                Listing(
                    row["host_slug"],
                    row["host_model_id"],
                    name=row["listed_name"],
                    lab_hint=lab_hint,
                    model_hint=model_hint,
                    family=row["family"],
                    source="catalog",
                )
            )
        resolutions = resolve_listings(listings, [row["released"] for row in rows], report)
        moves, rule_updates = [], defaultdict(list)
        for row, listing, resolution in zip(rows, listings, resolutions, strict=True):
            if (row["lab"], row["slug"]) != resolution.key_tuple:
                moves.append((row["pk"], resolution))
                report.moves.append(
                    (
                        f"{listing.host}/{listing.host_model_id}",
                        f"{row['lab']}/{row['slug']}",
                        resolution.key,
                        resolution.rule,
                    )
                )
            elif row["match_rule"] != resolution.rule:
                rule_updates[resolution.rule].append(row["pk"])
        for rule, pks in rule_updates.items():
            Offering.objects.filter(pk__in=pks).update(match_rule=rule)
        report.moved = len(moves)
        merged = move_listings(moves)
        report.merged = [(old, new) for old, new, _ in merged]
        report.merged_rules = [rule for _, _, rule in merged]
        # A provider is a lab when models are filed under it (an old catalog marked every host as one).
        Provider.objects.exclude(is_lab=Exists(Model.objects.filter(lab=OuterRef("pk")))).update(
            is_lab=Exists(Model.objects.filter(lab=OuterRef("pk")))
        )
        search.refresh_documents()  # listed names filled in above
        if dry_run:
            transaction.set_rollback(True)
    return report
