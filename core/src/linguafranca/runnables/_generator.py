"""RunnableGenerator: a generator over the stream of input chunks, as a runnable."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, overload

from typing_extensions import TypeVar

from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import (
    RunnableConfig,
    accepts_config,
    ensure_config,
    run_in_executor,
)
from linguafranca.runnables._run import atransform_with_config, one_chunk, transform_with_config

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)

_END = object()


def is_sync_generator(func: Any) -> bool:
    """Whether ``func`` is a generator function (or an object whose ``__call__`` is one)."""
    return inspect.isgeneratorfunction(func) or (
        callable(func)
        and not inspect.isroutine(func)
        and inspect.isgeneratorfunction(type(func).__call__)
    )


def is_async_generator(func: Any) -> bool:
    """Whether ``func`` is an async generator function (or an object whose ``__call__`` is)."""
    return inspect.isasyncgenfunction(func) or (
        callable(func)
        and not inspect.isroutine(func)
        and inspect.isasyncgenfunction(type(func).__call__)
    )


async def _anext_or_end(chunks: AsyncIterator[Any]) -> Any:
    return await anext(chunks, _END)


def _pull_from_loop(chunks: AsyncIterator[Any], loop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    # Runs on a worker thread: each input chunk is fetched on the event loop, which is
    # free meanwhile (it awaits the worker).
    while True:
        chunk = asyncio.run_coroutine_threadsafe(_anext_or_end(chunks), loop).result()
        if chunk is _END:
            return
        yield chunk


class RunnableGenerator(Runnable[In, Out], Generic[In, Out]):
    """A generator function over the input chunks, so a step can stream as it reads.

    ``transform`` takes an iterator of input chunks and yields output chunks (sync, or
    async over an async iterator); ``atransform`` is an optional async twin of a sync
    ``transform``. ``invoke`` adds the output chunks up. In a ``|`` sequence it
    receives the previous step's chunks as they arrive. A function with a ``config``
    parameter receives the run's config.

    Example:
        ```python
        def shout(chunks: Iterator[str]) -> Iterator[str]:
            for chunk in chunks:
                yield chunk.upper()

        RunnableGenerator(shout).invoke("hi")  # "HI"
        ```
    """

    @overload
    def __init__(
        self,
        transform: Callable[[Iterator[In]], Iterator[Out]],
        atransform: Callable[[AsyncIterator[In]], AsyncIterator[Out]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        transform: Callable[[AsyncIterator[In]], AsyncIterator[Out]],
        atransform: None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        transform: Callable[..., Iterator[Out]] | Callable[..., AsyncIterator[Out]],
        atransform: Callable[..., AsyncIterator[Out]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        transform: Callable[..., Any],
        atransform: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if atransform is not None and not is_async_generator(atransform):
            raise TypeError(
                "RunnableGenerator(transform, atransform): atransform must be an async "
                f"generator function (async def ... yield), got {atransform!r}."
            )
        func: Callable[..., Iterator[Any]] | None
        afunc: Callable[..., AsyncIterator[Any]] | None
        if is_async_generator(transform):
            if atransform is not None:
                raise TypeError(
                    "RunnableGenerator(transform, atransform): transform is already async; "
                    "pass a sync generator function as transform when giving atransform."
                )
            func, afunc = None, transform
        elif is_sync_generator(transform):
            func, afunc = transform, atransform
        else:
            raise TypeError(
                "RunnableGenerator needs a generator function that takes an iterator of "
                f"input chunks and yields output chunks, got {transform!r}. For a function "
                "of the whole input, use RunnableLambda."
            )
        self._func = func
        self._afunc = afunc
        self._func_config = func is not None and accepts_config(func)
        self._afunc_config = afunc is not None and accepts_config(afunc)
        self.name = name or getattr(transform, "__name__", None) or "RunnableGenerator"

    def __repr__(self) -> str:
        return f"RunnableGenerator({self.name})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunnableGenerator):
            return NotImplemented
        return (self._func, self._afunc) == (other._func, other._afunc)

    def __hash__(self) -> int:
        return hash((self._func, self._afunc))

    def _require_sync(self) -> Callable[..., Iterator[Any]]:
        if self._func is None:
            raise NotImplementedError(
                f"{self!r} wraps an async generator: call ainvoke, astream, atransform or "
                "abatch, or pass a sync generator too (RunnableGenerator(transform, atransform))."
            )
        return self._func

    def _hops_only(self) -> bool:
        # Only a sync generator: ainvoke runs invoke on a worker thread.
        return self._afunc is None

    # --- sync ------------------------------------------------------------------------

    def _transform(
        self, inputs: Iterator[Any], config: RunnableConfig, run: Any, **kwargs: Any
    ) -> Iterator[Any]:
        func = self._require_sync()
        if self._func_config:
            kwargs = {**kwargs, "config": ensure_config(config)}
        yield from func(inputs, **kwargs)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        self._require_sync()
        return transform_with_config(self, input, self._transform, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.transform(iter((input,)), config, **kwargs)

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        folded = Aggregator()
        for chunk in self.stream(input, config, **kwargs):
            folded.add(chunk)
        output: Out = folded.result()
        return output

    # --- async -----------------------------------------------------------------------

    async def _atransform(
        self, inputs: AsyncIterator[Any], config: RunnableConfig, run: Any, **kwargs: Any
    ) -> AsyncIterator[Any]:
        if self._afunc is not None:
            if self._afunc_config:
                kwargs = {**kwargs, "config": ensure_config(config)}
            async for chunk in self._afunc(inputs, **kwargs):
                yield chunk
            return
        # Only a sync generator: it runs on a worker thread, one output chunk per hop,
        # and reads its input chunks from the loop as it needs them (so it still streams).
        func = self._require_sync()
        if self._func_config:
            kwargs = {**kwargs, "config": ensure_config(config)}
        outputs = func(_pull_from_loop(inputs, asyncio.get_running_loop()), **kwargs)
        finished = False
        try:
            while (chunk := await run_in_executor(None, next, outputs, _END)) is not _END:
                yield chunk
            finished = True
        finally:
            if not finished:
                # ValueError: a cancelled hop still runs the generator; it stops on its own.
                close = getattr(outputs, "close", None)
                if close is not None:
                    with contextlib.suppress(ValueError):
                        await run_in_executor(None, close)

    def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return atransform_with_config(self, input, self._atransform, config, **kwargs)

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self.atransform(one_chunk(input), config, **kwargs)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        if self._afunc is None:
            # One hop for the whole run rather than one per chunk.
            return await run_in_executor(None, self.invoke, input, config, **kwargs)
        folded = Aggregator()
        async for chunk in self.astream(input, config, **kwargs):
            folded.add(chunk)
        output: Out = folded.result()
        return output
