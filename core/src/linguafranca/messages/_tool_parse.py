"""Turning streamed tool-call fragments into tool calls."""

from collections.abc import Iterable, Sequence
from typing import cast

from pydantic_core import from_json

from linguafranca.messages._merge import ListAccumulator
from linguafranca.messages._tool import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    invalid_tool_call,
    parse_args,
    tool_call,
)


def merge_tool_call_chunks(lists: Iterable[Sequence[ToolCallChunk]]) -> list[ToolCallChunk]:
    """Merge fragment lists in one pass: same ``index`` (and compatible ``id``) merge.

    ``args`` pieces concatenate; ``name`` and ``id`` keep their first non-empty value.
    """
    acc = ListAccumulator()
    for chunks in lists:
        acc.add(chunks)
    return cast("list[ToolCallChunk]", acc.build())


def derive_tool_calls(
    chunks: Sequence[ToolCallChunk], final: bool
) -> tuple[list[ToolCall], list[InvalidToolCall], list[ToolCall]]:
    """Derive (tool_calls, invalid_tool_calls, unfinished) from merged fragments.

    Args:
        chunks: Merged fragments, one per call.
        final: Whether the stream is over. If not, a call whose arguments are not yet a
            complete JSON object is kept with its partial arguments and also listed as
            unfinished. If it is, empty arguments mean ``{}`` and anything that is not
            one complete JSON object makes the call invalid.
    """
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    unfinished: list[ToolCall] = []
    for chunk in chunks:
        name = chunk.get("name")
        raw = chunk.get("args")
        call_id = chunk.get("id")
        if not raw or raw.isspace():
            call = tool_call(name=name or "", args={}, id=call_id)
            calls.append(call)
            if not final:
                unfinished.append(call)
            continue
        parsed = parse_args(raw)
        if isinstance(parsed, dict):
            calls.append(tool_call(name=name or "", args=parsed, id=call_id))
            continue
        if not final:
            try:
                partial = from_json(raw, allow_partial="trailing-strings")
            except ValueError:
                partial = None
            if isinstance(partial, dict):
                call = tool_call(name=name or "", args=partial, id=call_id)
                calls.append(call)
                unfinished.append(call)
                continue
            if partial is not None:
                parsed = f"Tool call arguments must be a JSON object, got {type(partial).__name__}."
        invalid.append(invalid_tool_call(name=name, args=raw, id=call_id, error=parsed))
    return calls, invalid, unfinished
