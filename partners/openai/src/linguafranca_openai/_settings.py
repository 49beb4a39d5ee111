"""From a model's field values to what its calls share: environment, request defaults, HTTP.

Functions here read a model's ``__dict__`` (its field values) so that the model class only
declares fields and orchestrates calls.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from linguafranca_plugins._openai_presets import (
    PRESETS,
    CompatiblePreset,
    get_preset,
    preset_for_base_url,
)
from pydantic import SecretStr

from linguafranca.errors import ConfigurationError
from linguafranca_openai._client import CHAT, RESPONSES, OpenAIHTTP, endpoint_urls
from linguafranca_openai._payload import Defaults, needs_responses, prefers_responses

__all__ = [
    "CONNECTION_FIELDS",
    "OPENAI_PROVIDERS",
    "SHARED_FIELDS",
    "WIRE_FIELDS",
    "env_value",
    "openai_endpoint",
    "preset_of",
    "request_defaults",
    "resolve_openai",
    "shared_http",
]

# Fields sent as request parameters when set.
WIRE_FIELDS = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "n",
    "max_tokens",
    "reasoning_effort",
    "reasoning",
    "verbosity",
    "service_tier",
    "store",
    "prompt_cache_key",
    "include",
    "truncation",
)
CONNECTION_FIELDS = frozenset(
    {
        "api_key",
        "base_url",
        "organization",
        "project",
        "openai_proxy",
        "timeout",
        "max_retries",
        "default_headers",
        "default_query",
        "http_client",
        "http_async_client",
        "provider",
        "azure_endpoint",
        "azure_deployment",
        "api_version",
        "azure_ad_token",
        "azure_ad_token_provider",
        "azure_ad_async_token_provider",
    }
)
"""Fields that change where or how requests are sent: changing one rebuilds the client."""
SHARED_FIELDS = ("http_client", "http_async_client", "rate_limiter", "cache", "callbacks")
"""Fields holding live objects (connection pools, locks) that a deep copy shares."""
OPENAI_PROVIDERS = frozenset({"openai", "azure_openai"})
"""Providers that are OpenAI itself (no compatible-server quirks)."""

_O_SERIES = re.compile(r"^o\d")
# Models with equal connection settings share one OpenAIHTTP (one pool of connections),
# e.g. a model rebuilt per call by configurable fields, or one built per web request.
_SHARED: weakref.WeakValueDictionary[tuple[Any, ...], OpenAIHTTP] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def env_value(*names: str) -> str | None:
    """The first of ``names`` set (non-empty) in the environment."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def resolve_openai(values: dict[str, Any]) -> None:
    """Fill provider, endpoint, key, ids and model from the preset and the environment.

    ``provider`` names a preset; without it the preset is the one whose host ``base_url``
    (or ``OPENAI_BASE_URL``) points at, else ``openai``. A preset inferred that way also
    accepts ``OPENAI_API_KEY``.
    """
    explicit = values["provider"] is not None
    preset = get_preset(values["provider"]) if explicit else None
    base_url = values["base_url"]
    if base_url is None:
        base_url = env_value(*(preset or PRESETS["openai"]).base_url_env)
    if preset is None:
        preset = preset_for_base_url(base_url) or PRESETS["openai"]
    values["provider"] = preset.name
    values["base_url"] = base_url or preset.base_url
    if values["api_key"] is None:
        names = preset.api_key_env
        if not explicit and preset.name != "openai":
            names = (*names, "OPENAI_API_KEY")
        key = env_value(*names)
        values["api_key"] = SecretStr(key) if key else None
    if preset.name == "openai":
        values["organization"] = values["organization"] or env_value("OPENAI_ORG_ID")
        values["project"] = values["project"] or env_value("OPENAI_PROJECT_ID")
    values["openai_proxy"] = values["openai_proxy"] or env_value("OPENAI_PROXY")
    if values["model"] is None:
        values["model"] = preset.default_model


def preset_of(provider: str | None) -> CompatiblePreset | None:
    """The compatible server whose quirks apply (None for OpenAI and Azure)."""
    name = provider or "openai"
    return None if name in OPENAI_PROVIDERS else get_preset(name)


def request_defaults(
    values: Mapping[str, Any],
    *,
    model: str,
    provider: str,
    preset: CompatiblePreset | None,
    max_tokens_key: str,
) -> Defaults:
    """The request settings every call of a model shares (see ``Defaults``)."""
    params: dict[str, Any] = {}
    for name in WIRE_FIELDS:
        value = values[name]
        if value is not None:
            params[name] = value
    params.update(values["model_kwargs"])
    if values["extra_body"]:
        params["extra_body"] = dict(values["extra_body"])
    api: str | None
    if values["use_responses_api"] is not None:
        api = RESPONSES if values["use_responses_api"] else CHAT
    elif preset is not None:
        api = CHAT  # compatible servers speak Chat Completions
    elif (
        values["output_version"] == "responses/v1"
        or values["use_previous_response_id"]
        or prefers_responses(model)
        or needs_responses(params, None)
    ):
        api = RESPONSES
    else:
        api = None  # chosen per call, from what the call needs
    stream_usage = values["stream_usage"]
    stream_options = params.get("stream_options")
    if isinstance(stream_options, Mapping) and "include_usage" in stream_options:
        # The reference's spelling in model_kwargs: honoured, sent by the builder.
        stream_usage = bool(stream_options["include_usage"])
        params.pop("stream_options")
    return Defaults(
        model=model,
        provider=provider,
        params=params,
        api=api,
        preset=preset,
        stream_usage=stream_usage,
        system_role="developer" if preset is None and _O_SERIES.match(model) else "system",
        max_tokens_key=max_tokens_key,
        disabled=values["disabled_params"] or None,
        previous_response=values["use_previous_response_id"],
    )


def openai_endpoint(
    values: Mapping[str, Any],
) -> tuple[dict[str, str], dict[str, str], str | None]:
    """The URLs, credential headers and key variable of OpenAI or a compatible server.

    Raises:
        ConfigurationError: no key, for a server that needs one (names the variable).
    """
    preset = preset_of(values["provider"]) or PRESETS["openai"]
    headers: dict[str, str] = {}
    api_key: SecretStr | None = values["api_key"]
    if api_key is not None and api_key.get_secret_value():
        headers["authorization"] = f"Bearer {api_key.get_secret_value()}"
    elif preset.api_key_required:
        names = " or ".join(preset.api_key_env)
        raise ConfigurationError(
            f"No API key for {preset.name}: set the environment variable {names}, or pass "
            "api_key='...'."
        )
    if values["organization"]:
        headers["openai-organization"] = values["organization"]
    if values["project"]:
        headers["openai-project"] = values["project"]
    urls = endpoint_urls(
        values["base_url"] or preset.base_url,
        {CHAT: CHAT, RESPONSES: RESPONSES},
        values["default_query"],
    )
    return urls, headers, preset.api_key_env[0] if preset.api_key_env else None


def shared_http(
    values: Mapping[str, Any],
    *,
    urls: dict[str, str],
    headers: dict[str, str],
    api_key_env: str | None,
    provider: str,
    token: Callable[[], str] | None = None,
    async_token: Callable[[], Any] | None = None,
) -> OpenAIHTTP:
    """The HTTP side for these settings: the one already in use by an equal model, or new."""
    if values["default_headers"]:
        headers = {**headers, **values["default_headers"]}
    max_retries = 2 if values["max_retries"] is None else values["max_retries"]
    key = (
        tuple(sorted(urls.items())),
        tuple(sorted(headers.items())),
        repr(values["timeout"]),
        values["openai_proxy"],
        max_retries,
        provider,
        api_key_env,
        id(values["http_client"]),
        id(values["http_async_client"]),
        id(token),
        id(async_token),
    )
    with _SHARED_LOCK:
        http = _SHARED.get(key)
        if http is None:
            http = _SHARED[key] = OpenAIHTTP(
                urls=urls,
                headers=headers,
                timeout=values["timeout"],
                proxy=values["openai_proxy"],
                max_retries=max_retries,
                provider=provider,
                api_key_env=api_key_env,
                http_client=values["http_client"],
                http_async_client=values["http_async_client"],
                token=token,
                async_token=async_token,
            )
    return http
