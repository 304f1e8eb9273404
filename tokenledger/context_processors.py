from django.conf import settings


def typical_conversation(request) -> dict:
    """The token counts behind every "typical chat" price the site lists (the profile page lets a reader change
    them for itself)."""
    return {
        "typical_input_tokens": settings.TYPICAL_CONVERSATION_INPUT_TOKENS,
        "typical_output_tokens": settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS,
    }
