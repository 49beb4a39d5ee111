"""OpenAI and OpenAI-compatible chat models for linguafranca."""

__all__: list[str] = []
