"""Model profiles of OpenAI models."""

from __future__ import annotations

import pytest

from linguafranca_openai.profiles import PROFILES
from linguafranca_openai.profiles import get_profile as _get_profile


def get_profile(model):
    return _get_profile(model)


REQUIRED = [
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-4o",
    "gpt-4o-mini",
    "o1",
    "o3",
    "o3-mini",
    "o4-mini",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
]
KEYS = {
    "max_input_tokens",
    "max_output_tokens",
    "image_inputs",
    "pdf_inputs",
    "audio_inputs",
    "reasoning_output",
    "tool_calling",
    "tool_choice",
    "structured_output",
    "tool_call_streaming",
}


@pytest.mark.parametrize("model", REQUIRED)
def test_required_models_have_full_profiles(model):
    profile = get_profile(model)
    assert profile is not None
    assert KEYS <= set(profile)
    assert profile["max_input_tokens"] > profile["max_output_tokens"] > 0


def test_reasoning_models_have_effort_levels_and_no_temperature():
    for model in ("o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano"):
        profile = get_profile(model)
        assert profile["reasoning_output"] is True
        assert "high" in profile["reasoning_effort_levels"]
        assert profile["temperature"] is False
    assert get_profile("gpt-4.1")["reasoning_output"] is False


@pytest.mark.parametrize(
    ("model", "base"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("gpt-5.5-2026-04-23", "gpt-5.5"),
    ],
)
def test_dated_snapshots_resolve(model, base):
    assert get_profile(model) == get_profile(base)


def test_unknown_models_and_look_alikes_have_no_profile():
    assert get_profile("llama-3.3-70b") is None
    # A different model that merely starts like a known one is not matched.
    assert get_profile("gpt-4o-audio-preview") is None


def test_profiles_are_read_only_and_copies_are_independent():
    with pytest.raises(TypeError):
        PROFILES["gpt-4o"]["max_input_tokens"] = 1  # type: ignore[index]
    copy = get_profile("gpt-5")
    copy["reasoning_effort_levels"].append("ultra")
    assert "ultra" not in get_profile("gpt-5")["reasoning_effort_levels"]
