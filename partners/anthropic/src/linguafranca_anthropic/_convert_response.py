"""A Messages API response body -> ``AIMessage``; Anthropic usage -> ``UsageMetadata``.

Pure functions, no I/O.

Content: a reply made of one text block without citations becomes a ``str``;
anything else (several blocks, thinking, tool use, citations, server tools) stays a
list of the Anthropic blocks as received, and ``message.content_blocks`` gives the
standard view (reasoning, tool_call, server_tool_call, citations, ...).

Usage: Anthropic's ``input_tokens`` counts only the tokens that were neither read
from nor written to the prompt cache. ``usage_metadata["input_tokens"]`` is the total
the model read: ``input_tokens + cache_read_input_tokens +
cache_creation_input_tokens``, with the two cache figures in ``input_token_details``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linguafranca.messages import AIMessage, InputTokenDetails, UsageMetadata, tool_call

# Imported for its side effect: registers the block translator for "anthropic".
from linguafranca_anthropic import _translate  # noqa: F401

__all__ = ["PROVIDER", "make_usage", "parse_count_tokens", "parse_response", "response_metadata"]

PROVIDER = "anthropic"
"""The ``response_metadata["model_provider"]`` of every message this package makes."""


def _int(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) else 0


def make_usage(
    usage: Mapping[str, Any], *, include_input: bool = True, include_output: bool = True
) -> UsageMetadata:
    """``UsageMetadata`` from an Anthropic ``usage`` object.

    Args:
        usage: The ``usage`` of a response, ``message_start`` or ``message_delta``.
        include_input: Count the input tokens (total with cache reads and writes).
        include_output: Count the output tokens.
    """
    input_tokens = 0
    details = InputTokenDetails()
    if include_input:
        cache_read = _int(usage, "cache_read_input_tokens")
        cache_creation = _int(usage, "cache_creation_input_tokens")
        input_tokens = _int(usage, "input_tokens") + cache_read + cache_creation
        if "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
            details["cache_read"] = cache_read
            details["cache_creation"] = cache_creation
    output_tokens = _int(usage, "output_tokens") if include_output else 0
    result = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    if details:
        result["input_token_details"] = details
    output_details = usage.get("output_tokens_details")
    if include_output and isinstance(output_details, Mapping):
        thinking = output_details.get("thinking_tokens")
        if isinstance(thinking, int):
            result["output_token_details"] = {"reasoning": thinking}
    return result


def response_metadata(body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``response_metadata`` of a reply: id, model_name, stop_reason, stop_sequence, ..."""
    metadata: dict[str, Any] = {
        "id": body.get("id"),
        "model_name": body.get("model"),
        "stop_reason": body.get("stop_reason"),
        "stop_sequence": body.get("stop_sequence"),
        "model_provider": PROVIDER,
    }
    for key in ("stop_details", "container", "context_management"):
        if body.get(key) is not None:
            metadata[key] = body[key]
    usage = body.get("usage")
    if isinstance(usage, Mapping) and usage.get("server_tool_use"):
        # Server tool counts (e.g. {"web_search_requests": 1}) are billed separately.
        metadata["server_tool_use"] = usage["server_tool_use"]
    return metadata


def parse_response(body: Mapping[str, Any]) -> tuple[AIMessage, dict[str, Any]]:
    """Turn a non-streamed Messages API response body into an ``AIMessage``.

    Args:
        body: The parsed JSON body (``{"type": "message", "content": [...], ...}``).

    Returns:
        The message, and the ``llm_output`` (id, model, model_name, stop_reason,
        stop_sequence and the raw ``usage``, which also holds server tool counts).

    Raises:
        ValueError: when ``body`` is not a message (e.g. an error body).
    """
    if body.get("type") not in ("message", None) or not isinstance(body.get("content"), list):
        raise ValueError(f"Not an Anthropic message response: {dict(body)!r:.200}")
    blocks: list[dict[str, Any]] = [dict(block) for block in body["content"]]
    calls = [
        tool_call(name=b["name"], args=b.get("input") or {}, id=b.get("id"))
        for b in blocks
        if b.get("type") == "tool_use"
    ]
    content: str | list[Any]
    if not blocks:
        content = ""
    elif len(blocks) == 1 and blocks[0].get("type") == "text" and not blocks[0].get("citations"):
        content = blocks[0]["text"]
    else:
        content = list(blocks)
    usage = body.get("usage")
    message = AIMessage(
        content=content,
        tool_calls=calls,
        id=body.get("id"),
        response_metadata=response_metadata(body),
        usage_metadata=make_usage(usage) if isinstance(usage, Mapping) else None,
    )
    llm_output: dict[str, Any] = {
        "id": body.get("id"),
        "model": body.get("model"),
        "model_name": body.get("model"),
        "stop_reason": body.get("stop_reason"),
        "stop_sequence": body.get("stop_sequence"),
    }
    if usage is not None:
        llm_output["usage"] = usage
    return message, llm_output


def parse_count_tokens(body: Mapping[str, Any]) -> int:
    """The token count of a ``/v1/messages/count_tokens`` response (``{"input_tokens": N}``)."""
    count = body.get("input_tokens")
    if not isinstance(count, int):
        raise ValueError(f"Not a count_tokens response: {dict(body)!r:.200}")
    return count
