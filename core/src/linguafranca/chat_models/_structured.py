"""``with_structured_output``: a model bound for a schema, followed by the right parser.

- ``function_calling``: ``bind_tools([schema], tool_choice=<its name>)`` and a tool-call
  parser (pydantic instances, or the arguments dict).
- ``json_schema``: ``bind(response_format={"type": "json_schema", "json_schema": {...}})``
  (OpenAI's shape; each provider translates it) and a JSON / pydantic parser.
- ``json_mode``: ``bind(response_format={"type": "json_object"})`` and the same parsers.

Failures raise ``OutputParserException`` (with ``raw_message`` set to the model's message)
unless ``include_raw=True``; the output is never a silent None.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel

from linguafranca.errors import ConfigurationError, OutputParserException
from linguafranca.messages import (
    AIMessageChunk,
    BaseMessage,
    LanguageModelInput,
    merge_chunks,
    message_chunk_to_message,
)
from linguafranca.output_parsers import (
    BaseOutputParser,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from linguafranca.runnables import (
    Runnable,
    RunnableConfig,
    acall_with_config,
    atransform_with_config,
    call_with_config,
    transform_with_config,
)
from linguafranca.tools import convert_to_openai_function
from linguafranca.tools._schema import is_pydantic_v1_model

if TYPE_CHECKING:
    from linguafranca.chat_models._base import BaseChatModel

__all__ = ["StructuredOutputRunnable", "structured_runnable"]

T = TypeVar("T")
METHODS = ("function_calling", "json_mode", "json_schema")


def _is_pydantic(schema: object) -> bool:
    return isinstance(schema, type) and (
        issubclass(schema, BaseModel) or is_pydantic_v1_model(schema)
    )


def structured_runnable(
    model: BaseChatModel,
    schema: Mapping[str, Any] | type,
    *,
    method: str,
    supported: frozenset[str],
    include_raw: bool,
    strict: bool | None,
    kwargs: dict[str, Any],
) -> StructuredOutputRunnable[Any]:
    """Build the runnable behind ``model.with_structured_output(schema, ...)``.

    Raises:
        ConfigurationError: Unknown or unsupported method, or unexpected arguments.
    """
    owner = type(model).__name__
    if method not in METHODS:
        raise ConfigurationError(
            f"Unknown structured-output method {method!r}: use one of {list(METHODS)}."
        )
    if method not in supported:
        raise ConfigurationError(
            f"{owner} does not support with_structured_output(method={method!r}); "
            f"it supports {sorted(supported)}."
        )
    if kwargs:
        raise ConfigurationError(
            f"with_structured_output got unexpected arguments {sorted(kwargs)}: it takes "
            "schema, method, include_raw and strict."
        )
    pydantic = _is_pydantic(schema)
    function = convert_to_openai_function(schema, strict=strict)
    name = function["name"]
    bound: Runnable[LanguageModelInput, BaseMessage]
    parser: BaseOutputParser[Any]
    if method == "function_calling":
        extra = {} if strict is None else {"strict": strict}
        bound = model.bind_tools([schema], tool_choice=name, **extra)
        parser = (
            PydanticToolsParser(tools=[cast(type[BaseModel], schema)], first_tool_only=True)
            if pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    else:
        if method == "json_schema":
            spec: dict[str, Any] = {"name": name, "schema": function["parameters"]}
            if function.get("description"):
                spec["description"] = function["description"]
            if strict is not None:
                spec["strict"] = strict
            response_format: dict[str, Any] = {"type": "json_schema", "json_schema": spec}
        else:
            response_format = {"type": "json_object"}
        bound = model.bind(response_format=response_format)
        parser = (
            PydanticOutputParser(pydantic_object=cast(type[BaseModel], schema))
            if pydantic
            else JsonOutputParser()
        )
    return StructuredOutputRunnable(
        bound, parser, include_raw=include_raw, partial_stream=not pydantic
    )


def _raw_text(message: BaseMessage) -> str:
    calls = getattr(message, "tool_calls", None)
    if calls:
        return str([{"name": c["name"], "args": c["args"]} for c in calls])
    return message.text


def _attach(error: Exception, raw: BaseMessage) -> None:
    """Make a parsing error carry the model's message (``raw_message``) and its text."""
    error.raw_message = raw  # type: ignore[attr-defined]
    if isinstance(error, OutputParserException) and error.llm_output is None:
        error.llm_output = _raw_text(raw)


def _merged(chunks: list[Any]) -> BaseMessage:
    if not chunks:
        raise OutputParserException("The model streamed no output to parse.", llm_output="")
    if all(isinstance(c, AIMessageChunk) for c in chunks):
        return message_chunk_to_message(merge_chunks(chunks))
    last = chunks[-1]
    if isinstance(last, BaseMessage):
        return last  # finished messages do not add up: the last one is the answer
    raise OutputParserException(
        f"Expected the model to stream messages, got a {type(last).__name__}.",
        llm_output=str(last),
    )


class StructuredOutputRunnable(Runnable[LanguageModelInput, T], Generic[T]):
    """A chat model bound for a schema, followed by its parser (``with_structured_output``).

    Streams ever more complete dicts for dict schemas and one validated instance for
    pydantic schemas. With ``include_raw`` the output is
    ``{"raw": message, "parsed": value | None, "parsing_error": exception | None}``.
    """

    def __init__(
        self,
        bound: Runnable[LanguageModelInput, BaseMessage],
        parser: BaseOutputParser[Any],
        *,
        include_raw: bool,
        partial_stream: bool,
        name: str | None = None,
    ) -> None:
        self.bound = bound
        self.parser = parser
        self.include_raw = include_raw
        self.partial_stream = partial_stream
        self.name = name

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(bound={self.bound!r}, parser={self.parser!r}, "
            f"include_raw={self.include_raw})"
        )

    # --- parsing, shared by every path -----------------------------------------------

    def _parse(self, raw: BaseMessage, config: RunnableConfig) -> Any:
        try:
            parsed = self.parser.invoke(raw, config)
            if parsed is None:
                raise OutputParserException(
                    "The model's answer parsed to nothing (null).", llm_output=_raw_text(raw)
                )
        except Exception as error:
            _attach(error, raw)
            if self.include_raw:
                return {"raw": raw, "parsed": None, "parsing_error": error}
            raise
        if self.include_raw:
            return {"raw": raw, "parsed": parsed, "parsing_error": None}
        return parsed

    def _tail(self, chunks: list[Any], config: RunnableConfig) -> Any:
        """The last item of a stream: the parsed value (without ``raw``, already sent)."""
        value = self._parse(_merged(chunks), config)
        if self.include_raw:
            return {k: v for k, v in value.items() if k != "raw"}
        return value

    # --- sync --------------------------------------------------------------------------

    def _invoke_body(
        self, input: LanguageModelInput, config: RunnableConfig, run: Any, **kwargs: Any
    ) -> Any:
        return self._parse(self.bound.invoke(input, config, **kwargs), config)

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> T:
        """Answer in the schema's shape."""
        result: T = call_with_config(self, self._invoke_body, input, config, **kwargs)
        return result

    def _transform(
        self, inputs: Iterator[LanguageModelInput], config: RunnableConfig, run: Any
    ) -> Iterator[Any]:
        for input in inputs:
            chunks: list[Any] = []
            source = self.bound.stream(input, config)
            if self.include_raw:
                for chunk in source:
                    chunks.append(chunk)
                    yield {"raw": chunk}
            elif self.partial_stream:
                try:
                    yield from self.parser.transform(_collect(source, chunks), config)
                except Exception as error:
                    if chunks:
                        _attach(error, _merged(chunks))
                    raise
                continue
            else:
                chunks.extend(source)
            yield self._tail(chunks, config)

    def stream(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        """Stream partial dicts (dict schemas) or the one validated instance (pydantic)."""
        return transform_with_config(
            self, iter([input]), self._transform, config, known_input=input
        )

    # --- async -------------------------------------------------------------------------

    async def _ainvoke_body(
        self, input: LanguageModelInput, config: RunnableConfig, run: Any, **kwargs: Any
    ) -> Any:
        return self._parse(await self.bound.ainvoke(input, config, **kwargs), config)

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> T:
        """Async :meth:`invoke`."""
        result: T = await acall_with_config(self, self._ainvoke_body, input, config, **kwargs)
        return result

    async def _atransform(
        self, inputs: AsyncIterator[LanguageModelInput], config: RunnableConfig, run: Any
    ) -> AsyncIterator[Any]:
        async for input in inputs:
            chunks: list[Any] = []
            source = self.bound.astream(input, config)
            if self.include_raw:
                async for chunk in source:
                    chunks.append(chunk)
                    yield {"raw": chunk}
            elif self.partial_stream:
                try:
                    async for value in self.parser.atransform(_acollect(source, chunks), config):
                        yield value
                except Exception as error:
                    if chunks:
                        _attach(error, _merged(chunks))
                    raise
                continue
            else:
                async for chunk in source:
                    chunks.append(chunk)
            yield self._tail(chunks, config)

    def astream(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        """Async :meth:`stream`."""
        return atransform_with_config(
            self, _one(input), self._atransform, config, known_input=input
        )


def _collect(source: Iterator[Any], into: list[Any]) -> Iterator[Any]:
    for item in source:
        into.append(item)
        yield item


async def _acollect(source: AsyncIterator[Any], into: list[Any]) -> AsyncIterator[Any]:
    async for item in source:
        into.append(item)
        yield item


async def _one(item: Any) -> AsyncIterator[Any]:
    yield item
