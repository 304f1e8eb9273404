"""Each model's folded search document (catalog.search), filled for the models already there; on PostgreSQL a
trigram index serves the substring matches search makes on it."""

from collections import defaultdict

from django.db import DatabaseError, migrations, models, transaction

from catalog.search import documents_for


def fill_documents(apps, schema_editor):
    Model = apps.get_model("catalog", "Model")
    Offering = apps.get_model("catalog", "Offering")
    ModelRedirect = apps.get_model("catalog", "ModelRedirect")
    listings = defaultdict(list)
    for model_id, host_model_id, listed_name in Offering.objects.order_by("pk").values_list(
        "model_id", "host_model_id", "listed_name"
    ):
        listings[model_id].append((host_model_id, listed_name))
    old_addresses = defaultdict(list)
    for model_id, lab, slug in ModelRedirect.objects.order_by("pk").values_list("model_id", "lab", "slug"):
        old_addresses[model_id].append((lab, slug))
    models_ = list(Model.objects.select_related("lab"))
    for model in models_:
        model.search_name, model.search_document = documents_for(
            model.name,
            model.slug,
            model.family,
            model.lab.name,
            model.lab.slug,
            listings[model.pk],
            old_addresses[model.pk],
        )
    Model.objects.bulk_update(models_, ["search_name", "search_document"], batch_size=500)


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic():  # a role that may not create the extension still gets a correct search
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS catalog_model_search_trgm "
                "ON catalog_model USING gin (search_document gin_trgm_ops)"
            )
    except DatabaseError:
        pass


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_model_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_identity_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="model",
            name="search_document",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="model",
            name="search_name",
            field=models.CharField(blank=True, editable=False, max_length=500),
        ),
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
