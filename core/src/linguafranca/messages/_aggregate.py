"""Folding a stream of chunks into one message."""

from collections.abc import Iterable
from typing import Any, TypeVar

from linguafranca.messages._ai import AIMessage
from linguafranca.messages._ai_chunk import AIMessageChunk
from linguafranca.messages._base import BaseMessage, BaseMessageChunk
from linguafranca.messages._chat import (
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
)
from linguafranca.messages._human import (
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    SystemMessageChunk,
)
from linguafranca.messages._tool_message import ToolMessage, ToolMessageChunk
from linguafranca.messages._tool_parse import derive_tool_calls

ChunkT = TypeVar("ChunkT", bound=BaseMessageChunk)


def merge_chunks(chunks: Iterable[ChunkT]) -> ChunkT:
    """Merge a stream of chunks into one chunk, in time linear in their total size.

    Gives the same result as ``functools.reduce(operator.add, chunks)``, without its
    repeated copying: text and argument fragments are joined once, and tool-call
    arguments are parsed once, at the end.

    Example:
        >>> merge_chunks([AIMessageChunk("The"), AIMessageChunk(" sky")]).content
        'The sky'

    Raises:
        ValueError: if ``chunks`` is empty.
        TypeError: if the chunks are not all of the same kind.
    """
    items = list(chunks)
    if not items:
        raise ValueError("merge_chunks needs at least one chunk; the stream was empty.")
    first = items[0]
    if not isinstance(first, BaseMessageChunk):
        raise TypeError(
            f"merge_chunks expects message chunks, got a {type(first).__name__} at position 0."
        )
    return type(first)._merge(items, lazy=False)


_CHUNK_TO_MESSAGE: dict[type[BaseMessageChunk], type[BaseMessage]] = {
    HumanMessageChunk: HumanMessage,
    SystemMessageChunk: SystemMessage,
    ChatMessageChunk: ChatMessage,
    FunctionMessageChunk: FunctionMessage,
    ToolMessageChunk: ToolMessage,
}


def message_chunk_to_message(chunk: BaseMessage) -> BaseMessage:
    """Turn a (merged) chunk into the finished message of the same kind.

    Tool calls of an ``AIMessageChunk`` are derived with the final rules (as if it
    were the last chunk): unfinished arguments become ``invalid_tool_calls``.
    Anything that is not a chunk is returned unchanged.

    Example:
        >>> message_chunk_to_message(AIMessageChunk("Hi"))
        AIMessage(content='Hi')
    """
    if not isinstance(chunk, BaseMessageChunk):
        return chunk
    data: dict[str, Any] = {
        k: v for k, v in chunk.__dict__.items() if k not in ("type", "tool_call_chunks")
    }
    if chunk.__pydantic_extra__:
        data.update(chunk.__pydantic_extra__)
    if isinstance(chunk, AIMessageChunk):
        data.pop("chunk_position", None)
        if chunk.tool_call_chunks:
            calls, invalid, _ = derive_tool_calls(chunk.tool_call_chunks, final=True)
            data["tool_calls"], data["invalid_tool_calls"] = calls, invalid
        target: type[BaseMessage] = AIMessage
    else:
        target = next(
            (msg for cls, msg in _CHUNK_TO_MESSAGE.items() if isinstance(chunk, cls)),
            BaseMessage,
        )
        if target is BaseMessage:
            return chunk
    return target.model_validate(data)
