"""A small, fast HTTP/1.1 server on an asyncio loop in a background thread.

The emulators need keep-alive, chunked streaming, faults (delays, dropped connections) and
hundreds of concurrent connections at a low CPU cost per request, so the request parser is a
hand-written ``asyncio.Protocol`` rather than a framework: a request is parsed in one pass over
the buffer and a JSON answer is written with a single ``transport.write``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

__all__ = ["HttpServer", "RawRequest", "Response"]

_MAX_HEADER_BYTES = 64 * 1024
_MAX_BODY_BYTES = 64 * 1024 * 1024
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_REASONS[529] = "Site is overloaded"


@dataclass(frozen=True)
class RawRequest:
    """One parsed HTTP request, before any provider-specific interpretation.

    Attributes:
        method: The HTTP method, upper case.
        path: The URL path, percent-decoded, without the query string.
        query: The query parameters (last value wins for repeated names).
        headers: The request headers with lower-cased names.
        body: The raw request body.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    """What the server writes back for one request.

    Attributes:
        status: The HTTP status code.
        headers: Response headers (``content-length`` / ``transfer-encoding`` are added).
        body: The body of a non-streamed answer.
        chunks: When set, the answer is streamed with chunked transfer encoding, one HTTP
            chunk per element (one server-sent event, one NDJSON line, ...).
        delay: Seconds to wait before the status line is written.
        chunk_delay: Seconds to wait before each streamed chunk.
        drop_after: Close the connection after this many chunks (0: before any byte is
            written), without finishing the message.
        head_only: Write the status line and headers only (an answer to ``HEAD``).
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunks: Sequence[bytes] | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    head_only: bool = False

    def head(self, keep_alive: bool) -> bytes:
        """Render the status line and headers."""
        lines = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Unknown')}"]
        lines.extend(f"{k}: {v}" for k, v in self.headers)
        if self.chunks is None:
            lines.append(f"content-length: {len(self.body)}")
        else:
            lines.append("transfer-encoding: chunked")
        if not keep_alive:
            lines.append("connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    @property
    def is_simple(self) -> bool:
        """Whether the answer can be written at once, with no waiting or dropping."""
        return not (self.delay or self.chunk_delay or self.drop_after is not None)


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


_LAST_CHUNK = b"0\r\n\r\n"
Handler = Callable[[RawRequest], Response]


class _Connection(asyncio.Protocol):
    """One client connection: parses requests in order and writes their answers."""

    def __init__(self, server: HttpServer) -> None:
        self._server = server
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._writable: asyncio.Event | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._server.connections.discard(self)
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def pause_writing(self) -> None:
        self._writable = asyncio.Event()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()
            self._writable = None

    def close(self) -> None:
        """Close the connection (buffered output is still flushed)."""
        if self._transport is not None and not self._closed:
            self._closed = True  # no more parsing or writing on this connection
            self._transport.close()

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if self._task is None:
            self._process()

    def _process(self) -> None:
        # Handle every complete request in the buffer; stop at the first one that needs
        # waiting (it continues in a task, which calls back here when done).
        while not self._closed:
            parsed = self._parse()
            if parsed is None:
                return
            request, keep_alive = parsed
            response = self._server.dispatch(request)
            if request.method == "HEAD":  # the headers a GET would get, never a body
                response.chunks = None
                response.head_only = True
            if response.is_simple:
                self._write(response, keep_alive)
                if not keep_alive or self._server.exhausted:
                    self.close()
                    return
                continue
            self._task = asyncio.get_running_loop().create_task(
                self._write_slowly(response, keep_alive)
            )
            return

    def _parse(self) -> tuple[RawRequest, bool] | None:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > _MAX_HEADER_BYTES:
                self._reject(431)
            return None
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self._reject(400)
            return None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if "chunked" in headers.get("transfer-encoding", "").lower():
            try:
                decoded = _read_chunked(buf, start)
            except ValueError:  # a chunk size that is not hexadecimal
                self._reject(400)
                return None
            if decoded is None:
                return None
            body, stop = decoded
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                self._reject(400)
                return None
            if length > _MAX_BODY_BYTES:
                self._reject(413)
                return None
            stop = start + length
            if len(buf) < stop:
                if headers.get("expect", "").lower() == "100-continue" and len(buf) == start:
                    assert self._transport is not None
                    self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                return None
            body = bytes(buf[start:stop])
        del buf[:stop]
        path, _, query = target.partition("?")
        connection = headers.get("connection", "").lower()
        keep_alive = version == "HTTP/1.1" and connection != "close"
        keep_alive = keep_alive or connection == "keep-alive"
        request = RawRequest(
            method=method.upper(),
            path=unquote(path),
            query=dict(parse_qsl(query, keep_blank_values=True)) if query else {},
            headers=headers,
            body=body,
        )
        return request, keep_alive

    def _reject(self, status: int) -> None:
        self._write(Response(status=status), keep_alive=False)
        self.close()

    def _write(self, response: Response, keep_alive: bool) -> None:
        assert self._transport is not None
        if response.chunks is None:
            body = b"" if response.head_only else response.body
            self._transport.write(response.head(keep_alive) + body)
            return
        parts = [response.head(keep_alive)]
        parts.extend(_chunk(c) for c in response.chunks if c)
        parts.append(_LAST_CHUNK)
        self._transport.write(b"".join(parts))

    async def _write_slowly(self, response: Response, keep_alive: bool) -> None:
        transport = self._transport
        assert transport is not None
        try:
            if response.delay:
                await asyncio.sleep(response.delay)
            if response.drop_after == 0:
                self.close()
                return
            if response.chunks is None:
                body = b"" if response.head_only else response.body
                transport.write(response.head(keep_alive) + body)
            else:
                transport.write(response.head(keep_alive))
                for sent, chunk in enumerate(response.chunks):
                    if response.drop_after is not None and sent >= response.drop_after:
                        self.close()
                        return
                    if response.chunk_delay:
                        await asyncio.sleep(response.chunk_delay)
                    if chunk:
                        transport.write(_chunk(chunk))
                    if self._writable is not None:
                        await self._writable.wait()
                transport.write(_LAST_CHUNK)
        except asyncio.CancelledError:
            return
        self._task = None
        if not keep_alive or self._server.exhausted:
            self.close()
        elif self._buf:
            self._process()


def _read_chunked(buf: bytearray, start: int) -> tuple[bytes, int] | None:
    """Decode a chunked request body; ``None`` while it is incomplete."""
    body = bytearray()
    pos = start
    while True:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(bytes(buf[pos:line_end]).split(b";", 1)[0] or b"0", 16)
        pos = line_end + 2
        if size == 0:
            trailer_end = buf.find(b"\r\n\r\n", pos - 2)
            if trailer_end < 0:
                return None
            return bytes(body), trailer_end + 4
        if len(buf) < pos + size + 2:
            return None
        body += buf[pos : pos + size]
        pos += size + 2


class HttpServer:
    """An HTTP/1.1 server on 127.0.0.1 running its own event loop in a daemon thread.

    Args:
        handler: Called on the server's loop for every request; must not block.
        host: The interface to bind (loopback by default).
        port: The port to bind; 0 picks a free one.
        max_requests: Stop the server after answering this many requests.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_requests: int | None = None,
    ) -> None:
        self._handler = handler
        self._host = host
        self._requested_port = port
        self.max_requests = max_requests
        self.handled = 0
        self.connections: set[_Connection] = set()
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._port is None:
            raise RuntimeError("the server is not running: call start() first")
        return self._port

    @property
    def host(self) -> str:
        """The bound interface."""
        return self._host

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def exhausted(self) -> bool:
        """Whether ``max_requests`` have been answered."""
        return self.max_requests is not None and self.handled >= self.max_requests

    def dispatch(self, request: RawRequest) -> Response:
        """Answer one request (called on the loop); stops the server when exhausted."""
        self.handled += 1
        try:
            response = self._handler(request)
        except Exception as exc:  # a bug in a handler must not kill the connection silently
            body = f"emulator error: {type(exc).__name__}: {exc}".encode()
            response = Response(500, [("content-type", "text/plain")], body)
        if self.exhausted and self._stop_event is not None:
            # Let the answer go out first, then stop.
            asyncio.get_running_loop().call_later(0.05, self._stop_event.set)
        return response

    def start(self) -> None:
        """Bind and start serving in the background; returns once the port is open."""
        if self.running:
            return
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name="emulator-http", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None:
            raise self._error
        if self._port is None:
            raise RuntimeError("the emulator's server did not start within 10 seconds")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, close every connection and join the thread."""
        loop, event, thread = self._loop, self._stop_event, self._thread
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(event.set)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (for ``serve``); return whether it stopped."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def cpu_time(self) -> float:
        """CPU seconds used so far by the server thread (its loop, parser and handlers)."""
        loop = self._loop
        if loop is None or not self.running:
            raise RuntimeError("the server is not running")
        result: list[float] = []
        done = threading.Event()

        def measure() -> None:
            result.append(time.thread_time())
            done.set()

        loop.call_soon_threadsafe(measure)
        if not done.wait(5):
            raise RuntimeError("the server loop did not answer within 5 seconds")
        return result[0]

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
        finally:
            self._port = None
            self._ready.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        server = await loop.create_server(
            lambda: _Connection(self), self._host, self._requested_port, backlog=2048
        )
        self._port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            server.close()
            for connection in list(self.connections):
                connection.close()
            tasks = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)
