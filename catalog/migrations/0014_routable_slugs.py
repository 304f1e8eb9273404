"""Every model and provider slug routable (catalog.slugs), and the database refusing any other.

Rows written before by bulk paths that skipped the validators are repaired first: an empty slug, one the URL
pattern cannot route ("evil/host", "<b>x</b>") or one the pattern refuses ("OpenAI", "!!!") gets the slug
`model_slug` / `provider_slug` make of it (of the name where the slug is empty). Nothing is merged: a repaired
slug that another row holds gets the row's id appended. An old address that a browser could reach (no "/")
stays an address, as a redirect; editors' aliases and doubtful matches that named the old key follow it.
"""

from django.db import migrations, models

import catalog.slugs
from catalog.search import documents
from catalog.slugs import is_model_slug, is_provider_slug, model_slug, provider_slug


def _free(candidate: str, taken: set[str], pk: int, make) -> str:
    """The candidate, or (where another row holds it) the candidate with this row's id: never a merge."""
    slug, n = candidate, pk
    while slug in taken:
        slug = make(f"{candidate}-{n}")
        n += 1
    taken.add(slug)
    return slug


def repair_slugs(apps, schema_editor) -> None:
    Provider = apps.get_model("catalog", "Provider")
    Model = apps.get_model("catalog", "Model")
    ModelRedirect = apps.get_model("catalog", "ModelRedirect")
    ModelAlias = apps.get_model("catalog", "ModelAlias")
    MatchReview = apps.get_model("catalog", "MatchReview")
    Offering = apps.get_model("catalog", "Offering")

    old_lab: dict[int, str] = dict(Provider.objects.values_list("pk", "slug"))
    taken = {slug for slug in old_lab.values() if is_provider_slug(slug)}
    for provider in Provider.objects.order_by("pk"):
        if is_provider_slug(provider.slug):
            continue
        provider.slug = _free(provider_slug(provider.slug or provider.name), taken, provider.pk, provider_slug)
        provider.save(update_fields=["slug"])
    new_lab = dict(Provider.objects.values_list("pk", "slug"))

    moved: dict[int, tuple[str, str]] = {}  # model id → its old (lab, slug)
    by_lab: dict[int, set[str]] = {}
    for lab_id, slug in Model.objects.values_list("lab_id", "slug"):
        if is_model_slug(slug):
            by_lab.setdefault(lab_id, set()).add(slug)
    for model in Model.objects.order_by("pk"):
        old = (old_lab[model.lab_id], model.slug)
        if not is_model_slug(model.slug):
            taken_here = by_lab.setdefault(model.lab_id, set())
            model.slug = _free(model_slug(model.slug or model.name), taken_here, model.pk, model_slug)
            model.save(update_fields=["slug"])
        if old != (new_lab[model.lab_id], model.slug):
            moved[model.pk] = old
    if not moved and old_lab == new_lab:
        return

    keys = {(new_lab[lab_id], slug) for lab_id, slug in Model.objects.values_list("lab_id", "slug")}
    recorded = set(ModelRedirect.objects.values_list("lab", "slug"))
    ModelRedirect.objects.bulk_create(
        ModelRedirect(lab=lab, slug=slug, model_id=pk)
        for pk, (lab, slug) in moved.items()
        # Only an address a browser could reach before: "evil/host" never was one.
        if lab and slug and "/" not in lab + slug and (lab, slug) not in keys | recorded
    )
    now = {pk: (lab_id, slug) for pk, lab_id, slug in Model.objects.values_list("pk", "lab_id", "slug")}
    new_key = {
        f"{lab}/{slug}": f"{new_lab[now[pk][0]]}/{now[pk][1]}" for pk, (lab, slug) in moved.items()
    }
    hosts = {old_lab[pk]: new_lab[pk] for pk in old_lab if old_lab[pk] != new_lab[pk]}
    for alias in ModelAlias.objects.all():
        target, host = new_key.get(alias.target, alias.target), hosts.get(alias.host, alias.host)
        if (target, host) != (alias.target, alias.host):
            alias.target, alias.host = target, host
            alias.save(update_fields=["target", "host"])
    for review in MatchReview.objects.all():
        filed_as, host = new_key.get(review.filed_as, review.filed_as), hosts.get(review.host, review.host)
        candidates = [new_key.get(c, c) for c in review.candidates]
        if (filed_as, host, candidates) != (review.filed_as, review.host, review.candidates):
            review.filed_as, review.host, review.candidates = filed_as, host, candidates
            review.save(update_fields=["filed_as", "host", "candidates"])

    # Search finds a model by its slug and its lab's: refresh the documents of every model whose address moved.
    labs_moved = set(hosts.values())
    changed = Model.objects.filter(models.Q(pk__in=moved) | models.Q(lab__slug__in=labs_moved))
    rows = []
    for model, name, document in documents(
        changed.select_related("lab"),
        Offering.objects.filter(model__in=changed),
        ModelRedirect.objects.filter(model__in=changed),
    ):
        model.search_name, model.search_document = name, document
        rows.append(model)
    Model.objects.bulk_update(rows, ["search_name", "search_document"], batch_size=500)
    if schema_editor.connection.vendor == "postgresql":
        # The constraints below alter these tables: deferred foreign-key checks of the rows written here must
        # run first ("cannot ALTER TABLE because it has pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0013_model_cheapest_host"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="model",
            name="model_slug_has_no_slash",
        ),
        migrations.AlterField(
            model_name="model",
            name="slug",
            field=models.CharField(
                help_text="The model's part of the URL: /models/lab/slug/. Lowercase letters, digits and . _ : + -.",
                max_length=200,
                validators=[catalog.slugs.model_slug_validator],
            ),
        ),
        migrations.AlterField(
            model_name="provider",
            name="slug",
            field=models.CharField(
                help_text="e.g. openai, wafer.ai",
                max_length=100,
                unique=True,
                validators=[catalog.slugs.provider_slug_validator],
            ),
        ),
        migrations.RunPython(repair_slugs, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="model",
            constraint=models.CheckConstraint(
                condition=models.Q(("slug__regex", "\\A[a-z0-9_:+](?:[a-z0-9._:+-]*[a-z0-9_:+])?\\Z")),
                name="model_slug_is_routable",
            ),
        ),
        migrations.AddConstraint(
            model_name="provider",
            constraint=models.CheckConstraint(
                condition=models.Q(("slug__regex", "\\A[a-z0-9][a-z0-9._-]*\\Z")),
                name="provider_slug_is_routable",
            ),
        ),
    ]
