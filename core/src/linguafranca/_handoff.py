"""Handing a sync call from an event loop to a worker thread, cheaply.

``loop.run_in_executor`` pays for a ``concurrent.futures.Future``, a work item, a
second (asyncio) future chained to the first and a ``functools.partial`` per call.
Here one queue feeds a few long-lived worker threads; a worker runs the call in the
caller's copied context and completes the caller's asyncio future with a single
``call_soon_threadsafe``. On a trivial function this is as fast as the minimal hand-off
that bench/overhead.py times as its "thread hand-off floor", and faster than
``run_in_executor``; what remains is the operating system waking one thread for the
other, twice.

The pool is shared by every event loop in the process, so it keeps working across
``asyncio.run`` calls and loops in other threads.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

T = TypeVar("T")

MAX_WORKERS = 32
"""Most worker threads at once (what the loop's default executor allows on a big machine)."""

_Job: TypeAlias = tuple[
    asyncio.AbstractEventLoop,
    asyncio.Future[Any],
    contextvars.Context,
    Callable[..., Any],
    tuple[Any, ...],
    dict[str, Any],
]


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    # Runs on the loop: the caller may have been cancelled while the call ran.
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def call_raising_no_stop(
    func: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> T:
    """``func(*args, **kwargs)``, with ``StopIteration`` turned into ``RuntimeError``.

    An asyncio future refuses ``StopIteration`` as its exception and would stay
    pending forever, so the error is wrapped (the original is its ``__cause__``).
    """
    try:
        return func(*args, **kwargs)
    except StopIteration as stop:
        raise RuntimeError(f"{func!r} raised StopIteration") from stop


class _Pool:
    """Worker threads fed by one ``SimpleQueue``; grown on demand, up to a cap.

    ``_idle`` counts workers that will take the next job without a new thread being
    started; ``submit`` claims one of them or starts a thread. Workers never exit
    (except at interpreter exit), so a claim can only go stale at the cap, where no
    thread could be started anyway.
    """

    def __init__(self, max_workers: int) -> None:
        self._max = max_workers
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._threads: list[threading.Thread] = []

    def submit(self, job: _Job) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self._max:
                thread = threading.Thread(
                    target=self._work,
                    name=f"linguafranca-async-{len(self._threads)}",
                    daemon=True,  # joined by shutdown() at exit, after the main thread ends
                )
                thread.start()
                self._threads.append(thread)
        self._jobs.put(job)

    def _work(self) -> None:
        get = self._jobs.get
        while (job := get()) is not None:
            self._run(*job)
            del job  # an idle worker must not keep the last call's input alive

    def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        ctx: contextvars.Context,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        if future.cancelled():  # a cancelled caller's queued call never starts
            self._mark_idle()
            return
        try:
            value, ok = ctx.run(call_raising_no_stop, func, args, kwargs), True
        except BaseException as error:  # handed to the awaiting caller
            value, ok = error, False
        # Idle before the caller sees the result: its next call must reuse this thread,
        # not start another one because this one has not reached the queue yet.
        self._mark_idle()
        try:
            loop.call_soon_threadsafe(_settle, future, ok, value)
        except RuntimeError:
            pass  # the loop is closed: nobody is waiting any more

    def _mark_idle(self) -> None:
        with self._lock:
            self._idle += 1

    def shutdown(self) -> None:
        """Let every worker finish its queued calls, then stop it and wait for it."""
        with self._lock:
            threads, self._threads = self._threads, []
            self._idle = 0
        for _ in threads:
            self._jobs.put(None)
        for thread in threads:
            thread.join()


_pool = _Pool(MAX_WORKERS)


def _shutdown() -> None:
    _pool.shutdown()


def _reset_after_fork() -> None:
    # The child has none of the parent's threads: start from an empty pool.
    global _pool
    _pool = _Pool(MAX_WORKERS)


atexit.register(_shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def run_off_loop(func: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
    """A future for ``func(*args, **kwargs)`` run on a worker thread.

    The call runs in a copy of the current context (config and callbacks follow it).
    Must be called from a coroutine running on an event loop.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    _pool.submit((loop, future, contextvars.copy_context(), func, args, kwargs))
    return future
