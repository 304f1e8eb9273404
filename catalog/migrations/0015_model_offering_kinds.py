"""The kinds of offering that sell each model (`Model.offering_kinds`), filled for the models already there, so
that the browse page filters and counts "Sold as" on the model's own row."""

from collections import defaultdict

from django.db import migrations, models


def fill_offering_kinds(apps, schema_editor):
    from catalog.models import offering_kind_tags

    Model = apps.get_model("catalog", "Model")
    kinds = defaultdict(set)
    offerings = apps.get_model("catalog", "Offering").objects.order_by().values_list("model_id", "kind")
    for model_id, kind in offerings.distinct():
        kinds[model_id].add(kind)
    models_ = []
    for model in Model.objects.filter(pk__in=list(kinds)).only("pk"):
        model.offering_kinds = offering_kind_tags(kinds[model.pk])
        models_.append(model)
    Model.objects.bulk_update(models_, ["offering_kinds"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0014_routable_slugs"),
    ]

    operations = [
        migrations.AddField(
            model_name="model",
            name="offering_kinds",
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
        migrations.RunPython(fill_offering_kinds, migrations.RunPython.noop, elidable=True),
    ]
