"""OpenAI-compatible presets: the table, lookups and the request quirks."""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from linguafranca_plugins import _openai_presets as _presets
from linguafranca_plugins._openai_presets import (
    PRESETS,
    CompatiblePreset,
    SystemMessageRules,
    apply_quirks,
    get_preset,
    preset_for_base_url,
    warn_dropped_params,
)

from linguafranca.errors import ConfigurationError

REQUIRED = {
    "groq",
    "mistralai",
    "deepseek",
    "xai",
    "openrouter",
    "together",
    "fireworks",
    "perplexity",
    "cerebras",
    "deepinfra",
    "nvidia",
    "huggingface",
    "vllm",
    "lmstudio",
}


def test_every_required_provider_has_a_preset():
    assert REQUIRED <= set(PRESETS)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_is_complete(name):
    preset = PRESETS[name]
    parts = urlsplit(preset.base_url)
    assert parts.scheme in ("http", "https") and parts.netloc
    assert not preset.base_url.endswith(("/", "/chat/completions"))
    assert preset.api_key_env and all(v.isupper() for v in preset.api_key_env)
    assert preset.docs_url.startswith("https://")
    assert preset.max_tokens_param in ("max_tokens", "max_completion_tokens")
    if preset.api_key_required:
        assert parts.scheme == "https"


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("groq", "GROQ_API_KEY"),
        ("mistralai", "MISTRAL_API_KEY"),
        ("deepseek", "DEEPSEEK_API_KEY"),
        ("xai", "XAI_API_KEY"),
        ("openrouter", "OPENROUTER_API_KEY"),
        ("together", "TOGETHER_API_KEY"),
        ("fireworks", "FIREWORKS_API_KEY"),
        ("perplexity", "PPLX_API_KEY"),
        ("perplexity", "PERPLEXITY_API_KEY"),
        ("cerebras", "CEREBRAS_API_KEY"),
        ("deepinfra", "DEEPINFRA_API_TOKEN"),
        ("nvidia", "NVIDIA_API_KEY"),
        ("huggingface", "HF_TOKEN"),
    ],
)
def test_key_environment_variables(name, env):
    assert env in PRESETS[name].api_key_env


def test_local_servers_need_no_key():
    assert PRESETS["vllm"].base_url == "http://localhost:8000/v1"
    assert PRESETS["lmstudio"].base_url == "http://localhost:1234/v1"
    assert not PRESETS["vllm"].api_key_required and not PRESETS["lmstudio"].api_key_required


def test_get_preset_normalises_and_names_the_known_ones():
    assert get_preset(" Groq ").name == "groq"
    with pytest.raises(ConfigurationError, match="Known providers: .*groq"):
        get_preset("nope")


def test_preset_for_base_url_matches_hosted_servers_only():
    groq = preset_for_base_url("https://api.groq.com/openai/v1")
    openrouter = preset_for_base_url("https://openrouter.ai/api/v1/")
    assert groq is not None and groq.name == "groq"
    assert openrouter is not None and openrouter.name == "openrouter"
    assert preset_for_base_url("http://localhost:8000/v1") is None
    assert preset_for_base_url("https://my-proxy.example/v1") is None
    assert preset_for_base_url(None) is None


def _body(**extra):
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False, **extra}


def test_unsupported_params_are_dropped_and_reported():
    body = _body(store=True, logprobs=True, temperature=0)
    adapted, dropped = apply_quirks(get_preset("groq"), body)
    assert sorted(dropped) == ["logprobs", "store"]
    assert "store" not in adapted and "logprobs" not in adapted and adapted["temperature"] == 0
    assert body["store"] is True  # the input is not modified


def test_openai_keeps_everything():
    body = _body(
        store=True,
        service_tier="flex",
        max_completion_tokens=5,
        stream_options={"include_usage": True},
    )
    assert apply_quirks(get_preset("openai"), body) == (body, [])


def test_token_limit_renames_and_stream_options():
    adapted, _ = apply_quirks(
        get_preset("mistralai"),
        _body(max_completion_tokens=5, seed=3, stream_options={"include_usage": True}),
    )
    assert adapted["max_tokens"] == 5 and "max_completion_tokens" not in adapted
    assert adapted["random_seed"] == 3 and "seed" not in adapted
    assert "stream_options" not in adapted
    groq, _ = apply_quirks(get_preset("groq"), _body(max_tokens=5))
    assert groq["max_completion_tokens"] == 5


def test_required_tool_choice_and_tool_call_content_for_mistral():
    body = _body(
        tool_choice="required",
        messages=[{"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]}],
    )
    adapted, _ = apply_quirks(get_preset("mistralai"), body)
    assert adapted["tool_choice"] == "any"
    assert adapted["messages"][0]["content"] == ""


def test_developer_role_becomes_system_where_unsupported():
    body = _body(messages=[{"role": "developer", "content": "x"}])
    assert apply_quirks(get_preset("deepseek"), body)[0]["messages"][0]["role"] == "system"
    assert apply_quirks(get_preset("openai"), body)[0]["messages"][0]["role"] == "developer"


def test_system_message_rules():
    late = _body(messages=[{"role": "user", "content": "a"}, {"role": "system", "content": "b"}])
    with pytest.raises(ConfigurationError, match="message 1 is a system message"):
        apply_quirks(get_preset("perplexity"), late)
    single = CompatiblePreset(
        name="one",
        base_url="https://one.example/v1",
        api_key_env=("K",),
        system_message=SystemMessageRules(at_most_one=True),
    )
    body = _body(
        messages=[
            {"role": "system", "content": "a"},
            {"role": "system", "content": [{"type": "text", "text": "b"}]},
            {"role": "user", "content": "c"},
        ]
    )
    adapted, _ = apply_quirks(single, body)
    assert adapted["messages"] == [
        {"role": "system", "content": "a\n\nb"},
        {"role": "user", "content": "c"},
    ]


def test_dropped_params_warn_once_per_process(monkeypatch):
    monkeypatch.setattr(_presets, "_WARNED", set())
    preset = get_preset("groq")
    with pytest.warns(UserWarning, match="groq does not support the request parameter 'store'"):
        warn_dropped_params(preset, ["store"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_dropped_params(preset, ["store"])  # second time: silent


def test_readme_table_lists_every_preset_as_in_the_data():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    rows = {
        line.split("|")[1].strip(): line
        for line in readme.splitlines()
        if line.startswith("| ") and line.count("|") == 5
    }
    for name, preset in PRESETS.items():
        row = rows[name]
        assert f"`{preset.base_url}`" in row
        for env in (*preset.api_key_env, *preset.base_url_env):
            assert f"`{env}`" in row
