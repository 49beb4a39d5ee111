"""Assertions shared by the standard tests (rewritten by pytest: failures show the values)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from operator import add
from typing import Any

from pydantic import BaseModel

from linguafranca.messages import AIMessage, AIMessageChunk, BaseMessage, merge_chunks

__all__ = [
    "check_answer",
    "check_joke",
    "check_stream",
    "check_tool_call",
    "check_usage",
    "fold",
    "unique",
]


def check_answer(message: Any) -> AIMessage:
    """An ``AIMessage`` with non-empty text content."""
    assert isinstance(message, AIMessage), f"expected an AIMessage, got {type(message)!r}"
    assert isinstance(message.text, str)
    assert message.content, "the answer has no content"
    assert message.text.strip(), f"the answer has no text: {message.content!r}"
    return message


def fold(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    """Merge a stream with ``merge_chunks`` after checking ``+`` gives the same message."""
    assert chunks, "the stream yielded no chunk"
    merged = merge_chunks(chunks)
    assert isinstance(merged, AIMessageChunk)
    summed = reduce(add, chunks)
    assert summed.content == merged.content, "`+` and merge_chunks disagree on content"
    assert summed.tool_calls == merged.tool_calls, "`+` and merge_chunks disagree on tool calls"
    assert summed.usage_metadata == merged.usage_metadata, "`+` and merge_chunks disagree"
    return merged


def check_stream(chunks: Sequence[Any], *, text: bool = True) -> AIMessageChunk:
    """A well-formed stream: chunks, one ``chunk_position="last"`` at the end; returns the fold."""
    assert chunks, "the stream yielded no chunk"
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk), f"not an AIMessageChunk: {chunk!r}"
        assert isinstance(chunk.content, (str, list))
    positions = [c.chunk_position for c in chunks]
    assert positions[-1] == "last", "the last chunk must have chunk_position='last'"
    assert "last" not in positions[:-1], f"chunk_position='last' before the end: {positions}"
    merged = fold(chunks)
    assert merged.chunk_position == "last"
    if text:
        assert merged.text.strip(), f"the stream carried no text: {merged.content!r}"
        text_blocks = [b for b in merged.content_blocks if b.get("type") == "text"]
        assert len(text_blocks) == 1, f"expected one text block, got {merged.content_blocks!r}"
    return merged


def check_tool_call(
    message: BaseMessage, name: str, args: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Exactly one well-formed call of ``name`` (with ``args`` if given); returns it."""
    assert isinstance(message, AIMessage), f"expected an AIMessage, got {type(message)!r}"
    assert not message.invalid_tool_calls, f"invalid tool calls: {message.invalid_tool_calls!r}"
    assert len(message.tool_calls) == 1, f"expected one tool call, got {message.tool_calls!r}"
    call = dict(message.tool_calls[0])
    assert call["name"] == name
    assert isinstance(call["args"], dict)
    if args is not None:
        assert call["args"] == dict(args)
    assert isinstance(call["id"], str) and call["id"], f"the tool call has no id: {call!r}"
    assert call.get("type") == "tool_call"
    blocks = [b for b in message.content_blocks if b.get("type") == "tool_call"]
    assert len(blocks) == 1, f"expected one tool_call content block: {message.content_blocks!r}"
    block: Mapping[str, Any] = blocks[0]
    assert block.get("name") == name
    assert block.get("args") == call["args"]
    assert block.get("id") == call["id"]
    return call


_SUMMED = {
    "input_token_details": ("cache_read", "cache_creation", "audio"),
    "output_token_details": ("reasoning", "audio"),
}


def _int_details(usage: Mapping[str, Any], key: str, total: int) -> None:
    details = usage.get(key)
    if details is None:
        return
    assert isinstance(details, Mapping), f"{key} must be a dict: {details!r}"
    for name, value in details.items():
        assert isinstance(value, int) and not isinstance(value, bool), f"{key}[{name!r}]={value!r}"
        assert value >= 0, f"{key}[{name!r}] is negative"
    parts = sum(details.get(name, 0) for name in _SUMMED[key])
    assert parts <= total, f"{key} {dict(details)!r} add up to more than the total {total}"


def check_usage(message: AIMessage) -> Mapping[str, Any]:
    """``usage_metadata`` is present, its counts are ints that add up, details are ints."""
    usage = message.usage_metadata
    assert usage is not None, "usage_metadata is None"
    counts = {key: usage.get(key) for key in ("input_tokens", "output_tokens", "total_tokens")}
    for key, value in counts.items():
        assert isinstance(value, int) and not isinstance(value, bool), f"{key}={value!r}"
        assert value >= 0, f"{key} is negative"
    assert usage["input_tokens"] > 0, "input_tokens must count the prompt"
    assert usage["input_tokens"] + usage["output_tokens"] == usage["total_tokens"], (
        f"input_tokens + output_tokens != total_tokens: {dict(usage)!r}"
    )
    _int_details(usage, "input_token_details", usage["input_tokens"])
    _int_details(usage, "output_token_details", usage["output_tokens"])
    name = message.response_metadata.get("model_name")
    assert isinstance(name, str) and name, f"response_metadata['model_name']={name!r}"
    return usage


def check_joke(value: Any, schema: Any, *, optional: bool = False) -> None:
    """``value`` is what ``with_structured_output(schema)`` must return, fully filled."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        assert isinstance(value, schema), f"expected a {schema.__name__}, got {value!r}"
        data = value.model_dump()
    else:
        assert isinstance(value, dict), f"expected a dict, got {value!r}"
        data = value
    assert isinstance(data.get("setup"), str) and data["setup"], f"no setup in {data!r}"
    punchline = data.get("punchline")
    if optional:
        assert punchline is None or isinstance(punchline, str), f"bad punchline in {data!r}"
    else:
        assert isinstance(punchline, str) and punchline, f"no punchline in {data!r}"
    extra = set(data) - {"setup", "punchline"}
    assert not extra, f"keys outside the schema: {sorted(extra)}"


def unique(values: Iterable[Any]) -> bool:
    """Whether ``values`` has no repeats."""
    seen = list(values)
    return len(seen) == len(set(seen))
