"""Each model's folded search document (catalog.search), filled for the models already there; on PostgreSQL a
trigram index serves the substring matches search makes on it."""

from django.db import DatabaseError, migrations, models, transaction

from catalog.search import documents


def fill_documents(apps, schema_editor):
    Model = apps.get_model("catalog", "Model")
    found = documents(
        Model.objects.all(),
        apps.get_model("catalog", "Offering").objects.all(),
        apps.get_model("catalog", "ModelRedirect").objects.all(),
    )
    models_ = []
    for model, name, document in found:
        model.search_name, model.search_document = name, document
        models_.append(model)
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
