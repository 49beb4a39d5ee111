"""Anthropic Messages: request reading and message / event-stream rendering."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from linguafranca_tests.emulators._model import (
    Completion,
    Prompt,
    ToolCall,
    ToolSpec,
    Turn,
    split_json,
    split_text,
)

__all__ = ["anthropic_prompt", "cache_prefix", "message_body", "message_events", "signature"]

_STOP_REASONS = {
    "stop": "end_turn",
    "stop_sequence": "stop_sequence",
    "length": "max_tokens",
    "tool_calls": "tool_use",
}


def _media(block: Mapping[str, Any]) -> str | None:
    kind = block.get("type")
    if kind == "image":
        return "image"
    if kind == "document":
        source = block.get("source") or {}
        media_type = str(source.get("media_type") or "")
        url = str(source.get("url") or "")
        is_pdf = media_type == "application/pdf" or url.lower().endswith(".pdf")
        return "pdf" if is_pdf or source.get("type") in ("base64", "url") else "file"
    if kind in ("audio", "input_audio"):
        return "audio"
    return None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [
        str(b.get("text", ""))
        for b in content or []
        if isinstance(b, Mapping) and b.get("type") == "text"
    ]
    return "\n".join(parts)


def _read_message(prompt: Prompt, message: Mapping[str, Any]) -> None:
    role = message.get("role")
    content = message.get("content")
    if isinstance(content, str):
        prompt.turns.append(Turn("assistant" if role == "assistant" else "user", content))
        return
    texts: list[str] = []
    media: list[str] = []
    calls: list[ToolCall] = []
    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            calls.append(
                ToolCall(
                    str(block.get("id")), str(block.get("name")), dict(block.get("input") or {})
                )
            )
        elif kind == "tool_result":
            result = _text_of(block.get("content"))
            prompt.turns.append(Turn("tool", result, tool_call_id=block.get("tool_use_id")))
        else:
            found = _media(block)
            if found is not None:
                media.append(found)
    text = "\n".join(texts)
    if role == "assistant":
        prompt.turns.append(Turn("assistant", text, media, calls))
    elif text or media:
        prompt.turns.append(Turn("user", text, media))


def anthropic_prompt(body: Mapping[str, Any]) -> Prompt:
    """Read a Messages request body into a neutral prompt."""
    prompt = Prompt(model=str(body.get("model", "")), system=_text_of(body.get("system")))
    for message in body.get("messages") or []:
        _read_message(prompt, message)
    for tool in body.get("tools") or []:
        if "input_schema" in tool or tool.get("type") in (None, "custom"):
            schema = tool.get("input_schema") or {}
            prompt.tools.append(
                ToolSpec(str(tool.get("name")), str(tool.get("description") or ""), schema)
            )
    choice = body.get("tool_choice") or {}
    kind = choice.get("type", "auto")
    prompt.tool_choice = {"any": "required"}.get(kind, kind)
    if kind == "tool":
        prompt.forced_tool = str(choice.get("name"))
    prompt.parallel_tool_calls = not choice.get("disable_parallel_tool_use", False)
    fmt = body.get("output_format") or (body.get("output_config") or {}).get("format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        prompt.response_schema = fmt.get("schema") or {}
    thinking = body.get("thinking") or {}
    prompt.reasoning = thinking.get("type") in ("enabled", "adaptive")
    prompt.stop = [str(s) for s in body.get("stop_sequences") or []]
    limit = body.get("max_tokens")
    prompt.max_tokens = int(limit) if isinstance(limit, int) else None
    return prompt


def cache_prefix(body: Mapping[str, Any]) -> str | None:
    """The request prefix that ``cache_control`` marks for caching, serialised (or None)."""
    if body.get("cache_control"):
        return json.dumps([body.get("system"), body.get("tools"), body.get("messages")])
    prefix: list[Any] = [body.get("system"), body.get("tools")]
    marked: str | None = None
    if "cache_control" in json.dumps(prefix):
        marked = json.dumps(prefix)
    for message in body.get("messages") or []:
        prefix.append(message)
        if isinstance(message.get("content"), list) and any(
            isinstance(b, Mapping) and "cache_control" in b for b in message["content"]
        ):
            marked = json.dumps(prefix)
    return marked


def signature(text: str) -> str:
    """A deterministic, opaque thinking signature."""
    digest = hashlib.sha256(text.encode()).digest() * 3
    return base64.b64encode(b"\x12\x0c" + digest).decode()


def _usage(completion: Completion, cache_read: int, cache_write: int) -> dict[str, Any]:
    return {
        "input_tokens": completion.input_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache_write,
            "ephemeral_1h_input_tokens": 0,
        },
        "output_tokens": completion.output_tokens,
        "service_tier": "standard",
    }


def _blocks(completion: Completion) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if completion.reasoning:
        blocks.append(
            {
                "type": "thinking",
                "thinking": completion.reasoning,
                "signature": signature(completion.reasoning),
            }
        )
    if completion.text or not completion.tool_calls:
        blocks.append({"type": "text", "text": completion.text})
    for call in completion.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        )
    return blocks


def message_body(
    message_id: str, model: str, completion: Completion, cache: tuple[int, int] = (0, 0)
) -> dict[str, Any]:
    """The non-streamed Messages answer."""
    return {
        "model": model,
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "content": _blocks(completion),
        "stop_reason": _STOP_REASONS[completion.finish],
        "stop_sequence": completion.stop_sequence,
        "stop_details": None,
        "usage": _usage(completion, *cache),
    }


def message_events(
    message_id: str, model: str, completion: Completion, cache: tuple[int, int] = (0, 0)
) -> list[bytes]:
    """The Messages event stream, with ``event:`` lines, in the real order."""
    out: list[bytes] = []

    def emit(kind: str, payload: Mapping[str, Any]) -> None:
        data = json.dumps({"type": kind, **payload}, separators=(",", ":"), ensure_ascii=False)
        out.append(f"event: {kind}\ndata: {data}\n\n".encode())

    start = message_body(message_id, model, completion, cache)
    start.update(content=[], stop_reason=None, stop_sequence=None)
    start["usage"] = {**start["usage"], "output_tokens": 1}
    emit("message_start", {"message": start})
    for index, block in enumerate(_blocks(completion)):
        kind = block["type"]
        if kind == "thinking":
            emit(
                "content_block_start",
                {"index": index, "content_block": {**block, "thinking": "", "signature": ""}},
            )
        elif kind == "text":
            emit(
                "content_block_start",
                {"index": index, "content_block": {"type": "text", "text": ""}},
            )
        else:
            emit("content_block_start", {"index": index, "content_block": {**block, "input": {}}})
        if index == 0:
            out.append(b'event: ping\ndata: {"type": "ping"}\n\n')
        if kind == "thinking":
            for piece in split_text(block["thinking"]):
                emit(
                    "content_block_delta",
                    {"index": index, "delta": {"type": "thinking_delta", "thinking": piece}},
                )
            delta = {"type": "signature_delta", "signature": block["signature"]}
            emit("content_block_delta", {"index": index, "delta": delta})
        elif kind == "text":
            for piece in completion.text_pieces if block["text"] else []:
                emit(
                    "content_block_delta",
                    {"index": index, "delta": {"type": "text_delta", "text": piece}},
                )
        else:
            args = json.dumps(block["input"]) if block["input"] else ""
            pieces = [""] + (split_json(args) if args else [])
            for piece in pieces:
                delta = {"type": "input_json_delta", "partial_json": piece}
                emit("content_block_delta", {"index": index, "delta": delta})
        emit("content_block_stop", {"index": index})
    read, write = cache
    usage = {
        "input_tokens": completion.input_tokens,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
        "output_tokens": completion.output_tokens,
    }
    reason = _STOP_REASONS[completion.finish]
    delta = {"stop_reason": reason, "stop_sequence": completion.stop_sequence, "stop_details": None}
    emit("message_delta", {"delta": delta, "usage": usage})
    emit("message_stop", {})
    return out
