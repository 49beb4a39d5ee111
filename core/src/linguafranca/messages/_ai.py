"""Messages from the model: ``AIMessage`` and the streamed ``AIMessageChunk``."""

import json
from collections.abc import Iterator, Sequence
from typing import Any, Literal, cast

from pydantic import (
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from typing_extensions import Self

from linguafranca.messages import _blocks
from linguafranca.messages._base import BaseMessage, BaseMessageChunk, ContentInput
from linguafranca.messages._block_types import ContentBlock
from linguafranca.messages._tool import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    default_tool_chunk_parser,
    default_tool_parser,
    tool_call_chunk,
)
from linguafranca.messages._tool_parse import derive_tool_calls, merge_tool_call_chunks
from linguafranca.messages._usage import UsageMetadata, add_usage


class AIMessage(BaseMessage):
    """A message from the model: text or blocks, tool calls and token usage.

    Example:
        >>> msg = AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
        >>> msg.tool_calls[0]["type"]
        'tool_call'
    """

    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls requested by the model, with parsed arguments."""

    invalid_tool_calls: list[InvalidToolCall] = Field(default_factory=list)
    """Tool calls whose arguments could not be parsed."""

    usage_metadata: UsageMetadata | None = None
    """Token counts, in the same shape for every provider."""

    type: Literal["ai"] = "ai"

    def __init__(
        self,
        content: ContentInput | None = None,
        content_blocks: Sequence[ContentBlock] | None = None,
        **kwargs: Any,
    ) -> None:
        if content_blocks is not None and "tool_calls" not in kwargs:
            calls = [b for b in content_blocks if b.get("type") == "tool_call"]
            if calls:
                kwargs["tool_calls"] = calls
        super().__init__(content, content_blocks, **kwargs)

    @model_validator(mode="before")
    @classmethod
    def _tool_calls_from_additional_kwargs(cls, values: Any) -> Any:
        # OpenAI-format calls in additional_kwargs fill the standard fields when those
        # are not given, so messages built from raw provider payloads still work.
        if not isinstance(values, dict):
            return values
        kwargs = values.get("additional_kwargs")
        if not isinstance(kwargs, dict) or not isinstance(kwargs.get("tool_calls"), list):
            return values
        if any(values.get(k) for k in ("tool_calls", "invalid_tool_calls", "tool_call_chunks")):
            return values
        raw = [c for c in kwargs["tool_calls"] if isinstance(c, dict)]
        if issubclass(cls, AIMessageChunk):
            return {**values, "tool_call_chunks": default_tool_chunk_parser(raw)}
        calls, invalid = default_tool_parser(raw)
        return {**values, "tool_calls": calls, "invalid_tool_calls": invalid}

    @model_validator(mode="after")
    def _set_tool_call_types(self) -> Self:
        for call in self.__dict__["tool_calls"]:
            call.setdefault("type", "tool_call")
        for bad in self.__dict__["invalid_tool_calls"]:
            bad.setdefault("type", "invalid_tool_call")
        return self

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler) -> Any:
        self._refresh_tool_calls()
        return handler(self)

    def _refresh_tool_calls(self) -> None:
        """Bring derived tool calls up to date (only chunks derive them lazily)."""

    @property
    def content_blocks(self) -> list[ContentBlock]:
        """Standard blocks of the content, followed by the tool calls not already in it."""
        blocks = _base_blocks(self)
        present = {
            b_id
            for b in blocks
            if b.get("type") == "tool_call" and isinstance(b_id := b.get("id"), str)
        }
        for call in self.tool_calls:
            if call.get("id") is None or call.get("id") not in present:
                blocks.append(
                    {
                        "type": "tool_call",
                        "id": call["id"],
                        "name": call["name"],
                        "args": call["args"],
                    }
                )
        for bad in self.invalid_tool_calls:
            blocks.append(cast("ContentBlock", {**bad, "type": "invalid_tool_call"}))
        return blocks

    def pretty_repr(self, html: bool = False) -> str:
        """The base view, then the tool calls and invalid tool calls with their arguments."""
        lines = [super().pretty_repr(html=html).strip()]
        for title, calls in (
            ("Tool Calls:", self.tool_calls),
            ("Invalid Tool Calls:", self.invalid_tool_calls),
        ):
            if calls:
                lines.append(title)
                for call in calls:
                    lines.extend(_format_call(cast("dict[str, Any]", call)))
        return "\n".join(lines).strip()


def _base_blocks(message: AIMessage) -> list[ContentBlock]:
    """Content blocks, led by the reasoning some providers put in ``additional_kwargs``."""
    blocks = _blocks.message_blocks(message)
    reasoning = message.additional_kwargs.get("reasoning_content")
    if (
        reasoning
        and isinstance(reasoning, str)
        and not any(b.get("type") == "reasoning" for b in blocks)
    ):
        blocks.insert(0, {"type": "reasoning", "reasoning": reasoning})
    return blocks


def _format_call(call: dict[str, Any]) -> list[str]:
    lines = [f"  {call.get('name') or 'Tool'} ({call.get('id')})", f" Call ID: {call.get('id')}"]
    if call.get("error"):
        lines.append(f"  Error: {call['error']}")
    lines.append("  Args:")
    args = call.get("args")
    if isinstance(args, dict):
        lines.extend(f"    {key}: {value}" for key, value in args.items())
    elif args is not None:
        lines.append(f"    {args}")
    return lines


class AIMessageChunk(AIMessage, BaseMessageChunk):
    """A piece of a streamed ``AIMessage``; pieces combine with ``+`` or ``merge_chunks``.

    ``tool_calls`` / ``invalid_tool_calls`` are derived from ``tool_call_chunks``,
    lazily (on first read), so folding a stream never re-parses arguments per chunk.

    Until ``chunk_position == "last"`` the derived calls are provisional: a call
    whose argument JSON is still incomplete appears in ``tool_calls`` with the
    arguments parsed so far (``{}`` for an empty string) and is also listed in
    ``unfinished_tool_calls``. In the last chunk (and in ``message_chunk_to_message``)
    the rules are final: an empty argument string means ``{}`` (a tool without
    arguments), and arguments that are not one complete JSON object make the call an
    ``invalid_tool_call`` with an ``error``.

    Example:
        >>> a = AIMessageChunk("", tool_call_chunks=[
        ...     {"name": "f", "args": '{"x": ', "id": "c1", "index": 0}])
        >>> b = AIMessageChunk("", tool_call_chunks=[
        ...     {"name": None, "args": "1}", "id": None, "index": 0}], chunk_position="last")
        >>> (a + b).tool_calls
        [{'name': 'f', 'args': {'x': 1}, 'id': 'c1', 'type': 'tool_call'}]
    """

    type: Literal["AIMessageChunk"] = "AIMessageChunk"  # type: ignore[assignment]

    tool_call_chunks: list[ToolCallChunk] = Field(default_factory=list)
    """Streamed tool-call fragments; fragments with the same ``index`` merge."""

    chunk_position: Literal["last"] | None = None
    """``"last"`` on the final chunk of a stream: derived tool calls are then final."""

    def __init__(
        self,
        content: ContentInput | None = None,
        content_blocks: Sequence[ContentBlock] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(content, content_blocks, **kwargs)

    # None: tool_calls were given, not derived. "stale": derive on next read.
    # True/False: derived in final/provisional mode.
    _derived: bool | str | None = PrivateAttr(default=None)
    _unfinished: list[ToolCall] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _init_tool_call_chunks(self) -> Self:
        values = self.__dict__
        if values["tool_call_chunks"]:
            for chunk in values["tool_call_chunks"]:
                chunk.setdefault("type", "tool_call_chunk")
            self.__pydantic_private__["_derived"] = "stale"  # type: ignore[index]
        elif values["tool_calls"] or values["invalid_tool_calls"]:
            # Chunks built from finished calls: describe them as fragments too.
            values["tool_call_chunks"] = [
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=None)
                for c in values["tool_calls"]
            ] + [
                tool_call_chunk(name=c["name"], args=c["args"], id=c["id"], index=None)
                for c in values["invalid_tool_calls"]
            ]
        return self

    def _refresh_tool_calls(self) -> None:
        private = self.__pydantic_private__
        if private is None:
            return
        state = private["_derived"]
        final = self.__dict__["chunk_position"] == "last"
        if state is None or state is final:
            return
        calls, invalid, unfinished = derive_tool_calls(self.__dict__["tool_call_chunks"], final)
        self.__dict__["tool_calls"] = calls
        self.__dict__["invalid_tool_calls"] = invalid
        private["_unfinished"] = unfinished
        private["_derived"] = final

    @property
    def unfinished_tool_calls(self) -> list[ToolCall]:
        """Calls in ``tool_calls`` whose argument JSON is not complete yet.

        Always empty when ``chunk_position == "last"``: a consumer that waits for the
        last chunk never sees an unfinished call as finished.
        """
        self._refresh_tool_calls()
        private = self.__pydantic_private__
        return list(private["_unfinished"]) if private else []

    @property
    def content_blocks(self) -> list[ContentBlock]:
        """Standard blocks; before the last chunk, tool calls show as ``tool_call_chunk``."""
        if self.chunk_position == "last":
            return super().content_blocks
        blocks = _base_blocks(self)
        if not any(b.get("type") == "tool_call_chunk" for b in blocks):
            for chunk in self.tool_call_chunks:
                block: dict[str, Any] = {
                    "type": "tool_call_chunk",
                    "id": chunk.get("id"),
                    "name": chunk.get("name"),
                    "args": chunk.get("args"),
                }
                if chunk.get("index") is not None:
                    block["index"] = chunk["index"]
                blocks.append(cast("ContentBlock", block))
        return blocks

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AIMessageChunk):
            self._refresh_tool_calls()
            other._refresh_tool_calls()
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        self._refresh_tool_calls()
        return super().__repr_args__()

    def __iter__(self) -> Any:
        self._refresh_tool_calls()
        return super().__iter__()

    @classmethod
    def _new_private(cls) -> dict[str, Any] | None:
        return {"_derived": None, "_unfinished": []}

    @classmethod
    def _merge(cls, chunks: Sequence[Any], *, lazy: bool) -> Self:
        cls._check_same_kind(chunks)
        values, extra = cls._merge_fields(chunks)
        tool_chunks: list[ToolCallChunk] = []
        if any(c.tool_call_chunks for c in chunks):
            tool_chunks = merge_tool_call_chunks([c.tool_call_chunks for c in chunks])
        usage: UsageMetadata | None = None
        position: Literal["last"] | None = None
        for chunk in chunks:
            if chunk.usage_metadata is not None:
                usage = add_usage(usage, chunk.usage_metadata)
            if chunk.chunk_position == "last":
                position = "last"
        values["tool_calls"] = []
        values["invalid_tool_calls"] = []
        values["usage_metadata"] = usage
        values["tool_call_chunks"] = tool_chunks
        values["chunk_position"] = position
        merged = cls._construct(values, extra)
        if tool_chunks:
            merged.__pydantic_private__["_derived"] = "stale"  # type: ignore[index]
            if not lazy:
                merged._refresh_tool_calls()
        return merged


def _lazy_field(name: str) -> property:
    """A property that refreshes derived tool calls before reading field ``name``."""

    def get(self: AIMessageChunk) -> Any:
        self._refresh_tool_calls()
        return self.__dict__[name]

    def set_(self: AIMessageChunk, value: Any) -> None:
        self._refresh_tool_calls()
        self.__dict__[name] = value
        if self.__pydantic_private__ is not None:
            # Set by hand: no longer derived from the chunks.
            self.__pydantic_private__["_derived"] = None

    return property(get, set_)


# Data descriptors on the class take precedence over the instance __dict__, so reads
# of these two fields go through the refresh (pydantic calls a property's setter too).
for _name in ("tool_calls", "invalid_tool_calls"):
    setattr(AIMessageChunk, _name, _lazy_field(_name))
