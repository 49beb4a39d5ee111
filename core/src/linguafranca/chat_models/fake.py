"""Fake chat models for tests, demos and offline work (no network, deterministic).

- :class:`GenericFakeChatModel`: answers with the next message of an iterator; streams it
  word by word.
- :class:`FakeListChatModel`: cycles through a list of strings; streams character by
  character.
- :class:`FakeMessagesListChatModel`: cycles through a list of messages.
- :class:`ScriptedFakeChatModel` (provider ``fake``): answers from the request itself,
  calls bound tools with arguments built from their schemas, fills JSON schemas.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, ClassVar

from pydantic import PrivateAttr, SkipValidation

from linguafranca.callbacks import CallbackManagerForLLMRun
from linguafranca.chat_models import _script
from linguafranca.chat_models._base import BaseChatModel
from linguafranca.chat_models._chunking import message_chunks, split_words
from linguafranca.chat_models._fast import chat_result, fresh_message, text_chunk
from linguafranca.chat_models._profile import ModelProfile
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    LanguageModelInput,
    UsageMetadata,
)
from linguafranca.outputs import ChatGeneration, ChatResult
from linguafranca.runnables import Runnable

__all__ = [
    "FakeListChatModel",
    "FakeListChatModelError",
    "FakeMessagesListChatModel",
    "GenericFakeChatModel",
    "ScriptedFakeChatModel",
]


def _generations(chunks: list[AIMessageChunk]) -> Iterator[AIMessageChunk]:
    # The whole answer is known: a list iterator, no generator frame per chunk.
    return iter(chunks)


class GenericFakeChatModel(BaseChatModel):
    """Answers with the next item of ``messages`` (an ``AIMessage`` or a str).

    Streams the text word by word (whitespace kept as its own chunk), then tool calls as
    ``tool_call_chunks``; usage and metadata come on the last chunk.

    Example:
        ```python
        model = GenericFakeChatModel(messages=iter(["hello world", "bye"]))
        model.invoke("hi").content  # "hello world"
        [c.content for c in model.stream("hi")]  # ["bye"]
        ```
    """

    messages: Annotated[Iterator[AIMessage | str], SkipValidation()]
    """The answers, in order (wrap a list with ``iter`` or ``itertools.cycle``)."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "generic-fake-chat-model"

    def _next(self) -> AIMessage:
        """The next answer, as given (callers must not change it)."""
        with self.__pydantic_private__["_lock"]:  # type: ignore[index]
            item = next(self.messages, None)
        if item is None:
            raise ValueError(
                f"{type(self).__name__} ran out of messages: give it a longer iterator "
                "(e.g. itertools.cycle([...]))."
            )
        return AIMessage(content=item) if isinstance(item, str) else item

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return chat_result(fresh_message(self._next()))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return chat_result(fresh_message(self._next()))

    def _chunks(self) -> list[AIMessageChunk]:
        message = self._next()
        content = message.content
        pieces = split_words(content) if isinstance(content, str) else None
        return message_chunks(message, pieces, args_parts=2)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        return _generations(self._chunks())

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in _generations(self._chunks()):
            yield chunk


class FakeListChatModelError(Exception):
    """Raised by ``FakeListChatModel`` at ``error_on_chunk_number`` while streaming."""


class _Cycling(BaseChatModel):
    """Shared by the list fakes: cycle through ``responses`` in order, thread-safely."""

    sleep: float | None = None
    """Seconds to wait per answer (per chunk when streaming)."""
    i: int = 0
    """Index of the next response."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def _take(self, responses: Sequence[Any]) -> Any:
        if not responses:
            raise ValueError(f"{type(self).__name__} needs at least one response.")
        with self.__pydantic_private__["_lock"]:  # type: ignore[index]
            index = self.i % len(responses)
            self.__dict__["i"] = (index + 1) % len(responses)
        return responses[index]

    # Ordered responses: the reference runs batch items one after the other.
    def batch(self, inputs: Sequence[Any], config: Any = None, **kwargs: Any) -> Any:
        """Invoke on each input in order (responses are consumed in input order)."""
        return_exceptions = kwargs.pop("return_exceptions", False)
        configs = config if isinstance(config, list) else [config] * len(inputs)
        out: list[Any] = []
        for item, cfg in zip(inputs, configs, strict=True):
            try:
                out.append(self.invoke(item, cfg, **kwargs))
            except Exception as error:
                if not return_exceptions:
                    raise
                out.append(error)
        return out

    async def abatch(self, inputs: Sequence[Any], config: Any = None, **kwargs: Any) -> Any:
        """Async :meth:`batch` (in order)."""
        return_exceptions = kwargs.pop("return_exceptions", False)
        configs = config if isinstance(config, list) else [config] * len(inputs)
        out: list[Any] = []
        for item, cfg in zip(inputs, configs, strict=True):
            try:
                out.append(await self.ainvoke(item, cfg, **kwargs))
            except Exception as error:
                if not return_exceptions:
                    raise
                out.append(error)
        return out


class FakeListChatModel(_Cycling):
    """Answers with ``responses`` in turn (cycling); streams one character per chunk.

    Example:
        ```python
        model = FakeListChatModel(responses=["a", "b"])
        [model.invoke("x").content for _ in range(3)]  # ["a", "b", "a"]
        ```
    """

    responses: list[str]
    """The answers, in order."""
    error_on_chunk_number: int | None = None
    """Raise ``FakeListChatModelError`` at this chunk while streaming."""

    @property
    def _llm_type(self) -> str:
        return "fake-list-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"responses": self.responses}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            time.sleep(self.sleep)
        return chat_result(AIMessage(content=self._take(self.responses)))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            await asyncio.sleep(self.sleep)
        return chat_result(AIMessage(content=self._take(self.responses)))

    def _chars(self) -> Iterator[AIMessageChunk]:
        response: str = self._take(self.responses)
        for position, char in enumerate(response):
            if position == self.error_on_chunk_number:
                raise FakeListChatModelError(f"Failing at chunk {position} as configured.")
            last = position == len(response) - 1
            yield text_chunk(char, None, "last" if last else None)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        for chunk in self._chars():
            if self.sleep is not None:
                time.sleep(self.sleep)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in self._chars():
            if self.sleep is not None:
                await asyncio.sleep(self.sleep)
            yield chunk


class FakeMessagesListChatModel(_Cycling):
    """Answers with the messages of ``responses`` in turn (cycling).

    Example:
        ```python
        model = FakeMessagesListChatModel(responses=[AIMessage("hi", tool_calls=[...])])
        ```
    """

    responses: list[BaseMessage]
    """The answers, in order."""

    @property
    def _llm_type(self) -> str:
        return "fake-messages-list-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            time.sleep(self.sleep)
        response: BaseMessage = self._take(self.responses)
        return chat_result(fresh_message(response))


_SCRIPTED_PROFILE: ModelProfile = {
    "name": "Scripted fake model",
    "status": "active",
    "max_input_tokens": 1_000_000,
    "max_output_tokens": 100_000,
    "text_inputs": True,
    "text_outputs": True,
    "tool_calling": True,
    "tool_choice": True,
    "tool_call_streaming": True,
    "structured_output": True,
    "mid_conversation_system_messages": True,
    "mid_conversation_tools": True,
    "temperature": True,
}


class ScriptedFakeChatModel(BaseChatModel):
    """A deterministic model that answers from the request (provider ``fake``).

    - Text: ``"You said: <last user message>"``, cut at ``stop`` and ``max_tokens`` words.
    - Tools (``bind_tools``): calls the forced tool, or every tool the last user message
      names (its name, or its words: ``get_weather`` is named by "weather"), with
      arguments built from the tool's JSON schema and filled from the prompt: quoted
      strings and proper names for strings, numbers for numbers, each value for the field
      whose name precedes it ("rated 8.8" -> ``rating``), enum members it mentions,
      defaults otherwise; after ``ToolMessage``s it answers with their content.
    - ``response_format`` (``with_structured_output`` json_schema / json_mode): JSON
      that fills the schema the same way.
    - Usage: input tokens = words in, output tokens = words out. Streams word by word.

    Example:
        ```python
        model = init_chat_model("fake:fake-model")
        model.bind_tools([get_weather]).invoke("Weather in Boston?").tool_calls
        # [{"name": "get_weather", "args": {"location": "Boston"}, "id": "call_...", ...}]
        ```
    """

    model: str | None = "fake-model"

    _structured_output_methods: ClassVar[frozenset[str]] = frozenset(
        {"function_calling", "json_mode", "json_schema"}
    )
    _provider_name: ClassVar[str | None] = "fake"

    @property
    def _llm_type(self) -> str:
        return "scripted-fake-chat-model"

    def _resolve_model_profile(self) -> ModelProfile | None:
        return dict(_SCRIPTED_PROFILE)  # type: ignore[return-value]

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (any definition) and a ``tool_choice`` in any accepted form."""
        return self._bind_tools_standard(
            tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            strict=strict,
            **kwargs,
        )

    def _answer(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Any
    ) -> AIMessage:
        planned = _script.plan(
            messages,
            tools=kwargs.get("tools"),
            tool_choice=kwargs.get("tool_choice"),
            parallel_tool_calls=kwargs.get("parallel_tool_calls"),
            response_format=kwargs.get("response_format"),
        )
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        text, cut = _script.truncate(planned.text, stop, max_tokens)
        finish = "length" if cut else planned.finish_reason
        words_in = sum(_script.count_words(m.text) for m in messages)
        words_out = _script.count_words(text) + sum(
            _script.count_words(" ".join(str(v) for v in c["args"].values()))
            for c in planned.tool_calls
        )
        usage: UsageMetadata = {
            "input_tokens": words_in,
            "output_tokens": words_out,
            "total_tokens": words_in + words_out,
        }
        return AIMessage(
            content=text,
            tool_calls=planned.tool_calls,
            usage_metadata=usage,
            response_metadata={
                "finish_reason": finish,
                "model_name": kwargs.get("model") or self.model,
                "model_provider": "fake",
            },
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._answer(messages, stop, kwargs)
        usage = message.usage_metadata
        assert usage is not None  # _answer always counts
        finish = message.response_metadata.pop("finish_reason")
        generation = ChatGeneration(message=message, generation_info={"finish_reason": finish})
        return ChatResult(
            generations=[generation],
            llm_output={
                "token_usage": {
                    "prompt_tokens": usage["input_tokens"],
                    "completion_tokens": usage["output_tokens"],
                    "total_tokens": usage["total_tokens"],
                },
                "model_name": message.response_metadata["model_name"],
            },
        )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop, None, **kwargs)

    def _chunks(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Any
    ) -> list[AIMessageChunk]:
        message = self._answer(messages, stop, kwargs)
        pieces = split_words(message.text)
        return message_chunks(message, pieces, args_parts=2)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        return _generations(self._chunks(messages, stop, kwargs))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in _generations(self._chunks(messages, stop, kwargs)):
            yield chunk
