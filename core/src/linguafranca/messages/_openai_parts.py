"""Standard content blocks as OpenAI chat-completions content parts."""

from collections.abc import Mapping
from typing import Any

from linguafranca.messages._blocks import item_to_block

# Blocks carried elsewhere (tool calls go to ``tool_calls``) or that chat completions
# cannot express (reasoning is not sent back through this API).
_SKIPPED = frozenset(
    {
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "reasoning",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
    }
)
_OPENAI_NATIVE = frozenset({"image_url", "input_audio", "refusal"})


def _data_url(block: Mapping[str, Any], default_mime: str) -> str:
    return f"data:{block.get('mime_type') or default_mime};base64,{block['base64']}"


def _unsupported(block: Mapping[str, Any], why: str) -> ValueError:
    return ValueError(
        f"Cannot send a {block.get('type')!r} block to OpenAI chat completions: {why}."
    )


def openai_part(item: Any) -> dict[str, Any] | None:
    """One content item as an OpenAI part; ``None`` for blocks carried elsewhere.

    Example:
        >>> openai_part({"type": "image", "base64": "AAAA", "mime_type": "image/png"})
        {'type': 'image_url', 'image_url': {'url': 'data:image/png;base64,AAAA'}}

    Raises:
        ValueError: for a data block chat completions cannot take (e.g. a video).
    """
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if not isinstance(item, Mapping):
        raise TypeError(f"Content items must be str or dict, got {type(item).__name__}.")
    kind = item.get("type")
    if kind in _OPENAI_NATIVE or (kind == "file" and isinstance(item.get("file"), Mapping)):
        return dict(item)
    block: Mapping[str, Any] = item_to_block(item)
    kind = block.get("type")
    if kind in _SKIPPED:
        return None
    extras: Mapping[str, Any] = block.get("extras") or {}
    if kind == "text":
        return {"type": "text", "text": block["text"]}
    if kind == "text-plain" and "text" in block:
        return {"type": "text", "text": block["text"]}
    if kind == "image":
        if "url" in block or "base64" in block:
            url = block["url"] if "url" in block else _data_url(block, "image/png")
            image: dict[str, Any] = {"url": url}
            if "detail" in extras:
                image["detail"] = extras["detail"]
            return {"type": "image_url", "image_url": image}
        return {"type": "file", "file": {"file_id": block["file_id"]}}
    if kind == "audio":
        if "base64" not in block:
            raise _unsupported(block, "audio must be inline base64 data")
        mime = str(block.get("mime_type") or "audio/wav")
        return {
            "type": "input_audio",
            "input_audio": {"data": block["base64"], "format": mime.split("/")[-1]},
        }
    if kind in ("file", "text-plain"):
        file: dict[str, Any] = {}
        if "file_id" in block:
            file["file_id"] = block["file_id"]
        elif "base64" in block:
            file["file_data"] = _data_url(block, "application/pdf")
        else:
            raise _unsupported(block, "files must be base64 data or a file_id")
        filename = extras.get("filename") or block.get("filename")
        if filename:
            file["filename"] = filename
        return {"type": "file", "file": file}
    if kind == "video":
        raise _unsupported(block, "videos are not supported")
    if kind == "non_standard":
        return dict(block["value"])
    return dict(block)
