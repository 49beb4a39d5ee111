"""Model profiles of OpenAI's chat models: context size, inputs, reasoning, tools.

Profiles are plain data (``ModelProfile``-shaped dicts). :func:`get_profile` also matches
dated snapshots, so ``gpt-4o-2024-08-06`` gets the ``gpt-4o`` profile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["PROFILES", "get_profile"]

# What every current OpenAI chat model can do; each entry below says how it differs.
_BASE: dict[str, Any] = {
    "text_inputs": True,
    "image_inputs": True,
    "image_url_inputs": True,
    "pdf_inputs": True,
    "audio_inputs": False,
    "video_inputs": False,
    "text_outputs": True,
    "image_outputs": False,
    "audio_outputs": False,
    "video_outputs": False,
    "reasoning_output": False,
    "tool_calling": True,
    "tool_choice": True,
    "tool_call_streaming": True,
    "structured_output": True,
    "image_tool_message": True,
    "pdf_tool_message": True,
    "temperature": True,
}

_GPT41 = {"max_input_tokens": 1_047_576, "max_output_tokens": 32_768}
_GPT4O = {"max_input_tokens": 128_000, "max_output_tokens": 16_384}
_O_SERIES = {
    "max_input_tokens": 200_000,
    "max_output_tokens": 100_000,
    "reasoning_output": True,
    "reasoning_effort_levels": ["low", "medium", "high"],
    "temperature": False,
}
_GPT5 = {
    "max_input_tokens": 272_000,
    "max_output_tokens": 128_000,
    "reasoning_output": True,
    "reasoning_effort_levels": ["minimal", "low", "medium", "high"],
    "reasoning_effort_default": "medium",
    "temperature": False,
}
# From gpt-5.1 on, reasoning can be switched off ("none") and sampling is allowed again.
_GPT51 = {
    **_GPT5,
    "reasoning_effort_levels": ["none", "low", "medium", "high"],
    "reasoning_effort_default": "none",
    "temperature": True,
}
_XHIGH = ["none", "low", "medium", "high", "xhigh"]
_NO_FILES = {
    "image_inputs": False,
    "image_url_inputs": False,
    "pdf_inputs": False,
    "image_tool_message": False,
    "pdf_tool_message": False,
}

_MODELS: dict[str, dict[str, Any]] = {
    "gpt-4.1": {"name": "GPT-4.1", **_GPT41},
    "gpt-4.1-mini": {"name": "GPT-4.1 mini", **_GPT41},
    "gpt-4.1-nano": {"name": "GPT-4.1 nano", **_GPT41},
    "gpt-4o": {"name": "GPT-4o", **_GPT4O},
    "gpt-4o-mini": {"name": "GPT-4o mini", **_GPT4O},
    "gpt-4o-search-preview": {
        "name": "GPT-4o search preview",
        **_GPT4O,
        **_NO_FILES,
        "tool_calling": False,
        "tool_choice": False,
        "tool_call_streaming": False,
        "temperature": False,
    },
    "gpt-3.5-turbo": {
        "name": "GPT-3.5 Turbo",
        "max_input_tokens": 16_385,
        "max_output_tokens": 4_096,
        **_NO_FILES,
        "structured_output": False,
    },
    "o1": {"name": "o1", **_O_SERIES},
    "o1-mini": {
        "name": "o1-mini",
        **_O_SERIES,
        **_NO_FILES,
        "max_input_tokens": 128_000,
        "max_output_tokens": 65_536,
        "reasoning_effort_levels": [],
        "tool_calling": False,
        "tool_choice": False,
        "tool_call_streaming": False,
        "structured_output": False,
    },
    "o3": {"name": "o3", **_O_SERIES},
    "o3-mini": {"name": "o3-mini", **_O_SERIES, **_NO_FILES},
    "o4-mini": {"name": "o4-mini", **_O_SERIES},
    "gpt-5": {"name": "GPT-5", **_GPT5},
    "gpt-5-mini": {"name": "GPT-5 mini", **_GPT5},
    "gpt-5-nano": {"name": "GPT-5 nano", **_GPT5},
    "gpt-5.1": {"name": "GPT-5.1", **_GPT51},
    "gpt-5.2": {"name": "GPT-5.2", **_GPT51, "reasoning_effort_levels": _XHIGH},
    "gpt-5.4-mini": {
        "name": "GPT-5.4 mini",
        **_GPT51,
        "max_input_tokens": 400_000,
        "reasoning_effort_levels": _XHIGH,
    },
    "gpt-5.5": {
        "name": "GPT-5.5",
        **_GPT51,
        "max_input_tokens": 1_050_000,
        "reasoning_effort_levels": _XHIGH,
        "reasoning_effort_default": "medium",
        "temperature": False,
    },
}

PROFILES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {model: MappingProxyType({**_BASE, **values}) for model, values in _MODELS.items()}
)
"""Profile of every known model, by model name (read-only)."""

# Snapshot suffixes: "-2024-08-06" (current style) and "-0125" (older style).
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


def get_profile(model: str) -> dict[str, Any] | None:
    """Return a copy of the profile of ``model``, or ``None`` when it is unknown.

    Dated snapshots resolve to their model: ``gpt-4o-2024-08-06`` -> ``gpt-4o``.

    Example:
        >>> get_profile("gpt-4o-2024-08-06")["max_input_tokens"]
        128000
    """
    profile = PROFILES.get(model) or PROFILES.get(_SNAPSHOT.sub("", model))
    if profile is None:
        return None
    return {k: list(v) if isinstance(v, list) else v for k, v in profile.items()}
