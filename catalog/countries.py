"""Country names for the ISO 3166-1 codes the catalog uses."""

COUNTRIES = {
    "AE": "United Arab Emirates",
    "CA": "Canada",
    "CH": "Switzerland",
    "CN": "China",
    "DE": "Germany",
    "EU": "European Union",
    "FR": "France",
    "GB": "United Kingdom",
    "IL": "Israel",
    "IN": "India",
    "JP": "Japan",
    "KR": "South Korea",
    "NL": "Netherlands",
    "SG": "Singapore",
    "US": "United States",
}


def country_name(code: str) -> str:
    return COUNTRIES.get(code.upper(), code.upper()) if code else ""
