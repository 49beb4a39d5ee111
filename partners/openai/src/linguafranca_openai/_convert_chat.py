"""Chat Completions wire format, both ways (pure functions, no I/O).

Messages, tools and parameters become a request body; response bodies become messages
(stream events: ``_chat_stream``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from linguafranca.errors import ConfigurationError
from linguafranca.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolMessage,
    UsageMetadata,
)

# Imported for its side effect: it registers the ``content_blocks`` translator.
from linguafranca_openai import _blocks  # noqa: F401
from linguafranca_openai._common import (
    block_source,
    data_url,
    drop_none,
    dumps_args,
    parse_tool_arguments,
    raise_in_band_error,
    usage_from_counts,
)

__all__ = [
    "build_chat_request",
    "chat_tool_choice",
    "convert_message_to_chat",
    "is_reasoning_model",
    "json_schema_response_format",
    "parse_chat_response",
    "reasoning_text",
    "split_content",
    "usage_from_chat",
]

ToolChoice = str | bool | Mapping[str, Any] | None
"""``"auto"``, ``"none"``, ``"required"`` (``"any"``), a tool name, ``True`` or a dict."""

_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")

# Block types that only describe the model's own turn; the Chat Completions API has no
# place for them in a request (reasoning is not sent back, tool calls go in tool_calls).
_NOT_SENT = frozenset(
    {
        "reasoning",
        "thinking",
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "function_call",
        "custom_tool_call",
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "computer_call",
        "image_generation_call",
        "mcp_call",
        "mcp_list_tools",
    }
)


def is_reasoning_model(model: str) -> bool:
    """Whether ``model`` is an OpenAI reasoning model (o-series or gpt-5 family).

    Example:
        >>> is_reasoning_model("o3-mini"), is_reasoning_model("gpt-4o")
        (True, False)
    """
    return bool(_REASONING_MODEL.match(model))


# --------------------------------------------------------------------------- request


def build_chat_request(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    params: Mapping[str, Any] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: ToolChoice = None,
    response_format: Mapping[str, Any] | None = None,
    stream: bool = False,
    stream_usage: bool = True,
    system_role: Literal["system", "developer"] = "system",
    max_tokens_key: str = "max_completion_tokens",
) -> dict[str, Any]:
    """Build the JSON body of a ``POST /chat/completions`` request.

    Args:
        messages: The conversation.
        model: Model name.
        params: Sampling and API parameters (``temperature``, ``max_tokens``, ``stop``,
            ``n``, ``seed``, ``reasoning_effort``, ...). ``None`` values are left out,
            ``extra_body`` is merged into the top level, unknown keys are sent as given.
        tools: Tools already in OpenAI format (``{"type": "function", "function": ...}``).
        tool_choice: See :func:`chat_tool_choice`.
        response_format: An OpenAI ``response_format`` (``json_schema`` / ``json_object``).
        stream: Ask for a server-sent-event stream (``"stream"`` is always sent).
        stream_usage: When streaming, ask for a final usage chunk.
        system_role: Role used for system messages (``"developer"`` for reasoning models).
        max_tokens_key: Field name for the output-token limit.

    Raises:
        ConfigurationError: for a message, content block or parameter that cannot be sent.
    """
    params = params or {}
    body: dict[str, Any] = {
        "model": model,
        "messages": [convert_message_to_chat(m, system_role=system_role) for m in messages],
    }
    extra_body = params.get("extra_body")
    body.update(_chat_params(params, max_tokens_key))
    if tools:
        body["tools"] = [dict(t) for t in tools]
    choice = chat_tool_choice(tool_choice, tools)
    if choice is not None:
        body["tool_choice"] = choice
    if response_format is not None:
        body["response_format"] = dict(response_format)
    # Always explicit, as LangChain's ChatOpenAI sends it.
    body["stream"] = stream
    if stream:
        if (body.get("n") or 1) > 1:
            raise ConfigurationError(
                "n > 1 cannot be streamed: set n=1 (or leave it unset) to stream, or call "
                "invoke/generate to get several completions."
            )
        if stream_usage:
            body["stream_options"] = {"include_usage": True}
    if extra_body:
        body.update(extra_body)
    return body


def _chat_params(params: Mapping[str, Any], max_tokens_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None or key == "extra_body":
            continue
        if key in ("max_tokens", "max_completion_tokens"):
            out[max_tokens_key] = value
        elif key == "reasoning":
            out.update(_reasoning_to_chat(value))
        elif key == "stop" and not value:
            continue
        else:
            out[key] = value
    return out


def _reasoning_to_chat(reasoning: Any) -> dict[str, Any]:
    if isinstance(reasoning, Mapping) and set(reasoning) <= {"effort"}:
        return drop_none({"reasoning_effort": reasoning.get("effort")})
    raise ConfigurationError(
        f"reasoning={reasoning!r} needs the Responses API (use_responses_api=True); "
        "the Chat Completions API only takes reasoning_effort."
    )


def chat_tool_choice(
    tool_choice: ToolChoice, tools: Sequence[Mapping[str, Any]] | None = None
) -> str | dict[str, Any] | None:
    """Normalise a tool choice to the Chat Completions form.

    ``"any"`` becomes ``"required"``; another string names a function; ``True`` forces
    the only tool (or any tool when there are several); ``False``/``None`` send nothing.

    Example:
        >>> chat_tool_choice("get_weather")
        {'type': 'function', 'function': {'name': 'get_weather'}}
    """
    if tool_choice is None or tool_choice is False:
        return None
    if tool_choice is True:
        names = [_tool_name(t) for t in tools or ()]
        if len(names) == 1 and names[0]:
            return {"type": "function", "function": {"name": names[0]}}
        return "required"
    if isinstance(tool_choice, str):
        if tool_choice in ("auto", "none", "required"):
            return tool_choice
        if tool_choice == "any":
            return "required"
        return {"type": "function", "function": {"name": tool_choice}}
    if isinstance(tool_choice, Mapping):
        if tool_choice.get("type") == "function" and "function" not in tool_choice:
            # Responses-style {"type": "function", "name": ...}
            return {"type": "function", "function": {"name": tool_choice.get("name")}}
        return dict(tool_choice)
    raise ConfigurationError(
        f"tool_choice={tool_choice!r} is not understood: use 'auto', 'none', 'required', "
        "a tool name, True, or an OpenAI tool_choice dict."
    )


def _tool_name(tool: Mapping[str, Any]) -> str | None:
    function = tool.get("function")
    if isinstance(function, Mapping):
        return function.get("name")
    name = tool.get("name")
    return name if isinstance(name, str) else None


def json_schema_response_format(
    schema: Mapping[str, Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool | None = True,
) -> dict[str, Any]:
    """A ``response_format`` asking for JSON that follows ``schema``.

    The name defaults to the schema's ``title`` (else ``"response"``).
    """
    spec: dict[str, Any] = {
        "name": name or schema.get("title") or "response",
        "schema": dict(schema),
    }
    if description:
        spec["description"] = description
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def convert_message_to_chat(
    message: BaseMessage, *, system_role: Literal["system", "developer"] = "system"
) -> dict[str, Any]:
    """Convert one message to a Chat Completions message dict.

    Raises:
        ConfigurationError: for a message kind or content block that cannot be sent.
    """
    out: dict[str, Any]
    if isinstance(message, ChatMessage):
        out = {"role": message.role, "content": _parts(message.content)}
    elif isinstance(message, HumanMessage):
        out = {"role": "user", "content": _parts(message.content)}
    elif isinstance(message, AIMessage):
        out = _assistant(message)
    elif isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__") or system_role
        out = {"role": role, "content": _parts(message.content)}
    elif isinstance(message, ToolMessage):
        out = {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": _parts(message.content),
        }
    elif isinstance(message, FunctionMessage):
        return {"role": "function", "name": message.name, "content": _parts(message.content)}
    else:
        raise ConfigurationError(
            f"Cannot send a {type(message).__name__} to the Chat Completions API; use "
            "HumanMessage, AIMessage, SystemMessage, ToolMessage or ChatMessage."
        )
    if message.name is not None and out["role"] != "tool":
        out["name"] = message.name
    return out


def _assistant(message: AIMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant"}
    content: str | list[dict[str, Any]] | None = _assistant_content(message.content)
    calls = [_chat_tool_call(c) for c in message.tool_calls] + [
        _chat_invalid_call(c) for c in message.invalid_tool_calls
    ]
    kwargs = message.additional_kwargs
    if calls:
        out["tool_calls"] = calls
    if "function_call" in kwargs:
        out["function_call"] = kwargs["function_call"]
    if calls or "function_call" in out:
        # The API expects null, not "", next to tool calls.
        content = content or None
    out["content"] = content
    audio = kwargs.get("audio")
    if isinstance(audio, Mapping) and audio.get("id"):
        out["audio"] = {"id": audio["id"]}
    return out


def _chat_tool_call(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": dumps_args(call["args"])},
    }


def _chat_invalid_call(call: InvalidToolCall) -> dict[str, Any]:
    return {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": call["args"] or ""},
    }


def _assistant_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    """An earlier model turn's content: its text (and refusals).

    The API takes only text and refusal parts from the assistant; reasoning, tool calls
    (sent as ``tool_calls``) and other providers' blocks such as ``tool_use`` have no place.
    """
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for item in content:
        if isinstance(item, str):
            parts.append({"type": "text", "text": item})
        elif item.get("type") == "text":
            parts.append({"type": "text", "text": item.get("text", "")})
        elif item.get("type") == "refusal":
            parts.append({"type": "refusal", "refusal": item.get("refusal", "")})
    if all(p["type"] == "text" for p in parts):
        # Plain text is the form every compatible server accepts.
        return "".join(p["text"] for p in parts)
    return parts


def _parts(content: str | list[Any]) -> str | list[dict[str, Any]]:
    """User-side content: a string, or a list of Chat Completions content parts."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for item in content:
        part = _part(item)
        if part is None:
            raise ConfigurationError(
                f"A {item.get('type')!r} block cannot be sent in this message; such blocks "
                "belong to the model's own (assistant) turn."
            )
        parts.append(part)
    return parts


def _part(item: Any) -> dict[str, Any] | None:
    if isinstance(item, str):
        return {"type": "text", "text": item}
    block_type = item.get("type")
    if block_type == "text":
        return {"type": "text", "text": item.get("text", "")}
    if block_type in ("image", "audio", "file", "text-plain", "video") and (
        "source_type" in item or block_source(item) is not None or "text" in item
    ):
        return _data_part(item)
    if block_type == "image_url" and isinstance(item.get("image_url"), str):
        return {"type": "image_url", "image_url": {"url": item["image_url"]}}
    if block_type == "non_standard" and isinstance(item.get("value"), Mapping):
        return dict(item["value"])
    if block_type in _NOT_SENT:
        return None
    # OpenAI-native parts (image_url, input_audio, file, ...) go through unchanged.
    return dict(item)


def _extra(item: Mapping[str, Any], key: str) -> Any:
    extras = item.get("extras")
    if isinstance(extras, Mapping) and key in extras:
        return extras[key]
    metadata = item.get("metadata")
    if isinstance(metadata, Mapping) and key in metadata:
        return metadata[key]
    return item.get(key)


def _data_part(item: Mapping[str, Any]) -> dict[str, Any]:
    block_type = item["type"]
    source = block_source(item)
    mime = item.get("mime_type")
    if block_type == "text-plain" and source is None:
        return {"type": "text", "text": item.get("text", "")}
    if source is None:
        raise ConfigurationError(f"The {block_type!r} block has no url, base64 or file_id.")
    kind, value = source
    if block_type == "image" and kind in ("url", "base64"):
        url = value if kind == "url" else data_url(mime or "image/png", value)
        image_url = drop_none({"url": url, "detail": _extra(item, "detail")})
        return {"type": "image_url", "image_url": image_url}
    if block_type == "audio" and kind == "base64":
        audio_format = (mime or "audio/wav").split("/")[-1].replace("mpeg", "mp3")
        return {"type": "input_audio", "input_audio": {"data": value, "format": audio_format}}
    if block_type in ("file", "text-plain") and kind == "file_id":
        return {"type": "file", "file": {"file_id": value}}
    if block_type in ("file", "text-plain") and kind == "base64":
        mime = mime or ("text/plain" if block_type == "text-plain" else "application/pdf")
        filename = _extra(item, "filename") or _extra(item, "title") or _default_filename(mime)
        return {"type": "file", "file": {"filename": filename, "file_data": data_url(mime, value)}}
    raise ConfigurationError(
        f"The Chat Completions API cannot take a {block_type!r} block given by {kind}. "
        "Send images by url or base64, audio as base64, files as base64 or file_id, or use "
        "the Responses API (use_responses_api=True)."
    )


def _default_filename(mime: str) -> str:
    subtype = mime.split("/")[-1]
    return f"document.{'txt' if subtype == 'plain' else subtype}"


# --------------------------------------------------------------------------- response


def usage_from_chat(usage: Mapping[str, Any]) -> UsageMetadata:
    """Convert a Chat Completions ``usage`` object to ``UsageMetadata``."""
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    cache_read = prompt_details.get("cached_tokens")
    if cache_read is None:
        # DeepSeek and Mistral report cache hits under their own names.
        cache_read = usage.get("prompt_cache_hit_tokens", usage.get("num_cached_tokens"))
    return usage_from_counts(
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        total_tokens=usage.get("total_tokens"),
        cache_read=cache_read,
        input_audio=prompt_details.get("audio_tokens"),
        reasoning=completion_details.get("reasoning_tokens"),
        output_audio=completion_details.get("audio_tokens"),
    )


# Message fields with a standard home; any other field is kept in additional_kwargs.
_MESSAGE_FIELDS = frozenset(
    {"role", "content", "tool_calls", "refusal", "reasoning", "reasoning_content", "annotations"}
)


def parse_chat_response(
    body: Mapping[str, Any], *, provider: str = "openai"
) -> tuple[list[AIMessage], dict[str, Any]]:
    """Convert a Chat Completions response body to messages, one per choice.

    Usage is attached to the first message only (it counts the whole response).

    Args:
        body: The parsed JSON response.
        provider: Written to ``response_metadata["model_provider"]``.

    Returns:
        The messages and the ``llm_output`` dict (token usage, model name, ...).

    Raises:
        BadRequestError: if the body is an ``{"error": ...}`` payload.
    """
    raise_in_band_error(body, provider=provider, streaming=False)
    usage = body.get("usage")
    usage_metadata = usage_from_chat(usage) if usage else None
    common = drop_none(
        {
            "id": body.get("id"),
            "model_name": body.get("model"),
            "system_fingerprint": body.get("system_fingerprint"),
            "service_tier": body.get("service_tier"),
            "token_usage": usage,
        }
    )
    messages: list[AIMessage] = []
    for choice in body.get("choices") or ():
        metadata: dict[str, Any] = {**common, "model_provider": provider}
        metadata.update(drop_none({"finish_reason": choice.get("finish_reason")}))
        if choice.get("logprobs") is not None:
            metadata["logprobs"] = choice["logprobs"]
        messages.append(
            _message_from_choice(
                choice.get("message") or {},
                metadata,
                body.get("id"),
                usage_metadata if not messages else None,
            )
        )
    llm_output = drop_none(
        {
            "token_usage": usage,
            "model_name": body.get("model"),
            "system_fingerprint": body.get("system_fingerprint"),
            "id": body.get("id"),
            "service_tier": body.get("service_tier"),
            "model_provider": provider,
        }
    )
    return messages, llm_output


def _message_from_choice(
    message: Mapping[str, Any],
    metadata: dict[str, Any],
    message_id: str | None,
    usage: UsageMetadata | None,
) -> AIMessage:
    text, reasoning = split_content(message.get("content"))
    kwargs: dict[str, Any] = {}
    reasoning = reasoning or reasoning_text(message)
    if reasoning:
        kwargs["reasoning_content"] = reasoning
    if message.get("refusal"):
        kwargs["refusal"] = message["refusal"]
    if message.get("annotations"):
        kwargs["annotations"] = message["annotations"]
    for key, value in message.items():
        if key not in _MESSAGE_FIELDS and value is not None:
            kwargs[key] = value  # function_call, audio, reasoning_details, extra_content, ...
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in message.get("tool_calls") or ():
        function = raw.get("function") or {}
        parsed = parse_tool_arguments(
            function.get("arguments"), name=function.get("name"), call_id=raw.get("id")
        )
        if parsed.get("type") == "invalid_tool_call":
            invalid.append(parsed)  # type: ignore[arg-type]
        else:
            calls.append(parsed)  # type: ignore[arg-type]
    return AIMessage(
        content=text,
        additional_kwargs=kwargs,
        response_metadata=metadata,
        tool_calls=calls,
        invalid_tool_calls=invalid,
        usage_metadata=usage,
        id=message_id,
    )


def reasoning_text(message: Mapping[str, Any]) -> str:
    for key in ("reasoning_content", "reasoning"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def split_content(content: Any) -> tuple[str | list[Any], str]:
    """Content and reasoning text of a message (string, or a Mistral-style list of chunks).

    ``thinking`` chunks become reasoning text; text chunks are joined into a string, unless
    other kinds of parts are present, which are then kept in a list after the text.
    """
    if content is None:
        return "", ""
    if isinstance(content, str):
        return content, ""
    text: list[str] = []
    reasoning: list[str] = []
    others: list[Any] = []
    for part in content:
        if isinstance(part, str):
            text.append(part)
        elif part.get("type") == "text":
            text.append(part.get("text", ""))
        elif part.get("type") == "thinking":
            for piece in part.get("thinking") or ():
                reasoning.append(piece.get("text", "") if isinstance(piece, Mapping) else piece)
        else:
            others.append(part)
    joined = "".join(text)
    if others:
        return ([{"type": "text", "text": joined}] if joined else []) + others, "".join(reasoning)
    return joined, "".join(reasoning)
