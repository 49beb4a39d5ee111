"""Rate limiters that chat models acquire once per request.

A rate limiter limits how many requests are made per unit of time; it knows nothing about the
size of a request. Chat models accept one through their ``rate_limiter`` argument and call
``acquire`` (or ``aacquire``) once per model call, never per token.
"""

from __future__ import annotations

import abc
import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable

__all__ = ["BaseRateLimiter", "InMemoryRateLimiter"]


class BaseRateLimiter(abc.ABC):
    """Interface of a rate limiter: acquire permission before each request."""

    @abc.abstractmethod
    def acquire(self, *, blocking: bool = True) -> bool:
        """Acquire permission to make one request.

        Args:
            blocking: Wait until permission is granted when True; make a single attempt when
                False.

        Returns:
            True when permission was granted, False otherwise (only when ``blocking=False``).
        """

    @abc.abstractmethod
    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Acquire permission to make one request without blocking the event loop.

        Args:
            blocking: Wait until permission is granted when True; make a single attempt when
                False.

        Returns:
            True when permission was granted, False otherwise (only when ``blocking=False``).
        """


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


class InMemoryRateLimiter(BaseRateLimiter):
    """A thread-safe token bucket shared by the threads and tasks of one process.

    The bucket starts empty (so the first request waits ``1 / requests_per_second``, which
    prevents a burst at start-up), fills at ``requests_per_second`` tokens per second and holds
    at most ``max_bucket_size`` tokens. Each request takes one token.

    Example:
        ```python
        from linguafranca.rate_limiters import InMemoryRateLimiter

        limiter = InMemoryRateLimiter(requests_per_second=0.1, max_bucket_size=10)
        model = init_chat_model("openai:gpt-4.1", rate_limiter=limiter)
        ```

    Args:
        requests_per_second: Tokens added to the bucket per second.
        check_every_n_seconds: Longest sleep between two attempts while waiting for a token.
        max_bucket_size: Largest number of tokens the bucket holds (the largest burst); at
            least 1.
        clock: Monotonic clock in seconds (a seam for tests).
        sleep: Blocking sleep used by ``acquire`` (a seam for tests).
        async_sleep: Sleep awaited by ``aacquire`` (a seam for tests).
    """

    def __init__(
        self,
        *,
        requests_per_second: float = 1,
        check_every_n_seconds: float = 0.1,
        max_bucket_size: float = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.requests_per_second = _check_positive("requests_per_second", requests_per_second)
        self.check_every_n_seconds = _check_positive("check_every_n_seconds", check_every_n_seconds)
        self.max_bucket_size = _check_positive("max_bucket_size", max_bucket_size)
        if self.max_bucket_size < 1:
            raise ValueError(
                f"max_bucket_size must be at least 1 (a request takes one token), "
                f"got {max_bucket_size!r}"
            )
        self.available_tokens = 0.0
        # Set on the first attempt rather than here, so that a limiter built long before it
        # is used still starts empty.
        self.last: float | None = None
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(requests_per_second={self.requests_per_second!r}, "
            f"check_every_n_seconds={self.check_every_n_seconds!r}, "
            f"max_bucket_size={self.max_bucket_size!r})"
        )

    def _try_consume(self) -> float:
        """Take a token if one is available.

        Returns:
            0.0 when a token was taken, otherwise the seconds to wait before trying again.
        """
        with self._lock:
            now = self._clock()
            if self.last is not None:
                elapsed = max(now - self.last, 0.0)
                self.available_tokens = min(
                    self.available_tokens + elapsed * self.requests_per_second,
                    self.max_bucket_size,
                )
            self.last = now
            if self.available_tokens >= 1:
                self.available_tokens -= 1
                return 0.0
            missing = 1 - self.available_tokens
        # Sleep until the next token is due, but never longer than the polling interval.
        return min(missing / self.requests_per_second, self.check_every_n_seconds)

    def acquire(self, *, blocking: bool = True) -> bool:
        """Take one token, waiting for it when ``blocking`` is True.

        Args:
            blocking: Wait until a token is available when True; make a single attempt when
                False.

        Returns:
            True when a token was taken, False when ``blocking=False`` and none was available.
        """
        wait = self._try_consume()
        if not blocking:
            return wait == 0.0
        while wait:
            self._sleep(wait)
            wait = self._try_consume()
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Take one token, awaiting it when ``blocking`` is True (never blocks the loop).

        Args:
            blocking: Wait until a token is available when True; make a single attempt when
                False.

        Returns:
            True when a token was taken, False when ``blocking=False`` and none was available.
        """
        wait = self._try_consume()
        if not blocking:
            return wait == 0.0
        while wait:
            await self._async_sleep(wait)
            wait = self._try_consume()
        return True
