"""Running many calls on threads, at most N at once, with the caller lending a hand.

One shared pool of threads (grown on demand, reused) serves every batch. The calling
thread always works through the queue too, so a batch nested in a batch never waits
for a free thread: the pool only adds speed, never a dependency.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def default_concurrency() -> int:
    """Concurrency when ``max_concurrency`` is not set (the reference's thread-pool default)."""
    return min(32, (os.cpu_count() or 1) + 4)


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                # Idle threads are reused; the cap is only a safety net since callers
                # bound their own concurrency.
                _pool = ThreadPoolExecutor(max_workers=1024, thread_name_prefix="linguafranca")
    return _pool


class _Work:
    """Indices 0..n-1 handed out to whichever thread asks first."""

    def __init__(self, n: int) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._n = n
        self._in_flight = 0
        self.stopped = False
        self._idle = threading.Condition(self._lock)

    def claim(self) -> int | None:
        with self._lock:
            if self.stopped or self._next >= self._n:
                return None
            index = self._next
            self._next += 1
            self._in_flight += 1
            return index

    def release(self, stop: bool = False) -> None:
        with self._lock:
            self._in_flight -= 1
            if stop:
                self.stopped = True
            if self._in_flight == 0:
                self._idle.notify_all()

    def stop(self) -> None:
        with self._lock:
            self.stopped = True

    def wait_idle(self) -> None:
        with self._lock:
            while self._in_flight:
                self._idle.wait()


def submit(fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` on a thread of the shared pool (fire and forget)."""
    _shared_pool().submit(fn, *args)


def _start_helpers(worker: Callable[[], None], count: int) -> None:
    if count > 0:
        pool = _shared_pool()
        for _ in range(count):
            pool.submit(worker)


def run_all(
    n: int, call: Callable[[int], Any], max_workers: int, return_exceptions: bool
) -> list[Any]:
    """``[call(0), ..., call(n-1)]`` with at most ``max_workers`` calls at once.

    Raises the first error (by index) unless ``return_exceptions``, in which case an
    error takes its input's place in the list. After an error no new call starts.
    """
    results: list[Any] = [None] * n
    errors: dict[int, BaseException] = {}
    work = _Work(n)

    def worker() -> None:
        while (index := work.claim()) is not None:
            try:
                results[index] = call(index)
            except BaseException as error:  # handed to the caller below
                errors[index] = error
                work.release(stop=not return_exceptions or not isinstance(error, Exception))
                continue
            work.release()

    _start_helpers(worker, min(max_workers, n) - 1)
    worker()
    work.wait_idle()
    if errors:
        first = min(errors)
        if not return_exceptions or not isinstance(errors[first], Exception):
            raise errors[first]
        for index, error in errors.items():
            results[index] = error
    return results


def run_as_completed(
    n: int, call: Callable[[int], Any], max_workers: int, return_exceptions: bool
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, call(index))`` as calls finish, at most ``max_workers`` at once."""
    done: queue.SimpleQueue[tuple[int, Any, bool]] = queue.SimpleQueue()
    work = _Work(n)

    def run_one(index: int) -> None:
        try:
            result, ok = call(index), True
        except BaseException as error:  # handed to the consumer
            result, ok = error, False
        work.release(stop=not ok and not return_exceptions)
        done.put((index, result, ok))

    def worker() -> None:
        while (index := work.claim()) is not None:
            run_one(index)

    _start_helpers(worker, min(max_workers, n) - 1)
    received = 0
    try:
        while received < n:
            try:
                item = done.get_nowait()
            except queue.Empty:
                index = work.claim()
                if index is not None:
                    run_one(index)  # nothing finished yet: the caller does a call itself
                    continue
                if work.stopped:
                    work.wait_idle()
                    if done.empty():
                        return
                item = done.get()
            received += 1
            index, result, ok = item
            if not ok and (not return_exceptions or not isinstance(result, Exception)):
                raise result
            yield index, result
    finally:
        work.stop()
