"""astream_events (v2): callbacks and streamed outputs turned into a stream of event dicts."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, TypeVar
from uuid import UUID

from linguafranca.callbacks import (
    BaseCallbackHandler,
    BaseCallbackManager,
    Callbacks,
    StreamingCallbackHandler,
)
from linguafranca.messages import AIMessageChunk, BaseMessage
from linguafranca.outputs import ChatGenerationChunk, GenerationChunk, LLMResult
from linguafranca.runnables._config import RunnableConfig, ensure_config
from linguafranca.runnables._run import STREAMED_INPUT

T = TypeVar("T")


class EventData(TypedDict, total=False):
    """The ``data`` of a stream event: what the run got, produced or raised."""

    input: Any
    output: Any
    chunk: Any
    error: BaseException
    tool_call_id: str | None
    """On ``on_tool_error``: the id of the tool call that failed (None without one)."""


class StreamEvent(TypedDict):
    """One event of ``astream_events``."""

    event: str
    """``on_<run type>_<start|stream|end>`` (run types: chain, chat_model, llm, tool,
    prompt, parser), ``on_tool_error`` or ``on_custom_event``."""
    name: str
    run_id: str
    parent_ids: list[str]
    """Ids of the enclosing runs, outermost first."""
    tags: list[str]
    metadata: dict[str, Any]
    data: EventData


class _Streamable(Protocol):
    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]: ...


@dataclass
class EventFilter:
    """Which runs' events to keep: included by name, type or tag, minus the excluded."""

    include_names: Sequence[str] | None = None
    include_types: Sequence[str] | None = None
    include_tags: Sequence[str] | None = None
    exclude_names: Sequence[str] | None = None
    exclude_types: Sequence[str] | None = None
    exclude_tags: Sequence[str] | None = None

    def keeps(self, name: str, run_type: str, tags: Sequence[str]) -> bool:
        """Whether a run with this name, type and tags passes the filter."""
        included = self.include_names is None and self.include_types is None
        included = included and self.include_tags is None
        if self.include_names is not None:
            included = included or name in self.include_names
        if self.include_types is not None:
            included = included or run_type in self.include_types
        if self.include_tags is not None:
            included = included or any(tag in self.include_tags for tag in tags)
        if self.exclude_names is not None:
            included = included and name not in self.exclude_names
        if self.exclude_types is not None:
            included = included and run_type not in self.exclude_types
        if self.exclude_tags is not None:
            included = included and all(tag not in self.exclude_tags for tag in tags)
        return included


class _Run:
    __slots__ = ("name", "run_type", "tags", "metadata", "parent_ids", "inputs")

    def __init__(
        self,
        name: str,
        run_type: str,
        tags: list[str],
        metadata: dict[str, Any],
        parent_ids: list[str],
        inputs: Any,
    ) -> None:
        self.name = name
        self.run_type = run_type
        self.tags = tags
        self.metadata = metadata
        self.parent_ids = parent_ids
        self.inputs = inputs


def run_name(name: str | None, serialized: dict[str, Any] | None) -> str:
    """A run's display name: given, else from ``serialized``, else "Unnamed"."""
    if name:
        return name
    if serialized:
        if "name" in serialized:
            return str(serialized["name"])
        if "id" in serialized:
            return str(serialized["id"][-1])
    return "Unnamed"


class Channel:
    """An unbounded queue fed from any thread, read on the event loop."""

    _END = object()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread = threading.get_ident()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()

    def put(self, item: Any) -> None:
        if threading.get_ident() == self._thread:
            self._queue.put_nowait(item)
        else:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def close(self) -> None:
        self.put(self._END)

    async def __aiter__(self) -> AsyncIterator[Any]:
        while (item := await self._queue.get()) is not self._END:
            yield item


def add_handler(callbacks: Callbacks, handler: BaseCallbackHandler) -> Callbacks:
    """``callbacks`` plus an inheritable ``handler`` (managers are copied, not changed)."""
    if isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
        manager.add_handler(handler, inherit=True)
        return manager
    return [*(callbacks or ()), handler]


class _EventStreamHandler(BaseCallbackHandler, StreamingCallbackHandler):
    """Turns callbacks (from any thread) and tapped streams into stream events."""

    run_inline = True  # never blocks: it only queues events

    def __init__(self, channel: Channel, event_filter: EventFilter) -> None:
        self._channel = channel
        self._filter = event_filter
        self._runs: dict[UUID, _Run] = {}
        self._parents: dict[UUID, list[str]] = {}
        self._tapped: dict[UUID, object] = {}

    def _send(self, event: str, run_id: UUID, run: _Run, data: EventData) -> None:
        if self._filter.keeps(run.name, run.run_type, run.tags):
            self._channel.put(
                StreamEvent(
                    event=event,
                    name=run.name,
                    run_id=str(run_id),
                    parent_ids=run.parent_ids,
                    tags=run.tags,
                    metadata=run.metadata,
                    data=data,
                )
            )

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        run_type: str,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
        inputs: Any,
    ) -> _Run:
        parent_ids = [] if parent_run_id is None else self._parents.get(parent_run_id, [])
        parent_ids = [*parent_ids, str(parent_run_id)] if parent_run_id is not None else []
        self._parents[run_id] = parent_ids
        run = _Run(name, run_type, list(tags or []), dict(metadata or {}), parent_ids, inputs)
        self._runs[run_id] = run
        return run

    def _tap_head(self, run_id: UUID) -> tuple[object, object]:
        marker = object()
        return marker, self._tapped.setdefault(run_id, marker)

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Emit a stream event per chunk (unless an outer tap of the same run does)."""
        marker, owner = self._tap_head(run_id)
        for chunk in output:
            run = self._runs.get(run_id)
            if owner is marker and run is not None:
                self._send(f"on_{run.run_type}_stream", run_id, run, {"chunk": chunk})
            yield chunk

    async def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """Async :meth:`tap_output_iter`."""
        marker, owner = self._tap_head(run_id)
        async for chunk in output:
            run = self._runs.get(run_id)
            if owner is marker and run is not None:
                self._send(f"on_{run.run_type}_stream", run_id, run, {"chunk": chunk})
            yield chunk

    # --- chains ----------------------------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        run_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        kind = run_type or "chain"
        run = self._start(
            run_id, parent_run_id, run_name(name, serialized), kind, tags, metadata, inputs
        )
        data: EventData = {} if inputs is STREAMED_INPUT else {"input": inputs}
        self._send(f"on_{kind}_start", run_id, run, data)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if run is None:
            return
        inputs = kwargs.get("inputs", run.inputs)
        data: EventData = {"output": outputs}
        if inputs is not STREAMED_INPUT:
            data["input"] = inputs
        self._send(f"on_{run.run_type}_end", run_id, run, data)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._runs.pop(run_id, None)

    # --- models ----------------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = {"messages": messages}
        run = self._start(
            run_id, parent_run_id, run_name(name, serialized), "chat_model", tags, metadata, inputs
        )
        self._send("on_chat_model_start", run_id, run, {"input": inputs})

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = {"prompts": prompts}
        run = self._start(
            run_id, parent_run_id, run_name(name, serialized), "llm", tags, metadata, inputs
        )
        self._send("on_llm_start", run_id, run, {"input": inputs})

    def on_llm_new_token(
        self,
        token: str,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        run = self._runs.get(run_id)
        if run is None or run_id in self._tapped:
            return  # a tap of this run's output stream reports the chunks already
        if run.run_type == "chat_model":
            message = chunk.message if isinstance(chunk, ChatGenerationChunk) else None
            self._send(
                "on_chat_model_stream",
                run_id,
                run,
                {"chunk": message if message is not None else AIMessageChunk(content=token)},
            )
        else:
            text = chunk if isinstance(chunk, GenerationChunk) else GenerationChunk(text=token)
            self._send("on_llm_stream", run_id, run, {"chunk": text})

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if run is None:
            return
        if run.run_type == "chat_model":
            output: Any = next(
                (g.message for gens in response.generations for g in gens if hasattr(g, "message")),
                None,
            )
            self._send("on_chat_model_end", run_id, run, {"output": output, "input": run.inputs})
        else:
            output = {"generations": response.generations, "llm_output": response.llm_output}
            self._send("on_llm_end", run_id, run, {"output": output, "input": run.inputs})

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._runs.pop(run_id, None)

    # --- tools and custom events -----------------------------------------------------

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
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        tool_input = inputs if inputs is not None else input_str
        run = self._start(
            run_id, parent_run_id, run_name(name, serialized), "tool", tags, metadata, tool_input
        )
        self._send("on_tool_start", run_id, run, {"input": tool_input})

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            self._send("on_tool_end", run_id, run, {"output": output, "input": run.inputs})

    def on_tool_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        tool_call_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            # The id lets a consumer match the failure to the model's tool call.
            data: EventData = {"error": error, "input": run.inputs, "tool_call_id": tool_call_id}
            self._send("on_tool_error", run_id, run, data)

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if self._filter.keeps(name, name, tags or []):
            self._channel.put(
                StreamEvent(
                    event="on_custom_event",
                    name=name,
                    run_id=str(run_id),
                    parent_ids=self._parents.get(run_id, []),
                    tags=list(tags or []),
                    metadata=dict(metadata or {}),
                    data=data,
                )
            )


async def astream_events(
    runnable: _Streamable,
    input: Any,
    config: RunnableConfig | None,
    *,
    version: str,
    include_names: Sequence[str] | None,
    include_types: Sequence[str] | None,
    include_tags: Sequence[str] | None,
    exclude_names: Sequence[str] | None,
    exclude_types: Sequence[str] | None,
    exclude_tags: Sequence[str] | None,
    **kwargs: Any,
) -> AsyncIterator[StreamEvent]:
    """Run ``runnable.astream`` and yield the events of its runs as they happen."""
    if version != "v2":
        raise NotImplementedError(
            f"astream_events(version={version!r}) is not supported: use version='v2'."
        )
    channel = Channel(asyncio.get_running_loop())
    handler = _EventStreamHandler(
        channel,
        EventFilter(
            include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
        ),
    )
    run_config = ensure_config(config)
    root_id = run_config.get("run_id") or uuid.uuid4()
    run_config["run_id"] = root_id
    run_config["callbacks"] = add_handler(run_config.get("callbacks"), handler)

    async def consume() -> None:
        try:
            stream = runnable.astream(input, run_config, **kwargs)
            async for _ in handler.tap_output_aiter(root_id, stream):
                pass
        finally:
            channel.close()

    task = asyncio.ensure_future(consume())
    root = str(root_id)
    try:
        async for event in channel:
            if event["run_id"] == root:
                # The root's input may have been streamed in: report the one given, once.
                if event["event"].endswith("_start"):
                    event["data"]["input"] = input
                elif event["event"].endswith("_end"):
                    event["data"].pop("input", None)
            yield event
        await task
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
