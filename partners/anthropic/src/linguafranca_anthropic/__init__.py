"""Anthropic Claude chat models for linguafranca, spoken over HTTP with httpx.

The chat model class (``ChatAnthropic``) is added in a later phase; the wire
converters live in private modules (``_convert_request``, ``_convert_response``,
``_stream``) and the model profiles in ``profiles``.
"""

__all__: list[str] = []
