"""The editorial groups (catalog/groups.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from catalog.groups import GROUPS, ensure_groups


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrating; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_groups(apps)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_profile_revisions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
