"""Reading logged request bodies: the media parts a request carried, in each provider's shape.

The multimodal tests send known bytes, then check through the emulator's request log that
they reached the server in the provider's own format (``image_url`` data URIs for OpenAI,
``source`` blocks for Anthropic, ``images`` for Ollama, ``inlineData`` for Gemini).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MediaPart", "body_text", "find_media"]

# Containers whose content is a tool's result, per wire format.
_TOOL_RESULT_KEYS = frozenset({"tool_result", "function_call_output", "functionResponse"})


@dataclass(frozen=True)
class MediaPart:
    """A non-text input found in a request body.

    Attributes:
        kind: ``image``, ``pdf``, ``audio``, ``video`` or ``file``.
        mime_type: The declared media type, when the format carries one.
        data: The base64 payload (``None`` for a part given by URL).
        url: The URL, for a part given by URL.
        in_tool_result: Whether the part is inside a tool result.
    """

    kind: str
    mime_type: str | None = None
    data: str | None = None
    url: str | None = None
    in_tool_result: bool = False

    def decoded(self) -> bytes | None:
        """The payload bytes (``None`` when there is none or it is not base64)."""
        if self.data is None:
            return None
        try:
            return base64.b64decode(self.data, validate=True)
        except (binascii.Error, ValueError):
            return None


def _kind(mime: str | None, default: str = "file") -> str:
    if not mime:
        return default
    if mime == "application/pdf":
        return "pdf"
    top = mime.split("/", 1)[0]
    return top if top in ("image", "audio", "video") else "file"


def _from_url(url: str, default: str, tool: bool) -> MediaPart:
    if url.startswith("data:") and "," in url:
        head, data = url[5:].split(",", 1)
        mime = head.split(";", 1)[0] or None
        return MediaPart(_kind(mime, default), mime, data, None, tool)
    return MediaPart(default, None, None, url, tool)


# --- recognisers: one dict of a request body -> the media parts it is -------------------


def _openai(node: Mapping[str, Any], tool: bool) -> list[MediaPart]:
    kind = node.get("type")
    if kind == "image_url":
        image = node.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        return [_from_url(str(url), "image", tool)] if url else []
    if kind == "input_image" and node.get("image_url"):
        return [_from_url(str(node["image_url"]), "image", tool)]
    if kind in ("file", "input_file"):
        file = node.get("file", node)
        if not isinstance(file, Mapping):
            return []
        if file.get("file_data"):
            part = _from_url(str(file["file_data"]), "file", tool)
            if part.mime_type is None and str(file.get("filename", "")).endswith(".pdf"):
                return [MediaPart("pdf", "application/pdf", part.url, None, tool)]
            return [part]
        if file.get("file_url"):
            return [MediaPart("file", None, None, str(file["file_url"]), tool)]
    if kind == "input_audio":
        audio = node.get("input_audio", node)
        if isinstance(audio, Mapping) and audio.get("data"):
            mime = f"audio/{audio.get('format', 'wav')}"
            return [MediaPart("audio", mime, str(audio["data"]), None, tool)]
    return []


def _anthropic(node: Mapping[str, Any], tool: bool) -> list[MediaPart]:
    if node.get("type") not in ("image", "document"):
        return []
    source = node.get("source")
    if not isinstance(source, Mapping):
        return []
    default = "image" if node.get("type") == "image" else "file"
    if source.get("type") == "base64":
        mime = source.get("media_type")
        mime = str(mime) if mime else None
        return [MediaPart(_kind(mime, default), mime, str(source.get("data", "")), None, tool)]
    if source.get("type") == "url":
        url = str(source.get("url", ""))
        kind = "pdf" if default == "file" and url.lower().endswith(".pdf") else default
        return [MediaPart(kind, None, None, url, tool)]
    return []


def _ollama(node: Mapping[str, Any], tool: bool) -> list[MediaPart]:
    images = node.get("images")
    if "role" not in node or not isinstance(images, list):
        return []
    is_tool = tool or node.get("role") == "tool"
    return [MediaPart("image", None, str(data), None, is_tool) for data in images]


def _gemini(node: Mapping[str, Any], tool: bool) -> list[MediaPart]:
    inline = node.get("inlineData", node.get("inline_data"))
    if isinstance(inline, Mapping):
        mime = inline.get("mimeType", inline.get("mime_type"))
        mime = str(mime) if mime else None
        return [MediaPart(_kind(mime), mime, str(inline.get("data", "")), None, tool)]
    file = node.get("fileData", node.get("file_data"))
    if isinstance(file, Mapping):
        mime = file.get("mimeType", file.get("mime_type"))
        mime = str(mime) if mime else None
        url = str(file.get("fileUri", file.get("file_uri", "")))
        return [MediaPart(_kind(mime), mime, None, url, tool)]
    return []


_RECOGNISERS: Mapping[str, Callable[[Mapping[str, Any], bool], list[MediaPart]]] = {
    "openai": _openai,
    "openai-responses": _openai,
    "anthropic": _anthropic,
    "ollama": _ollama,
    "gemini": _gemini,
}


def _is_tool_result(node: Mapping[str, Any]) -> bool:
    return (
        node.get("role") == "tool"
        or node.get("type") in _TOOL_RESULT_KEYS
        or any(key in node for key in _TOOL_RESULT_KEYS)
    )


def _walk(node: Any, recognise: Any, tool: bool) -> Iterator[MediaPart]:
    if isinstance(node, Mapping):
        found = recognise(node, tool)
        if found:
            yield from found
            return
        inside = tool or _is_tool_result(node)
        for value in node.values():
            yield from _walk(value, recognise, inside)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, recognise, tool)


def find_media(wire: str, body: Any) -> list[MediaPart]:
    """Every media part of a request ``body`` in the shape of ``wire``, in order.

    Args:
        wire: An emulator name (``"openai"``, ``"openai-responses"``, ``"anthropic"``,
            ``"ollama"``, ``"gemini"``).
        body: The parsed JSON body of a logged request.

    Raises:
        ValueError: Unknown wire format.
    """
    try:
        recognise = _RECOGNISERS[wire]
    except KeyError:
        raise ValueError(f"no media reader for the wire format {wire!r}") from None
    return list(_walk(body, recognise, False))


def body_text(body: Any) -> str:
    """A request body as text with non-ASCII characters kept (for substring checks)."""
    return json.dumps(body, ensure_ascii=False)
