"""RunnableParallel: a dict of runnables run on the same input, concurrently."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextvars import copy_context
from typing import Any

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable, coerce_to_runnable
from linguafranca.runnables._config import RunnableConfig, patch_config
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    transform_with_config,
)
from linguafranca.runnables._threads import default_concurrency, run_all, submit

_DONE = object()


async def _one(value: Any) -> AsyncIterator[Any]:
    yield value


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
        folded = Aggregator()
        for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        chunks: queue.SimpleQueue[tuple[str, Any, BaseException | None]] = queue.SimpleQueue()
        stop = threading.Event()
        ctx = copy_context()

        def pump(key: str, step: Runnable[Any, Any]) -> None:
            try:
                for chunk in step.stream(value, self._config_for(config, run, key)):
                    if stop.is_set():
                        break
                    chunks.put((key, chunk, None))
            except BaseException as error:  # handed to the consumer
                chunks.put((key, _DONE, error))
                return
            chunks.put((key, _DONE, None))

        for key, step in self.steps__.items():
            submit(ctx.copy().run, pump, key, step)
        running = len(self.steps__)
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
        folded = Aggregator()
        async for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        chunks: asyncio.Queue[tuple[str, Any, Exception | None]] = asyncio.Queue()

        async def pump(key: str, step: Runnable[Any, Any]) -> None:
            try:
                async for chunk in step.astream(value, self._config_for(config, run, key)):
                    chunks.put_nowait((key, chunk, None))
            except Exception as error:  # handed to the consumer
                chunks.put_nowait((key, _DONE, error))
                return
            chunks.put_nowait((key, _DONE, None))

        tasks = [asyncio.ensure_future(pump(key, step)) for key, step in self.steps__.items()]
        running = len(tasks)
        try:
            while running:
                key, chunk, error = await chunks.get()
                if error is not None:
                    raise error
                if chunk is _DONE:
                    running -= 1
                else:
                    yield {key: chunk}
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

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
            self, _one(input), self._atransform, config, known_input=input
        )


RunnableMap = RunnableParallel
"""Old name of :class:`RunnableParallel`."""
