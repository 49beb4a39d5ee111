"""Content blocks of request messages: standard / OpenAI-style blocks -> Anthropic blocks.

Pure functions, no I/O. Anthropic-native blocks (anything with a ``source``, tool
results, search results, unknown types) are passed through unchanged apart from the
streaming-only ``index`` key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "format_data_block",
    "format_text_block",
    "format_user_block",
    "format_user_blocks",
    "normalize_tool_id",
]

# Keys copied from a standard block (or its ``extras``) onto the Anthropic block.
_PASSTHROUGH_KEYS = ("cache_control", "citations", "title", "context")
_DATA_URL = re.compile(r"^data:(?P<mime>[^;,]+);base64,(?P<data>.*)$", re.DOTALL)
_TOOL_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


def normalize_tool_id(tool_id: str) -> str:
    """Return ``tool_id``, or a stable Anthropic-valid stand-in when it has other characters.

    Anthropic accepts tool ids matching ``^[a-zA-Z0-9_-]+$``; ids minted by other
    providers (``functions.get_weather:0``) are hashed, identically for the
    ``tool_use`` and its ``tool_result`` so that they still pair up.
    """
    if not tool_id or _TOOL_ID.match(tool_id):
        return tool_id
    return "toolu_" + hashlib.sha256(tool_id.encode()).hexdigest()[:24]


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def format_text_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """A ``text`` block narrowed to the keys Anthropic accepts.

    Drops linguafranca-only keys (``id``, ``index``, ``annotations``); keeps
    ``cache_control`` (also from ``extras``) and ``citations`` (without null fields).
    """
    text = block.get("text")
    if not isinstance(text, str):
        raise ValueError(f"A text content block needs a string 'text', got {block!r}.")
    formatted: dict[str, Any] = {"type": "text", "text": text}
    extras = block.get("extras") or {}
    cache_control = block.get("cache_control", extras.get("cache_control"))
    if cache_control is not None:
        formatted["cache_control"] = cache_control
    if citations := block.get("citations"):
        formatted["citations"] = _without_none(citations)
    return formatted


def _source_from_url(url: str, media_kind: str) -> dict[str, Any]:
    if match := _DATA_URL.match(url):
        return {"type": "base64", "media_type": match["mime"], "data": match["data"]}
    if url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    raise ValueError(
        f"Unsupported {media_kind} url {url[:40]!r}: give an http(s) URL or a base64 data URL "
        "(data:<mime type>;base64,<data>)."
    )


def format_data_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """A standard (or legacy ``source_type``) image / file / text-plain block -> Anthropic.

    Images become ``image`` blocks; files (PDF, text) become ``document`` blocks.

    Raises:
        ValueError: for audio / video (Claude does not read them) or a block with no
            url, base64 data, file id or text.
    """
    kind = block.get("type")
    legacy = block.get("source_type")
    url = block.get("url") if legacy in (None, "url") else None
    data = block.get("base64") or (block.get("data") if legacy == "base64" else None)
    file_id = block.get("file_id") or (block.get("id") if legacy == "id" else None)
    mime = block.get("mime_type")
    source: dict[str, Any]
    if kind == "image":
        out_type = "image"
        if url:
            source = _source_from_url(url, "image")
        elif data:
            if not mime:
                raise ValueError("A base64 image block needs 'mime_type' (e.g. 'image/png').")
            source = {"type": "base64", "media_type": mime, "data": data}
        elif file_id:
            source = {"type": "file", "file_id": file_id}
        else:
            raise ValueError(f"An image block needs 'url', 'base64' or 'file_id': {block!r}.")
    elif kind in ("file", "text-plain"):
        out_type = "document"
        text = block.get("text")
        if url:
            source = _source_from_url(url, "file")
        elif data:
            source = {"type": "base64", "media_type": mime or "application/pdf", "data": data}
        elif file_id:
            source = {"type": "file", "file_id": file_id}
        elif isinstance(text, str):
            source = {"type": "text", "media_type": mime or "text/plain", "data": text}
        else:
            raise ValueError(
                f"A {kind} block needs 'url', 'base64', 'file_id' or 'text': {block!r}."
            )
    else:
        raise ValueError(
            f"Anthropic models do not accept {kind!r} content blocks: send images, PDF or "
            "text documents instead."
        )
    formatted: dict[str, Any] = {"type": out_type, "source": source}
    extras = block.get("extras") or {}
    for key in _PASSTHROUGH_KEYS:
        if key in block:
            formatted[key] = block[key]
        elif key in extras:
            formatted[key] = extras[key]
    return formatted


def _format_openai_part(block: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI chat-completions parts: ``image_url`` and ``file`` (file_data / file_id)."""
    if block["type"] == "image_url":
        image_url = block["image_url"]
        url = image_url if isinstance(image_url, str) else image_url.get("url", "")
        formatted: dict[str, Any] = {"type": "image", "source": _source_from_url(url, "image")}
    else:
        file = block["file"]
        if file_data := file.get("file_data"):
            source = _source_from_url(file_data, "file")
        elif file_id := file.get("file_id"):
            source = {"type": "file", "file_id": file_id}
        else:
            raise ValueError(f"An OpenAI 'file' part needs 'file_data' or 'file_id': {block!r}.")
        formatted = {"type": "document", "source": source}
        if filename := file.get("filename"):
            formatted["title"] = filename
    if "cache_control" in block:
        formatted["cache_control"] = block["cache_control"]
    return formatted


def format_user_block(block: str | Mapping[str, Any]) -> dict[str, Any] | None:
    """One block of a user turn (or of a tool result) in Anthropic form.

    Returns:
        The Anthropic block, or ``None`` for an empty text block (the API rejects those).
    """
    if isinstance(block, str):
        return {"type": "text", "text": block} if block else None
    if not isinstance(block, Mapping) or "type" not in block:
        raise ValueError(f"A content block must be a str or a dict with a 'type': {block!r}.")
    kind = block["type"]
    if kind == "text":
        return format_text_block(block) if block.get("text") != "" else None
    if kind == "image_url" or (kind == "file" and isinstance(block.get("file"), Mapping)):
        return _format_openai_part(block)
    if kind in ("image", "document") and "source" in block:
        return {k: v for k, v in block.items() if k != "index"}
    if kind in ("image", "file", "text-plain", "audio", "video", "input_audio"):
        return format_data_block(block)
    if kind == "non_standard":
        return dict(block["value"])
    if kind in ("reasoning", "tool_call", "tool_call_chunk", "server_tool_call"):
        raise ValueError(
            f"A {kind!r} block can only appear in an AIMessage, not in a user turn or tool result."
        )
    # Anthropic-native blocks (tool_result, search_result, ...) go through unchanged.
    return {k: v for k, v in block.items() if k != "index"}


def format_user_blocks(content: str | list[Any]) -> str | list[dict[str, Any]]:
    """The content of a user turn: a string stays a string; a list is converted blockwise."""
    if isinstance(content, str):
        return content
    blocks: list[dict[str, Any]] = []
    for block in content:
        formatted = format_user_block(block)
        if formatted is not None:
            blocks.append(formatted)
    return blocks
