"""The editorial groups and what each may do: authors write drafts, reviewers approve or send back others' drafts,
editors do both and manage the catalog's editorial content. Created by a migration; `ensure_groups` restores them
(a test that flushes the database, a site whose groups were deleted)."""

from __future__ import annotations

from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions

GROUPS = {
    "Authors": [
        "catalog.add_illustration",
        "catalog.view_illustration",
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
        "catalog.add_illustration",
        "catalog.change_illustration",
        "catalog.delete_illustration",
        "catalog.view_illustration",
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
        # Model identity: the queue of doubtful matches, and the decisions it leaves.
        "catalog.view_matchreview",
        "catalog.change_matchreview",
        "catalog.view_modelalias",
        "catalog.add_modelalias",
        "catalog.change_modelalias",
        "catalog.delete_modelalias",
    ],
}


def migrate_groups(apps, schema_editor) -> None:
    """A migration's step: create the permissions now (Django would only after migrating), then the groups."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_groups(apps)


def ensure_groups(apps=installed_apps) -> None:
    """Create the groups with their permissions where missing (`apps`: a migration's historical apps)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            # A model a later migration adds has no permission yet: that migration grants it.
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
