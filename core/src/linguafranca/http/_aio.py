"""Pooled HTTP/1.1 connections on asyncio protocols, for ``AsyncPoolTransport``.

Measured on 1,000 chat requests with 100 in flight, httpx's own async transport
(httpcore on anyio, h11) spends about 0.6 ms of CPU per request, three quarters of the
whole call; these connections spend under 0.1 ms. Each connection is an
``asyncio.Protocol``: the event loop hands it the bytes it reads, a request waits on one
future per read, and timeouts are timer callbacks (no task, no cancel scope).

Pool: one stack of idle connections per origin, the most recently used on top (a light
load keeps reusing one warm connection); at most ``max_connections`` open in all; when
all are busy, requests wait in one FIFO queue and get a connection as soon as one is
released (or room to open one for another origin).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from linguafranca.http._h1 import BodyReader, Head, parse_head, request_head

__all__ = ["AsyncConnectionPool"]

Origin = tuple[bytes, bytes, int]
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_HIGH_WATER = 1 << 20  # stop reading past this many buffered bytes nobody consumed
_TIMED_OUT = False


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


def _timeouts(request: httpx.Request) -> dict[str, Any]:
    timeout = request.extensions.get("timeout")
    return timeout if isinstance(timeout, dict) else {}


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one request at a time."""

    __slots__ = (
        "buffer",
        "busy",
        "closed",
        "counted",
        "drain",
        "error",
        "head",
        "idle_since",
        "loop",
        "origin",
        "paused",
        "pool",
        "reader",
        "read_timeout",
        "request",
        "transport",
        "waiter",
        "write_paused",
    )

    def __init__(self, pool: AsyncConnectionPool, origin: Origin) -> None:
        self.pool = pool
        self.origin = origin
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bool] | None = None
        self.drain: asyncio.Future[bool] | None = None
        self.closed = False
        self.error: BaseException | None = None
        self.busy = True
        self.counted = False
        self.paused = False
        self.write_paused = False
        self.idle_since = 0.0
        self.head: Head | None = None
        self.reader: BodyReader | None = None
        self.read_timeout: float | None = None
        self.request: httpx.Request | None = None

    # --- protocol callbacks ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.busy:
            # Bytes nobody asked for (e.g. a 408 before the server hangs up): the
            # connection is out of step, never reuse it.
            self.closed = True
            self.pool.lost(self)
            return
        self.buffer += data
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(True)
        if len(self.buffer) > _HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool | None:
        self._gone(None)
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone(exc)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        drain = self.drain
        if drain is not None and not drain.done():
            drain.set_result(True)

    def _gone(self, exc: BaseException | None) -> None:
        if exc is not None and self.error is None:
            self.error = exc
        if self.closed and exc is None:
            return
        self.closed = True
        for waiter in (self.waiter, self.drain):
            if waiter is not None and not waiter.done():
                waiter.set_result(True)
        if not self.busy:
            self.pool.lost(self)

    def abort(self) -> None:
        """Close at once (the connection state is unknown or not reusable)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # --- one request ---------------------------------------------------------------------

    async def _wait(self, timeout: float | None, request: httpx.Request) -> None:
        """Wait for more bytes (or the end of the connection) at most ``timeout`` seconds."""
        waiter = self.waiter = self.loop.create_future()
        if self.paused and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        timer = None if timeout is None else self.loop.call_later(timeout, _expire, waiter)
        try:
            arrived = await waiter
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()
        if arrived is _TIMED_OUT:
            raise httpx.ReadTimeout("timed out waiting for the response", request=request)

    def _broken(self, request: httpx.Request, started: bool) -> httpx.HTTPError:
        if self.error is not None:
            return httpx.ReadError(str(self.error) or type(self.error).__name__, request=request)
        if started:
            return httpx.RemoteProtocolError(
                "Server disconnected while sending the response head.", request=request
            )
        return httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )

    async def _write(self, data: bytes, timeouts: dict[str, Any], request: httpx.Request) -> None:
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            raise httpx.WriteError("the connection is closed", request=request)
        transport.write(data)
        if self.write_paused:
            drain = self.drain = self.loop.create_future()
            timeout = timeouts.get("write")
            timer = None if timeout is None else self.loop.call_later(timeout, _expire, drain)
            try:
                done = await drain
            finally:
                self.drain = None
                if timer is not None:
                    timer.cancel()
            if done is _TIMED_OUT:
                raise httpx.WriteTimeout("timed out sending the request", request=request)
            if self.closed:
                raise httpx.WriteError("the server closed the connection", request=request)

    async def _send_body(self, request: httpx.Request, timeouts: dict[str, Any]) -> None:
        chunked = any(name.lower() == b"transfer-encoding" for name, _ in request.headers.raw)
        stream = request.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request with an AsyncClient instance.")
        async for part in stream:
            if part:
                data = b"%x\r\n%s\r\n" % (len(part), part) if chunked else part
                await self._write(data, timeouts, request)
        if chunked:
            await self._write(b"0\r\n\r\n", timeouts, request)

    async def send(self, request: httpx.Request, head: bytes) -> httpx.Response:
        """Send ``request`` (``head``: its request line and headers); return the response.

        Returns once the response head has arrived; the body follows as it is read.
        """
        timeouts = _timeouts(request)
        self.request = request
        try:
            try:
                body = request.content
            except httpx.RequestNotRead:
                await self._write(head, timeouts, request)
                await self._send_body(request, timeouts)
            else:
                await self._write(head + body if body else head, timeouts, request)
        except httpx.WriteError:
            # A server may answer before it has read the whole request (a 413 for a big
            # body) and close: read that answer; if there is none, reading says so.
            pass
        read_timeout = self.read_timeout = timeouts.get("read")
        head_request = request.method == "HEAD"
        buffer = self.buffer
        while True:
            parsed = parse_head(buffer, head_request) if buffer else None
            if parsed is None:
                if self.closed:
                    raise self._broken(request, bool(buffer))
                await self._wait(read_timeout, request)
                continue
            response_head, size = parsed
            del buffer[:size]
            if response_head.status >= 200:
                break
            if response_head.status == 101:
                raise httpx.RemoteProtocolError("protocol upgrades are not supported")
        self.head = response_head
        self.reader = BodyReader(response_head)
        return httpx.Response(
            response_head.status,
            headers=response_head.headers,
            stream=_Body(self),
            extensions={
                "http_version": response_head.version,
                "reason_phrase": response_head.reason,
            },
        )

    async def body(self) -> AsyncIterator[bytes]:
        """The body of the current response, as it arrives."""
        reader, buffer, request = self.reader, self.buffer, self.request
        assert reader is not None and request is not None
        while True:
            data = reader.take(buffer)
            if data:
                yield data
                continue
            if reader.done:
                return
            if self.closed:
                if self.error is not None:
                    raise self._broken(request, True)
                reader.at_eof()
                return
            await self._wait(self.read_timeout, request)

    def reusable(self) -> bool:
        """Whether the response was read to its end and the connection may carry another."""
        head, reader = self.head, self.reader
        return (
            not self.closed
            and head is not None
            and head.keep_alive
            and reader is not None
            and reader.done
            and not self.buffer
        )


class _Body(httpx.AsyncByteStream):
    """A response body; closing it gives the connection back to the pool."""

    __slots__ = ("_conn", "_done")

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn
        self._done = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._done:
            raise httpx.StreamClosed()
        return self._conn.body()

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            self._conn.pool.finished(self._conn)


class AsyncConnectionPool:
    """Up to ``max_connections`` keep-alive HTTP/1.1 connections of one event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        max_connections: int | None,
        keepalive_expiry: float | None,
        ssl_context: Callable[[], ssl.SSLContext],
    ) -> None:
        self.loop = loop
        self._max = max_connections
        self._expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._free: dict[Origin, list[_Connection]] = {}
        self._all: set[_Connection] = set()
        self._count = 0  # connections open or opening
        self._waiters: deque[tuple[Origin, asyncio.Future[_Connection | None]]] = deque()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a pooled connection."""
        url = request.url
        scheme = url.raw_scheme
        port = _DEFAULT_PORTS.get(scheme)
        if port is None:
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{url.scheme}://'.", request=request
            )
        if not url.raw_host:
            raise httpx.UnsupportedProtocol("Request URL is missing a host.", request=request)
        origin = (scheme, url.raw_host, url.port or port)
        # A malformed header (a key with a newline) fails before any connection is made.
        head = request_head(request.method.encode("ascii"), url.raw_path, request.headers.raw)
        conn = self._idle(origin)
        if conn is None:
            conn = await self._acquire(origin, request)
        try:
            return await conn.send(request, head)
        except BaseException:
            self.drop(conn)
            raise

    # --- handing out connections -----------------------------------------------------------

    def _idle(self, origin: Origin) -> _Connection | None:
        stack = self._free.get(origin)
        if not stack:
            return None
        expiry = self._expiry
        now = self.loop.time()
        while stack:
            conn = stack.pop()
            if not conn.closed and (expiry is None or now - conn.idle_since < expiry):
                conn.busy = True
                return conn
            conn.busy = True  # out of the stack: dropping it must not look for it there
            self.drop(conn)
        return None

    def _room(self) -> bool:
        return self._max is None or self._count < self._max

    def _evict(self) -> bool:
        """Close the oldest idle connection (of any origin) to make room; False if none."""
        for stack in self._free.values():
            if stack:
                conn = stack.pop(0)
                conn.busy = True
                self.drop(conn)
                return True
        return False

    async def _acquire(self, origin: Origin, request: httpx.Request) -> _Connection:
        if not self._waiters and (self._room() or self._evict()):
            self._count += 1
        else:
            conn = await self._wait(origin, request)
            if conn is not None:
                return conn
        # Room for one more connection is reserved in _count.
        try:
            return await self._connect(origin, request)
        except BaseException:
            self._count -= 1
            self._grant()
            raise

    async def _wait(self, origin: Origin, request: httpx.Request) -> _Connection | None:
        """A released connection, or None once room for a new one was reserved for us."""
        waiter: asyncio.Future[_Connection | None] = self.loop.create_future()
        self._waiters.append((origin, waiter))
        try:
            return await asyncio.wait_for(waiter, _timeouts(request).get("pool"))
        except asyncio.TimeoutError:
            raise httpx.PoolTimeout("No free connection in the pool.", request=request) from None
        except BaseException:
            # Cancelled after a connection or a reservation was handed over: pass it on.
            if waiter.done() and not waiter.cancelled():
                given = waiter.result()
                if given is None:
                    self._count -= 1
                    self._grant()
                else:
                    self.finished(given)
            raise

    async def _connect(self, origin: Origin, request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        conn = _Connection(self, origin)
        secure = scheme == b"https"
        name = host.decode("ascii")
        sni = request.extensions.get("sni_hostname") or name
        timeout = _timeouts(request).get("connect")
        try:
            await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: conn,
                    name,
                    port,
                    ssl=self._ssl_context() if secure else None,
                    server_hostname=sni if secure else None,
                ),
                timeout,
            )
        except asyncio.TimeoutError:
            conn.abort()
            raise httpx.ConnectTimeout(
                "timed out connecting to the server", request=request
            ) from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError)
            conn.abort()
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        except BaseException:
            conn.abort()
            raise
        conn.counted = True
        self._all.add(conn)
        return conn

    # --- taking connections back ---------------------------------------------------------

    def finished(self, conn: _Connection) -> None:
        """A response is closed: keep its connection for the next request, or close it."""
        if not conn.reusable():
            self.drop(conn)
            return
        conn.request = conn.head = conn.reader = None
        waiters = self._waiters
        while waiters:
            origin, waiter = waiters.popleft()
            if waiter.done():
                continue
            if origin == conn.origin:
                waiter.set_result(conn)
                return
            # Another origin waits: this connection's room is handed over to it.
            conn.counted = False
            self._all.discard(conn)
            conn.abort()
            waiter.set_result(None)
            return
        conn.busy = False
        conn.idle_since = self.loop.time()
        self._free.setdefault(conn.origin, []).append(conn)

    def drop(self, conn: _Connection) -> None:
        """Close ``conn`` and free its room in the pool (once)."""
        conn.abort()
        if conn.counted:
            conn.counted = False
            self._all.discard(conn)
            self._count -= 1
            self._grant()

    def lost(self, conn: _Connection) -> None:
        """An idle connection was closed by the server (or sent stray bytes)."""
        stack = self._free.get(conn.origin)
        if stack and conn in stack:
            stack.remove(conn)
        conn.busy = True
        self.drop(conn)

    def _grant(self) -> None:
        """Let waiting requests open connections while there is room."""
        waiters = self._waiters
        while waiters and self._room():
            _, waiter = waiters.popleft()
            if not waiter.done():
                self._count += 1
                waiter.set_result(None)

    async def aclose(self) -> None:
        """Close every connection (requests in flight fail)."""
        conns, self._all, self._free = self._all, set(), {}
        for conn in conns:
            conn.counted = False
            conn.abort()
        self._count = 0
