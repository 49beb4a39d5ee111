"""The streamed piece of a model's message: ``AIMessageChunk``."""

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field
from typing_extensions import Self

from linguafranca.messages._ai import (
    AIMessage,
    base_blocks,
    given_values,
    raw_tool_calls,
    set_call_types,
    trusted_ai_values,
)
from linguafranca.messages._base import BaseMessageChunk, ContentInput, build_trusted
from linguafranca.messages._block_types import ContentBlock
from linguafranca.messages._tool import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    default_tool_chunk_parser,
    tool_call_chunk,
)
from linguafranca.messages._tool_parse import derive_tool_calls, merge_tool_call_chunks
from linguafranca.messages._usage import UsageMetadata, add_usage


def _chunk_state(values: dict[str, Any]) -> dict[str, Any]:
    """Set up the derived tool-call state of a new chunk; returns its private attributes.

    Fragments get their ``type``; a chunk built from finished calls describes them as
    fragments too (``index=None``), so that merging it keeps them.
    """
    tool_chunks = values["tool_call_chunks"]
    if tool_chunks:
        set_call_types(tool_chunks, "tool_call_chunk")
        return {"_derived": "stale", "_unfinished": []}
    if values["tool_calls"] or values["invalid_tool_calls"]:
        values["tool_call_chunks"] = [
            tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=None)
            for c in values["tool_calls"]
        ] + [
            tool_call_chunk(name=c["name"], args=c["args"], id=c["id"], index=None)
            for c in values["invalid_tool_calls"]
        ]
    return {"_derived": None, "_unfinished": []}


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

    # Derived tool-call state lives in ``__pydantic_private__`` (set by
    # ``model_post_init``, ``fast`` and ``_construct``; not declared as PrivateAttr,
    # whose generic initialisation cost more than building the rest of a chunk):
    # "_derived" is None when tool_calls were given, not derived; "stale" to derive
    # on next read; True/False once derived in final/provisional mode.
    # "_unfinished" holds the calls whose arguments are still incomplete.

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...

    @classmethod
    def fast(
        cls,
        content: str | list[Any] = "",
        *,
        additional_kwargs: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        tool_calls: list[ToolCall] | None = None,
        invalid_tool_calls: list[InvalidToolCall] | None = None,
        usage_metadata: UsageMetadata | None = None,
        name: str | None = None,
        id: str | None = None,
        tool_call_chunks: list[ToolCallChunk] | None = None,
        chunk_position: Literal["last"] | None = None,
    ) -> Self:
        """Build a chunk from trusted, well-typed values, without validation.

        For stream translators: equal to ``AIMessageChunk(content, ...)`` with the same
        arguments (tool calls are still derived lazily from ``tool_call_chunks``), and
        several times faster. The values are *not* checked and *not* copied: the chunk
        takes the containers it is given (pass fresh ones) and adds ``type`` to
        fragment and call dicts that lack it. ``None`` means "not given".

        Example:
            >>> AIMessageChunk.fast("Hel", id="run-1") == AIMessageChunk("Hel", id="run-1")
            True
        """
        if cls is not AIMessageChunk:
            return cls(
                content,
                **given_values(
                    additional_kwargs=additional_kwargs,
                    response_metadata=response_metadata,
                    tool_calls=tool_calls,
                    invalid_tool_calls=invalid_tool_calls,
                    usage_metadata=usage_metadata,
                    name=name,
                    id=id,
                    tool_call_chunks=tool_call_chunks,
                    chunk_position=chunk_position,
                ),
            )
        if additional_kwargs and not (tool_calls or invalid_tool_calls or tool_call_chunks):
            raw = raw_tool_calls(additional_kwargs)
            if raw is not None:
                tool_call_chunks = default_tool_chunk_parser(raw)
        values, given = trusted_ai_values(
            "AIMessageChunk",
            content,
            additional_kwargs=additional_kwargs,
            response_metadata=response_metadata,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid_tool_calls,
            usage_metadata=usage_metadata,
            name=name,
            id=id,
        )
        if tool_call_chunks is None:
            tool_call_chunks = []
        else:
            given.add("tool_call_chunks")
        if chunk_position is not None:
            given.add("chunk_position")
        values["tool_call_chunks"] = tool_call_chunks
        values["chunk_position"] = chunk_position
        tool_calls, invalid_tool_calls = values["tool_calls"], values["invalid_tool_calls"]
        if tool_call_chunks or tool_calls or invalid_tool_calls:
            private = _chunk_state(values)
        else:
            private = {"_derived": None, "_unfinished": []}
        return build_trusted(cls, values, given, private)

    def model_post_init(self, context: Any, /) -> None:
        """Set up the derived tool-call state (after validation, and in ``model_construct``)."""
        state = _chunk_state(self.__dict__)
        # A subclass's own private attributes are already set up when this runs.
        private = getattr(self, "__pydantic_private__", None)
        if private is None:
            object.__setattr__(self, "__pydantic_private__", state)
        else:
            private.update(state)

    @classmethod
    def _fields_from_raw_calls(cls, raw: list[dict[str, Any]]) -> dict[str, Any]:
        return {"tool_call_chunks": default_tool_chunk_parser(raw)}

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
        blocks = base_blocks(self)
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
