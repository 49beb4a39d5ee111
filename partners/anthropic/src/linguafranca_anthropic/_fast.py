"""The hot case of a stream, a ``text_delta`` event, turned into a chunk without validation.

Most events of a streamed reply carry a piece of text. Building each chunk through
pydantic validation (and wrapping it in a ``ChatGenerationChunk``) was most of the
per-event cost of a stream; here the chunk is built directly from values of the right
types. The result is the chunk ``StreamTranslator`` gives for the same event, with the
reply's id set (a test compares them on every recorded stream). Every other event goes
through the translator.
"""

from __future__ import annotations

from typing import Any

from linguafranca.messages import AIMessageChunk
from linguafranca_anthropic._convert_response import PROVIDER

__all__ = ["text_delta_chunk"]

_set = object.__setattr__
_new = object.__new__
_FIELDS = {
    "content",
    "additional_kwargs",
    "response_metadata",
    "type",
    "name",
    "id",
    "tool_calls",
    "invalid_tool_calls",
    "usage_metadata",
    "tool_call_chunks",
    "chunk_position",
}


def _private() -> dict[str, Any]:
    # The private state of a chunk without tool calls (as model_post_init sets it).
    return {"_derived": None, "_unfinished": []}


def _can_skip_validation() -> bool:
    """Whether ``AIMessageChunk`` still has exactly the fields and state built here.

    Checked once at import: a chunk class that grows a field or private state gets
    validated chunks rather than half-built ones.
    """
    if set(AIMessageChunk.model_fields) != _FIELDS:
        return False
    probe = AIMessageChunk(content="", response_metadata={})
    return probe.__pydantic_private__ == _private() and probe.__pydantic_extra__ == {}


_FAST = _can_skip_validation()


def _chunk(content: str | list[Any], message_id: str | None) -> AIMessageChunk:
    metadata = {"model_provider": PROVIDER}
    if not _FAST:
        chunk = AIMessageChunk(content=content, response_metadata=metadata)
        chunk.__dict__["id"] = message_id
        return chunk
    obj = _new(AIMessageChunk)
    _set(
        obj,
        "__dict__",
        {
            "content": content,
            "additional_kwargs": {},
            "response_metadata": metadata,
            "type": "AIMessageChunk",
            "name": None,
            "id": message_id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
            "tool_call_chunks": [],
            "chunk_position": None,
        },
    )
    _set(obj, "__pydantic_fields_set__", {"content", "response_metadata"})
    _set(obj, "__pydantic_extra__", {})
    _set(obj, "__pydantic_private__", _private())
    return obj


def text_delta_chunk(data: Any, as_string: bool, message_id: str | None) -> AIMessageChunk | None:
    """The chunk of a ``content_block_delta`` event carrying text, else None.

    Args:
        data: The parsed event, e.g. ``{"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": "Hi"}}``.
        as_string: Give the text as ``str`` content (else a text block with its index).
        message_id: The reply's id, set on the chunk.

    Returns:
        None for any other delta, or a malformed one: the translator handles (or
        reports) those.
    """
    if type(data) is not dict:
        return None
    delta = data.get("delta")
    if type(delta) is not dict or delta.get("type") != "text_delta" or "index" not in data:
        return None
    text = delta.get("text")
    if type(text) is not str:
        return None
    if as_string:
        return _chunk(text, message_id)
    return _chunk([{"type": "text", "text": text, "index": data["index"]}], message_id)
