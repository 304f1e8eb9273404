"""How a feed's ids split into host, region and the lab they name: the hints price sources give with each entry.

Which lab model an entry is, is decided by catalog.identity (the one resolver for every source); the lab
spellings and name patterns used here are its rules (catalog/content/identity.yaml). Tested in
tests/pricing/test_matching.py.
"""

from __future__ import annotations

import re

from catalog import identity

# Bedrock's cross-region inference profiles and Azure's data zones, as id prefixes.
_BEDROCK_REGION = re.compile(r"^(?P<region>us|eu|apac|jp|au|ca|us-gov|global)\.")
_AZURE_REGION = re.compile(r"^(?P<region>us|eu|global)/")
REGION_NAMES = {
    "us": "US",
    "eu": "EU",
    "apac": "APAC",
    "jp": "JP",
    "au": "AU",
    "ca": "CA",
    "us-gov": "US",
    "global": "Global",
}


def lab_from_name(model_name: str, default: str) -> str:
    """The lab a model's own words name (catalog.identity's rules), else `default`."""
    return identity.lab_from_name(model_name) or default


def split_region(host: str, model_id: str) -> tuple[str, str | None]:
    """("eu.anthropic.claude-…", "EU") from a Bedrock id, ("gpt-4o", "EU") from Azure's "eu/gpt-4o"."""
    pattern = _BEDROCK_REGION if host == "amazon-bedrock" else _AZURE_REGION if host == "azure" else None
    match = pattern.match(model_id) if pattern else None
    if not match:
        return model_id, None
    return model_id[match.end() :], REGION_NAMES[match["region"]]


def split_lab(model_id: str, separators: str = "/.") -> tuple[str | None, str]:
    """("anthropic", "claude-3-haiku") from "anthropic/claude-3-haiku" or Bedrock's "anthropic.claude-3-haiku…"."""
    for separator in separators:
        head, sep, rest = model_id.partition(separator)
        if sep and rest and (lab := identity.lab_spelling(head)):
            return lab, rest
    return None, model_id
