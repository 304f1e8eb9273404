"""Editors decide doubtful model matches and keep the alias table (catalog/groups.py)."""

from django.db import migrations

from catalog.groups import migrate_groups


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_identity_lifecycle_kinds")]

    operations = [migrations.RunPython(migrate_groups, migrations.RunPython.noop)]
