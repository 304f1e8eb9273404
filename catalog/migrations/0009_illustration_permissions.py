"""Authors and editors may upload illustrations (catalog/groups.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from catalog.groups import ensure_groups


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_illustrations")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
