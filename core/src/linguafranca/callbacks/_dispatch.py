"""Calling handler hooks: error isolation, async handlers in sync runs, executors."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from linguafranca._handoff import run_off_loop
from linguafranca.callbacks._base import AsyncCallbackHandler, BaseCallbackHandler
from linguafranca.messages import get_buffer_string

logger = logging.getLogger("linguafranca.callbacks")


def _failed(handler: BaseCallbackHandler, event: str, error: Exception) -> None:
    if handler.raise_error:
        raise error
    logger.warning(
        "Error in %s.%s callback: %s: %s",
        type(handler).__name__,
        event,
        type(error).__name__,
        error,
    )


def _fallback_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # Handlers without on_chat_model_start get on_llm_start with the messages as text.
    serialized, messages = args[0], args[1]
    return (serialized, [get_buffer_string(m) for m in messages], *args[2:])


def _run_coroutine(coro: Coroutine[Any, Any, Any]) -> None:
    """Run an async handler's coroutine to completion from sync code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    # Sync code running on an event loop's thread cannot block on that loop: use another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(contextvars.copy_context().run, asyncio.run, coro).result()


def _call(handler: BaseCallbackHandler, event: str, args: tuple[Any, ...], kwargs: Any) -> None:
    result = getattr(handler, event)(*args, **kwargs)
    if result is not None and asyncio.iscoroutine(result):
        _run_coroutine(result)


def handle_event(
    handlers: Sequence[BaseCallbackHandler],
    event: str,
    ignore: str | None,
    *args: Any,
    **kwargs: Any,
) -> None:
    """Call ``event`` on every handler not ignoring it; log (or re-raise) handler errors."""
    for handler in handlers:
        if ignore is not None and getattr(handler, ignore, False):
            continue
        try:
            try:
                _call(handler, event, args, kwargs)
            except NotImplementedError:
                if event != "on_chat_model_start":
                    raise
                if not handler.ignore_llm:
                    _call(handler, "on_llm_start", _fallback_args(args), kwargs)
        except Exception as error:  # a handler must not break the run
            _failed(handler, event, error)


async def _acall(
    handler: BaseCallbackHandler, event: str, args: tuple[Any, ...], kwargs: Any
) -> None:
    method = getattr(handler, event)
    if handler.run_inline or isinstance(handler, AsyncCallbackHandler):
        result = method(*args, **kwargs)
        if result is not None and asyncio.iscoroutine(result):
            await result
        return
    # A sync handler may block (I/O, locks): keep it off the event loop.
    result = await run_off_loop(method, *args, **kwargs)
    if result is not None and asyncio.iscoroutine(result):
        await result


async def ahandle_event(
    handlers: Sequence[BaseCallbackHandler],
    event: str,
    ignore: str | None,
    *args: Any,
    **kwargs: Any,
) -> None:
    """Async twin of :func:`handle_event`: awaits async hooks, runs sync ones off-loop."""
    for handler in handlers:
        if ignore is not None and getattr(handler, ignore, False):
            continue
        try:
            try:
                await _acall(handler, event, args, kwargs)
            except NotImplementedError:
                if event != "on_chat_model_start":
                    raise
                if not handler.ignore_llm:
                    await _acall(handler, "on_llm_start", _fallback_args(args), kwargs)
        except Exception as error:  # a handler must not break the run
            _failed(handler, event, error)
