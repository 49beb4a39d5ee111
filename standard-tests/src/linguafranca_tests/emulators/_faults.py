"""Faults injected on demand, one request at a time."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "Fault", "FaultQueue"]


@dataclass(frozen=True)
class Fault:
    """What goes wrong with one request.

    Attributes:
        status: Answer with this HTTP error status instead of the model's reply.
        body: The error body; ``None`` uses the provider's real error shape for ``status``.
        message: The message inside the provider's error body (when ``body`` is ``None``).
        headers: Extra response headers, e.g. ``{"retry-after": "0"}``.
        delay: Seconds to wait before answering (for client timeouts).
        chunk_delay: Seconds to wait before every streamed event (slow streams).
        drop_after: Close the connection after this many stream events, without ending the
            stream (0: close before answering at all).
        malformed_at: Replace stream event number ``malformed_at`` (0-based) by an event whose
            data is not valid JSON.
        path: Only requests whose path contains this string consume the fault.
    """

    status: int | None = None
    body: Any = None
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    malformed_at: int | None = None
    path: str | None = None


class ApiError(Exception):
    """An error answer in the provider's own shape, raised while handling a request.

    Args:
        status: The HTTP status.
        message: The human-readable message.
        kind: The provider's error type (e.g. ``invalid_request_error``); the provider picks a
            default for the status when ``None``.
        param: The offending parameter (OpenAI's ``param``).
        code: The provider's error code (OpenAI's ``code``).
        headers: Extra response headers.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.code = code
        self.headers = dict(headers or {})


class FaultQueue:
    """A thread-safe queue of faults consumed in order (the test thread fills it)."""

    def __init__(self) -> None:
        self._items: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` matching requests."""
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        with self._lock:
            self._items.extend([fault] * times)

    def take(self, path: str) -> Fault | None:
        """Remove and return the first fault that applies to ``path``."""
        if not self._items:  # fast path, no lock: the common case in load tests
            return None
        with self._lock:
            for i, fault in enumerate(self._items):
                if fault.path is None or fault.path in path:
                    return self._items.pop(i)
        return None

    def clear(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
