import json
from pathlib import Path
from typing import Any

import pytest

from linguafranca_anthropic.profiles import (
    DEFAULT_MAX_TOKENS,
    default_max_tokens,
    get_profile,
    list_profiles,
)

REQUIRED = {
    "max_input_tokens",
    "max_output_tokens",
    "image_inputs",
    "pdf_inputs",
    "reasoning_output",
    "tool_calling",
    "tool_choice",
    "structured_output",
}


def profile_of(name: str) -> dict[str, Any]:
    profile = get_profile(name)
    assert profile is not None, name
    return profile


FAMILIES = [
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-opus-4-5",
    "claude-opus-4-1",
    "claude-opus-4",
    "claude-sonnet-4-5",
    "claude-sonnet-4",
    "claude-3-7-sonnet",
    "claude-haiku-4-5",
    "claude-3-5-haiku",
]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_the_required_fields(family):
    profile = profile_of(family)
    assert REQUIRED <= set(profile)
    assert profile["max_input_tokens"] >= 200_000
    assert 4096 <= profile["max_output_tokens"] <= profile["max_input_tokens"]


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-sonnet-4-0", "claude-sonnet-4"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-3-opus-latest", "claude-3-opus"),
        ("anthropic:claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("Claude-Opus-4-6", "claude-opus-4-6"),
    ],
)
def test_snapshots_and_aliases_resolve_to_their_family(name, family):
    assert get_profile(name) == get_profile(family)


def test_limits_differ_between_families():
    assert profile_of("claude-3-5-haiku")["max_output_tokens"] == 8192
    assert profile_of("claude-opus-4-1")["max_output_tokens"] == 32000
    assert profile_of("claude-3-5-haiku")["reasoning_output"] is False
    assert profile_of("claude-sonnet-4-5")["reasoning_output"] is True


def test_unknown_model_has_no_profile_and_a_default_max_tokens():
    assert get_profile("claude-99-imaginary") is None
    assert default_max_tokens("claude-99-imaginary") == DEFAULT_MAX_TOKENS
    assert default_max_tokens("claude-sonnet-4-5-20250929") == 64000


def test_profiles_are_copies():
    profile = profile_of("claude-opus-4-6")
    profile["max_output_tokens"] = 1
    profile["reasoning_effort_levels"].append("ultra")
    fresh = profile_of("claude-opus-4-6")
    assert fresh["max_output_tokens"] == 128000
    assert "ultra" not in fresh["reasoning_effort_levels"]


def test_list_profiles_covers_the_families():
    assert set(FAMILIES) <= set(list_profiles())


def test_models_named_in_the_recordings_have_profiles():
    folders = [p / "shared" / "wire" / "anthropic" for p in Path(__file__).resolve().parents]
    wire = next((f for f in folders if f.is_dir()), None)
    if wire is None:
        pytest.skip("recorded wire data not found")
    names = set()
    for path in wire.glob("*.json"):
        record = json.loads(path.read_text("utf-8"))
        names.add(record["request"]["body"]["model"])
        body = record["response"].get("body") or {}
        if isinstance(body, dict) and body.get("model"):
            names.add(body["model"])
    names.discard("this-model-does-not-exist-12345")
    assert names
    assert sorted(n for n in names if get_profile(n) is None) == []


def test_effort_levels_match_the_recorded_error():
    # error_400_invalid_request: "Supported levels: high, low, max, medium." for claude-opus-4-6
    assert sorted(profile_of("claude-opus-4-6")["reasoning_effort_levels"]) == [
        "high",
        "low",
        "max",
        "medium",
    ]
