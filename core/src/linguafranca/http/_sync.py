"""Pooled HTTP/1.1 connections on blocking sockets, for ``PoolTransport``.

The thread-safe twin of ``_aio``: the same pool policy (an idle stack per origin, the
warmest connection reused first, at most ``max_connections`` open), blocking sockets
with per-operation timeouts, and the parsing of ``_h1``. A connection taken from the pool
is checked first: one the server closed (or that holds stray bytes) is replaced.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from linguafranca.http._h1 import BodyReader, Head, parse_head, request_head

__all__ = ["ConnectionPool"]

Origin = tuple[bytes, bytes, int]
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_READ_SIZE = 64 * 1024
_UNSET = object()


def _timeouts(request: httpx.Request) -> dict[str, Any]:
    timeout = request.extensions.get("timeout")
    return timeout if isinstance(timeout, dict) else {}


def _readable(sock: socket.socket) -> bool:
    """Whether a read would not block: on an idle connection, EOF or stray bytes."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    try:
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):  # closed socket
        return True
    return bool(ready)


class _Connection:
    """One keep-alive connection; used by one thread at a time."""

    __slots__ = (
        "buffer",
        "closed",
        "counted",
        "head",
        "idle_since",
        "origin",
        "reader",
        "read_timeout",
        "request",
        "sock",
        "timeout",
    )

    def __init__(self, sock: socket.socket, origin: Origin) -> None:
        self.sock = sock
        self.origin = origin
        self.buffer = bytearray()
        self.closed = False
        self.counted = True
        self.idle_since = 0.0
        self.timeout: object = _UNSET
        self.head: Head | None = None
        self.reader: BodyReader | None = None
        self.read_timeout: float | None = None
        self.request: httpx.Request | None = None

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _settimeout(self, timeout: float | None) -> None:
        if timeout is not self.timeout:
            self.sock.settimeout(timeout)
            self.timeout = timeout

    def _write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        self._settimeout(timeout)
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise httpx.WriteTimeout("timed out sending the request", request=request) from None
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc

    def _read(self, request: httpx.Request) -> bool:
        """Read more bytes into the buffer; False at the end of the connection."""
        self._settimeout(self.read_timeout)
        try:
            data = self.sock.recv(_READ_SIZE)
        except TimeoutError:
            raise httpx.ReadTimeout("timed out waiting for the response", request=request) from None
        except OSError as exc:
            self.closed = True
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        if not data:
            self.closed = True
            return False
        self.buffer += data
        return True

    def _send_body(self, request: httpx.Request, timeout: float | None) -> None:
        chunked = any(name.lower() == b"transfer-encoding" for name, _ in request.headers.raw)
        stream = request.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise RuntimeError("Attempted to send an async request with a sync Client instance.")
        for part in stream:
            if part:
                data = b"%x\r\n%s\r\n" % (len(part), part) if chunked else part
                self._write(data, timeout, request)
        if chunked:
            self._write(b"0\r\n\r\n", timeout, request)

    def send(self, request: httpx.Request, head: bytes, pool: ConnectionPool) -> httpx.Response:
        """Send ``request`` (``head``: its request line and headers); return the response.

        Returns once the response head has arrived; the body follows as it is read.
        """
        timeouts = _timeouts(request)
        self.request = request
        write_timeout = timeouts.get("write")
        try:
            try:
                body = request.content
            except httpx.RequestNotRead:
                self._write(head, write_timeout, request)
                self._send_body(request, write_timeout)
            else:
                self._write(head + body if body else head, write_timeout, request)
        except httpx.WriteError:
            # A server may answer before it has read the whole request (a 413 for a big
            # body) and close: read that answer; if there is none, reading says so.
            pass
        self.read_timeout = timeouts.get("read")
        head_request = request.method == "HEAD"
        buffer = self.buffer
        while True:
            parsed = parse_head(buffer, head_request) if buffer else None
            if parsed is None:
                if not self._read(request):
                    raise httpx.RemoteProtocolError(
                        "Server disconnected while sending the response head."
                        if buffer
                        else "Server disconnected without sending a response.",
                        request=request,
                    )
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
            stream=_Body(self, pool),
            extensions={
                "http_version": response_head.version,
                "reason_phrase": response_head.reason,
            },
        )

    def body(self) -> Iterator[bytes]:
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
            if self.closed or not self._read(request):
                reader.at_eof()
                return

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


class _Body(httpx.SyncByteStream):
    """A response body; closing it gives the connection back to the pool."""

    __slots__ = ("_conn", "_done", "_pool")

    def __init__(self, conn: _Connection, pool: ConnectionPool) -> None:
        self._conn = conn
        self._pool = pool
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        if self._done:
            raise httpx.StreamClosed()
        return self._conn.body()

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._pool.finished(self._conn)


class ConnectionPool:
    """Up to ``max_connections`` keep-alive HTTP/1.1 connections shared by threads."""

    def __init__(
        self,
        max_connections: int | None,
        keepalive_expiry: float | None,
        ssl_context: Callable[[], ssl.SSLContext],
    ) -> None:
        self._max = max_connections
        self._expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._free: dict[Origin, list[_Connection]] = {}
        self._all: set[_Connection] = set()
        self._count = 0  # connections open or opening
        self._ready = threading.Condition(threading.Lock())

    def handle(self, request: httpx.Request) -> httpx.Response:
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
        conn = self._take(origin, request)
        if conn is None:
            conn = self._connect(origin, request)
        try:
            return conn.send(request, head, self)
        except BaseException:
            self.drop(conn)
            raise

    def _take(self, origin: Origin, request: httpx.Request) -> _Connection | None:
        """An idle connection, or None with room for a new one reserved."""
        deadline: float | None = None
        stale: list[_Connection] = []
        try:
            with self._ready:
                while True:
                    stack = self._free.get(origin)
                    if stack:
                        now = time.monotonic()
                        expiry = self._expiry
                        while stack:
                            conn = stack.pop()
                            if (
                                not conn.closed
                                and (expiry is None or now - conn.idle_since < expiry)
                                and not _readable(conn.sock)
                            ):
                                return conn
                            stale.append(conn)
                            self._forget(conn)
                    if self._max is None or self._count < self._max or self._evict(stale):
                        self._count += 1
                        return None
                    if deadline is None:
                        timeout = _timeouts(request).get("pool")
                        deadline = float("inf") if timeout is None else time.monotonic() + timeout
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise httpx.PoolTimeout("No free connection in the pool.", request=request)
                    self._ready.wait(None if remaining == float("inf") else remaining)
        finally:
            for conn in stale:
                conn.close()

    def _evict(self, stale: list[_Connection]) -> bool:
        """Free the room of the oldest idle connection (any origin); False if none."""
        for stack in self._free.values():
            if stack:
                conn = stack.pop(0)
                stale.append(conn)
                self._forget(conn)
                return True
        return False

    def _forget(self, conn: _Connection) -> None:
        # Under the lock.
        if conn.counted:
            conn.counted = False
            self._all.discard(conn)
            self._count -= 1

    def _connect(self, origin: Origin, request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        name = host.decode("ascii")
        timeout = _timeouts(request).get("connect")
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((name, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == b"https":
                sni = request.extensions.get("sni_hostname") or name
                sock = self._ssl_context().wrap_socket(sock, server_hostname=sni)
        except BaseException as exc:
            if sock is not None:
                sock.close()
            with self._ready:
                self._count -= 1
                self._ready.notify()
            if isinstance(exc, TimeoutError):
                raise httpx.ConnectTimeout(
                    "timed out connecting to the server", request=request
                ) from None
            if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS (ssl.SSLError)
                raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
            raise
        conn = _Connection(sock, origin)
        conn.timeout = timeout
        with self._ready:
            self._all.add(conn)
        return conn

    def finished(self, conn: _Connection) -> None:
        """A response is closed: keep its connection for the next request, or close it."""
        if not conn.reusable():
            self.drop(conn)
            return
        conn.request = conn.head = conn.reader = None
        conn.idle_since = time.monotonic()
        with self._ready:
            if not conn.counted:  # the pool was closed meanwhile
                conn.close()
                return
            self._free.setdefault(conn.origin, []).append(conn)
            self._ready.notify()

    def drop(self, conn: _Connection) -> None:
        """Close ``conn`` and free its room in the pool (once)."""
        conn.close()
        with self._ready:
            self._forget(conn)
            self._ready.notify()

    def close(self) -> None:
        """Close every connection (requests in flight fail)."""
        with self._ready:
            conns, self._all, self._free = self._all, set(), {}
            for conn in conns:
                conn.counted = False
            self._count = 0
            self._ready.notify_all()
        for conn in conns:
            conn.close()
