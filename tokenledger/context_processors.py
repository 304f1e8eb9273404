import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

# The pages every page links to (base.html's header and footer).
SITE_LINKS = {
    "home": "catalog:home",
    "model_list": "catalog:model_list",
    "search_suggestions": "catalog:search_suggestions",
    "compare": "catalog:compare",
    "benchmarks": "catalog:benchmarks",
    "status": "monitoring:status",
    "changes": "catalog:changes",
    "methodology": "catalog:methodology",
    "feed": "pricing:feed",
    "api_docs": "api:openapi-view",
    "admin": "admin:index",
}


def typical_conversation(request) -> dict:
    """The token counts behind every "typical chat" price the site lists (the profile page lets a reader change
    them for itself)."""
    return {
        "typical_input_tokens": settings.TYPICAL_CONVERSATION_INPUT_TOKENS,
        "typical_output_tokens": settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS,
    }


@functools.lru_cache(maxsize=8)
def _site_links(script_prefix: str) -> dict[str, str]:
    return {name: reverse(view) for name, view in SITE_LINKS.items()}


def site_links(request) -> dict:
    """`links`: the addresses of the pages every page links to, reversed once per process (and script prefix):
    reversing them on every page took a tenth of a profile page built from its cached sections."""
    return {"links": _site_links(get_script_prefix())}
