"""Running a runnable's body as a traced run: config for children, callbacks, routing depth.

Without any callback handler nothing is traced: no manager, no run id, only two
context variables set for the duration of the call.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from contextvars import Context, ContextVar, Token, copy_context
from typing import Any, Protocol, TypeVar, cast

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, StreamingCallbackHandler
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._config import (
    DEFAULT_RECURSION_LIMIT,
    RunnableConfig,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    merged_config,
    patch_config,
    run_coroutine_in_context,
    var_child_runnable_config,
)

In = TypeVar("In")
Out = TypeVar("Out")

_END = object()

STREAMED_INPUT: dict[str, Any] = {"input": ""}
"""``on_chain_start`` inputs of a run whose input arrives as a stream (reported at the end)."""


async def one_chunk(value: Any) -> AsyncIterator[Any]:
    """An async stream of the one chunk ``value`` (the input of a streamed call)."""
    yield value


class _Named(Protocol):
    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str: ...


_depth: ContextVar[int] = ContextVar("linguafranca_routing_depth", default=0)
"""How many runnables returned by functions are running, one inside the other."""


class RecursionLimitError(RecursionError):
    """Functions returned runnables to run more than ``config["recursion_limit"]`` deep."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Recursion limit of {limit} reached: functions returned runnables to run "
            f"(routing) more than {limit} levels deep. If this depth is expected, raise the "
            "limit with config={'recursion_limit': N}; otherwise look for a function that "
            "routes back to itself without end."
        )
        self.limit = limit


def enter_route(config: RunnableConfig) -> Token[int]:
    """Count one level of routing: a function returned a runnable, which now runs.

    As in the reference, only routing counts against ``recursion_limit`` (plain nesting
    is bounded by Python's own recursion limit). Returns the token that undoes the count;
    a body running in a private context (streaming) may leave it set.

    Raises:
        RecursionLimitError: when the routing would go deeper than the limit.
    """
    depth = _depth.get() + 1
    limit = config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
    if depth > limit:
        raise RecursionLimitError(limit)
    return _depth.set(depth)


def leave_route(token: Token[int]) -> None:
    """Undo :func:`enter_route`."""
    _depth.reset(token)


def _child_config(config: RunnableConfig) -> RunnableConfig:
    # run_name and run_id name this run, never its children.
    if "run_name" in config or "run_id" in config:
        child = dict(config)
        child.pop("run_name", None)
        child.pop("run_id", None)
        return cast(RunnableConfig, child)
    return config


def _start_kwargs(runnable: _Named, config: RunnableConfig, run_type: str | None) -> Any:
    return {
        "run_id": config.get("run_id"),
        "name": config.get("run_name") or runnable.get_name(),
        "run_type": run_type,
    }


def call_with_config(
    runnable: _Named,
    func: Callable[..., Out],
    input: In,
    config: RunnableConfig | None,
    run_type: str | None = None,
    **kwargs: Any,
) -> Out:
    """Run ``func(input, child_config, run_manager, **kwargs)`` as a run of ``runnable``."""
    config = merged_config(config)
    manager = get_callback_manager_for_config(config)
    if manager is None:
        child = _child_config(config)
        token = var_child_runnable_config.set(child)
        try:
            return func(input, child, None, **kwargs)
        finally:
            var_child_runnable_config.reset(token)
    run = manager.on_chain_start(None, input, **_start_kwargs(runnable, config, run_type))
    child = patch_config(config, callbacks=run.get_child())
    token = var_child_runnable_config.set(child)
    try:
        output = func(input, child, run, **kwargs)
    except BaseException as error:
        run.on_chain_error(error)
        raise
    finally:
        var_child_runnable_config.reset(token)
    run.on_chain_end(output)
    return output


async def acall_with_config(
    runnable: _Named,
    func: Callable[..., Awaitable[Out]],
    input: In,
    config: RunnableConfig | None,
    run_type: str | None = None,
    **kwargs: Any,
) -> Out:
    """Async twin of :func:`call_with_config` (``func`` returns an awaitable)."""
    config = merged_config(config)
    manager = get_async_callback_manager_for_config(config)
    if manager is None:
        child = _child_config(config)
        token = var_child_runnable_config.set(child)
        try:
            return await func(input, child, None, **kwargs)
        finally:
            var_child_runnable_config.reset(token)
    run = await manager.on_chain_start(None, input, **_start_kwargs(runnable, config, run_type))
    child = patch_config(config, callbacks=run.get_child())
    token = var_child_runnable_config.set(child)
    try:
        output = await func(input, child, run, **kwargs)
    except BaseException as error:
        await run.on_chain_error(error)
        raise
    finally:
        var_child_runnable_config.reset(token)
    await run.on_chain_end(output)
    return output


def _tee(first: Any, inputs: Iterator[Any], into: Aggregator) -> Iterator[Any]:
    if first is not _END:
        into.add(first)
        yield first
    for item in inputs:
        into.add(item)
        yield item


async def _atee(first: Any, inputs: AsyncIterator[Any], into: Aggregator) -> AsyncIterator[Any]:
    if first is not _END:
        into.add(first)
        yield first
    async for item in inputs:
        into.add(item)
        yield item


def transform_with_config(
    runnable: _Named,
    inputs: Iterator[In],
    transformer: Callable[..., Iterator[Out]],
    config: RunnableConfig | None,
    run_type: str | None = None,
    *,
    known_input: Any = STREAMED_INPUT,
    **kwargs: Any,
) -> Iterator[Out]:
    """Stream ``transformer(inputs, child_config, run_manager, **kwargs)`` as a run.

    Each step of the transformer runs in a private context holding the child config,
    so nothing leaks into the consumer's context between chunks.
    """
    config = merged_config(config)
    manager = get_callback_manager_for_config(config)
    ctx = copy_context()
    if manager is None:
        child = _child_config(config)
        ctx.run(var_child_runnable_config.set, child)
        iterator = ctx.run(transformer, inputs, child, None, **kwargs)
        try:
            while True:
                try:
                    chunk = ctx.run(next, iterator)
                except StopIteration:
                    return
                yield chunk
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                ctx.run(close)
    seen_input = Aggregator()
    if known_input is not STREAMED_INPUT:
        seen_input.add(known_input)
    else:
        # Pull the first input chunk first: the upstream run starts before this one.
        inputs = _tee(next(inputs, _END), inputs, seen_input)
    run = manager.on_chain_start(None, known_input, **_start_kwargs(runnable, config, run_type))
    child = patch_config(config, callbacks=run.get_child())
    ctx.run(var_child_runnable_config.set, child)
    iterator = ctx.run(transformer, inputs, child, run, **kwargs)
    for handler in run.handlers:
        if isinstance(handler, StreamingCallbackHandler):
            iterator = handler.tap_output_iter(run.run_id, iterator)
    output = Aggregator()
    try:
        while True:
            try:
                chunk = ctx.run(next, iterator)
            except StopIteration:
                break
            output.add(chunk)
            yield chunk
    except BaseException as error:
        close = getattr(iterator, "close", None)
        if close is not None:
            ctx.run(close)
        run.on_chain_error(error, inputs=seen_input.result())
        raise
    run.on_chain_end(output.result(), inputs=seen_input.result())


async def atransform_with_config(
    runnable: _Named,
    inputs: AsyncIterator[In],
    transformer: Callable[..., AsyncIterator[Out]],
    config: RunnableConfig | None,
    run_type: str | None = None,
    *,
    known_input: Any = STREAMED_INPUT,
    **kwargs: Any,
) -> AsyncIterator[Out]:
    """Async twin of :func:`transform_with_config`."""
    config = merged_config(config)
    manager = get_async_callback_manager_for_config(config)
    ctx = copy_context()
    run: AsyncCallbackManagerForChainRun | None = None
    seen_input = Aggregator()
    if manager is None:
        child = _child_config(config)
    else:
        if known_input is not STREAMED_INPUT:
            seen_input.add(known_input)
        else:
            # Pull the first input chunk first: the upstream run starts before this one.
            inputs = _atee(await anext(inputs, _END), inputs, seen_input)
        run = await manager.on_chain_start(
            None, known_input, **_start_kwargs(runnable, config, run_type)
        )
        child = patch_config(config, callbacks=run.get_child())
    ctx.run(var_child_runnable_config.set, child)
    iterator = ctx.run(transformer, inputs, child, run, **kwargs)
    if run is not None:
        for handler in run.handlers:
            if isinstance(handler, StreamingCallbackHandler):
                iterator = handler.tap_output_aiter(run.run_id, iterator)
    output = Aggregator() if run is not None else None
    try:
        while True:
            try:
                chunk = await run_coroutine_in_context(ctx, iterator.__anext__())
            except StopAsyncIteration:
                break
            if output is not None:
                output.add(chunk)
            yield chunk
    except BaseException as error:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await run_coroutine_in_context(ctx, aclose())
        if run is not None:
            await run.on_chain_error(error, inputs=seen_input.result())
        raise
    if run is not None and output is not None:
        await run.on_chain_end(output.result(), inputs=seen_input.result())


class Streamed:
    """A run body's output to stream chunk by chunk (see :func:`astream_value_with_config`)."""

    __slots__ = ("chunks",)

    def __init__(self, chunks: AsyncIterator[Any]) -> None:
        self.chunks = chunks


async def astream_value_with_config(
    runnable: _Named,
    func: Callable[..., Awaitable[Any]],
    input: Any,
    config: RunnableConfig | None,
    traced: Callable[[], AsyncIterator[Out]],
    **kwargs: Any,
) -> AsyncIterator[Out]:
    """Stream a run whose body ``func(input, child_config, None, **kwargs)`` gives one value.

    The untraced case of :func:`atransform_with_config` for a body that does not stream:
    one async generator instead of three, and no per-chunk bookkeeping. The value is
    the one chunk; a :class:`Streamed` value has its chunks streamed in the run's
    context instead. When a callback handler listens, ``traced()`` (the full
    transform path, with its events) is streamed instead.
    """
    merged = merged_config(config)
    if get_async_callback_manager_for_config(merged) is not None:
        async for chunk in traced():
            yield chunk
        return
    child = _child_config(merged)
    # Like atransform_with_config: the body runs in a private copy of the context.
    ctx = copy_context()
    ctx.run(var_child_runnable_config.set, child)
    output = await run_coroutine_in_context(ctx, ctx.run(func, input, child, None, **kwargs))
    if not isinstance(output, Streamed):
        yield output
        return
    chunks = aiter_in_context(ctx, output.chunks)
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        await chunks.aclose()  # a consumer that stops early closes the body's stream too


async def aiter_in_context(ctx: Context, chunks: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
    """Yield from ``chunks``, running each of its steps (and its closing) in ``ctx``.

    A stream's body keeps its context variables (the child config, a routing count) in
    a private context: the consumer's context, which changes between chunks, never
    sees them.
    """
    try:
        while True:
            try:
                chunk = await run_coroutine_in_context(ctx, chunks.__anext__())
            except StopAsyncIteration:
                return
            yield chunk
    except BaseException:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await run_coroutine_in_context(ctx, aclose())
        raise
