"""Anthropic-native content -> standard content blocks (``message.content_blocks``).

Registered for ``response_metadata["model_provider"] == "anthropic"`` when this
module is imported (``_convert_response`` imports it, so every message this package
makes can be read in the standard form).

Mapping: ``text`` (+ ``citations`` -> ``annotations``), ``thinking`` -> ``reasoning``
(signature in ``extras``), ``redacted_thinking`` -> ``reasoning`` (``extras["data"]``),
``tool_use`` -> ``tool_call`` (``tool_call_chunk`` mid-stream), ``server_tool_use`` ->
``server_tool_call``, ``*_tool_result`` -> ``server_tool_result``, ``image`` /
``document`` -> ``image`` / ``file`` / ``text-plain``; anything else -> ``non_standard``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from linguafranca.messages import AIMessage, AIMessageChunk, BaseMessage
from linguafranca.messages.content import ContentBlock, register_block_translator

__all__ = ["translate_content"]

_SERVER_TOOL_NAMES = {"code_execution": "code_interpreter"}
_DOCUMENT_CITATIONS = (
    "char_location",
    "page_location",
    "content_block_location",
    "search_result_location",
)


def _with_extras(
    block: dict[str, Any], source: Mapping[str, Any], known: set[str]
) -> dict[str, Any]:
    extras = {k: v for k, v in source.items() if k not in known and v is not None}
    if extras:
        block["extras"] = extras
    if isinstance(source.get("index"), int):
        block["index"] = source["index"]
    return block


def _annotation(citation: Mapping[str, Any]) -> dict[str, Any]:
    kind = citation.get("type")
    if kind == "web_search_result_location" and "url" in citation:
        out: dict[str, Any] = {"type": "citation", "url": citation["url"]}
        if citation.get("title"):
            out["title"] = citation["title"]
        if "cited_text" in citation:
            out["cited_text"] = citation["cited_text"]
        return _with_extras(out, citation, {"type", "url", "title", "cited_text"})
    if kind in _DOCUMENT_CITATIONS and "cited_text" in citation:
        out = {"type": "citation", "cited_text": citation["cited_text"]}
        title = citation.get("document_title") or citation.get("title")
        if title:
            out["title"] = title
        known = {"type", "cited_text", "document_title", "title"}
        return _with_extras(out, citation, known)
    return {"type": "non_standard_annotation", "value": dict(citation)}


def _media(block: Mapping[str, Any]) -> dict[str, Any] | None:
    source = block.get("source")
    if not isinstance(source, Mapping):
        return None
    kind, image = source.get("type"), block["type"] == "image"
    out: dict[str, Any]
    if kind == "base64" and "data" in source:
        out = {"base64": source["data"], "mime_type": source.get("media_type")}
    elif kind == "url" and "url" in source:
        out = {"url": source["url"]}
    elif kind == "file" and "file_id" in source:
        out = {"file_id": source["file_id"]}
    elif kind == "text" and not image and "data" in source:
        out = {"type": "text-plain", "text": source["data"], "mime_type": "text/plain"}
        return _with_extras(out, block, {"type", "source", "index"})
    else:
        return None
    out = {"type": "image" if image else "file", **{k: v for k, v in out.items() if v}}
    return _with_extras(out, block, {"type", "source", "index"})


def _tool_use(block: Mapping[str, Any], message: BaseMessage, streaming: bool) -> dict[str, Any]:
    tool_id = block.get("id")
    if streaming:
        chunk = {"type": "tool_call_chunk", "id": tool_id, "name": block.get("name")}
        fragment = next(
            (
                c.get("args")
                for c in cast(AIMessageChunk, message).tool_call_chunks
                if c.get("index") == block.get("index")
            ),
            None,
        )
        chunk["args"] = fragment if fragment is not None else json.dumps(block.get("input") or {})
        return _with_extras(chunk, block, {"type", "id", "name", "input", "index"})
    calls = message.tool_calls if isinstance(message, AIMessage) else []
    args = next((c["args"] for c in calls if c.get("id") == tool_id), block.get("input") or {})
    out = {"type": "tool_call", "id": tool_id, "name": block.get("name", ""), "args": args}
    return _with_extras(out, block, {"type", "id", "name", "input", "index"})


def _server_result(block: Mapping[str, Any]) -> dict[str, Any]:
    output = block.get("content")
    failed = bool(block.get("is_error")) or (
        isinstance(output, Mapping)
        and ("error_code" in output or "_error" in str(output.get("type")))
    )
    out: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": block.get("tool_use_id", ""),
        "status": "error" if failed else "success",
    }
    if output is not None:
        out["output"] = output
    _with_extras(out, block, {"type", "tool_use_id", "content", "is_error", "index"})
    out.setdefault("extras", {})["block_type"] = block["type"]
    return out


def _translate_block(block: Any, message: BaseMessage, streaming: bool) -> dict[str, Any]:
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, Mapping):
        return {"type": "non_standard", "value": {"value": block}}
    kind = block.get("type")
    if kind == "text":
        out: dict[str, Any] = {"type": "text", "text": block.get("text", "")}
        if citations := block.get("citations"):
            out["annotations"] = [_annotation(c) for c in citations]
        return _with_extras(out, block, {"type", "text", "citations", "index"})
    if kind == "thinking":
        out = {"type": "reasoning", "reasoning": block.get("thinking", "")}
        return _with_extras(out, block, {"type", "thinking", "index"})
    if kind == "redacted_thinking":
        out = {"type": "reasoning", "extras": {"redacted": True, "data": block.get("data")}}
        if isinstance(block.get("index"), int):
            out["index"] = block["index"]
        return out
    if kind == "tool_use":
        return _tool_use(block, message, streaming)
    if kind == "server_tool_use":
        name = block.get("name", "")
        out = {
            "type": "server_tool_call",
            "id": block.get("id", ""),
            "name": _SERVER_TOOL_NAMES.get(name, name),
            "args": block.get("input") or {},
        }
        return _with_extras(out, block, {"type", "id", "name", "input", "index"})
    if isinstance(kind, str) and kind.endswith("_tool_result"):
        return _server_result(block)
    if kind in ("image", "document") and (media := _media(block)) is not None:
        return media
    out = {"type": "non_standard", "value": {k: v for k, v in block.items() if k != "index"}}
    if isinstance(block.get("index"), int):
        out["index"] = block["index"]
    return out


def translate_content(message: BaseMessage) -> list[ContentBlock]:
    """Standard content blocks of a message whose content is in Anthropic's format.

    Args:
        message: An ``AIMessage`` / ``AIMessageChunk`` made by this package.
    """
    content = message.content
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    streaming = isinstance(message, AIMessageChunk) and message.chunk_position != "last"
    return [cast(ContentBlock, _translate_block(b, message, streaming)) for b in content]


register_block_translator("anthropic", translate_content)
