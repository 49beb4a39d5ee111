"""Retry policy: exponential backoff with jitter that honours the server's hints."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from linguafranca.errors import (
    APIConnectionError,
    ConfigurationError,
    LinguaFrancaError,
    ProviderError,
    RateLimitError,
)

__all__ = [
    "DEFAULT_RETRY",
    "NO_RETRY",
    "RetryPolicy",
    "parse_duration",
    "rate_limit_reset",
    "retry_after",
]

# HTTP statuses worth another try: timeout, conflict (lock contention), rate limit, 5xx.
RETRY_STATUSES = frozenset({408, 409, 429})
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
# Reset headers, checked only on a 429: (reset header, its "remaining" header).
_RESET_HEADERS = (
    ("x-ratelimit-reset-requests", "x-ratelimit-remaining-requests"),
    ("x-ratelimit-reset-tokens", "x-ratelimit-remaining-tokens"),
    ("anthropic-ratelimit-requests-reset", "anthropic-ratelimit-requests-remaining"),
    ("anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-tokens-remaining"),
    ("anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-input-tokens-remaining"),
    ("anthropic-ratelimit-output-tokens-reset", "anthropic-ratelimit-output-tokens-remaining"),
    ("x-ratelimit-reset", "x-ratelimit-remaining"),
)


def parse_duration(text: str) -> float | None:
    """Seconds in a Go-style duration (``"1s"``, ``"6m0s"``, ``"20ms"``, ``"1h2m3.5s"``).

    A bare number is taken as seconds. Returns ``None`` for anything else.
    """
    text = text.strip()
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    total, position = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return total if position == len(text) and position else None


def _seconds_until(value: str, now: float) -> float | None:
    """Seconds from ``now`` until an HTTP date or an RFC 3339 timestamp."""
    value = value.strip()
    moment: datetime | None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        iso = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        # Python 3.10's fromisoformat takes at most 6 fractional digits.
        iso = re.sub(r"(\.\d{6})\d+", r"\1", iso)
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(moment.timestamp() - now, 0.0)


def _lower(headers: Mapping[str, str]) -> Mapping[str, str]:
    # httpx.Headers is already case-insensitive; plain dicts from callers may not be.
    if type(headers) is dict:
        return {k.lower(): v for k, v in headers.items()}
    return headers


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    headers = _lower(headers)
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(float(value) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return _seconds_until(value, time.time() if now is None else now)


def _reset_seconds(value: str, now: float) -> float | None:
    seconds = parse_duration(value)
    if seconds is None:
        return _seconds_until(value, now)
    if seconds > 1e11:  # epoch milliseconds (OpenRouter's x-ratelimit-reset)
        return max(seconds / 1000.0 - now, 0.0)
    if seconds > 1e9:  # epoch seconds
        return max(seconds - now, 0.0)
    return seconds


def rate_limit_reset(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds until the exhausted rate limit resets, from the providers' reset headers.

    Reads ``x-ratelimit-reset-requests`` / ``-tokens`` (OpenAI durations such as
    ``"6m0s"``), ``anthropic-ratelimit-*-reset`` (RFC 3339 times) and
    ``x-ratelimit-reset`` (epoch or seconds). When a ``*-remaining`` header says which
    limit is at 0, only that one counts; otherwise the longest reset does.
    """
    headers = _lower(headers)
    now = time.time() if now is None else now
    exhausted: list[float] = []
    others: list[float] = []
    for reset_name, remaining_name in _RESET_HEADERS:
        value = headers.get(reset_name)
        if value is None:
            continue
        seconds = _reset_seconds(value, now)
        if seconds is None:
            continue
        remaining = headers.get(remaining_name, "").strip()
        (exhausted if remaining == "0" else others).append(seconds)
    if exhausted:
        return max(exhausted)
    return max(others) if others else None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a failed request.

    Retries connection errors, timeouts, 408, 409, 429 and 5xx (529 included), at most
    ``max_retries`` times. The wait doubles from ``initial_delay`` up to ``max_delay``,
    minus up to ``jitter`` (a fraction) at random, unless the server said how long to
    wait (``retry-after-ms``, ``retry-after``, rate-limit reset headers): then that,
    capped at ``max_retry_after``. A streamed request is never retried once its first
    event reached the caller.

    Example:
        ```python
        policy = RetryPolicy(max_retries=5, initial_delay=1.0)
        data, headers = post_json(client, "/chat/completions", body, retry=policy)
        ```

    Attributes:
        max_retries: Retries after the first attempt (0 disables retrying).
        initial_delay: First backoff, in seconds.
        max_delay: Longest computed backoff, in seconds.
        jitter: Fraction of the backoff removed at random (0 to 1), so that many
            clients do not retry in lockstep.
        max_retry_after: Longest wait accepted from a server hint, in seconds.
        sleep: The blocking sleep (injectable for tests).
        async_sleep: The async sleep (injectable for tests).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    sleep: Callable[[float], object] = time.sleep
    async_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ConfigurationError(f"max_retries must be an int >= 0, got {self.max_retries!r}.")
        if self.max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {self.max_retries}.")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{name} must be >= 0 seconds, got {getattr(self, name)}.")
        if not 0.0 <= self.jitter <= 1.0:
            raise ConfigurationError(f"jitter must be between 0 and 1, got {self.jitter}.")

    def backoff(self, attempt: int) -> float:
        """The computed wait before retry number ``attempt + 1`` (0-based), with jitter."""
        delay = min(self.initial_delay * (2.0**attempt), self.max_delay)
        return delay * (1.0 - self.jitter * random.random())

    def delay(
        self,
        attempt: int,
        error: LinguaFrancaError,
        headers: Mapping[str, str] | None = None,
        *,
        now: float | None = None,
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or ``None`` not to retry.

        Args:
            attempt: How many retries were already made (0 after the first failure).
            error: The error the attempt ended with.
            headers: The error response's headers, when there was a response.
            now: Current time (``time.time()``), for tests.
        """
        if attempt >= self.max_retries or not should_retry(error, headers):
            return None
        hint = getattr(error, "retry_after", None)
        if hint is None and headers is not None:
            hint = retry_after(headers, now=now)
            if hint is None and getattr(error, "status_code", None) == 429:
                hint = rate_limit_reset(headers, now=now)
        if hint is not None:
            return min(float(hint), self.max_retry_after)
        return self.backoff(attempt)


def should_retry(error: LinguaFrancaError, headers: Mapping[str, str] | None = None) -> bool:
    """Whether ``error`` is worth another attempt (ignoring the retry budget)."""
    if not isinstance(error, ProviderError):
        return False  # configuration errors: the same request would fail again
    if headers is not None:
        # OpenAI and Anthropic say explicitly whether a retry can succeed.
        verdict = _lower(headers).get("x-should-retry")
        if verdict == "true":
            return True
        if verdict == "false":
            return False
    if isinstance(error, APIConnectionError):
        return True
    if isinstance(error, RateLimitError) and error.code == "insufficient_quota":
        return False  # out of credit: waiting will not help
    status = error.status_code
    return status is not None and (status in RETRY_STATUSES or status >= 500)


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(max_retries=0)
