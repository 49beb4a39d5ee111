"""httpx transports that keep every connection alive, cheaply.

httpcore 1.x rescans its whole pool for every request it queues and every connection
it releases, and the scan is quadratic in the number of idle connections
(encode/httpcore#1035): with 100 idle keep-alive connections one core spends most of
its time scanning. Keeping only 20 alive avoids the scans, but then most requests under
load open a new connection (a new TLS handshake in real life). Even without the scans,
httpcore's layers (anyio, h11) cost more CPU than the rest of a chat call.

Direct connections therefore use linguafranca's own HTTP/1.1 connections (``_sync`` for
threads, ``_aio`` for asyncio; parsing in ``_h1``): idle connections on a stack per
origin, the most recently used (warmest) reused first, so that a light load keeps using
the same one; when all are busy, requests wait for the next one to free up, as in a
single pool (no request is stuck behind one slow response). Through a proxy (HTTP
CONNECT, SOCKS), each connection is a one-connection httpcore pool (a "slot"), so each
of httpcore's scans looks at a single connection.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Generic, TypeVar

import httpx

from linguafranca.http._aio import AsyncConnectionPool
from linguafranca.http._sync import ConnectionPool

__all__ = ["AsyncPoolTransport", "PoolTransport"]

T = TypeVar("T", httpx.HTTPTransport, httpx.AsyncHTTPTransport)


def _slot_limits(keepalive_expiry: float | None) -> httpx.Limits:
    return httpx.Limits(
        max_connections=1, max_keepalive_connections=1, keepalive_expiry=keepalive_expiry
    )


def _pool_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    value = timeout.get("pool") if isinstance(timeout, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def _ssl_factory(
    verify: ssl.SSLContext | str | bool, trust_env: bool
) -> Callable[[], ssl.SSLContext]:
    # One SSL context for all slots (loading the CA bundle costs milliseconds), made lazily.
    cache: list[ssl.SSLContext] = []

    def get() -> ssl.SSLContext:
        if not cache:
            if isinstance(verify, ssl.SSLContext):
                cache.append(verify)
            else:
                context = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
                context.set_alpn_protocols(["http/1.1"])  # what httpcore offers for HTTP/1.1
                cache.append(context)
        return cache[0]

    return get


class _Slots(Generic[T]):
    """Bookkeeping shared by the sync and async transports (callers hold any lock)."""

    __slots__ = ("all", "free", "make", "max_slots")

    make: Callable[[], T]
    all: list[T]
    free: list[T]  # a stack: the warmest connection on top

    def __init__(self, max_connections: int | None, make: Callable[[], T]) -> None:
        self.max_slots = max_connections
        self.make = make
        self.all = []
        self.free = []

    def take(self) -> T | None:
        """A free slot (or a new one while under the limit); ``None`` if all are busy."""
        if self.free:
            return self.free.pop()
        if self.max_slots is None or len(self.all) < self.max_slots:
            slot = self.make()
            self.all.append(slot)
            return slot
        return None


class _ReleasingStream(httpx.SyncByteStream):
    """A response body that frees its slot when closed."""

    __slots__ = ("_release", "_released", "_stream")

    def __init__(self, stream: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release
        self._released = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            if not self._released:
                self._released = True
                self._release()


class _AsyncReleasingStream(httpx.AsyncByteStream):
    """An async response body that frees its slot when closed."""

    __slots__ = ("_release", "_released", "_stream")

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if not self._released:
                self._released = True
                self._release()


class _ProxySlots:
    """Through a proxy: up to ``max_connections`` httpcore pools of one connection each."""

    def __init__(
        self, max_connections: int | None, make: Callable[[], httpx.HTTPTransport]
    ) -> None:
        self._slots: _Slots[httpx.HTTPTransport] = _Slots(max_connections, make)
        self._ready = threading.Condition(threading.Lock())

    def _take(self, request: httpx.Request) -> httpx.HTTPTransport:
        with self._ready:
            slot = self._slots.take()
            if slot is not None:
                return slot
            timeout = _pool_timeout(request)
            deadline = None if timeout is None else time.monotonic() + timeout
            while slot is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise httpx.PoolTimeout("No free connection in the pool.", request=request)
                self._ready.wait(remaining)
                slot = self._slots.take()
            return slot

    def _give_back(self, slot: httpx.HTTPTransport) -> None:
        with self._ready:
            self._slots.free.append(slot)
            self._ready.notify()

    def handle(self, request: httpx.Request) -> httpx.Response:
        slot = self._take(request)
        try:
            response = slot.handle_request(request)
        except BaseException:
            self._give_back(slot)
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _ReleasingStream(response.stream, lambda: self._give_back(slot))
        return response

    def close(self) -> None:
        with self._ready:
            slots, self._slots.all, self._slots.free = self._slots.all, [], []
        for slot in slots:
            slot.close()


class PoolTransport(httpx.BaseTransport):
    """Sync transport: up to ``max_connections`` kept-alive HTTP/1.1 connections.

    Thread-safe. Direct connections use linguafranca's own lean HTTP/1.1 connections
    (``_sync``); through a proxy, each connection is a one-connection httpcore pool.

    Example:
        ```python
        client = httpx.Client(transport=PoolTransport(max_connections=100))
        ```
    """

    def __init__(
        self,
        *,
        max_connections: int | None = 100,
        keepalive_expiry: float | None = 5.0,
        verify: ssl.SSLContext | str | bool = True,
        trust_env: bool = True,
        proxy: httpx.Proxy | str | None = None,
    ) -> None:
        context = _ssl_factory(verify, trust_env)
        self._pool: ConnectionPool | None = None
        self._proxied: _ProxySlots | None = None
        if proxy is None:
            self._pool = ConnectionPool(max_connections, keepalive_expiry, context)
        else:
            limits = _slot_limits(keepalive_expiry)

            def make() -> httpx.HTTPTransport:
                return httpx.HTTPTransport(
                    verify=context(), trust_env=trust_env, limits=limits, proxy=proxy
                )

            self._proxied = _ProxySlots(max_connections, make)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._pool is not None:
            return self._pool.handle(request)
        assert self._proxied is not None
        return self._proxied.handle(request)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._proxied is not None:
            self._proxied.close()


class _AsyncProxySlots:
    """Through a proxy: up to ``max_connections`` httpcore pools of one connection each."""

    def __init__(
        self,
        max_connections: int | None,
        make: Callable[[], httpx.AsyncHTTPTransport],
    ) -> None:
        self._slots: _Slots[httpx.AsyncHTTPTransport] = _Slots(max_connections, make)
        self._waiters: deque[asyncio.Future[httpx.AsyncHTTPTransport]] = deque()

    async def _wait(self, request: httpx.Request) -> httpx.AsyncHTTPTransport:
        waiter: asyncio.Future[httpx.AsyncHTTPTransport] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, _pool_timeout(request))
        except asyncio.TimeoutError:
            raise httpx.PoolTimeout("No free connection in the pool.", request=request) from None
        except BaseException:
            # Cancelled after a slot was handed over: pass it on rather than lose it.
            if waiter.done() and not waiter.cancelled():
                self._give_back(waiter.result())
            raise

    def _give_back(self, slot: httpx.AsyncHTTPTransport) -> None:
        # One event loop thread: no lock. A waiter gets the slot directly (FIFO).
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(slot)
                return
        self._slots.free.append(slot)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        slot = self._slots.take()
        if slot is None:
            slot = await self._wait(request)
        try:
            response = await slot.handle_async_request(request)
        except BaseException:
            self._give_back(slot)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncReleasingStream(response.stream, lambda: self._give_back(slot))
        return response

    async def aclose(self) -> None:
        slots, self._slots.all, self._slots.free = self._slots.all, [], []
        for slot in slots:
            await slot.aclose()


class AsyncPoolTransport(httpx.AsyncBaseTransport):
    """Async transport: up to ``max_connections`` kept-alive HTTP/1.1 connections.

    Runs on asyncio (as the rest of linguafranca's async API). Direct connections use
    linguafranca's own lean HTTP/1.1 connections (``_aio``); through a proxy, each
    connection is a one-connection httpcore pool.

    Example:
        ```python
        client = httpx.AsyncClient(transport=AsyncPoolTransport(max_connections=100))
        ```
    """

    def __init__(
        self,
        *,
        max_connections: int | None = 100,
        keepalive_expiry: float | None = 5.0,
        verify: ssl.SSLContext | str | bool = True,
        trust_env: bool = True,
        proxy: httpx.Proxy | str | None = None,
    ) -> None:
        context = _ssl_factory(verify, trust_env)
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._context = context
        # Connections belong to one event loop: each loop gets its own pool.
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncConnectionPool] = (
            weakref.WeakKeyDictionary()
        )
        self._pool: AsyncConnectionPool | None = None  # the last used (the common case)
        self._proxied: _AsyncProxySlots | None = None
        if proxy is not None:
            limits = _slot_limits(keepalive_expiry)

            def make() -> httpx.AsyncHTTPTransport:
                return httpx.AsyncHTTPTransport(
                    verify=context(), trust_env=trust_env, limits=limits, proxy=proxy
                )

            self._proxied = _AsyncProxySlots(max_connections, make)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._proxied is not None:
            return await self._proxied.handle(request)
        pool = self._pool
        loop = asyncio.get_running_loop()
        if pool is None or pool.loop is not loop:
            pool = self._pools.get(loop)
            if pool is None:
                pool = self._pools[loop] = AsyncConnectionPool(
                    loop, self._max_connections, self._keepalive_expiry, self._context
                )
            self._pool = pool
        return await pool.handle(request)

    async def aclose(self) -> None:
        """Close the connections of the running event loop (those of closed loops are gone)."""
        if self._proxied is not None:
            await self._proxied.aclose()
        loop = asyncio.get_running_loop()
        pool = self._pools.pop(loop, None)
        if self._pool is not None and self._pool.loop is loop:
            self._pool = None
        for other in [other for other in self._pools if other.is_closed()]:
            del self._pools[other]
        if pool is not None:
            await pool.aclose()
