"""One small module per API shape: how to ask for a tiny streamed answer, and how to read its events."""

from monitoring.adapters import anthropic, gemini, openai

ADAPTERS = {"openai": openai, "anthropic": anthropic, "gemini": gemini}
