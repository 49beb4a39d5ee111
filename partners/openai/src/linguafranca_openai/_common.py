"""Helpers shared by the Chat Completions and Responses converters (pure, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic_core import from_json

from linguafranca.errors import BadRequestError, StreamError
from linguafranca.messages import InvalidToolCall, ToolCall, UsageMetadata

__all__ = [
    "BUILTIN_TOOL_TYPES",
    "block_source",
    "data_url",
    "dumps_args",
    "drop_none",
    "error_message",
    "loads",
    "parse_tool_arguments",
    "raise_in_band_error",
    "usage_from_counts",
]

BUILTIN_TOOL_TYPES = frozenset(
    {
        "web_search",
        "web_search_preview",
        "file_search",
        "code_interpreter",
        "computer_use_preview",
        "image_generation",
        "mcp",
        "local_shell",
        "shell",
        "apply_patch",
    }
)
"""Tool types run by OpenAI itself (Responses API); a tool_choice naming one selects it."""


def loads(data: str | bytes) -> Any:
    """Parse one JSON document (an SSE event's data): fast path, stdlib fallback."""
    try:
        return from_json(data)
    except ValueError:
        # The standard library also accepts lone UTF-16 surrogate escapes.
        return json.loads(data)


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Copy ``values`` without the keys whose value is ``None``."""
    return {k: v for k, v in values.items() if v is not None}


def dumps_args(args: Any) -> str:
    """Serialize tool-call arguments the way they travel: a JSON text.

    Already-serialized arguments (a string) are sent as they are.
    """
    if isinstance(args, str):
        return args
    return json.dumps(args, ensure_ascii=False)


def parse_tool_arguments(
    raw: Any, *, name: str | None, call_id: str | None
) -> ToolCall | InvalidToolCall:
    """Parse the JSON arguments of a tool call; bad JSON gives an ``InvalidToolCall``.

    An empty string or ``None`` means a call without arguments.
    """
    if isinstance(raw, dict):
        return ToolCall(name=name or "", args=raw, id=call_id, type="tool_call")
    if raw is None or raw == "":
        return ToolCall(name=name or "", args={}, id=call_id, type="tool_call")
    try:
        args = json.loads(raw)
    except (json.JSONDecodeError, TypeError) as exc:
        error = f"Function {name!r} arguments are not valid JSON: {exc}"
        return InvalidToolCall(
            name=name, args=str(raw), id=call_id, error=error, type="invalid_tool_call"
        )
    if not isinstance(args, dict):
        error = f"Function {name!r} arguments must be a JSON object, got {type(args).__name__}."
        return InvalidToolCall(
            name=name, args=raw, id=call_id, error=error, type="invalid_tool_call"
        )
    return ToolCall(name=name or "", args=args, id=call_id, type="tool_call")


def data_url(mime_type: str | None, base64_data: str) -> str:
    """Build a ``data:`` URL from base64 data (already a data URL: returned as is)."""
    if base64_data.startswith("data:"):
        return base64_data
    return f"data:{mime_type or 'application/octet-stream'};base64,{base64_data}"


def block_source(block: Mapping[str, Any]) -> tuple[str, str] | None:
    """Where a standard data block's payload is: ``("url" | "base64" | "file_id", value)``.

    Reads both the current form (``url`` / ``base64`` / ``file_id`` keys) and the older
    ``source_type`` form (``source_type`` = ``url`` / ``base64`` / ``id`` with ``url`` /
    ``data`` / ``id``).
    """
    source_type = block.get("source_type")
    if source_type is not None:
        key = {"url": "url", "base64": "data", "id": "id"}.get(str(source_type))
        kind = {"url": "url", "base64": "base64", "id": "file_id"}.get(str(source_type))
        if key and kind and isinstance(block.get(key), str):
            return kind, block[key]
        return None
    for kind in ("url", "base64", "file_id"):
        value = block.get(kind)
        if isinstance(value, str):
            return kind, value
    return None


def usage_from_counts(
    *,
    input_tokens: int | None,
    output_tokens: int | None,
    total_tokens: int | None,
    cache_read: int | None = None,
    input_audio: int | None = None,
    reasoning: int | None = None,
    output_audio: int | None = None,
) -> UsageMetadata:
    """Build ``UsageMetadata``; detail keys appear only when the provider sent them."""
    inp = input_tokens or 0
    out = output_tokens or 0
    usage = UsageMetadata(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=total_tokens if total_tokens is not None else inp + out,
    )
    input_details = drop_none({"audio": input_audio, "cache_read": cache_read})
    if input_details:
        usage["input_token_details"] = input_details  # type: ignore[typeddict-item]
    output_details = drop_none({"audio": output_audio, "reasoning": reasoning})
    if output_details:
        usage["output_token_details"] = output_details  # type: ignore[typeddict-item]
    return usage


def error_message(error: Any) -> str:
    """The human-readable message of an in-band ``error`` value (dict or string)."""
    if isinstance(error, Mapping):
        message = error.get("message") or error.get("detail") or error.get("code")
        return str(message) if message else json.dumps(error, ensure_ascii=False)
    return str(error)


def raise_in_band_error(body: Mapping[str, Any], *, provider: str, streaming: bool) -> None:
    """Raise if a 200 response or stream event carries an ``{"error": ...}`` payload.

    Raises:
        StreamError: for an error event inside a stream.
        BadRequestError: for a non-streamed body that holds an error.
    """
    error = body.get("error")
    if not error:
        return
    message = error_message(error)
    details: dict[str, Any] = {"provider": provider, "body": dict(body)}
    if isinstance(error, Mapping):
        details["code"] = error.get("code")
        details["error_type"] = error.get("type")
    if streaming:
        raise StreamError(f"{provider} sent an error in the stream: {message}", **details)
    raise BadRequestError(message, **details)
