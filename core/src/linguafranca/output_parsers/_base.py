"""Output-parser base classes: parse a model's output (text or message), also as a stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, Generic, TypeVar

from linguafranca.callbacks import StreamingCallbackHandler
from linguafranca.messages import BaseMessage, BaseMessageChunk, merge_chunks
from linguafranca.outputs import ChatGeneration, Generation
from linguafranca.runnables import (
    Aggregator,
    RunnableConfig,
    RunnableSerializable,
    acall_with_config,
    call_with_config,
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseOutputParser",
    "BaseTransformOutputParser",
    "LanguageModelOutput",
]

T = TypeVar("T")

LanguageModelOutput = str | BaseMessage
"""What a parser reads: a model's text, or its message."""

_STREAMED_INPUT: dict[str, Any] = {"input": ""}


class BaseOutputParser(RunnableSerializable[LanguageModelOutput, T], Generic[T]):
    """Turns a model's output (a string or a message) into something more useful.

    Subclasses implement :meth:`parse` (text) or :meth:`parse_result` (generations, e.g. to
    read a message's tool calls). Failures raise ``OutputParserException``.

    Example:
        ```python
        class Upper(BaseOutputParser[str]):
            def parse(self, text: str) -> str:
                return text.upper()

        (model | Upper()).invoke("hi")
        ```
    """

    def parse(self, text: str) -> T:
        """Parse the text of one model output."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse or parse_result")

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        """Parse a list of candidate generations (the first one is used).

        Args:
            result: The generations; a ``ChatGeneration`` carries the message.
            partial: Whether the output may be incomplete (streaming).
        """
        return self.parse(result[0].text)

    def get_format_instructions(self) -> str:
        """Instructions for the prompt on how the model should format its answer."""
        raise NotImplementedError(f"{type(self).__name__} has no format instructions")

    @property
    def _type(self) -> str:
        return type(self).__name__

    def _parse_input(self, input: LanguageModelOutput) -> T:
        if isinstance(input, BaseMessage):
            return self.parse_result([ChatGeneration(message=input)])
        if isinstance(input, str):
            return self.parse_result([Generation(text=input)])
        raise TypeError(
            f"{type(self).__name__} parses a str or a message, got {type(input).__name__}."
        )

    def _invoke_body(self, input: LanguageModelOutput, config: Any, run_manager: Any) -> T:
        return self._parse_input(input)

    async def _ainvoke_body(self, input: LanguageModelOutput, config: Any, run_manager: Any) -> T:
        return self._parse_input(input)

    def invoke(
        self, input: LanguageModelOutput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> T:
        """Parse one output."""
        return call_with_config(self, self._invoke_body, input, config, run_type="parser")

    async def ainvoke(
        self, input: LanguageModelOutput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> T:
        """Parse one output (parsing is quick: no worker thread)."""
        return await acall_with_config(self, self._ainvoke_body, input, config, run_type="parser")


class _StreamState(Generic[T]):
    """Parses a stream chunk by chunk: ``feed`` each chunk, then ``finish``."""

    def __init__(self, parser: BaseTransformOutputParser[T]) -> None:
        self.parser = parser

    def feed(self, chunk: LanguageModelOutput) -> list[T]:
        return [self.parser._parse_input(chunk)]

    def finish(self) -> list[T]:
        return []


class BaseTransformOutputParser(BaseOutputParser[T]):
    """A parser that also parses a stream of output chunks, one result per chunk."""

    def _stream_state(self) -> _StreamState[T]:
        return _StreamState(self)

    # Whether the output reported at the end is the yielded chunks added up (else the last).
    _sums_outputs: ClassVar[bool] = True

    def _final(self, outputs: Aggregator | None, last: Any) -> Any:
        """The output reported to callbacks at the end of a stream: the chunks added up."""
        return outputs.result() if outputs is not None else last

    def _transform(self, input: Iterator[LanguageModelOutput]) -> Iterator[T]:
        state = self._stream_state()
        for chunk in input:
            yield from state.feed(chunk)
        yield from state.finish()

    async def _atransform(self, input: AsyncIterator[LanguageModelOutput]) -> AsyncIterator[T]:
        state = self._stream_state()
        async for chunk in input:
            for value in state.feed(chunk):
                yield value
        for value in state.finish():
            yield value

    def transform(
        self,
        input: Iterator[LanguageModelOutput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[T]:
        """Parse a stream of chunks (e.g. from a model's ``stream``)."""
        config = ensure_config(config)
        manager = get_callback_manager_for_config(config)
        if manager is None:
            yield from self._transform(input)
            return
        run = manager.on_chain_start(
            None,
            _STREAMED_INPUT,
            run_id=config.get("run_id"),
            name=config.get("run_name") or self.get_name(),
            run_type="parser",
        )
        seen = Aggregator()
        iterator = self._transform(_tee(input, seen))
        for handler in run.handlers:
            if isinstance(handler, StreamingCallbackHandler):
                iterator = handler.tap_output_iter(run.run_id, iterator)
        outputs = Aggregator() if self._sums_outputs else None
        last: Any = None
        try:
            for value in iterator:
                if outputs is not None:
                    outputs.add(value)
                last = value
                yield value
        except BaseException as error:
            run.on_chain_error(error, inputs=seen.result())
            raise
        run.on_chain_end(self._final(outputs, last), inputs=seen.result())

    async def atransform(
        self,
        input: AsyncIterator[LanguageModelOutput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[T]:
        """Async :meth:`transform`."""
        config = ensure_config(config)
        manager = get_async_callback_manager_for_config(config)
        if manager is None:
            async for value in self._atransform(input):
                yield value
            return
        run = await manager.on_chain_start(
            None,
            _STREAMED_INPUT,
            run_id=config.get("run_id"),
            name=config.get("run_name") or self.get_name(),
            run_type="parser",
        )
        seen = Aggregator()
        iterator = self._atransform(_atee(input, seen))
        for handler in run.handlers:
            if isinstance(handler, StreamingCallbackHandler):
                iterator = handler.tap_output_aiter(run.run_id, iterator)
        outputs = Aggregator() if self._sums_outputs else None
        last: Any = None
        try:
            async for value in iterator:
                if outputs is not None:
                    outputs.add(value)
                last = value
                yield value
        except BaseException as error:
            await run.on_chain_error(error, inputs=seen.result())
            raise
        await run.on_chain_end(self._final(outputs, last), inputs=seen.result())

    def stream(
        self, input: LanguageModelOutput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        """Parse one output as a one-chunk stream."""
        yield from self.transform(iter([input]), config, **kwargs)

    async def astream(
        self, input: LanguageModelOutput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        """Async :meth:`stream`."""
        async for value in self.atransform(_one(input), config, **kwargs):
            yield value


# A partial parse reads the whole output so far. Past _ALWAYS_REPARSE characters it runs
# only once the output has grown by 1/_REPARSE_GROWTH since the last one, so a stream of
# any length costs O(_REPARSE_GROWTH x its size) in merging and parsing, where parsing on
# every chunk would be quadratic on long tool-call streams; short outputs (the usual
# structured answer) are still parsed on every chunk.
_ALWAYS_REPARSE = 1024
_REPARSE_GROWTH = 64


def _weight(chunk: BaseMessage) -> int:
    """The size of a message chunk: what merging it costs (text and argument characters)."""
    content = chunk.content
    if isinstance(content, str):
        size = len(content)
    else:
        size = 0
        for block in content:
            if isinstance(block, str):
                size += len(block)
            else:
                size += sum(len(v) for v in block.values() if isinstance(v, str))
    for call in getattr(chunk, "tool_call_chunks", None) or ():
        size += len(call.get("args") or "")
    return size + 1


class _CumulativeState(_StreamState[T]):
    """Accumulates a stream in pieces; folds and re-parses them only when worth it."""

    def __init__(self, parser: BaseCumulativeTransformOutputParser[T]) -> None:
        super().__init__(parser)
        self.cumulative = parser
        self.texts: list[str] = []
        self.merged: BaseMessage | None = None  # the message up to the last fold
        self.pending: list[BaseMessageChunk] = []  # message chunks since then
        self.size = 0  # characters so far
        self.unparsed = 0  # characters since the last partial parse
        self.changed = False  # whether a chunk since the last parse may change the value
        self.last: Any = _UNSET

    def _message(self) -> BaseMessage | None:
        """The message so far: the pending chunks folded in, each once."""
        if self.pending:
            merged = self.merged  # None or a chunk: a complete message empties pending
            parts = self.pending
            if isinstance(merged, BaseMessageChunk):
                parts = [merged, *parts]
            self.merged = merge_chunks(parts) if len(parts) > 1 else parts[0]
            self.pending = []
        return self.merged

    def _add_message(self, chunk: BaseMessage) -> None:
        if not isinstance(chunk, BaseMessageChunk):
            # Complete messages do not add up: the latest one is the output.
            self.merged, self.pending = chunk, []
        elif self.merged is not None and not isinstance(self.merged, BaseMessageChunk):
            self.merged, self.pending = None, [chunk]
        else:
            self.pending.append(chunk)

    def _generation(self) -> Generation:
        if not self.cumulative._text_only:
            message = self._message()
            if message is not None:
                return ChatGeneration(message=message)
        if len(self.texts) > 1:
            self.texts = ["".join(self.texts)]
        return Generation(text=self.texts[0] if self.texts else "")

    def feed(self, chunk: LanguageModelOutput) -> list[T]:
        if isinstance(chunk, BaseMessage) and not self.cumulative._text_only:
            self._add_message(chunk)
            grown = _weight(chunk)
            self.changed = self.changed or self.cumulative._may_change(chunk)
        else:
            text = chunk.text if isinstance(chunk, BaseMessage) else chunk
            if not text:
                return []
            self.texts.append(text)
            grown = len(text)
            self.changed = True
        self.size += grown
        self.unparsed += grown
        if not self.changed or (
            self.size > _ALWAYS_REPARSE and self.unparsed * _REPARSE_GROWTH < self.size
        ):
            return []
        self.unparsed, self.changed = 0, False
        value = self.cumulative.parse_result([self._generation()], partial=True)
        if value is None or value == self.last:
            return []
        self.last = value
        return [value]

    def finish(self) -> list[T]:
        final = self.cumulative.parse_result([self._generation()])
        return [] if final == self.last else [final]


class BaseCumulativeTransformOutputParser(BaseTransformOutputParser[T]):
    """A parser whose stream yields ever more complete values of the whole output.

    Subclasses implement :meth:`parse_result` with ``partial=True`` support (returning None
    when nothing can be parsed yet). When chunks bring something new, the output so far is
    parsed partially and the value is yielded only if it changed; at the end the whole
    output is parsed strictly, so a stream never ends on an incomplete value silently.
    Chunks are kept as pieces and joined only to parse; on long outputs a partial parse
    waits until the output has grown by a small fraction, so streaming stays linear.
    """

    # Parsers that only read text accumulate text, not messages.
    _text_only: ClassVar[bool] = True

    _sums_outputs: ClassVar[bool] = False  # each value is the whole output so far

    def _stream_state(self) -> _StreamState[T]:
        return _CumulativeState(self)

    def _may_change(self, chunk: BaseMessage) -> bool:
        """Whether a message chunk can change the parsed value (else no re-parse)."""
        return True


_UNSET: Any = object()


async def _one(item: LanguageModelOutput) -> AsyncIterator[LanguageModelOutput]:
    yield item


def _tee(inputs: Iterator[Any], into: Aggregator) -> Iterator[Any]:
    for item in inputs:
        into.add(item)
        yield item


async def _atee(inputs: AsyncIterator[Any], into: Aggregator) -> AsyncIterator[Any]:
    async for item in inputs:
        into.add(item)
        yield item
