"""Default batch methods: threads for sync, tasks for async, bounded by max_concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextvars import copy_context
from typing import Any

from linguafranca.runnables._config import (
    RunnableConfig,
    get_async_callback_manager_for_config,
    get_config_list,
    run_in_executor,
)
from linguafranca.runnables._threads import default_concurrency, run_all, run_as_completed

Invoke = Callable[..., Any]
AInvoke = Callable[..., Coroutine[Any, Any, Any]]
Configs = RunnableConfig | Sequence[RunnableConfig] | None


def _thread_call(
    invoke: Invoke, inputs: Sequence[Any], configs: list[RunnableConfig], kwargs: dict[str, Any]
) -> Callable[[int], Any]:
    ctx = copy_context()

    def call(index: int) -> Any:
        # Each call gets its own copy of the caller's context: config and callbacks follow.
        return ctx.copy().run(invoke, inputs[index], configs[index], **kwargs)

    return call


def batch(
    invoke: Invoke,
    inputs: Sequence[Any],
    config: Configs,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> list[Any]:
    """Call ``invoke`` on every input on up to ``max_concurrency`` threads, keeping order."""
    if not inputs:
        return []
    configs = get_config_list(config, len(inputs))
    if len(inputs) == 1:
        try:
            return [invoke(inputs[0], configs[0], **kwargs)]
        except Exception as error:
            if return_exceptions:
                return [error]
            raise
    limit = configs[0].get("max_concurrency") or default_concurrency()
    call = _thread_call(invoke, inputs, configs, kwargs)
    return run_all(len(inputs), call, limit, return_exceptions)


def batch_as_completed(
    invoke: Invoke,
    inputs: Sequence[Any],
    config: Configs,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, output)`` for every input as soon as its call finishes."""
    if not inputs:
        return
    configs = get_config_list(config, len(inputs))
    if len(inputs) == 1:
        try:
            output = invoke(inputs[0], configs[0], **kwargs)
        except Exception as error:
            if not return_exceptions:
                raise
            output = error
        yield 0, output
        return
    limit = configs[0].get("max_concurrency") or default_concurrency()
    call = _thread_call(invoke, inputs, configs, kwargs)
    yield from run_as_completed(len(inputs), call, limit, return_exceptions)


def _listened(configs: list[RunnableConfig]) -> bool:
    distinct = {id(config): config for config in configs}.values()
    return any(get_async_callback_manager_for_config(config) is not None for config in distinct)


def _one(
    ainvoke: AInvoke,
    semaphore: asyncio.Semaphore | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> Callable[[Any, RunnableConfig], Coroutine[Any, Any, Any]]:
    async def one(value: Any, config: RunnableConfig) -> Any:
        try:
            if semaphore is None:
                return await ainvoke(value, config, **kwargs)
            async with semaphore:
                return await ainvoke(value, config, **kwargs)
        except Exception as error:
            if return_exceptions:
                return error
            raise

    return one


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


async def abatch(
    ainvoke: AInvoke,
    inputs: Sequence[Any],
    config: Configs,
    return_exceptions: bool,
    kwargs: dict[str, Any],
    thread_batch: Callable[..., list[Any]] | None = None,
) -> list[Any]:
    """Await ``ainvoke`` on every input, at most ``max_concurrency`` at once, keeping order.

    ``thread_batch`` is the sync batch of a runnable whose ``ainvoke`` would only hop to
    a thread: without callbacks, one hop running the whole batch does the same work.
    """
    if not inputs:
        return []
    configs = get_config_list(config, len(inputs))
    if thread_batch is not None and len(inputs) > 1 and not _listened(configs):
        return await run_in_executor(
            None, thread_batch, inputs, configs, return_exceptions=return_exceptions, **kwargs
        )
    limit = configs[0].get("max_concurrency")
    one = _one(ainvoke, asyncio.Semaphore(limit) if limit else None, return_exceptions, kwargs)
    if len(inputs) == 1:
        return [await one(inputs[0], configs[0])]
    tasks = [asyncio.ensure_future(one(v, c)) for v, c in zip(inputs, configs, strict=True)]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        await _cancel(tasks)
        raise


async def abatch_as_completed(
    ainvoke: AInvoke,
    inputs: Sequence[Any],
    config: Configs,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> AsyncIterator[tuple[int, Any]]:
    """Yield ``(index, output)`` for every input as soon as its call finishes."""
    if not inputs:
        return
    configs = get_config_list(config, len(inputs))
    limit = configs[0].get("max_concurrency")
    one = _one(ainvoke, asyncio.Semaphore(limit) if limit else None, return_exceptions, kwargs)

    async def indexed(index: int) -> tuple[int, Any]:
        return index, await one(inputs[index], configs[index])

    if len(inputs) == 1:
        yield await indexed(0)
        return
    tasks = [asyncio.ensure_future(indexed(i)) for i in range(len(inputs))]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        await _cancel(tasks)
