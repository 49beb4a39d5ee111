"""OpenAI-compatible providers as data: endpoints, keys and the quirks of each server.

This module ships with linguafranca-openai but sits in the ``linguafranca_plugins``
namespace so that the entry point (``linguafranca_plugins.openai``) can read the table
without importing ``linguafranca_openai`` (and with it httpx).

A preset is everything that differs between "the OpenAI Chat Completions API" and one
server that speaks it: where it lives, which environment variables hold its key and
endpoint, and which request fields it rejects or spells differently. The converters stay
provider-neutral; :func:`apply_quirks` adapts a finished request body to one preset.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from linguafranca.errors import ConfigurationError

__all__ = [
    "PRESETS",
    "CompatiblePreset",
    "SystemMessageRules",
    "apply_quirks",
    "get_preset",
    "preset_for_base_url",
    "warn_dropped_params",
]

ReasoningField = Literal["reasoning_content", "reasoning"]


@dataclass(frozen=True)
class SystemMessageRules:
    """Limits a server puts on system messages.

    Attributes:
        must_be_first: System messages may only open the conversation.
        at_most_one: Only one system message is accepted; leading ones are joined.
    """

    must_be_first: bool = False
    at_most_one: bool = False


# Request fields only OpenAI's own API understands; other servers reject or ignore them.
_OPENAI_ONLY = frozenset(
    {
        "store",
        "metadata",
        "prompt_cache_key",
        "safety_identifier",
        "service_tier",
        "prediction",
        "modalities",
        "audio",
        "web_search_options",
        "verbosity",
    }
)


@dataclass(frozen=True)
class CompatiblePreset:
    """One OpenAI-compatible server: endpoint, credentials and request quirks.

    Example:
        >>> get_preset("groq").base_url
        'https://api.groq.com/openai/v1'

    Attributes:
        name: Provider name (lower case), e.g. ``"groq"``.
        base_url: Default endpoint, ending before ``/chat/completions``.
        api_key_env: Environment variables holding the key, in order of preference.
        base_url_env: Environment variables that override the endpoint.
        model_prefixes: Model-name prefixes that infer this provider.
        docs_url: The provider's API documentation.
        default_model: Model used when none is given (``None``: the server decides).
        api_key_required: ``False`` for local servers that accept any key.
        unsupported_params: Top-level request fields the server rejects; dropped.
        renamed_params: Request fields the server spells differently (``seed`` -> ...).
        reasoning_field: Message field carrying the model's reasoning text, if any.
        supports_stream_options: Whether ``stream_options.include_usage`` is accepted.
        supports_developer_role: Whether ``role: "developer"`` is accepted.
        system_message: Limits on system messages.
        max_tokens_param: Name of the output-token limit field.
        tool_choice_required: How the server spells "must call a tool".
        tool_call_content: ``content`` sent on assistant turns that only call tools.
    """

    name: str
    base_url: str
    api_key_env: tuple[str, ...]
    base_url_env: tuple[str, ...] = ()
    model_prefixes: tuple[str, ...] = ()
    docs_url: str = ""
    default_model: str | None = None
    api_key_required: bool = True
    unsupported_params: frozenset[str] = _OPENAI_ONLY
    renamed_params: Mapping[str, str] = field(default_factory=dict)
    reasoning_field: ReasoningField | None = None
    supports_stream_options: bool = True
    supports_developer_role: bool = False
    system_message: SystemMessageRules = SystemMessageRules()
    max_tokens_param: str = "max_tokens"
    tool_choice_required: str = "required"
    tool_call_content: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "renamed_params", MappingProxyType(dict(self.renamed_params)))


_PRESET_LIST = (
    CompatiblePreset(
        name="openai",
        base_url="https://api.openai.com/v1",
        api_key_env=("OPENAI_API_KEY",),
        base_url_env=("OPENAI_BASE_URL", "OPENAI_API_BASE"),
        model_prefixes=("gpt-", "o1", "o3", "o4", "chatgpt-", "codex-"),
        docs_url="https://platform.openai.com/docs/api-reference/chat",
        default_model="gpt-4.1-mini",
        unsupported_params=frozenset(),
        supports_developer_role=True,
        max_tokens_param="max_completion_tokens",
    ),
    CompatiblePreset(
        name="groq",
        base_url="https://api.groq.com/openai/v1",
        api_key_env=("GROQ_API_KEY",),
        base_url_env=("GROQ_BASE_URL", "GROQ_API_BASE"),
        docs_url="https://console.groq.com/docs/openai",
        default_model="llama-3.3-70b-versatile",
        # Groq serves service_tier ("on_demand", "flex"); logprobs and logit_bias are refused.
        unsupported_params=(_OPENAI_ONLY - {"service_tier"})
        | {"logprobs", "top_logprobs", "logit_bias"},
        reasoning_field="reasoning",
        # Usage always arrives in the last chunk's ``x_groq.usage``.
        supports_stream_options=False,
        max_tokens_param="max_completion_tokens",
    ),
    CompatiblePreset(
        name="mistralai",
        base_url="https://api.mistral.ai/v1",
        api_key_env=("MISTRAL_API_KEY",),
        base_url_env=("MISTRAL_BASE_URL", "MISTRAL_API_BASE"),
        model_prefixes=(
            "mistral-",
            "magistral-",
            "codestral-",
            "devstral-",
            "ministral-",
            "pixtral-",
            "open-mistral",
            "open-mixtral",
        ),
        docs_url="https://docs.mistral.ai/api/",
        default_model="mistral-small-latest",
        unsupported_params=_OPENAI_ONLY | {"logprobs", "top_logprobs", "logit_bias", "user"},
        renamed_params={"seed": "random_seed"},
        # Usage arrives with the finish_reason chunk; stream_options is refused.
        supports_stream_options=False,
        tool_choice_required="any",
        tool_call_content="",
    ),
    CompatiblePreset(
        name="deepseek",
        base_url="https://api.deepseek.com",
        api_key_env=("DEEPSEEK_API_KEY",),
        base_url_env=("DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE"),
        model_prefixes=("deepseek-",),
        docs_url="https://api-docs.deepseek.com/",
        default_model="deepseek-chat",
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="xai",
        base_url="https://api.x.ai/v1",
        api_key_env=("XAI_API_KEY",),
        base_url_env=("XAI_BASE_URL", "XAI_API_BASE"),
        model_prefixes=("grok-",),
        docs_url="https://docs.x.ai/docs/api-reference",
        default_model="grok-4",
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="openrouter",
        base_url="https://openrouter.ai/api/v1",
        api_key_env=("OPENROUTER_API_KEY",),
        base_url_env=("OPENROUTER_BASE_URL", "OPENROUTER_API_BASE"),
        docs_url="https://openrouter.ai/docs/api-reference/overview",
        default_model="openai/gpt-4o-mini",
        reasoning_field="reasoning",
        max_tokens_param="max_completion_tokens",
    ),
    CompatiblePreset(
        name="together",
        base_url="https://api.together.xyz/v1",
        api_key_env=("TOGETHER_API_KEY",),
        base_url_env=("TOGETHER_BASE_URL",),
        docs_url="https://docs.together.ai/docs/openai-api-compatibility",
        default_model="meta-llama/Llama-3.3-70B-Instruct-Turbo",
        reasoning_field="reasoning",
    ),
    CompatiblePreset(
        name="fireworks",
        base_url="https://api.fireworks.ai/inference/v1",
        api_key_env=("FIREWORKS_API_KEY",),
        base_url_env=("FIREWORKS_BASE_URL",),
        model_prefixes=("accounts/fireworks/",),
        docs_url="https://docs.fireworks.ai/tools-sdks/openai-compatibility",
        default_model="accounts/fireworks/models/llama-v3p1-8b-instruct",
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="perplexity",
        base_url="https://api.perplexity.ai",
        api_key_env=("PPLX_API_KEY", "PERPLEXITY_API_KEY"),
        base_url_env=("PPLX_BASE_URL", "PERPLEXITY_BASE_URL"),
        model_prefixes=("sonar",),
        docs_url="https://docs.perplexity.ai/api-reference/chat-completions-post",
        default_model="sonar",
        unsupported_params=_OPENAI_ONLY | {"logit_bias", "logprobs", "top_logprobs", "n"},
        supports_stream_options=False,
        system_message=SystemMessageRules(must_be_first=True),
    ),
    CompatiblePreset(
        name="cerebras",
        base_url="https://api.cerebras.ai/v1",
        api_key_env=("CEREBRAS_API_KEY",),
        base_url_env=("CEREBRAS_BASE_URL", "CEREBRAS_API_BASE"),
        docs_url="https://inference-docs.cerebras.ai/resources/openai",
        default_model="llama3.1-8b",
        unsupported_params=_OPENAI_ONLY
        | {"frequency_penalty", "presence_penalty", "logit_bias", "parallel_tool_calls"},
        reasoning_field="reasoning",
        max_tokens_param="max_completion_tokens",
    ),
    CompatiblePreset(
        name="deepinfra",
        base_url="https://api.deepinfra.com/v1/openai",
        api_key_env=("DEEPINFRA_API_TOKEN", "DEEPINFRA_API_KEY"),
        base_url_env=("DEEPINFRA_BASE_URL",),
        docs_url="https://deepinfra.com/docs/openai_api",
        default_model="meta-llama/Meta-Llama-3.1-8B-Instruct",
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="nvidia",
        base_url="https://integrate.api.nvidia.com/v1",
        api_key_env=("NVIDIA_API_KEY",),
        base_url_env=("NVIDIA_BASE_URL",),
        docs_url="https://docs.api.nvidia.com/nim/reference/llm-apis",
        default_model="meta/llama-3.1-8b-instruct",
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="huggingface",
        base_url="https://router.huggingface.co/v1",
        api_key_env=("HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN"),
        base_url_env=("HF_BASE_URL",),
        docs_url="https://huggingface.co/docs/inference-providers/index",
        default_model="openai/gpt-oss-120b",
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="vllm",
        base_url="http://localhost:8000/v1",
        api_key_env=("VLLM_API_KEY",),
        base_url_env=("VLLM_BASE_URL",),
        docs_url="https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
        api_key_required=False,
        reasoning_field="reasoning_content",
    ),
    CompatiblePreset(
        name="lmstudio",
        base_url="http://localhost:1234/v1",
        api_key_env=("LM_STUDIO_API_KEY",),
        base_url_env=("LM_STUDIO_BASE_URL",),
        docs_url="https://lmstudio.ai/docs/app/api/endpoints/openai",
        api_key_required=False,
        reasoning_field="reasoning_content",
    ),
)

PRESETS: Mapping[str, CompatiblePreset] = MappingProxyType({p.name: p for p in _PRESET_LIST})
"""Every known preset by name."""

_BY_HOST = {urlsplit(p.base_url).netloc: p for p in _PRESET_LIST if "localhost" not in p.base_url}


def get_preset(name: str) -> CompatiblePreset:
    """Return the preset called ``name``.

    Raises:
        ConfigurationError: if there is no such preset; the message lists the known ones.
    """
    try:
        return PRESETS[name.strip().lower().replace("-", "_")]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ConfigurationError(
            f"Unknown OpenAI-compatible provider {name!r}. Known providers: {known}. "
            "For another server pass base_url= (and api_key=) to ChatOpenAI."
        ) from None


def preset_for_base_url(base_url: str | None) -> CompatiblePreset | None:
    """Return the hosted preset whose endpoint has the same host as ``base_url``, if any.

    Example:
        >>> preset_for_base_url("https://api.mistral.ai/v1").name
        'mistralai'
    """
    if not base_url:
        return None
    return _BY_HOST.get(urlsplit(base_url).netloc)


def apply_quirks(
    preset: CompatiblePreset, body: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Adapt a Chat Completions request body to one server's quirks.

    The input is not modified. Fields the server rejects are removed and returned so the
    caller can warn (see :func:`warn_dropped_params`).

    Args:
        preset: The target server.
        body: A body built by ``build_chat_request``.

    Returns:
        The adapted body and the names of the fields that were dropped.

    Raises:
        ConfigurationError: if the conversation breaks a system-message rule of the server.
    """
    out = dict(body)
    dropped = [key for key in out if key in preset.unsupported_params]
    for key in dropped:
        del out[key]
    for old, new in preset.renamed_params.items():
        if old in out:
            out[new] = out.pop(old)
    for key in ("max_tokens", "max_completion_tokens"):
        if key in out and key != preset.max_tokens_param:
            out[preset.max_tokens_param] = out.pop(key)
    if not preset.supports_stream_options:
        out.pop("stream_options", None)
    if out.get("tool_choice") == "required":
        out["tool_choice"] = preset.tool_choice_required
    if "messages" in out:
        out["messages"] = _adapt_messages(preset, out["messages"])
    return out, dropped


def _adapt_messages(preset: CompatiblePreset, messages: list[dict[str, Any]]) -> list[Any]:
    rules = preset.system_message
    adapted: list[dict[str, Any]] = []
    for position, message in enumerate(messages):
        role = message.get("role")
        if role == "developer" and not preset.supports_developer_role:
            message = {**message, "role": "system"}
            role = "system"
        if role == "system" and (rules.must_be_first or rules.at_most_one):
            opening = all(m.get("role") == "system" for m in adapted)
            if not opening:
                raise ConfigurationError(
                    f"{preset.name} accepts system messages only at the start of the "
                    f"conversation, but message {position} is a system message. Move it "
                    "first or send its text in a user message."
                )
            if rules.at_most_one and adapted:
                adapted[-1] = _join_system(adapted[-1], message)
                continue
        elif (
            role == "assistant"
            and message.get("tool_calls")
            and message.get("content") is None
            and preset.tool_call_content is not None
        ):
            message = {**message, "content": preset.tool_call_content}
        adapted.append(message)
    return adapted


def _join_system(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    texts = [_as_text(first.get("content")), _as_text(second.get("content"))]
    return {**first, "content": "\n\n".join(t for t in texts if t)}


def _as_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


_WARNED: set[tuple[str, str]] = set()


def warn_dropped_params(preset: CompatiblePreset, dropped: list[str]) -> None:
    """Warn once per process and parameter that ``preset`` does not accept ``dropped``."""
    for name in dropped:
        key = (preset.name, name)
        if key in _WARNED:
            continue
        _WARNED.add(key)
        warnings.warn(
            f"{preset.name} does not support the request parameter {name!r}; it was "
            "not sent. Remove it from the model's arguments to silence this warning.",
            UserWarning,
            stacklevel=3,
        )
