"""Assistant turns: an ``AIMessage`` -> the content of an Anthropic ``assistant`` message.

Thinking and redacted thinking blocks are sent back unchanged with their signatures
(Anthropic checks them); tool calls become ``tool_use`` blocks whose ``input`` comes
from ``message.tool_calls`` (the parsed, authoritative arguments).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from linguafranca.messages import AIMessage
from linguafranca_anthropic._content import format_text_block, format_user_block, normalize_tool_id
from linguafranca_anthropic._convert_response import PROVIDER

__all__ = ["format_assistant_content"]

# Standard server tool names that differ from Anthropic's.
_SERVER_TOOL_NAMES = {"code_interpreter": "code_execution"}


def _tool_use(tool_id: str, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": normalize_tool_id(tool_id), "name": name, "input": args}


def _streamed_input(block: Mapping[str, Any]) -> Any:
    """``input`` of a tool block; a block gathered from a stream may hold ``partial_json``."""
    value = block.get("input")
    if not value and isinstance(partial := block.get("partial_json"), str) and partial:
        try:
            return json.loads(partial)
        except ValueError:
            return {}
    return value if value is not None else {}


def _reasoning(block: Mapping[str, Any]) -> dict[str, Any] | None:
    """A standard reasoning block back to ``thinking`` / ``redacted_thinking``.

    Reasoning without an Anthropic signature (e.g. from another provider) cannot be
    sent: the API verifies signatures. It is left out of the request.
    """
    extras = block.get("extras") or {}
    if "data" in extras:
        return {"type": "redacted_thinking", "data": extras["data"]}
    if signature := extras.get("signature"):
        return {"type": "thinking", "thinking": block.get("reasoning", ""), "signature": signature}
    return None


def _server_tool_result(block: Mapping[str, Any]) -> dict[str, Any]:
    extras = dict(block.get("extras") or {})
    block_type = extras.pop("block_type", None)
    if not block_type:
        raise ValueError(
            "A server_tool_result block needs extras['block_type'] (e.g. "
            "'web_search_tool_result') to be sent to Anthropic."
        )
    out: dict[str, Any] = {
        "type": block_type,
        "tool_use_id": block["tool_call_id"],
        "content": block.get("output", []),
    }
    out.update(extras)
    return out


def _format_block(
    block: Any, tool_args: Mapping[str, Mapping[str, Any]], *, foreign: bool
) -> dict[str, Any] | None:
    if isinstance(block, str):
        return {"type": "text", "text": block} if block.strip() else None
    kind = block.get("type")
    if kind == "text":
        # The API rejects empty or whitespace-only text blocks.
        text = block.get("text")
        return format_text_block(block) if isinstance(text, str) and text.strip() else None
    if kind == "thinking":
        out = {"type": "thinking", "thinking": block.get("thinking", "")}
        if "signature" in block:
            out["signature"] = block["signature"]
        return out
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block["data"]}
    if kind == "reasoning":
        return _reasoning(block)
    if kind in ("tool_use", "tool_call"):
        tool_id = block.get("id") or ""
        if tool_id in tool_args:
            args = tool_args[tool_id]
        elif kind == "tool_call":
            args = block.get("args") or {}
        else:
            args = _streamed_input(block)
        out = _tool_use(tool_id, block["name"], args)
        for key in ("cache_control", "caller"):
            if block.get(key) is not None:
                out[key] = block[key]
        return out
    if kind == "server_tool_use":
        out = {k: v for k, v in block.items() if k in ("type", "id", "name", "cache_control")}
        out["input"] = _streamed_input(block)
        return out
    if kind == "server_tool_call":
        name = block["name"]
        return {
            "type": "server_tool_use",
            "id": block["id"],
            "name": _SERVER_TOOL_NAMES.get(name, name),
            "input": block.get("args", {}),
        }
    if kind == "server_tool_result":
        return _server_tool_result(block)
    if kind in ("tool_call_chunk", "server_tool_call_chunk", "invalid_tool_call"):
        # Fragments and invalid calls are represented through message.tool_calls /
        # invalid_tool_calls, handled by the caller.
        return None
    if foreign and kind == "non_standard":
        return None  # another provider's own block: Anthropic cannot read it
    return format_user_block(block)


def format_assistant_content(message: AIMessage, *, last: bool) -> str | list[dict[str, Any]]:
    """The ``content`` of the assistant turn for ``message``.

    Args:
        message: The AI message.
        last: Whether it is the final turn (a prefill); its trailing whitespace is
            removed because the API rejects a final assistant turn ending in whitespace.

    A reply from another provider (``response_metadata["model_provider"]`` set and not
    ``"anthropic"``) is read through its standard ``content_blocks``; its reasoning
    (no Anthropic signature) and provider-specific blocks cannot be sent and are left out.

    Returns:
        A string when the message is plain text without tool calls, else a block list
        (possibly empty: the caller drops empty turns).
    """
    content = message.content
    invalid = [c for c in message.invalid_tool_calls if c.get("id") and c.get("name")]
    if isinstance(content, str) and not message.tool_calls and not invalid:
        return content.rstrip() if last else content
    tool_args: dict[str, dict[str, Any]] = {}
    for tc in message.tool_calls:
        if tc["id"]:
            tool_args[tc["id"]] = tc["args"]
    blocks: list[dict[str, Any]] = []
    provider = message.response_metadata.get("model_provider")
    foreign = isinstance(provider, str) and provider != PROVIDER
    items: list[Any]
    if foreign:
        # A reply from another provider: its standard view is what can be translated.
        items = list(message.content_blocks)
    else:
        items = [content] if isinstance(content, str) else content
    for item in items:
        formatted = _format_block(item, tool_args, foreign=foreign)
        if formatted is not None:
            blocks.append(formatted)
    sent_ids = {b["id"] for b in blocks if b["type"] == "tool_use"}
    for call in message.tool_calls:
        call_id = normalize_tool_id(call.get("id") or "")
        if call_id not in sent_ids:
            blocks.append(_tool_use(call.get("id") or "", call["name"], call["args"]))
            sent_ids.add(call_id)
    for bad in invalid:
        call_id = normalize_tool_id(bad["id"] or "")
        if call_id in sent_ids:
            continue
        # The call must still be present for its tool_result to pair up; its arguments
        # could not be parsed, so it is sent with the arguments that can be recovered.
        try:
            parsed = json.loads(bad.get("args") or "{}")
        except ValueError:
            parsed = {}
        blocks.append(
            _tool_use(
                bad["id"] or "", bad["name"] or "", parsed if isinstance(parsed, dict) else {}
            )
        )
        sent_ids.add(call_id)
    if last and blocks and blocks[-1]["type"] == "text":
        blocks[-1]["text"] = blocks[-1]["text"].rstrip()
    return blocks
