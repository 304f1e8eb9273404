"""The editorial groups and what each may do: authors write drafts, reviewers approve or send back others' drafts,
editors do both and manage the catalog's editorial content."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Authors": [
        "catalog.add_profilerevision",
        "catalog.change_profilerevision",
        "catalog.view_profilerevision",
        "catalog.view_profile",
        "catalog.view_model",
    ],
    "Reviewers": [
        "catalog.view_profilerevision",
        "catalog.review_profilerevision",
        "catalog.view_profile",
        "catalog.view_model",
    ],
    "Editors": [
        "catalog.add_profilerevision",
        "catalog.change_profilerevision",
        "catalog.view_profilerevision",
        "catalog.delete_profilerevision",
        "catalog.review_profilerevision",
        "catalog.add_profile",
        "catalog.view_profile",
        "catalog.change_profile",
        "catalog.view_model",
        "catalog.change_model",
        "catalog.add_faqentry",
        "catalog.change_faqentry",
        "catalog.delete_faqentry",
        "catalog.view_faqentry",
        "catalog.add_verdict",
        "catalog.change_verdict",
        "catalog.delete_verdict",
        "catalog.view_verdict",
        "catalog.add_benchmarkscore",
        "catalog.change_benchmarkscore",
        "catalog.view_benchmarkscore",
        "catalog.view_benchmark",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrating; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_profile_revisions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
