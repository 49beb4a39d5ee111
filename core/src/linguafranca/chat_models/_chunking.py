"""Cutting a finished ``AIMessage`` into the chunks of a stream (fakes, cache replays)."""

from __future__ import annotations

import json
import re
from typing import Any

from linguafranca.chat_models._fast import text_chunk
from linguafranca.messages import AIMessage, AIMessageChunk, tool_call_chunk

__all__ = ["group", "message_chunks", "split_words"]

_SPACE = re.compile(r"(\s)")


def split_words(text: str) -> list[str]:
    """Words and the whitespace between them as separate pieces (``"a b"`` -> a, space, b)."""
    return [piece for piece in _SPACE.split(text) if piece]


def group(pieces: list[str], most: int) -> list[str]:
    """Join consecutive pieces so that there are at most ``most`` of them."""
    if len(pieces) <= most:
        return pieces
    size = -(-len(pieces) // most)
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


def _halves(text: str, parts: int) -> list[str]:
    if parts <= 1 or len(text) < 2:
        return [text]
    size = -(-len(text) // parts)
    return [text[i : i + size] for i in range(0, len(text), size)]


def message_chunks(
    message: AIMessage, pieces: list[str] | None = None, *, args_parts: int = 1
) -> list[AIMessageChunk]:
    """``message`` as stream chunks that merge back into it.

    Text goes out in ``pieces`` (default: one piece; list content is one chunk), then
    each tool call as ``tool_call_chunks`` (arguments cut in ``args_parts`` fragments).
    The last chunk carries usage, response metadata and ``chunk_position="last"``; extra
    kwargs ride with the first tool-call chunk (raw provider calls there would otherwise
    be derived a second time) or else with the last chunk.

    Args:
        message: The finished message.
        pieces: The text, cut as it should stream (must join to ``message.content``).
        args_parts: Fragments per tool call's argument JSON.
    """
    content = message.content
    message_id = message.id
    if (
        pieces
        and isinstance(content, str)
        and not (
            message.tool_calls
            or message.invalid_tool_calls
            or message.additional_kwargs
            or message.response_metadata
            or message.usage_metadata
        )
    ):
        # Plain text, the common case: one unvalidated chunk per piece.
        end = len(pieces) - 1
        return [
            text_chunk(piece, message_id, "last" if index == end else None)
            for index, piece in enumerate(pieces)
        ]
    specs: list[dict[str, Any]] = []
    if isinstance(content, str):
        texts = pieces if pieces is not None else ([content] if content else [])
        specs.extend({"content": text} for text in texts)
    elif content:
        specs.append({"content": content})
    extra = message.additional_kwargs
    calls: list[tuple[str | None, str, str | None]] = [
        (c["name"], json.dumps(c["args"]), c.get("id")) for c in message.tool_calls
    ]
    calls.extend(
        (c.get("name"), c.get("args") or "", c.get("id")) for c in message.invalid_tool_calls
    )
    for index, (name, args, call_id) in enumerate(calls):
        for position, fragment in enumerate(_halves(args, args_parts)):
            first = position == 0
            piece = tool_call_chunk(
                name=name if first else None,
                args=fragment,
                id=call_id if first else None,
                index=index,
            )
            spec: dict[str, Any] = {"content": "", "tool_call_chunks": [piece]}
            if extra:
                spec["additional_kwargs"], extra = extra, {}
            specs.append(spec)
    if not specs:
        specs.append({"content": "" if isinstance(content, str) else []})
    last = specs[-1]
    if extra:
        last["additional_kwargs"] = extra
    if message.response_metadata:
        last["response_metadata"] = message.response_metadata
    if message.usage_metadata is not None:
        last["usage_metadata"] = message.usage_metadata
    last["chunk_position"] = "last"
    return [
        text_chunk(spec["content"], message_id, spec.get("chunk_position"))
        if spec.keys() <= _TEXT_ONLY and isinstance(spec["content"], str)
        else AIMessageChunk(id=message_id, **spec)
        for spec in specs
    ]


_TEXT_ONLY = frozenset({"content", "chunk_position"})
