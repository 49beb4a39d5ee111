"""Tool calls requested by a model: complete, streamed fragments, and invalid ones."""

from __future__ import annotations

from typing import Any, Literal

from pydantic_core import from_json
from typing_extensions import NotRequired, TypedDict


class ToolCall(TypedDict):
    """A request from the model to call a tool.

    Example:
        >>> tool_call(name="get_weather", args={"city": "Paris"}, id="call_1")
        {'name': 'get_weather', 'args': {'city': 'Paris'}, 'id': 'call_1', 'type': 'tool_call'}
    """

    name: str
    args: dict[str, Any]
    id: str | None
    type: NotRequired[Literal["tool_call"]]


class ToolCallChunk(TypedDict):
    """A streamed fragment of a tool call; fragments with the same ``index`` merge.

    Example:
        >>> tool_call_chunk(name="f", args='{"a"', id="call_1", index=0)["args"]
        '{"a"'
    """

    name: str | None
    args: str | None
    id: str | None
    index: int | None
    type: NotRequired[Literal["tool_call_chunk"]]


class InvalidToolCall(TypedDict):
    """A tool call whose arguments could not be parsed (kept, never dropped).

    Example:
        >>> invalid_tool_call(name="f", args="{oops", error="bad JSON")["type"]
        'invalid_tool_call'
    """

    name: str | None
    args: str | None
    id: str | None
    error: str | None
    type: NotRequired[Literal["invalid_tool_call"]]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


def tool_call(*, name: str, args: dict[str, Any], id: str | None) -> ToolCall:
    """Create a ``ToolCall``.

    Args:
        name: The tool's name.
        args: The arguments, already parsed.
        id: The provider's identifier for the call, if any.
    """
    return ToolCall(name=name, args=args, id=id, type="tool_call")


def tool_call_chunk(
    *,
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    index: int | None = None,
) -> ToolCallChunk:
    """Create a ``ToolCallChunk``.

    Args:
        name: The tool's name (usually only on the first fragment).
        args: A fragment of the JSON arguments.
        id: The provider's identifier for the call (usually only on the first fragment).
        index: Position of the call in the response; fragments with equal index merge.
    """
    return ToolCallChunk(name=name, args=args, id=id, index=index, type="tool_call_chunk")


def invalid_tool_call(
    *,
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    error: str | None = None,
) -> InvalidToolCall:
    """Create an ``InvalidToolCall``.

    Args:
        name: The tool's name, if known.
        args: The raw argument string that failed to parse.
        id: The provider's identifier for the call, if any.
        error: Why the call is invalid.
    """
    return InvalidToolCall(name=name, args=args, id=id, error=error, type="invalid_tool_call")


def parse_args(raw: str | None) -> dict[str, Any] | str:
    """Parse complete JSON tool arguments.

    Returns:
        The argument dict, or an error message when ``raw`` is not a JSON object.
        ``None`` and ``""`` mean a call without arguments and give ``{}``.
    """
    if not raw or raw.isspace():
        return {}
    try:
        value = from_json(raw)
    except ValueError as exc:
        return f"Tool call arguments are not complete JSON: {exc}."
    if isinstance(value, dict):
        return value
    return f"Tool call arguments must be a JSON object, got {type(value).__name__}."


def default_tool_parser(
    raw_tool_calls: list[dict[str, Any]],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Parse OpenAI-format tool calls (``{"id", "function": {"name", "arguments"}}``).

    Entries without a ``function`` key are not function calls and are skipped.

    Returns:
        The parsed tool calls and the ones whose arguments are not a JSON object.
    """
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in raw_tool_calls:
        function = raw.get("function")
        if not isinstance(function, dict):
            continue
        name = function.get("name")
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            calls.append(tool_call(name=name or "", args=arguments, id=raw.get("id")))
            continue
        parsed = parse_args(arguments)
        if isinstance(parsed, dict):
            calls.append(tool_call(name=name or "", args=parsed, id=raw.get("id")))
        else:
            invalid.append(
                invalid_tool_call(name=name, args=arguments, id=raw.get("id"), error=parsed)
            )
    return calls, invalid


def default_tool_chunk_parser(raw_tool_calls: list[dict[str, Any]]) -> list[ToolCallChunk]:
    """Parse streamed OpenAI-format tool-call deltas into ``ToolCallChunk``s."""
    chunks: list[ToolCallChunk] = []
    for raw in raw_tool_calls:
        function = raw.get("function") or {}
        chunks.append(
            tool_call_chunk(
                name=function.get("name"),
                args=function.get("arguments"),
                id=raw.get("id"),
                index=raw.get("index"),
            )
        )
    return chunks
