"""Callback handler base classes: the hooks a run reports to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar
from uuid import UUID

from linguafranca.messages import BaseMessage
from linguafranca.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

T = TypeVar("T")


class BaseCallbackHandler:
    """Receives the events of runs (chat models, chains, tools) as plain method calls.

    Override only the hooks you need; the others do nothing. A handler that raises is
    logged and ignored unless ``raise_error`` is true. In async runs a sync handler is
    called in a thread-pool executor unless ``run_inline`` is true.

    Example:
        ```python
        class PrintTokens(BaseCallbackHandler):
            def on_llm_new_token(self, token, **kwargs):
                print(token, end="")

        model.invoke("hi", config={"callbacks": [PrintTokens()]})
        ```
    """

    raise_error: bool = False
    """Re-raise errors raised by this handler instead of logging them."""

    run_inline: bool = False
    """In async runs, call this (sync) handler on the event loop instead of an executor."""

    ignore_llm: bool = False
    """Skip the llm and chat-model hooks."""

    ignore_chat_model: bool = False
    """Skip ``on_chat_model_start``."""

    ignore_chain: bool = False
    """Skip the chain hooks."""

    ignore_retry: bool = False
    """Skip ``on_retry``."""

    ignore_custom_event: bool = False
    """Skip ``on_custom_event``."""

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a text-completion model starts (and for chat models without a hook)."""

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a chat model starts.

        Not overriding it makes the manager call ``on_llm_start`` with the messages
        rendered as strings instead.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement on_chat_model_start")

    def on_llm_new_token(
        self,
        token: str,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run on each streamed token; ``chunk`` carries the full chunk (message, metadata)."""

    def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a model run ends."""

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a model run fails."""

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a chain (any runnable that is not a model or tool) starts."""

    def on_chain_end(
        self,
        outputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a chain ends."""

    def on_chain_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a chain fails."""

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a tool starts."""

    def on_tool_end(
        self,
        output: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a tool ends."""

    def on_tool_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run when a tool fails."""

    def on_text(
        self,
        text: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run on arbitrary text."""

    def on_retry(
        self,
        retry_state: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run before a retried call is attempted again."""

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run on a user-defined event sent with ``dispatch_custom_event``."""


class AsyncCallbackHandler(BaseCallbackHandler):
    """A handler whose hooks are coroutines; async runs await them in order.

    In sync runs the coroutines are run to completion on a private event loop.

    Example:
        ```python
        class Collect(AsyncCallbackHandler):
            async def on_llm_end(self, response, **kwargs):
                await store.save(response)
        ```
    """

    async def on_llm_start(
        self, serialized: dict[str, Any] | None, prompts: list[str], **kwargs: Any
    ) -> None:
        """Run when a text-completion model starts."""

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        **kwargs: Any,
    ) -> None:
        """Run when a chat model starts (not overriding it falls back to on_llm_start)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement on_chat_model_start")

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        """Run on each streamed token."""

    async def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Run when a model run ends."""

    async def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        """Run when a model run fails."""

    async def on_chain_start(
        self, serialized: dict[str, Any] | None, inputs: Any, **kwargs: Any
    ) -> None:
        """Run when a chain starts."""

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """Run when a chain ends."""

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        """Run when a chain fails."""

    async def on_tool_start(
        self, serialized: dict[str, Any] | None, input_str: str, **kwargs: Any
    ) -> None:
        """Run when a tool starts."""

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        """Run when a tool ends."""

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        """Run when a tool fails."""

    async def on_text(self, text: str, **kwargs: Any) -> None:
        """Run on arbitrary text."""

    async def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
        """Run before a retried call is attempted again."""

    async def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        """Run on a user-defined event."""


class StreamingCallbackHandler(ABC):
    """Marker for a handler that consumes a run's output as a stream.

    A run whose callbacks include such a handler is being streamed by someone
    (``astream_events``, ``astream_log``): a chat model's ``invoke`` then streams
    internally and reports each chunk with ``on_llm_new_token`` (auto-streaming). Runs
    that stream pass their output iterators through ``tap_output_iter`` /
    ``tap_output_aiter`` so the handler sees every chunk.
    """

    @abstractmethod
    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Return an iterator yielding the same items as ``output``, observing them."""

    @abstractmethod
    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """Return an async iterator yielding the same items as ``output``, observing them."""
