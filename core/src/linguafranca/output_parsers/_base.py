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

    def _final(self, outputs: Aggregator, last: Any) -> Any:
        """The output reported to callbacks at the end of a stream: the chunks added up."""
        return outputs.result()

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
        outputs = Aggregator()
        last: Any = None
        try:
            for value in iterator:
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
        outputs = Aggregator()
        last: Any = None
        try:
            async for value in iterator:
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


class _CumulativeState(_StreamState[T]):
    def __init__(self, parser: BaseCumulativeTransformOutputParser[T]) -> None:
        super().__init__(parser)
        self.cumulative = parser
        self.texts: list[str] = []
        self.message: BaseMessage | None = None
        self.last: Any = _UNSET

    def _generation(self) -> Generation:
        if self.message is not None and not self.cumulative._text_only:
            return ChatGeneration(message=self.message)
        return Generation(text="".join(self.texts))

    def feed(self, chunk: LanguageModelOutput) -> list[T]:
        if isinstance(chunk, BaseMessage):
            if not self.cumulative._text_only:
                self.message = _merge(self.message, chunk)
                if not self.cumulative._may_change(chunk):
                    return []
            else:
                self.message = chunk
                text = chunk.text
                if not text:
                    return []
                self.texts.append(text)
        else:
            if not chunk:
                return []
            self.texts.append(chunk)
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
    when nothing can be parsed yet). On each chunk that brings something new, the output so
    far is parsed partially and the value is yielded only if it changed; at the end the whole
    output is parsed strictly, so a stream never ends on an incomplete value silently.
    """

    # Parsers that only read text accumulate text, not messages.
    _text_only: ClassVar[bool] = True

    def _stream_state(self) -> _StreamState[T]:
        return _CumulativeState(self)

    def _final(self, outputs: Aggregator, last: Any) -> Any:
        return last

    def _may_change(self, chunk: BaseMessage) -> bool:
        """Whether a message chunk can change the parsed value (else no re-parse)."""
        return True


_UNSET: Any = object()


def _merge(merged: BaseMessage | None, chunk: BaseMessage) -> BaseMessage:
    if merged is None:
        return chunk
    if isinstance(merged, BaseMessageChunk) and isinstance(chunk, BaseMessageChunk):
        return merge_chunks([merged, chunk])
    return chunk  # complete messages do not add up: the latest one is the output


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
