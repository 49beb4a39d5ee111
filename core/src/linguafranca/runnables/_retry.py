"""RunnableRetry: call again on listed errors, with exponential backoff and jitter."""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import (
    RunnableConfig,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    merged_config,
    patch_config,
)
from linguafranca.runnables._run import acall_with_config, call_with_config

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)
T = TypeVar("T")

_JITTER_DEFAULTS = {"initial": 1.0, "max": 60.0, "exp_base": 2.0, "jitter": 1.0}


@dataclass(frozen=True)
class RetryState:
    """What ``on_retry`` handlers receive: the attempt that failed and its error."""

    attempt_number: int
    error: BaseException
    wait: float


class _Replay(Generic[T]):
    """Input chunks read by a streaming attempt, kept so that a retry reads them again.

    Kept only until the first output chunk: from then on no attempt is retried. An
    error raised by the input itself (an upstream step) is noted: it is not retried.
    """

    __slots__ = ("seen", "failed")

    def __init__(self) -> None:
        self.seen: list[T] | None = []
        self.failed = False

    def stop(self) -> None:
        self.seen = None

    def replay(self, source: Iterator[T]) -> Iterator[T]:
        yield from list(self.seen or ())
        # ``next`` by hand, not ``yield from``: closing a failed attempt must not close
        # the shared source, and only the source's own errors count as its failures.
        while True:
            try:
                item = next(source)
            except StopIteration:
                return
            except BaseException:
                self.failed = True
                raise
            if self.seen is not None:
                self.seen.append(item)
            yield item

    async def areplay(self, source: AsyncIterator[T]) -> AsyncIterator[T]:
        for item in list(self.seen or ()):
            yield item
        while True:
            try:
                item = await source.__anext__()
            except StopAsyncIteration:
                return
            except BaseException:
                self.failed = True
                raise
            if self.seen is not None:
                self.seen.append(item)
            yield item


class RunnableRetry(Runnable[In, Out], Generic[In, Out]):
    """Calls ``bound`` up to ``max_attempt_number`` times while it raises a retryable error.

    The wait before attempt ``n + 1`` is ``initial * exp_base ** (n - 1)`` plus a random
    jitter in ``[0, jitter)``, capped at ``max`` (no wait when
    ``wait_exponential_jitter`` is false). ``sleep``, ``asleep`` and ``random`` are
    injectable so tests need not wait.

    Streaming (``stream``, ``astream``, ``transform``, ``atransform``) yields the bound
    runnable's own chunks and, as in LangChain, adds no run of its own. LangChain never
    retries a stream; here an attempt is retried while it has yielded nothing yet (say,
    a connection refused or a rate limit before the first token). Once a chunk has been
    yielded a failure propagates, so no chunk is ever repeated. ``transform`` keeps the
    input chunks read before the first output and feeds them to the next attempt; an
    error raised by the input itself is not retried. ``on_retry`` is not reported for
    streams (the retry has no run to report it on); retried runs still carry
    ``retry:attempt:N`` tags. The retry is named after ``bound`` unless given a ``name``.

    Example:
        ```python
        flaky.with_retry(retry_if_exception_type=(RateLimitError,), stop_after_attempt=5)
        ```
    """

    def __init__(
        self,
        *,
        bound: Runnable[In, Out],
        retry_exception_types: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: Mapping[str, float] | None = None,
        max_attempt_number: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        name: str | None = None,
    ) -> None:
        if max_attempt_number < 1:
            raise ValueError(f"stop_after_attempt must be at least 1, got {max_attempt_number}.")
        unknown = set(exponential_jitter_params or {}) - set(_JITTER_DEFAULTS)
        if unknown:
            raise ValueError(
                f"Unknown exponential_jitter_params {sorted(unknown)}; "
                f"expected some of {sorted(_JITTER_DEFAULTS)}."
            )
        self.bound = bound
        self.name = name
        self.retry_exception_types = retry_exception_types
        self.wait_exponential_jitter = wait_exponential_jitter
        self.exponential_jitter_params = dict(exponential_jitter_params or {})
        self.max_attempt_number = max_attempt_number
        self.sleep = sleep
        self.asleep = asleep
        self.random = random

    def __repr__(self) -> str:
        return f"RunnableRetry(bound={self.bound!r}, max_attempt_number={self.max_attempt_number})"

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.bound.get_name(suffix, name=name or self.name)

    def wait_before(self, attempt_number: int) -> float:
        """Seconds to wait after failed attempt ``attempt_number`` (1-based)."""
        if not self.wait_exponential_jitter:
            return 0.0
        params = {**_JITTER_DEFAULTS, **self.exponential_jitter_params}
        base = params["initial"] * params["exp_base"] ** (attempt_number - 1)
        return max(0.0, min(base + self.random() * params["jitter"], params["max"]))

    def _retryable(self, error: BaseException, attempt_number: int) -> bool:
        return attempt_number < self.max_attempt_number and isinstance(
            error, self.retry_exception_types
        )

    @staticmethod
    def _attempt_config(
        config: RunnableConfig,
        run: CallbackManagerForChainRun | AsyncCallbackManagerForChainRun | None,
        attempt_number: int,
    ) -> RunnableConfig | None:
        if run is None:
            return None
        tag = f"retry:attempt:{attempt_number}" if attempt_number > 1 else None
        return patch_config(config, callbacks=run.get_child(tag))

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return call_with_config(self, self._invoke, input, config, **kwargs)

    def _invoke(
        self,
        value: In,
        config: RunnableConfig,
        run: CallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Out:
        attempt_number = 1
        while True:
            try:
                return self.bound.invoke(
                    value, self._attempt_config(config, run, attempt_number), **kwargs
                )
            except BaseException as error:
                if not self._retryable(error, attempt_number):
                    raise
                wait = self.wait_before(attempt_number)
                if run is not None:
                    run.on_retry(RetryState(attempt_number, error, wait))
            if wait:
                self.sleep(wait)
            attempt_number += 1

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await acall_with_config(self, self._ainvoke, input, config, **kwargs)

    async def _ainvoke(
        self,
        value: In,
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Out:
        attempt_number = 1
        while True:
            try:
                return await self.bound.ainvoke(
                    value, self._attempt_config(config, run, attempt_number), **kwargs
                )
            except BaseException as error:
                if not self._retryable(error, attempt_number):
                    raise
                wait = self.wait_before(attempt_number)
                if run is not None:
                    await run.on_retry(RetryState(attempt_number, error, wait))
            if wait:
                await self.asleep(wait)
            attempt_number += 1

    # --- streaming: the bound runnable's chunks, retried until the first one ----------

    @staticmethod
    def _stream_config(
        config: RunnableConfig | None, attempt_number: int, is_async: bool
    ) -> RunnableConfig | None:
        # The first attempt gets the call's config untouched, as without the retry.
        if attempt_number == 1:
            return config
        merged = merged_config(config)
        tags = [f"retry:attempt:{attempt_number}"]
        manager = (
            get_async_callback_manager_for_config(merged, local_tags=tags)
            if is_async
            else get_callback_manager_for_config(merged, local_tags=tags)
        )
        if manager is None:
            return config
        # A new run: the failed attempt's run_id is not reused; its run_name is kept.
        return patch_config(merged, callbacks=manager, run_name=merged.get("run_name"))

    def _stream_retrying(
        self,
        attempt: Callable[[RunnableConfig | None], Iterator[Out]],
        config: RunnableConfig | None,
        replay: _Replay[Any] | None = None,
    ) -> Iterator[Out]:
        attempt_number = 1
        while True:
            attempt_config = self._stream_config(config, attempt_number, False)
            try:
                chunks = attempt(attempt_config)
                first = next(chunks)
                break
            except StopIteration:
                return
            except BaseException as error:
                upstream = replay is not None and replay.failed
                if upstream or not self._retryable(error, attempt_number):
                    raise
                wait = self.wait_before(attempt_number)
            if wait:
                self.sleep(wait)
            attempt_number += 1
        if replay is not None:
            replay.stop()
        try:
            yield first
            yield from chunks
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    async def _astream_retrying(
        self,
        attempt: Callable[[RunnableConfig | None], AsyncIterator[Out]],
        config: RunnableConfig | None,
        replay: _Replay[Any] | None = None,
    ) -> AsyncIterator[Out]:
        attempt_number = 1
        while True:
            attempt_config = self._stream_config(config, attempt_number, True)
            try:
                chunks = attempt(attempt_config)
                first = await chunks.__anext__()
                break
            except StopAsyncIteration:
                return
            except BaseException as error:
                upstream = replay is not None and replay.failed
                if upstream or not self._retryable(error, attempt_number):
                    raise
                wait = self.wait_before(attempt_number)
            if wait:
                await self.asleep(wait)
            attempt_number += 1
        if replay is not None:
            replay.stop()
        try:
            yield first
            async for chunk in chunks:
                yield chunk
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self._stream_retrying(
            lambda attempt_config: self.bound.stream(input, attempt_config, **kwargs), config
        )

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self._astream_retrying(
            lambda attempt_config: self.bound.astream(input, attempt_config, **kwargs), config
        )

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        replay: _Replay[In] = _Replay()
        source = iter(input)  # one iterator shared by the attempts, even for a list
        return self._stream_retrying(
            lambda attempt_config: self.bound.transform(
                replay.replay(source), attempt_config, **kwargs
            ),
            config,
            replay,
        )

    def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        replay: _Replay[In] = _Replay()
        source = aiter(input)
        return self._astream_retrying(
            lambda attempt_config: self.bound.atransform(
                replay.areplay(source), attempt_config, **kwargs
            ),
            config,
            replay,
        )
