"""Failures, injected by the emulator: retries, typed errors, broken streams, timeouts, leaks."""

from __future__ import annotations

import builtins
import time
from typing import Any

import pytest

from linguafranca import errors
from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessageChunk
from linguafranca_tests._checks import check_answer, check_stream
from linguafranca_tests._sockets import connections_to, open_sockets, proc_available, wait_until
from linguafranca_tests._suite import emulator_only
from linguafranca_tests._target import Target, emulator_class
from linguafranca_tests.integration_tests._base import IntegrationBase, run

__all__ = ["FailureTests"]

LONG_PROMPT = "Repeat: " + " ".join(f"word{i}" for i in range(40))
PROBE_MESSAGE = "linguafranca-probe: the 'frobnicate' parameter is not supported."
_BROKEN_STREAM = (errors.StreamError, errors.APIConnectionError)
_CALLS = 1000
_SOCKET_SLACK = 4  # a pool may legitimately keep a few connections open


def _partial_stream(model: BaseChatModel, prompt: str) -> tuple[list[AIMessageChunk], Exception]:
    received: list[AIMessageChunk] = []
    with pytest.raises(errors.LinguaFrancaError) as info:
        for chunk in model.stream(prompt):
            received.append(chunk)
    return received, info.value


class FailureTests(IntegrationBase):
    """What a model does when the provider fails (emulator mode only)."""

    def fault_model(self, target: Target, **overrides: Any) -> BaseChatModel:
        """A model with a short timeout for fault tests (``overrides`` on top)."""
        return self.build_model(target, **{"timeout": 10.0, "max_retries": 2, **overrides})

    @emulator_only
    def test_rate_limit_retried(self, target: Target) -> None:
        """A 429 with ``Retry-After`` is retried, and the retry succeeds."""
        assert target.emulator is not None
        target.emulator.fail_next(429, headers={"retry-after": "0"})
        check_answer(self.fault_model(target).invoke("Hello"))
        assert len(target.model_requests()) == 2

    @emulator_only
    def test_server_error_retried(self, target: Target) -> None:
        """A 500 is retried, and the retry succeeds."""
        assert target.emulator is not None
        target.emulator.fail_next(500, headers={"retry-after": "0"})
        check_answer(self.fault_model(target).invoke("Hello"))
        assert len(target.model_requests()) == 2

    @emulator_only
    def test_retries_exhausted(self, target: Target) -> None:
        """After ``max_retries`` retries a 429 raises ``RateLimitError`` with ``retry_after``."""
        assert target.emulator is not None
        target.emulator.fail_next(429, headers={"retry-after": "0"}, times=3)
        with pytest.raises(errors.RateLimitError) as info:
            self.fault_model(target, max_retries=2).invoke("Hello")
        assert info.value.status_code == 429
        assert info.value.retry_after == 0
        assert len(target.model_requests()) == 3

    @emulator_only
    def test_authentication_error_not_retried(self, target: Target) -> None:
        """A 401 raises ``AuthenticationError`` at once: one request, no retry."""
        assert target.emulator is not None
        target.emulator.fail_next(401, times=3)
        with pytest.raises(errors.AuthenticationError) as info:
            self.fault_model(target).invoke("Hello")
        assert info.value.status_code == 401
        assert len(target.model_requests()) == 1

    @emulator_only
    def test_bad_request_carries_provider_message(self, target: Target) -> None:
        """A 400 raises ``BadRequestError`` with the provider's own message, not retried."""
        assert target.emulator is not None
        target.emulator.fail_next(400, message=PROBE_MESSAGE, times=3)
        with pytest.raises(errors.BadRequestError) as info:
            self.fault_model(target).invoke("Hello")
        assert info.value.status_code == 400
        assert PROBE_MESSAGE in info.value.message
        assert PROBE_MESSAGE in str(info.value)
        assert len(target.model_requests()) == 1

    @emulator_only
    def test_stream_connection_dropped(self, target: Target) -> None:
        """A stream cut mid-way raises, and no chunk before it looked like the end."""
        assert target.emulator is not None
        model = self.fault_model(target, max_retries=0)
        target.emulator.enqueue_fault(drop_after=3)
        received, error = _partial_stream(model, LONG_PROMPT)
        assert isinstance(error, _BROKEN_STREAM), f"unclear error: {error!r}"
        assert all(c.chunk_position != "last" for c in received), "a cut stream looked complete"
        target.emulator.enqueue_fault(drop_after=0)
        with pytest.raises(errors.APIConnectionError):
            model.invoke("Hello")

    @emulator_only
    def test_stream_malformed_event(self, target: Target) -> None:
        """An event that is not valid JSON raises a linguafranca error, never a parse error."""
        assert target.emulator is not None
        target.emulator.enqueue_fault(malformed_at=2)
        received, error = _partial_stream(self.fault_model(target, max_retries=0), LONG_PROMPT)
        assert isinstance(error, errors.ProviderError), f"unclear error: {error!r}"
        assert all(c.chunk_position != "last" for c in received), "a broken stream looked complete"

    @emulator_only
    def test_timeout(self, target: Target) -> None:
        """A slow server raises ``TimeoutError`` (also the builtin) after about ``timeout``."""
        assert target.emulator is not None
        model = self.fault_model(target, timeout=0.5, max_retries=0)
        for call in ("invoke", "stream"):
            target.emulator.enqueue_fault(delay=3.0)
            start = time.monotonic()
            with pytest.raises(errors.TimeoutError) as info:
                if call == "invoke":
                    model.invoke("Hello")
                else:
                    list(model.stream("Hello"))
            elapsed = time.monotonic() - start
            assert isinstance(info.value, builtins.TimeoutError)
            assert 0.4 <= elapsed < 2.5, f"{call} timed out after {elapsed:.2f}s, not ~0.5s"

    @emulator_only
    def test_stream_close_releases_connection(self, target: Target) -> None:
        """Closing a stream early closes its HTTP response at once (the server sees it go)."""
        if not proc_available():
            pytest.skip("linguafranca: needs Linux /proc to watch connections")
        assert self.emulator is not None
        fresh = emulator_class(self.emulator, self.owner)(**self.emulator_options)
        with fresh:
            params = {**target.params, **self.chat_model_params_for(fresh.base_url)}
            model = self.model_class(**params)
            fresh.enqueue_fault(chunk_delay=0.1)  # the whole answer would take ~5 s
            stream = model.stream(LONG_PROMPT)
            next(stream)
            next(stream)
            assert connections_to(fresh.port) >= 1, "no connection seen during the stream"
            start = time.monotonic()
            stream.close()  # type: ignore[attr-defined]
            assert time.monotonic() - start < 1.0, "closing the stream waited for its end"
            assert wait_until(lambda: connections_to(fresh.port) == 0, 2.0), (
                "the connection stayed open after the stream was closed"
            )

    @emulator_only
    def test_no_socket_leak(self, model: BaseChatModel) -> None:
        """1,000 calls (and 50 streams) leave the process's socket count flat."""
        if not proc_available():
            pytest.skip("linguafranca: needs Linux /proc to count sockets")
        check_answer(model.invoke("Hello"))
        check_stream(self.collect(model, "Hello"))
        before = open_sockets()
        for _ in range(_CALLS):
            model.invoke("Hi")
        for _ in range(50):
            for _chunk in model.stream("Hi"):
                pass
        after = open_sockets()
        assert after - before <= _SOCKET_SLACK, f"sockets grew from {before} to {after}"

    def test_ainvoke_in_fresh_event_loops(self, model: BaseChatModel, target: Target) -> None:
        """One model serves ``asyncio.run`` after ``asyncio.run`` without leaking sockets."""
        check_answer(run(model.ainvoke("Hello")))
        before = open_sockets() if proc_available() else 0
        for _ in range(10):
            check_answer(run(model.ainvoke("Hello")))
        if target.emulator is not None and proc_available():
            after = open_sockets()
            assert after - before <= _SOCKET_SLACK, f"sockets grew from {before} to {after}"
