"""Catalog facts from the feeds we import: models.dev's api.json, and our own additions file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from catalog.importing import (
    EntryFacts,
    ModelFacts,
    ProviderFacts,
    curated_providers,
    parse_date,
    positive,
    with_curated,
)
from catalog.models import ModelStatus

MODELS_DEV = "models.dev"


def _status(entry: dict[str, Any]) -> str:
    if entry.get("status") == "deprecated":
        return ModelStatus.DEPRECATED
    if entry.get("status") in ("alpha", "beta") or "preview" in entry["id"].lower():
        return ModelStatus.PREVIEW
    return ModelStatus.GA


def _model_facts(entry: dict[str, Any], source: str) -> ModelFacts:
    limit = entry.get("limit") or {}
    modalities = entry.get("modalities") or {}
    return ModelFacts(
        name=entry.get("name") or entry["id"],
        family=entry.get("family") or "",
        status=_status(entry),
        release_date=parse_date(entry.get("release_date")),
        last_updated=parse_date(entry.get("last_updated")),
        knowledge_cutoff=entry.get("knowledge") or "",
        context_window=positive(limit.get("context")),
        max_input_tokens=positive(limit.get("input")),
        max_output_tokens=positive(limit.get("output")),
        input_modalities=tuple(modalities.get("input") or ()),
        output_modalities=tuple(modalities.get("output") or ()),
        supports_tools=bool(entry.get("tool_call")),
        supports_reasoning=bool(entry.get("reasoning")),
        supports_structured_output=bool(entry.get("structured_output")),
        supports_attachments=bool(entry.get("attachment")),
        open_weights=bool(entry.get("open_weights")),
        source=source,
    )


def parse_models_dev(data: dict[str, Any]) -> tuple[list[ProviderFacts], list[EntryFacts]]:
    """Providers and entries of an api.json. Which lab model each entry is, is resolved on import
    (catalog.identity), with models.dev's `base_model` as the strongest hint."""
    curated = curated_providers()
    entries: list[EntryFacts] = []
    for provider_id, provider in data.items():
        for model_id, entry in provider.get("models", {}).items():
            lab, _, base = (entry.get("base_model") or "").partition("/")
            entries.append(
                EntryFacts(
                    host=provider_id,
                    host_model_id=model_id,
                    lab_hint=lab if base else "",
                    model_hint=base,
                    model=_model_facts(entry, f"{MODELS_DEV}: {provider_id}/{model_id}"),
                    raw=entry,
                )
            )
    providers = [
        ProviderFacts(
            slug=provider_id,
            name=provider.get("name") or provider_id,
            is_host=True,
            docs_url=provider.get("doc") or "",
            api_base_url=provider.get("api") or "",
            api_key_env=tuple(provider.get("env") or ()),
            source=MODELS_DEV,
        )
        for provider_id, provider in data.items()
    ]
    # Labs that models.dev names in base_model but lists no provider for (e.g. meta).
    listed = {p.slug for p in providers}
    hinted = {e.lab_hint for e in entries if e.lab_hint}
    providers += [
        ProviderFacts(slug=lab, name=curated.get(lab, {}).get("name", lab), is_lab=True, source=MODELS_DEV)
        for lab in sorted(hinted - listed)
    ]
    return [with_curated(p, curated) for p in providers], entries


def parse_additions(path: Path) -> tuple[list[EntryFacts], list[dict[str, Any]]]:
    """Our own additions: models a catalogue lacks, each with the source of every fact (content/additions.yaml).

    Returns the entries and, for each, its price records' raw source entry.
    """
    with path.open(encoding="utf-8") as f:
        items = yaml.safe_load(f)
    entries = []
    for item in items:
        facts = dict(item["facts"])
        for key in ("input_modalities", "output_modalities"):
            facts[key] = tuple(facts.get(key, ()))
        entries.append(
            EntryFacts(
                lab=item["lab"],
                model_slug=item["slug"],
                host=item["host"],
                host_model_id=item["host_model_id"],
                regions=tuple(item.get("regions", ())),
                model=ModelFacts(source=item["source"], **facts),
            )
        )
    return entries, items
