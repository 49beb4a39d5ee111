"""RunnableLambda: a function (sync, async or generator) as a runnable."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, cast, overload

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import (
    RunnableConfig,
    accepts_config,
    accepts_run_manager,
    ensure_config,
    run_in_executor,
)
from linguafranca.runnables._run import (
    Streamed,
    acall_with_config,
    astream_value_with_config,
    atransform_with_config,
    call_with_config,
    enter_route,
    leave_route,
    one_chunk,
    transform_with_config,
)

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)

_END = object()


def _call_method(func: Callable[..., Any]) -> Any:
    # Callable objects: look at their class's __call__ (functions are routines).
    return None if inspect.isroutine(func) else type(func).__call__


def _is_async(func: Callable[..., Any]) -> bool:
    call = _call_method(func)
    return (
        inspect.iscoroutinefunction(func)
        or inspect.isasyncgenfunction(func)
        or inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
    )


def _sync_manager(run: Any) -> CallbackManagerForChainRun:
    # A function that asks for ``run_manager`` always gets one, as in the reference:
    # the run's own, its sync twin under ainvoke, or one that reports to nobody.
    if isinstance(run, CallbackManagerForChainRun):
        return run
    if isinstance(run, AsyncCallbackManagerForChainRun):
        return run.get_sync()
    return CallbackManagerForChainRun(run_id=uuid.uuid4(), handlers=[], inheritable_handlers=[])


def _async_manager(run: Any) -> AsyncCallbackManagerForChainRun:
    if isinstance(run, AsyncCallbackManagerForChainRun):
        return run
    return AsyncCallbackManagerForChainRun(
        run_id=uuid.uuid4(), handlers=[], inheritable_handlers=[]
    )


class RunnableLambda(Runnable[In, Out], Generic[In, Out]):
    """A function as a runnable: sync or async, plain or generator (which streams).

    A function with a ``config`` parameter receives the run's config. A function that
    returns a runnable has it invoked with the same input.

    Example:
        ```python
        add_one = RunnableLambda(lambda x: x + 1)
        add_one.invoke(1)  # 2

        async def fetch(x: str) -> str: ...
        RunnableLambda(fetch)  # ainvoke / astream / abatch
        ```
    """

    @overload
    def __init__(
        self,
        func: Callable[[In], AsyncIterator[Out]],
        afunc: None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        func: Callable[[In], Iterator[Out]],
        afunc: Callable[[In], AsyncIterator[Out]] | None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        func: Callable[[In], Awaitable[Out]],
        afunc: None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        func: Callable[[In], Runnable[Any, Out]],
        afunc: Callable[[In], Awaitable[Runnable[Any, Out]]] | None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        func: Callable[[In], Out],
        afunc: Callable[[In], Awaitable[Out]] | None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        func: Callable[[In, RunnableConfig], Awaitable[Out]],
        afunc: None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        func: Callable[[In, RunnableConfig], Out],
        afunc: Callable[[In, RunnableConfig], Awaitable[Out]] | None = None,
        name: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        func: Callable[..., Any],
        afunc: Callable[..., Any] | None = None,
        name: str | None = None,
    ) -> None:
        if not callable(func):
            raise TypeError(f"RunnableLambda needs a callable, got {type(func).__name__}.")
        if _is_async(func):
            if afunc is not None:
                raise TypeError(
                    "RunnableLambda(func, afunc): func must be sync when afunc is given."
                )
            func, afunc = None, func  # type: ignore[assignment]
        self.func: Callable[..., Any] | None = func
        self.afunc: Callable[..., Any] | None = afunc
        self._func_config = accepts_config(func)
        self._afunc_config = accepts_config(afunc)
        self._func_manager = accepts_run_manager(func)
        self._afunc_manager = accepts_run_manager(afunc)
        self._func_gen = inspect.isgeneratorfunction(func)
        self._afunc_gen = afunc is not None and (
            inspect.isasyncgenfunction(afunc) or inspect.isasyncgenfunction(_call_method(afunc))
        )
        main = func if func is not None else afunc
        default = getattr(main, "__name__", None)
        self.name = name or (default if default and default != "<lambda>" else None)

    def __repr__(self) -> str:
        return f"RunnableLambda({self.get_name()})"

    def _require_sync(self) -> Callable[..., Any]:
        if self.func is None:
            raise TypeError(
                f"RunnableLambda {self.get_name()!r} wraps an async function: call ainvoke, "
                "astream or abatch, or pass a sync function too (RunnableLambda(func, afunc))."
            )
        return self.func

    def _sync_kwargs(self, kwargs: dict[str, Any], config: RunnableConfig, run: Any) -> Any:
        # What the sync function asked for besides the input: the config, the run manager.
        if self._func_config:
            kwargs = {**kwargs, "config": ensure_config(config)}
        if self._func_manager:
            kwargs = {**kwargs, "run_manager": _sync_manager(run)}
        return kwargs

    def _async_kwargs(self, kwargs: dict[str, Any], config: RunnableConfig, run: Any) -> Any:
        if self._afunc_config:
            kwargs = {**kwargs, "config": ensure_config(config)}
        if self._afunc_manager:
            kwargs = {**kwargs, "run_manager": _async_manager(run)}
        return kwargs

    def _call_sync(
        self, value: Any, config: RunnableConfig, kwargs: dict[str, Any], run: Any = None
    ) -> Any:
        func = self._require_sync()
        output = func(value, **self._sync_kwargs(kwargs, config, run))
        if self._func_gen:
            folded = Aggregator()
            for chunk in output:
                folded.add(chunk)
            output = folded.result()
        return output

    async def _call_async(
        self, value: Any, config: RunnableConfig, kwargs: dict[str, Any], run: Any
    ) -> Any:
        afunc = cast(Callable[..., Any], self.afunc)
        kwargs = self._async_kwargs(kwargs, config, run)
        if self._afunc_gen:
            folded = Aggregator()
            async for chunk in afunc(value, **kwargs):
                folded.add(chunk)
            return folded.result()
        return await afunc(value, **kwargs)

    # --- invoke ----------------------------------------------------------------------

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        self._require_sync()
        output: Out = call_with_config(self, self._invoke, input, config, **kwargs)
        return output

    def _invoke(self, value: Any, config: RunnableConfig, run: Any, **kwargs: Any) -> Any:
        output = self._call_sync(value, config, kwargs, run)
        if isinstance(output, Runnable):
            token = enter_route(config)  # the child config is in the context
            try:
                return output.invoke(value)
            finally:
                leave_route(token)
        return output

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await acall_with_config(self, self._ainvoke, input, config, **kwargs)

    async def _aoutput(
        self, value: Any, config: RunnableConfig, kwargs: dict[str, Any], run: Any
    ) -> Any:
        # The function's output: awaited, or run on a worker thread (one hop) if sync.
        if self.afunc is not None:
            return await self._call_async(value, config, kwargs, run)
        return await run_in_executor(None, self._call_sync, value, config, kwargs, run)

    async def _ainvoke(self, value: Any, config: RunnableConfig, run: Any, **kwargs: Any) -> Any:
        output = await self._aoutput(value, config, kwargs, run)
        if isinstance(output, Runnable):
            token = enter_route(config)
            try:
                return await output.ainvoke(value)
            finally:
                leave_route(token)
        return output

    async def _astream_value(
        self, value: Any, config: RunnableConfig, run: Any, **kwargs: Any
    ) -> Any:
        output = await self._aoutput(value, config, kwargs, run)
        if not isinstance(output, Runnable):
            return output
        # This body runs in the stream's private context, where the count may stay set.
        enter_route(config)
        return Streamed(output.astream(value))

    def _one_value_on_thread(self) -> bool:
        # A sync function that is not a generator: under astream its one output (or the
        # runnable it returns) comes from one hop, so a sequence may share that hop with
        # its neighbours' (see RunnableSequence._agroup).
        return self.afunc is None and not self._func_gen

    def _hops_only(self) -> bool:
        # A sync function runs on a worker thread; what it returns (even a runnable) is
        # then run there too, synchronously, when a caller groups hops.
        return self.afunc is None and type(self).ainvoke is RunnableLambda.ainvoke

    # --- streaming -------------------------------------------------------------------

    def _transform(
        self, inputs: Iterator[Any], config: RunnableConfig, run: Any, **kwargs: Any
    ) -> Iterator[Any]:
        folded = Aggregator()
        for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        func = self._require_sync()
        if self._func_gen:
            yield from func(value, **self._sync_kwargs(kwargs, config, run))
            return
        output = self._call_sync(value, config, kwargs, run)
        if isinstance(output, Runnable):
            enter_route(config)  # a transform body runs in its run's private context
            yield from output.stream(value)
        else:
            yield output

    async def _atransform(
        self, inputs: AsyncIterator[Any], config: RunnableConfig, run: Any, **kwargs: Any
    ) -> AsyncIterator[Any]:
        folded = Aggregator()
        async for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        if self._afunc_gen:
            afunc = cast(Callable[..., AsyncIterator[Any]], self.afunc)
            async for chunk in afunc(value, **self._async_kwargs(kwargs, config, run)):
                yield chunk
            return
        if self.afunc is None and self._func_gen:
            # A sync generator: pull each chunk in the executor to keep the loop free.
            func = self._require_sync()
            chunks = iter(func(value, **self._sync_kwargs(kwargs, config, run)))
            while (chunk := await run_in_executor(None, next, chunks, _END)) is not _END:
                yield chunk
            return
        output = await self._aoutput(value, config, kwargs, run)
        if isinstance(output, Runnable):
            enter_route(config)  # a transform body runs in its run's private context
            async for chunk in output.astream(value):
                yield chunk
        else:
            yield output

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        self._require_sync()
        return transform_with_config(self, input, self._transform, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        self._require_sync()
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input, **kwargs
        )

    def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return atransform_with_config(self, input, self._atransform, config, **kwargs)

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        def traced() -> AsyncIterator[Out]:
            return atransform_with_config(
                self, one_chunk(input), self._atransform, config, known_input=input, **kwargs
            )

        if self._afunc_gen if self.afunc is not None else self._func_gen:
            return traced()  # a generator: stream its chunks
        # One value: skip the transform machinery unless a callback handler listens.
        return astream_value_with_config(self, self._astream_value, input, config, traced, **kwargs)
