"""RunnableParallel: a dict of runnables run on the same input, concurrently."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from contextvars import copy_context
from typing import Any

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._base import Runnable, coerce_to_runnable
from linguafranca.runnables._config import RunnableConfig, patch_config
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    one_chunk,
    transform_with_config,
)
from linguafranca.runnables._threads import default_concurrency, run_all, submit

_DONE = object()


async def _anext(stream: AsyncIterator[Any]) -> Any:
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return _DONE


class _Tee:
    """Copies of one iterator for several consumers (threads), read lazily, in step.

    The branch that needs an item no other branch has read yet pulls it from the source
    (under a lock) and leaves a copy for each other branch.
    """

    def __init__(self, source: Iterator[Any], count: int) -> None:
        self._source = source
        self._buffers: list[deque[Any]] = [deque() for _ in range(count)]
        self._lock = threading.Lock()
        self._ended = False
        self._error: BaseException | None = None

    def branch(self, index: int) -> Iterator[Any]:
        """The ``index``-th copy."""
        buffer = self._buffers[index]
        while True:
            if not buffer:
                with self._lock:
                    if not buffer and not self._pull():
                        return
            yield buffer.popleft()

    def _pull(self) -> bool:
        # Whether an item was added to every buffer (False: the source is done).
        if self._error is not None:
            raise self._error
        if self._ended:
            return False
        try:
            item = next(self._source)
        except StopIteration:
            self._ended = True
            return False
        except BaseException as error:
            self._error = error
            raise
        for buffer in self._buffers:
            buffer.append(item)
        return True


class _ATee:
    """Async :class:`_Tee` (branches consumed by tasks of one event loop)."""

    def __init__(self, source: AsyncIterator[Any], count: int) -> None:
        self._source = source
        self._buffers: list[deque[Any]] = [deque() for _ in range(count)]
        self._lock = asyncio.Lock()
        self._ended = False
        self._error: BaseException | None = None

    async def branch(self, index: int) -> AsyncIterator[Any]:
        """The ``index``-th copy."""
        buffer = self._buffers[index]
        while True:
            if not buffer:
                async with self._lock:
                    if not buffer and not await self._pull():
                        return
            yield buffer.popleft()

    async def _pull(self) -> bool:
        if self._error is not None:
            raise self._error
        if self._ended:
            return False
        try:
            item = await self._source.__anext__()
        except StopAsyncIteration:
            self._ended = True
            return False
        except BaseException as error:
            self._error = error
            raise
        for buffer in self._buffers:
            buffer.append(item)
        return True


class RunnableParallel(Runnable[Any, dict[str, Any]]):
    """Runs every step on the same input and returns ``{key: output}``.

    A dict in a ``|`` chain becomes a RunnableParallel. Streaming yields
    ``{key: chunk}`` dicts as the steps produce chunks.

    Example:
        ```python
        both = RunnableParallel(double=lambda x: x * 2, square=lambda x: x * x)
        both.invoke(3)  # {"double": 6, "square": 9}
        ```
    """

    def __init__(self, steps__: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        merged = {**(steps__ or {}), **kwargs}
        self.steps__: dict[str, Runnable[Any, Any]] = {
            key: coerce_to_runnable(step) for key, step in merged.items()
        }
        self.name: str | None = None

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}: {step!r}" for key, step in self.steps__.items())
        return f"{{{inner}}}"

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        default = f"RunnableParallel<{','.join(self.steps__)}>"
        return super().get_name(suffix, name=name or self.name or default)

    @staticmethod
    def _config_for(
        config: RunnableConfig,
        run: CallbackManagerForChainRun | AsyncCallbackManagerForChainRun | None,
        key: str,
    ) -> RunnableConfig | None:
        if run is None:
            return None  # the steps read the config from the context
        return patch_config(config, callbacks=run.get_child(f"map:key:{key}"))

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return call_with_config(self, self._invoke, input, config)

    def _invoke(
        self, value: Any, config: RunnableConfig, run: CallbackManagerForChainRun | None
    ) -> dict[str, Any]:
        keys = list(self.steps__)
        steps = list(self.steps__.values())
        ctx = copy_context()

        def call(index: int) -> Any:
            step_config = self._config_for(config, run, keys[index])
            return ctx.copy().run(steps[index].invoke, value, step_config)

        limit = config.get("max_concurrency") or default_concurrency()
        return dict(zip(keys, run_all(len(steps), call, limit, False), strict=True))

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return await acall_with_config(self, self._ainvoke, input, config)

    async def _ainvoke(
        self, value: Any, config: RunnableConfig, run: AsyncCallbackManagerForChainRun | None
    ) -> dict[str, Any]:
        outputs = await asyncio.gather(
            *(
                step.ainvoke(value, self._config_for(config, run, key))
                for key, step in self.steps__.items()
            )
        )
        return dict(zip(self.steps__, outputs, strict=True))

    def _transform(
        self, inputs: Iterator[Any], config: RunnableConfig, run: CallbackManagerForChainRun | None
    ) -> Iterator[dict[str, Any]]:
        steps = self.steps__
        if len(steps) == 1:  # nothing to run alongside: stream it here, no thread
            ((key, step),) = steps.items()
            only = step.transform(inputs, self._config_for(config, run, key))
            try:
                for chunk in only:
                    yield {key: chunk}
            finally:
                close = getattr(only, "close", None)
                if close is not None:
                    close()
            return
        branches = _Tee(inputs, len(steps))
        chunks: queue.SimpleQueue[tuple[str, Any, BaseException | None]] = queue.SimpleQueue()
        stop = threading.Event()
        ctx = copy_context()

        def pump(key: str, step: Runnable[Any, Any], branch: Iterator[Any]) -> None:
            try:
                for chunk in step.transform(branch, self._config_for(config, run, key)):
                    if stop.is_set():
                        break
                    chunks.put((key, chunk, None))
            except BaseException as error:  # handed to the consumer
                chunks.put((key, _DONE, error))
                return
            chunks.put((key, _DONE, None))

        for index, (key, step) in enumerate(steps.items()):
            submit(ctx.copy().run, pump, key, step, branches.branch(index))
        running = len(steps)
        try:
            while running:
                key, chunk, error = chunks.get()
                if error is not None:
                    raise error
                if chunk is _DONE:
                    running -= 1
                else:
                    yield {key: chunk}
        finally:
            stop.set()

    async def _atransform(
        self,
        inputs: AsyncIterator[Any],
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
    ) -> AsyncIterator[dict[str, Any]]:
        steps = self.steps__
        if len(steps) == 1:
            ((key, step),) = steps.items()
            only = step.atransform(inputs, self._config_for(config, run, key))
            try:
                async for chunk in only:
                    yield {key: chunk}
            finally:
                aclose = getattr(only, "aclose", None)
                if aclose is not None:
                    await aclose()
            return
        keys = list(steps)
        branches = _ATee(inputs, len(steps))
        streams = [
            step.atransform(branches.branch(index), self._config_for(config, run, key))
            for index, (key, step) in enumerate(steps.items())
        ]
        # One pending ``__anext__`` per step: a step resumes only once its last chunk was
        # taken, so chunks (and their events) reach the consumer as each is produced.
        pending = {
            asyncio.ensure_future(_anext(stream)): index for index, stream in enumerate(streams)
        }
        try:
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=pending.__getitem__):
                    index = pending.pop(task)
                    chunk = task.result()
                    if chunk is _DONE:
                        continue
                    pending[asyncio.ensure_future(_anext(streams[index]))] = index
                    yield {keys[index]: chunk}
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for stream in streams:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        return transform_with_config(self, input, self._transform, config)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input
        )

    def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        return atransform_with_config(self, input, self._atransform, config)

    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        return atransform_with_config(
            self, one_chunk(input), self._atransform, config, known_input=input
        )


RunnableMap = RunnableParallel
"""Old name of :class:`RunnableParallel`."""
