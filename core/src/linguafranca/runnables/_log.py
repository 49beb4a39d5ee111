"""astream_log: a run reported as JSON-patch operations on a run state."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime, timezone
from pprint import pformat
from typing import Any, Protocol, TypeVar
from uuid import UUID

from linguafranca.callbacks import BaseCallbackHandler, StreamingCallbackHandler
from linguafranca.messages import BaseMessage
from linguafranca.outputs import ChatGenerationChunk, LLMResult
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._config import RunnableConfig, ensure_config
from linguafranca.runnables._events import Channel, EventFilter, add_handler, run_name
from linguafranca.runnables._patch import apply_patch, escape

T = TypeVar("T")


class RunLogPatch:
    """JSON-patch operations that move a run's log state forward.

    Adding patches (``a + b``) gives a :class:`RunLog` with the resulting state.
    """

    def __init__(self, *ops: dict[str, Any]) -> None:
        self.ops: list[dict[str, Any]] = list(ops)

    def __add__(self, other: RunLogPatch) -> RunLog:
        if type(other) is not RunLogPatch:
            return NotImplemented
        ops = self.ops + other.ops
        return RunLog(*ops, state=apply_patch(None, ops))

    def __repr__(self) -> str:
        return f"RunLogPatch({pformat(self.ops)[1:-1]})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunLogPatch) and self.ops == other.ops

    __hash__ = None  # type: ignore[assignment]


class RunLog(RunLogPatch):
    """The operations so far and the state they produce.

    ``state`` has ``id``, ``name``, ``type``, ``streamed_output`` (the chunks),
    ``final_output`` (the output, once the run ends) and ``logs`` (one entry per
    nested run kept by the filters).
    """

    def __init__(self, *ops: dict[str, Any], state: Any) -> None:
        super().__init__(*ops)
        self.state = state

    def __add__(self, other: RunLogPatch) -> RunLog:
        if type(other) is not RunLogPatch:
            return NotImplemented
        return RunLog(*self.ops, *other.ops, state=apply_patch(self.state, other.ops))

    def __repr__(self) -> str:
        return f"RunLog({pformat(self.state)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunLog) and self.state == other.state and self.ops == other.ops

    __hash__ = None


class _Streamable(Protocol):
    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]: ...

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str: ...


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _llm_output(response: LLMResult) -> dict[str, Any]:
    generations = [
        [
            {
                "text": g.text,
                "generation_info": g.generation_info,
                "type": g.type,
                **({"message": g.message} if hasattr(g, "message") else {}),
            }
            for g in gens
        ]
        for gens in response.generations
    ]
    return {
        "generations": generations,
        "llm_output": response.llm_output,
        "run": None,
        "type": "LLMResult",
    }


class _LogStreamHandler(BaseCallbackHandler, StreamingCallbackHandler):
    """Turns the callbacks of nested runs into ``/logs`` patches."""

    run_inline = True  # never blocks: it only queues patches

    def __init__(
        self, channel: Channel, root_id: UUID, event_filter: EventFilter, streamed_list: bool
    ) -> None:
        self._channel = channel
        self._root_id = root_id
        self._filter = event_filter
        self._streamed_list = streamed_list
        self._keys: dict[UUID, str] = {}
        self._counts: dict[str, int] = {}
        self.root_started = False

    def send(self, *ops: dict[str, Any]) -> None:
        self._channel.put(RunLogPatch(*ops))

    def start_root(self, name: str, run_type: str) -> None:
        if not self.root_started:
            self.root_started = True
            state: dict[str, Any] = {
                "id": str(self._root_id),
                "streamed_output": [],
                "final_output": None,
                "logs": {},
                "name": name,
                "type": run_type,
            }
            self.send({"op": "replace", "path": "", "value": state})

    def _start(
        self,
        run_id: UUID,
        name: str,
        run_type: str,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        if run_id == self._root_id:
            self.start_root(name, run_type)
            return
        if not self._filter.keeps(name, run_type, tags or []):
            return
        count = self._counts[name] = self._counts.get(name, 0) + 1
        key = self._keys[run_id] = name if count == 1 else f"{name}:{count}"
        entry = {
            "id": str(run_id),
            "name": name,
            "type": run_type,
            "tags": list(tags or []),
            "metadata": dict(metadata or {}),
            "start_time": _now(),
            "streamed_output": [],
            "streamed_output_str": [],
            "final_output": None,
            "end_time": None,
        }
        self.send({"op": "add", "path": f"/logs/{escape(key)}", "value": entry})

    def _end(self, run_id: UUID, final_output: Any) -> None:
        key = self._keys.pop(run_id, None)
        if key is None:
            return
        base = f"/logs/{escape(key)}"
        ops = (
            []
            if final_output is None
            else [{"op": "add", "path": f"{base}/final_output", "value": final_output}]
        )
        self.send(*ops, {"op": "add", "path": f"{base}/end_time", "value": _now()})

    def _chunk(self, run_id: UUID, chunk: Any) -> None:
        key = self._keys.get(run_id)
        if key is not None and self._streamed_list:
            self.send(
                {"op": "add", "path": f"/logs/{escape(key)}/streamed_output/-", "value": chunk}
            )

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Log the chunks of a nested run's output stream."""
        for chunk in output:
            self._chunk(run_id, chunk)
            yield chunk

    async def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """Async :meth:`tap_output_iter`."""
        async for chunk in output:
            self._chunk(run_id, chunk)
            yield chunk

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        run_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, run_name(name, serialized), run_type or "chain", tags, metadata)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, {"output": outputs})

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, None)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, run_name(name, serialized), "llm", tags, metadata)

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, run_name(name, serialized), "llm", tags, metadata)

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        key = self._keys.get(run_id)
        if key is None:
            return
        chunk = kwargs.get("chunk")
        base = f"/logs/{escape(key)}"
        ops: list[dict[str, Any]] = [
            {"op": "add", "path": f"{base}/streamed_output_str/-", "value": token}
        ]
        if self._streamed_list:
            value = chunk.message if isinstance(chunk, ChatGenerationChunk) else chunk or token
            ops.append({"op": "add", "path": f"{base}/streamed_output/-", "value": value})
        self.send(*ops)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, _llm_output(response))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, None)

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, run_name(name, serialized), "tool", tags, metadata)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, {"output": output})

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, None)


async def _patches(
    runnable: _Streamable,
    input: Any,
    config: RunnableConfig | None,
    event_filter: EventFilter,
    streamed_list: bool,
    kwargs: dict[str, Any],
) -> AsyncIterator[RunLogPatch]:
    channel = Channel(asyncio.get_running_loop())
    run_config = ensure_config(config)
    root_id = run_config.get("run_id") or uuid.uuid4()
    run_config["run_id"] = root_id
    handler = _LogStreamHandler(channel, root_id, event_filter, streamed_list)
    run_config["callbacks"] = add_handler(run_config.get("callbacks"), handler)

    async def consume() -> None:
        output = Aggregator()
        try:
            async for chunk in runnable.astream(input, run_config, **kwargs):
                handler.start_root(runnable.get_name(), "chain")  # no-op if the run reported it
                output.add(chunk)
                if streamed_list:
                    handler.send({"op": "add", "path": "/streamed_output/-", "value": chunk})
            handler.start_root(runnable.get_name(), "chain")
            handler.send({"op": "replace", "path": "/final_output", "value": output.result()})
        finally:
            channel.close()

    task = asyncio.ensure_future(consume())
    try:
        async for patch in channel:
            yield patch
        await task
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass


async def astream_log(
    runnable: _Streamable,
    input: Any,
    config: RunnableConfig | None,
    *,
    diff: bool,
    with_streamed_output_list: bool,
    include_names: Sequence[str] | None,
    include_types: Sequence[str] | None,
    include_tags: Sequence[str] | None,
    exclude_names: Sequence[str] | None,
    exclude_types: Sequence[str] | None,
    exclude_tags: Sequence[str] | None,
    **kwargs: Any,
) -> AsyncIterator[Any]:
    """Yield the patches of a run (or, with ``diff=False``, the ``RunLog`` after each)."""
    event_filter = EventFilter(
        include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
    )
    patches = _patches(runnable, input, config, event_filter, with_streamed_output_list, kwargs)
    if diff:
        async for patch in patches:
            yield patch
        return
    state: RunLog | None = None
    async for patch in patches:
        state = (
            RunLog(*patch.ops, state=apply_patch(None, patch.ops))
            if state is None
            else state + patch
        )
        yield state
