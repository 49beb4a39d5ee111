"""Reading message content as standard blocks (``content_blocks``).

The view is deterministic: no ids are invented, and the message is never mutated
(every returned block is a new dict).
"""

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from linguafranca.messages._block_types import DATA_BLOCK_TYPES, KNOWN_BLOCK_TYPES, ContentBlock
from linguafranca.messages.content import get_block_translator

if TYPE_CHECKING:
    from linguafranca.messages._base import BaseMessage

# Compiled on first use (by ``re``'s own cache), not at import: few messages carry data URLs.
_DATA_URL = r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?);base64,(?P<data>.*)$"


def parse_data_url(url: str) -> tuple[str | None, str] | None:
    """Split a ``data:<mime>;base64,<data>`` URL into (mime type, data); None if not one.

    Example:
        >>> parse_data_url("data:image/png;base64,AAAA")
        ('image/png', 'AAAA')
    """
    if not url.startswith("data:"):
        return None
    match = re.match(_DATA_URL, url, re.S)
    if match is None:
        return None
    return match.group("mime"), match.group("data")


def message_blocks(message: "BaseMessage") -> list[ContentBlock]:
    """Standard blocks of ``message``: its provider's translator, else the default."""
    provider = message.response_metadata.get("model_provider")
    if isinstance(provider, str) and (translator := get_block_translator(provider)):
        try:
            return translator(message)
        except NotImplementedError:
            pass
    return content_to_blocks(message.content)


def content_to_blocks(content: str | Sequence[Any]) -> list[ContentBlock]:
    """Translate ``content`` (text, standard, legacy or OpenAI chat-completions blocks)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [item_to_block(item) for item in content]


def item_to_block(item: Any) -> ContentBlock:
    """Translate one content item; anything unknown becomes ``non_standard``."""
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if not isinstance(item, Mapping):
        return {"type": "non_standard", "value": {"value": item}}
    block_type = item.get("type")
    if "source_type" in item:
        legacy = _from_legacy(item)
        if legacy is not None:
            return legacy
    elif block_type in KNOWN_BLOCK_TYPES:
        if block_type == "file" and isinstance(item.get("file"), Mapping):
            converted = _from_openai_file(item)
            if converted is not None:
                return converted
        else:
            return cast("ContentBlock", dict(item))
    elif block_type == "image_url":
        converted = _from_openai_image(item)
        if converted is not None:
            return converted
    elif block_type == "input_audio":
        converted = _from_openai_audio(item)
        if converted is not None:
            return converted
    return {"type": "non_standard", "value": dict(item)}


def _media(kind: str, url: str, extras: dict[str, Any]) -> dict[str, Any]:
    """A data block from a URL, decoding ``data:`` URLs into base64 + mime_type."""
    block: dict[str, Any] = {"type": kind}
    parsed = parse_data_url(url)
    if parsed is None:
        block["url"] = url
    else:
        mime, data = parsed
        block["base64"] = data
        if mime:
            block["mime_type"] = mime
    if extras:
        block["extras"] = extras
    return block


def _from_openai_image(item: Mapping[str, Any]) -> ContentBlock | None:
    image_url = item.get("image_url")
    if isinstance(image_url, str):
        return cast("ContentBlock", _media("image", image_url, {}))
    if not isinstance(image_url, Mapping) or not isinstance(image_url.get("url"), str):
        return None
    extras = {k: v for k, v in image_url.items() if k != "url"}
    return cast("ContentBlock", _media("image", image_url["url"], extras))


def _from_openai_audio(item: Mapping[str, Any]) -> ContentBlock | None:
    audio = item.get("input_audio")
    if not isinstance(audio, Mapping) or not isinstance(audio.get("data"), str):
        return None
    block: dict[str, Any] = {"type": "audio", "base64": audio["data"]}
    if audio.get("format"):
        block["mime_type"] = f"audio/{audio['format']}"
    return cast("ContentBlock", block)


def _from_openai_file(item: Mapping[str, Any]) -> ContentBlock | None:
    file = item["file"]
    extras = {k: v for k, v in file.items() if k not in ("file_data", "file_id")}
    if isinstance(file.get("file_id"), str):
        block: dict[str, Any] = {"type": "file", "file_id": file["file_id"]}
        if extras:
            block["extras"] = extras
        return cast("ContentBlock", block)
    if isinstance(file.get("file_data"), str):
        block = _media("file", file["file_data"], extras)
        if "url" in block:  # raw base64 without a data: prefix
            block["base64"] = block.pop("url")
            block.setdefault("mime_type", "application/pdf")
        return cast("ContentBlock", block)
    return None


_LEGACY_KEYS = frozenset({"type", "source_type", "url", "data", "id", "mime_type", "text"})


def _from_legacy(item: Mapping[str, Any]) -> ContentBlock | None:
    """Translate a v0 block such as ``{"type": "image", "source_type": "base64", ...}``."""
    block_type = item.get("type")
    source_type = item.get("source_type")
    if block_type not in DATA_BLOCK_TYPES:
        return None
    block: dict[str, Any] = {"type": block_type}
    if source_type == "url" and isinstance(item.get("url"), str):
        parsed = parse_data_url(item["url"])
        if parsed is None:
            block["url"] = item["url"]
        else:
            block["base64"] = parsed[1]
            if parsed[0]:
                block["mime_type"] = parsed[0]
    elif source_type == "base64" and isinstance(item.get("data"), str):
        block["base64"] = item["data"]
    elif source_type == "id" and isinstance(item.get("id"), str):
        block["file_id"] = item["id"]
    elif source_type == "text" and isinstance(item.get("text") or item.get("url"), str):
        block = {"type": "text-plain", "mime_type": "text/plain"}
        block["text"] = item.get("text") or item["url"]
    else:
        return None
    if item.get("mime_type") and "mime_type" not in block:
        block["mime_type"] = item["mime_type"]
    extras = {k: v for k, v in item.items() if k not in _LEGACY_KEYS}
    if extras:
        block["extras"] = extras
    return cast("ContentBlock", block)
