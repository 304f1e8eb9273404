"""Editors' identity decisions as a content file (content/aliases.yaml), so that they travel with the repository:
a fresh install resolves every listing as the editors decided, before any import."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from catalog.identity import CONTENT_DIR
from catalog.models import ModelAlias

ALIASES_FILE = CONTENT_DIR / "aliases.yaml"
HEADER = """\
# Editors' decisions on single listings (catalog/identity.py, admin: "Model aliases"): the lab model a host's id
# is ("is: <lab>/<model>"), or that it is a model of its own ("is: separate"). Written by
# `manage.py aliases export`, read by `manage.py aliases load` and by `make run`.
"""


def export_aliases(path: Path = ALIASES_FILE) -> int:
    items = [
        {
            "host": a.host,
            "id": a.host_model_id,
            "is": a.target or "separate",
            **({"note": a.note} if a.note else {}),
        }
        for a in ModelAlias.objects.order_by("host", "host_model_id")
    ]
    path.write_text(
        HEADER + (yaml.safe_dump(items, sort_keys=False, allow_unicode=True) if items else "[]\n")
    )
    return len(items)


class AliasFileError(ValueError):
    pass


@transaction.atomic
def load_aliases(path: Path = ALIASES_FILE) -> tuple[int, int]:
    """Create or update the aliases the file lists (decisions made in the database and not in the file are
    kept). Returns (created, updated)."""
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(items, list):
        raise AliasFileError(f"{path.name}: expected a list of {{host, id, is}}")
    existing = {(a.host, a.host_model_id): a for a in ModelAlias.objects.all()}
    created = updated = 0
    for number, item in enumerate(items, 1):
        try:
            host, host_model_id, target = str(item["host"]), str(item["id"]), str(item["is"])
        except (KeyError, TypeError):
            raise AliasFileError(f"{path.name}, entry {number}: needs host, id and is") from None
        if target != "separate" and target.count("/") != 1:
            raise AliasFileError(f'{path.name}, entry {number}: "is" must be "<lab>/<model>" or "separate"')
        target = "" if target == "separate" else target
        note = str(item.get("note", ""))[:300]
        alias = existing.get((host, host_model_id))
        if alias is None:
            ModelAlias.objects.create(host=host, host_model_id=host_model_id, target=target, note=note)
            created += 1
        elif (alias.target, alias.note) != (target, note):
            alias.target, alias.note = target, note
            alias.save(update_fields=["target", "note"])
            updated += 1
    return created, updated
