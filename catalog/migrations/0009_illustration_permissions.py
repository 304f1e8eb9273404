"""Authors and editors may upload illustrations (catalog/groups.py)."""

from django.db import migrations

from catalog.groups import migrate_groups


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_illustrations")]

    operations = [migrations.RunPython(migrate_groups, migrations.RunPython.noop)]
