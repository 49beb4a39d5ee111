"""Async callback manager and the run managers it hands out (twins of the sync ones)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from linguafranca.callbacks._dispatch import ahandle_event
from linguafranca.callbacks._manager import CallbackManagerForChainRun
from linguafranca.callbacks._manager_base import (
    BaseCallbackManager,
    BaseRunManager,
    Callbacks,
    configure_manager,
)
from linguafranca.messages import BaseMessage
from linguafranca.outputs import ChatGenerationChunk, GenerationChunk, LLMResult


class AsyncRunManager(BaseRunManager):
    """Async run manager: events any run can report."""

    async def on_text(self, text: str, **kwargs: Any) -> None:
        """Report arbitrary text."""
        if self.handlers:
            await ahandle_event(self.handlers, "on_text", None, text, **self._ids(), **kwargs)

    async def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
        """Report that a failed call is about to be attempted again."""
        if self.handlers:
            await ahandle_event(
                self.handlers, "on_retry", "ignore_retry", retry_state, **self._ids(), **kwargs
            )

    async def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        """Report a user-defined event."""
        if self.handlers:
            await ahandle_event(
                self.handlers,
                "on_custom_event",
                "ignore_custom_event",
                name,
                data,
                run_id=self.run_id,
                tags=self.tags,
                metadata=self.metadata,
                **kwargs,
            )

    def _ids(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "parent_run_id": self.parent_run_id, "tags": self.tags}


class AsyncParentRunManager(AsyncRunManager):
    """Async run manager of a run that can have child runs."""

    def get_child(self, tag: str | None = None) -> AsyncCallbackManager:
        """The manager for child runs: this run as parent, inheritable handlers and tags."""
        return self._child(AsyncCallbackManager, tag)


class AsyncCallbackManagerForLLMRun(AsyncRunManager):
    """Reports the progress of one chat-model (or LLM) run."""

    async def on_llm_new_token(
        self,
        token: str,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        **kwargs: Any,
    ) -> None:
        """Report a streamed token; pass the ``chunk`` so consumers get the full message chunk."""
        if self.handlers:
            await ahandle_event(
                self.handlers,
                "on_llm_new_token",
                "ignore_llm",
                token=token,  # by keyword, as the reference: handlers may read kwargs["token"]
                chunk=chunk,
                **self._ids(),
                **kwargs,
            )

    async def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Report the end of the run with its result."""
        if self.handlers:
            await ahandle_event(
                self.handlers, "on_llm_end", "ignore_llm", response, **self._ids(), **kwargs
            )

    async def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        """Report that the run failed."""
        if self.handlers:
            await ahandle_event(
                self.handlers, "on_llm_error", "ignore_llm", error, **self._ids(), **kwargs
            )


class AsyncCallbackManagerForChainRun(AsyncParentRunManager):
    """Reports the progress of one chain run (any runnable that is not a model or tool)."""

    def get_sync(self) -> CallbackManagerForChainRun:
        """The sync twin of this run manager (same run, same handlers), for sync code."""
        return CallbackManagerForChainRun(
            run_id=self.run_id,
            handlers=self.handlers,
            inheritable_handlers=self.inheritable_handlers,
            parent_run_id=self.parent_run_id,
            tags=self.tags,
            inheritable_tags=self.inheritable_tags,
            metadata=self.metadata,
            inheritable_metadata=self.inheritable_metadata,
        )

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """Report the end of the run with its output."""
        if self.handlers:
            await ahandle_event(
                self.handlers, "on_chain_end", "ignore_chain", outputs, **self._ids(), **kwargs
            )

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        """Report that the run failed."""
        if self.handlers:
            await ahandle_event(
                self.handlers, "on_chain_error", "ignore_chain", error, **self._ids(), **kwargs
            )


class AsyncCallbackManagerForToolRun(AsyncParentRunManager):
    """Reports the progress of one tool run."""

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        """Report the end of the run with its output."""
        if self.handlers:
            await ahandle_event(self.handlers, "on_tool_end", None, output, **self._ids(), **kwargs)

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        """Report that the run failed."""
        if self.handlers:
            await ahandle_event(
                self.handlers, "on_tool_error", None, error, **self._ids(), **kwargs
            )


class AsyncCallbackManager(BaseCallbackManager):
    """Starts runs and reports their start to the handlers (async).

    Example:
        ```python
        manager = AsyncCallbackManager.configure(config.get("callbacks"), self.callbacks)
        (run,) = await manager.on_chat_model_start(None, [messages], name="MyModel")
        await run.on_llm_new_token("Hi", chunk=ChatGenerationChunk(message=AIMessageChunk("Hi")))
        await run.on_llm_end(LLMResult(generations=[[generation]]))
        ```
    """

    @property
    def is_async(self) -> bool:
        """Whether this manager dispatches asynchronously."""
        return True

    def _run_kwargs(self, run_id: UUID) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "handlers": self.handlers,
            "inheritable_handlers": self.inheritable_handlers,
            "parent_run_id": self.parent_run_id,
            "tags": self.tags,
            "inheritable_tags": self.inheritable_tags,
            "metadata": self.metadata,
            "inheritable_metadata": self.inheritable_metadata,
        }

    async def _start(
        self, event: str, ignore: str, run_id: UUID, *args: Any, **kwargs: Any
    ) -> None:
        await ahandle_event(
            self.handlers,
            event,
            ignore,
            *args,
            run_id=run_id,
            parent_run_id=self.parent_run_id,
            tags=self.tags,
            metadata=self.metadata,
            **kwargs,
        )

    async def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> list[AsyncCallbackManagerForLLMRun]:
        """Start one LLM run per prompt (``run_id`` is used for the first)."""
        runs: list[AsyncCallbackManagerForLLMRun] = []
        for prompt in prompts:
            rid = run_id if run_id is not None and not runs else uuid.uuid4()
            await self._start("on_llm_start", "ignore_llm", rid, serialized, [prompt], **kwargs)
            runs.append(AsyncCallbackManagerForLLMRun(**self._run_kwargs(rid)))
        return runs

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> list[AsyncCallbackManagerForLLMRun]:
        """Start one chat-model run per message list (``run_id`` is used for the first)."""
        runs: list[AsyncCallbackManagerForLLMRun] = []
        for message_list in messages:
            rid = run_id if run_id is not None and not runs else uuid.uuid4()
            await self._start(
                "on_chat_model_start",
                "ignore_chat_model",
                rid,
                serialized,
                [message_list],
                **kwargs,
            )
            runs.append(AsyncCallbackManagerForLLMRun(**self._run_kwargs(rid)))
        return runs

    async def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> AsyncCallbackManagerForChainRun:
        """Start a chain run."""
        rid = run_id if run_id is not None else uuid.uuid4()
        await self._start("on_chain_start", "ignore_chain", rid, serialized, inputs, **kwargs)
        return AsyncCallbackManagerForChainRun(**self._run_kwargs(rid))

    async def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        run_id: UUID | None = None,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncCallbackManagerForToolRun:
        """Start a tool run."""
        rid = run_id if run_id is not None else uuid.uuid4()
        await self._start(
            "on_tool_start", "ignore_agent", rid, serialized, input_str, inputs=inputs, **kwargs
        )
        return AsyncCallbackManagerForToolRun(**self._run_kwargs(rid))

    async def on_custom_event(
        self, name: str, data: Any, run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        """Report a user-defined event to the handlers."""
        await ahandle_event(
            self.handlers,
            "on_custom_event",
            "ignore_custom_event",
            name,
            data,
            run_id=run_id if run_id is not None else self.parent_run_id,
            tags=self.tags,
            metadata=self.metadata,
            **kwargs,
        )

    @classmethod
    def configure(
        cls,
        inheritable_callbacks: Callbacks = None,
        local_callbacks: Callbacks = None,
        verbose: bool = False,
        inheritable_tags: list[str] | None = None,
        local_tags: list[str] | None = None,
        inheritable_metadata: Mapping[str, Any] | None = None,
        local_metadata: Mapping[str, Any] | None = None,
    ) -> AsyncCallbackManager:
        """Build a manager from inherited and local callbacks, tags and metadata.

        Handlers registered in the context (``get_usage_metadata_callback``) are added.
        ``verbose`` is accepted for compatibility and ignored.
        """
        return configure_manager(
            cls,
            inheritable_callbacks,
            local_callbacks,
            inheritable_tags,
            local_tags,
            inheritable_metadata,
            local_metadata,
        )
