"""How many hosts serve each model (`Model.hosts_serving`), filled for the models already there, so that the
catalogue and the API read it on the model's own row instead of counting its offerings for every row shown."""

from collections import defaultdict

from django.db import migrations, models


def fill_hosts_serving(apps, schema_editor):
    Model = apps.get_model("catalog", "Model")
    hosts = defaultdict(set)
    offerings = apps.get_model("catalog", "Offering").objects.order_by().values_list("model_id", "host_id")
    for model_id, host_id in offerings.distinct():
        hosts[model_id].add(host_id)
    models_ = []
    for model in Model.objects.filter(pk__in=list(hosts)).only("pk"):
        model.hosts_serving = len(hosts[model.pk])
        models_.append(model)
    Model.objects.bulk_update(models_, ["hosts_serving"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0016_catalogue_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="model",
            name="hosts_serving",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_hosts_serving, migrations.RunPython.noop, elidable=True),
    ]
