"""One call's request: which API it goes to and its JSON body (pure, no I/O).

A model's fields become a :class:`Defaults` once (the wire parameters as a plain dict, the
preset, the API choice the fields already force); each call then only merges its own
keyword arguments, picks the API and runs the converter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from linguafranca_plugins._openai_presets import CompatiblePreset, apply_quirks, warn_dropped_params

from linguafranca.errors import ConfigurationError
from linguafranca.messages import AIMessage, BaseMessage
from linguafranca.tools import convert_to_openai_function
from linguafranca_openai._client import CHAT, RESPONSES
from linguafranca_openai._convert_chat import build_chat_request, json_schema_response_format
from linguafranca_openai._convert_responses import build_responses_request

__all__ = ["Defaults", "build_request", "needs_responses", "prefers_responses"]

# Arguments only the Responses API takes: a call that passes one goes there.
RESPONSES_ONLY = frozenset(
    {
        "include",
        "previous_response_id",
        "truncation",
        "text",
        "context_management",
        "conversation",
        "background",
        "max_tool_calls",
    }
)
# Per-call options that steer the request rather than being sent as they are.
_CONTROL = ("tools", "tool_choice", "response_format", "stream_usage", "model")
# Models served only by the Responses API.
_RESPONSES_MODELS = re.compile(r"^(gpt-5(\.\d+)?-pro|o\d+-pro|codex-|computer-use)|codex")


def prefers_responses(model: str) -> bool:
    """Whether ``model`` is only served by the Responses API (``*-pro``, codex models).

    Example:
        >>> prefers_responses("gpt-5-pro"), prefers_responses("gpt-4.1")
        (True, False)
    """
    return bool(_RESPONSES_MODELS.search(model))


def needs_responses(params: Mapping[str, Any], tools: Sequence[Mapping[str, Any]] | None) -> bool:
    """Whether a request needs the Responses API for what it asks.

    Built-in tools (``web_search``, ``file_search``, ...), ``include``,
    ``previous_response_id``, ``truncation`` or a reasoning summary
    (``reasoning={"summary": ...}``) only exist there.
    """
    if not RESPONSES_ONLY.isdisjoint(params):
        return True
    reasoning = params.get("reasoning")
    if isinstance(reasoning, Mapping) and not set(reasoning) <= {"effort"}:
        return True
    return bool(tools) and any(t.get("type", "function") != "function" for t in tools or ())


@dataclass(frozen=True)
class Defaults:
    """What every request of one model shares, computed once from its fields.

    Attributes:
        model: The model name sent in the body.
        provider: Provider name (``response_metadata["model_provider"]``, errors).
        params: Wire parameters from the fields (``None`` values left out).
        api: ``CHAT`` or ``RESPONSES`` when the fields decide; ``None``: per call.
        preset: The compatible server whose quirks apply (``None`` for OpenAI itself).
        stream_usage: Ask for token usage when streaming.
        system_role: Role of system messages (``developer`` for o-series models).
        max_tokens_key: Name of the output-token limit in Chat Completions bodies.
        disabled: Parameters never sent (value ``None``) or not with the listed values.
        previous_response: Send only the turns after the last response, by id.
    """

    model: str
    provider: str
    params: Mapping[str, Any]
    api: str | None
    preset: CompatiblePreset | None
    stream_usage: bool
    system_role: Literal["system", "developer"]
    max_tokens_key: str
    disabled: Mapping[str, Any] | None = None
    previous_response: bool = False


def _drop_disabled(params: dict[str, Any], disabled: Mapping[str, Any]) -> None:
    for key, values in disabled.items():
        if key in params and (values is None or params[key] in values):
            del params[key]


def _after_last_response(
    messages: Sequence[BaseMessage],
) -> tuple[Sequence[BaseMessage], str | None]:
    """The turns after the last stored response, and that response's id."""
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        if isinstance(message, AIMessage):
            response_id = message.response_metadata.get("id")
            if isinstance(response_id, str) and response_id.startswith("resp_"):
                return messages[position + 1 :], response_id
            break
    return messages, None


def build_request(
    defaults: Defaults,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
    *,
    stream: bool,
) -> tuple[str, dict[str, Any]]:
    """The API (``CHAT`` / ``RESPONSES``) and JSON body of one call.

    Args:
        defaults: The model's shared settings.
        messages: The conversation.
        stop: Stop sequences in effect.
        kwargs: The call's options (bound tools, ``tool_choice``, ``response_format``,
            ``stream_usage``, any wire parameter); they override the model's fields.
        stream: Whether the answer is streamed.

    Raises:
        ConfigurationError: for an argument the chosen API cannot take.
    """
    params: Mapping[str, Any] = defaults.params
    tools = tool_choice = response_format = None
    stream_usage = defaults.stream_usage
    model = defaults.model
    if kwargs or stop or defaults.disabled:
        merged = {**params, **kwargs}
        if stop:
            merged["stop"] = stop
        tools = merged.pop("tools", None)
        tool_choice = merged.pop("tool_choice", None)
        response_format = merged.pop("response_format", None)
        stream_usage = merged.pop("stream_usage", stream_usage)
        model = merged.pop("model", model) or model
        if defaults.disabled:
            _drop_disabled(merged, defaults.disabled)
        params = merged
    api = defaults.api
    if api is None:
        api = RESPONSES if kwargs and needs_responses(params, tools) else CHAT
    if api == RESPONSES:
        return api, _responses_body(
            defaults, messages, model, params, tools, tool_choice, response_format, stream
        )
    body = build_chat_request(
        messages,
        model=model,
        params=params,
        tools=tools,
        tool_choice=tool_choice,
        response_format=_response_format(response_format),
        stream=stream,
        stream_usage=bool(stream_usage),
        system_role=defaults.system_role,
        max_tokens_key=defaults.max_tokens_key,
    )
    preset = defaults.preset
    if preset is not None:
        body, dropped = apply_quirks(preset, body)
        if dropped:
            warn_dropped_params(preset, dropped)
    return api, body


def _responses_body(
    defaults: Defaults,
    messages: Sequence[BaseMessage],
    model: str,
    params: Mapping[str, Any],
    tools: Sequence[Mapping[str, Any]] | None,
    tool_choice: Any,
    response_format: Any,
    stream: bool,
) -> dict[str, Any]:
    previous = None
    if defaults.previous_response and "previous_response_id" not in params:
        messages, previous = _after_last_response(messages)
    return build_responses_request(
        messages,
        model=model,
        params=params,
        tools=tools,
        tool_choice=tool_choice,
        text_format=_response_format(response_format),
        stream=stream,
        previous_response_id=previous,
        system_role=defaults.system_role,
    )


def _response_format(value: Any) -> Mapping[str, Any] | None:
    """A ``response_format`` argument as a dict (a pydantic class becomes a strict schema)."""
    if value is None or isinstance(value, Mapping):
        return value
    if isinstance(value, type):
        function = convert_to_openai_function(value, strict=True)
        return json_schema_response_format(
            function["parameters"],
            name=function["name"],
            description=function.get("description"),
            strict=True,
        )
    raise ConfigurationError(
        f"response_format must be a dict such as {{'type': 'json_object'}} or a pydantic "
        f"class, got {type(value).__name__}."
    )
