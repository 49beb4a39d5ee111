"""Model profiles of Claude models: context size, output limit and capabilities.

The data lives in ``data/profiles.json`` (one entry per model family, keyed by the
name without its date suffix). ``get_profile`` resolves the names users write:
dated snapshots (``claude-3-5-haiku-20241022``), ``-latest`` aliases and the
``-0`` spellings (``claude-sonnet-4-0``).

Example:
    >>> get_profile("claude-3-5-haiku-20241022")["max_output_tokens"]
    8192
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["DEFAULT_MAX_TOKENS", "default_max_tokens", "get_profile", "list_profiles"]

DEFAULT_MAX_TOKENS = 4096
"""``max_tokens`` sent for a model without a profile (the API requires the field)."""

# A snapshot date (``-20250514``) or the ``-latest`` alias at the end of a model name.
_SUFFIX = re.compile(r"-(?:\d{8}|latest)$")


@cache
def _data() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    data_file = resources.files("linguafranca_anthropic").joinpath("data/profiles.json")
    text = data_file.read_text("utf-8")
    raw = json.loads(text)
    return raw["profiles"], raw["aliases"]


def _resolve(model: str) -> str | None:
    profiles, aliases = _data()
    name = model.strip().lower()
    # Names such as "anthropic/claude-..." or "anthropic:claude-..." carry a provider prefix.
    for sep in (":", "/"):
        if name.startswith("anthropic" + sep):
            name = name[len("anthropic") + 1 :]
    name = _SUFFIX.sub("", name)
    name = aliases.get(name, name)
    return name if name in profiles else None


def get_profile(model: str) -> dict[str, Any] | None:
    """The profile of ``model``, or ``None`` when the model is unknown.

    Args:
        model: A model name as sent to the API, e.g. ``"claude-sonnet-4-5-20250929"``.

    Returns:
        A new dict (safe to change) with ``max_input_tokens``, ``max_output_tokens``,
        ``image_inputs``, ``pdf_inputs``, ``reasoning_output``, ``tool_calling``,
        ``tool_choice``, ``structured_output`` and related capability flags.
    """
    key = _resolve(model)
    if key is None:
        return None
    profile = dict(_data()[0][key])
    for field, value in profile.items():
        if isinstance(value, list):
            profile[field] = list(value)
    return profile


def default_max_tokens(model: str) -> int:
    """The ``max_tokens`` to send when the user gives none: the model's output limit.

    Args:
        model: A model name as sent to the API.

    Returns:
        The profile's ``max_output_tokens``, or ``DEFAULT_MAX_TOKENS`` for unknown models.
    """
    key = _resolve(model)
    if key is None:
        return DEFAULT_MAX_TOKENS
    value = _data()[0][key].get("max_output_tokens")
    return value if isinstance(value, int) else DEFAULT_MAX_TOKENS


def list_profiles() -> dict[str, dict[str, Any]]:
    """Every known profile, keyed by model family name (new dicts, safe to change)."""
    return {name: get_profile(name) or {} for name in _data()[0]}
