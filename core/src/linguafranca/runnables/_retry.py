"""RunnableRetry: call again on listed errors, with exponential backoff and jitter."""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig, patch_config
from linguafranca.runnables._run import acall_with_config, call_with_config

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)

_JITTER_DEFAULTS = {"initial": 1.0, "max": 60.0, "exp_base": 2.0, "jitter": 1.0}


@dataclass(frozen=True)
class RetryState:
    """What ``on_retry`` handlers receive: the attempt that failed and its error."""

    attempt_number: int
    error: BaseException
    wait: float


class RunnableRetry(Runnable[In, Out], Generic[In, Out]):
    """Calls ``bound`` up to ``max_attempt_number`` times while it raises a retryable error.

    The wait before attempt ``n + 1`` is ``initial * exp_base ** (n - 1)`` plus a random
    jitter in ``[0, jitter)``, capped at ``max`` (no wait when
    ``wait_exponential_jitter`` is false). ``sleep``, ``asleep`` and ``random`` are
    injectable so tests need not wait.

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
        self.name: str | None = None
        self.retry_exception_types = retry_exception_types
        self.wait_exponential_jitter = wait_exponential_jitter
        self.exponential_jitter_params = dict(exponential_jitter_params or {})
        self.max_attempt_number = max_attempt_number
        self.sleep = sleep
        self.asleep = asleep
        self.random = random

    def __repr__(self) -> str:
        return f"RunnableRetry(bound={self.bound!r}, max_attempt_number={self.max_attempt_number})"

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
