"""The pooled HTTP/1.1 transports (``_h1``, ``_sync``, ``_aio``) against a scripted server."""

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linguafranca.errors import APIConnectionError, ConfigurationError, TimeoutError
from linguafranca.http import (
    NO_RETRY,
    AsyncPoolTransport,
    ClientSettings,
    PoolTransport,
    apost_json,
    astream_sse,
    build_async_client,
    build_client,
    post_json,
    stream_sse,
)
from linguafranca.http._h1 import (
    CHUNKED,
    LENGTH,
    UNTIL_CLOSE,
    BodyReader,
    parse_head,
    request_head,
)

MAX_REQUESTS = 3000
MAX_SLEEP = 3.0
BIG = 3 * 1024 * 1024 + 17  # past the 1 MiB read pause threshold


# --- the scripted server ------------------------------------------------------------------


def _read_request(reader):
    """(method, target, headers dict, body) of the next request, or None at EOF."""
    line = reader.readline()
    if not line:
        return None
    method, target, _ = line.decode().split(" ", 2)
    headers = {}
    while True:
        header = reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int(reader.readline().split(b";")[0], 16)
            if size == 0:
                reader.readline()
                break
            body += reader.read(size)
            reader.readline()
    else:
        length = int(headers.get("content-length", 0))
        body = reader.read(length) if length else b""
    return method, target, headers, body


def _ok(body, extra=b""):
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


class Scripted:
    """A raw HTTP/1.1 server on 127.0.0.1 whose answers are scripted by path."""

    def __init__(self, tls=None, early_answer=False):
        self.early_answer = early_answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.tls = tls
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.bodies = []
        self.closed_by_client = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _early_answer(self, conn, reader):
        """Read only the head of a request, answer 413 at once, then read the rest slowly."""
        while reader.readline() not in (b"\r\n", b"\n", b""):
            pass
        conn.sendall(b"HTTP/1.1 413 Too Large\r\nconnection: close\r\ncontent-length: 3\r\n\r\nbig")
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.3)  # the client is still sending
        while reader.read(65536):
            pass

    def _serve(self, conn):
        with self.lock:
            self.connections += 1
        conn.settimeout(10)
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            reader = conn.makefile("rb")
            if self.early_answer:
                self._early_answer(conn, reader)
                return
            while not self.stop.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                with self.lock:
                    self.requests += 1
                    if self.requests > MAX_REQUESTS:
                        return
                    self.bodies.append(request[3])
                if not self.respond(conn, *request):
                    return
        except OSError:
            return
        finally:
            conn.close()

    def respond(self, conn, method, target, headers, body):
        """Answer one request; False closes the connection."""
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/echo":
            time.sleep(min(float(q.get("delay", 0)), MAX_SLEEP))
            conn.sendall(_ok(body or b"-"))
            return True
        if path == "/chunked":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nx-trailer: 1\r\n\r\n"
            )
            return True
        if path == "/close":
            conn.sendall(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok")
            return False
        if path == "/until-close":
            conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nall of it")
            return False
        if path == "/http10":
            conn.sendall(b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok")
            return True
        if path == "/interim":
            conn.sendall(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n"
                + _ok(b"final")
            )
            return True
        if path == "/head":
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n")
            return True
        if path == "/no-content":
            conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            return True
        if path == "/big":
            data = bytes(range(256)) * (BIG // 256) + b"x" * (BIG % 256)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(data))
            for i in range(0, len(data), 100_000):
                conn.sendall(data[i : i + 100_000])
            return True
        if path == "/slow":
            time.sleep(min(float(q["secs"]), MAX_SLEEP))
            return False
        if path == "/hangup":  # keep-alive in words, then the server closes when idle
            conn.sendall(_ok(b"bye"))
            time.sleep(0.05)
            return False
        if path == "/stray":  # an answer, then bytes nobody asked for
            conn.sendall(_ok(b"ok"))
            time.sleep(0.05)
            conn.sendall(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n")
            return True
        if path == "/partial":
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten..")
            return False
        if path == "/bad-status":
            conn.sendall(b"HTTP/1.1 twohundred OK\r\n\r\n")
            return False
        if path == "/sse":
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")
            conn.sendall(b"transfer-encoding: chunked\r\n\r\n")
            try:
                for n in range(int(q.get("n", 3))):
                    event = b'data: {"n": %d}\n\n' % n
                    conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))
                    time.sleep(min(float(q.get("gap", 0)), MAX_SLEEP))
                conn.sendall(b"0\r\n\r\n")
            except OSError:
                self.closed_by_client.set()
                return False
            return True
        conn.sendall(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
        return True

    def close(self):
        self.stop.set()
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def server():
    srv = Scripted()
    yield srv
    srv.close()


def sync_client(server, **kwargs):
    return httpx.Client(base_url=server.url, transport=PoolTransport(**kwargs), timeout=5.0)


def async_client(server, **kwargs):
    return httpx.AsyncClient(
        base_url=server.url, transport=AsyncPoolTransport(**kwargs), timeout=5.0
    )


# --- HTTP/1.1 without I/O ------------------------------------------------------------------


def test_request_head_is_the_request_line_and_headers():
    head = request_head(b"POST", b"/v1/chat?x=1", [(b"Host", b"a.test"), (b"x-k", b"v 1")])
    assert head == b"POST /v1/chat?x=1 HTTP/1.1\r\nHost: a.test\r\nx-k: v 1\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"authorization", b"Bearer sk-123\n"),
        (b"authorization", b"Bearer sk-123 "),
        (b"authorization", b" Bearer"),
        (b"x-a", b"a\rb"),
        (b"x-a", b"a\r\nx-injected: b"),
        (b"x-a", b"nul\x00"),
        (b"bad name", b"v"),
        (b"", b"v"),
    ],
)
def test_request_head_refuses_bad_headers_without_quoting_the_value(name, value):
    with pytest.raises(httpx.LocalProtocolError) as info:
        request_head(b"GET", b"/", [(name, value)])
    assert b"sk-123".decode() not in str(info.value)


def test_request_head_refuses_a_bad_target_or_method():
    for method, target in [(b"GET", b"/a b"), (b"GET", b"/a\r\nx"), (b"G T", b"/")]:
        with pytest.raises(httpx.LocalProtocolError, match="method or target"):
            request_head(method, target, [(b"host", b"a")])


def test_request_head_names_the_bad_header():
    with pytest.raises(httpx.LocalProtocolError, match="x-custom"):
        request_head(b"GET", b"/", [(b"host", b"a"), (b"x-custom", b"v\n")])


def head_of(raw, head_request=False):
    buffer = bytearray(raw)
    parsed = parse_head(buffer, head_request)
    assert parsed is not None
    return parsed


def test_parse_head_waits_for_the_blank_line():
    assert parse_head(bytearray(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n"), False) is None


def test_parse_head_content_length_and_keep_alive():
    head, size = head_of(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A:  b \r\n\r\nokNEXT")
    assert (head.status, head.reason, head.framing, head.length) == (200, b"OK", LENGTH, 2)
    assert head.keep_alive and head.version == b"HTTP/1.1"
    assert head.headers == [(b"Content-Length", b"2"), (b"X-A", b"b")]
    assert size == len(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A:  b \r\n\r\n")


@pytest.mark.parametrize(
    ("raw", "framing", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n", CHUNKED, True),
        (b"HTTP/1.1 200 OK\r\n\r\n", UNTIL_CLOSE, False),
        (b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n", LENGTH, False),
        (b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n", LENGTH, False),
        (b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 1\r\n\r\n", LENGTH, True),
        (b"HTTP/1.1 200\n\n", UNTIL_CLOSE, False),  # no reason, bare newlines
    ],
)
def test_parse_head_framing(raw, framing, keep_alive):
    head, _ = head_of(raw)
    assert (head.framing, head.keep_alive) == (framing, keep_alive)


@pytest.mark.parametrize("status", [204, 304, 101, 103])
def test_parse_head_bodiless_statuses(status):
    head, _ = head_of(b"HTTP/1.1 %d X\r\ncontent-length: 5\r\n\r\n" % status)
    assert (head.framing, head.length) == (LENGTH, 0)


def test_parse_head_of_a_head_request_has_no_body():
    head, _ = head_of(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", head_request=True)
    assert head.length == 0 and BodyReader(head).done


def test_parse_head_joins_folded_lines():
    head, _ = head_of(b"HTTP/1.1 200 OK\r\nx-a: one\r\n  two\r\ncontent-length: 0\r\n\r\n")
    assert head.headers[0] == (b"x-a", b"one two")


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbad name: v\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 2, 3\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded first\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nx-a: lone\rcarriage return\r\n\r\n",
    ],
)
def test_parse_head_refuses_malformed_heads(raw):
    with pytest.raises(httpx.RemoteProtocolError):
        parse_head(bytearray(raw), False)


def test_parse_head_accepts_repeated_equal_lengths():
    head, _ = head_of(b"HTTP/1.1 200 OK\r\ncontent-length: 3, 3\r\ncontent-length: 3\r\n\r\n")
    assert head.length == 3


def test_parse_head_refuses_a_huge_head():
    with pytest.raises(httpx.RemoteProtocolError, match="larger than"):
        parse_head(bytearray(b"HTTP/1.1 200 OK\r\nx: " + b"a" * 70_000), False)


def read_body(head_raw, wire, pieces):
    """The body read from ``wire`` fed in ``pieces`` (sizes), and what is left over."""
    head, _ = head_of(head_raw)
    reader = BodyReader(head)
    buffer = bytearray()
    out = b""
    position = 0
    for size in [*pieces, len(wire)]:
        buffer += wire[position : position + size]
        position += size
        out += reader.take(buffer)
        if reader.done:
            break
    return out, reader.done, bytes(buffer) + wire[position:]


def chunk_encode(body, sizes):
    out, i = b"", 0
    for size in sizes:
        part = body[i : i + size]
        i += size
        if part:
            out += b"%x;ext=1\r\n%s\r\n" % (len(part), part)
    if i < len(body):
        out += b"%X\r\n%s\r\n" % (len(body) - i, body[i:])
    return out + b"0\r\ntrailer: t\r\n\r\n"


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=300),
    sizes=st.lists(st.integers(1, 40), max_size=12),
    pieces=st.lists(st.integers(1, 30), max_size=40),
)
def test_chunked_bodies_survive_any_split(body, sizes, pieces):
    wire = chunk_encode(body, sizes) + b"NEXT"
    out, done, rest = read_body(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", wire, pieces
    )
    assert (out, done, rest) == (body, True, b"NEXT")


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300), pieces=st.lists(st.integers(1, 50), max_size=20))
def test_length_bodies_survive_any_split(body, pieces):
    head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body)
    out, done, rest = read_body(head, body + b"NEXT", pieces)
    assert (out, done, rest) == (body, True, b"NEXT")


@pytest.mark.parametrize(
    "wire",
    [b"zz\r\nab\r\n0\r\n\r\n", b"2\r\nabc\r\n0\r\n\r\n", b"-1\r\n", b"1" * 5000],
)
def test_malformed_chunks_are_protocol_errors(wire):
    head, _ = head_of(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    with pytest.raises(httpx.RemoteProtocolError):
        BodyReader(head).take(bytearray(wire))


def test_body_cut_short_is_a_protocol_error_and_until_close_ends_at_eof():
    head, _ = head_of(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
    reader = BodyReader(head)
    assert reader.take(bytearray(b"abc")) == b"abc"
    with pytest.raises(httpx.RemoteProtocolError, match="2 bytes less"):
        reader.at_eof()
    head, _ = head_of(b"HTTP/1.1 200 OK\r\n\r\n")
    reader = BodyReader(head)
    assert reader.take(bytearray(b"abc")) == b"abc" and not reader.done
    reader.at_eof()
    assert reader.done


# --- the sync pool ------------------------------------------------------------------------


def test_sync_round_trip_and_keep_alive(server):
    with sync_client(server) as client:
        for i in range(5):
            assert client.post("/echo", content=b"%d" % i).content == b"%d" % i
    assert server.connections == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chunked", b"hello world"),
        ("/until-close", b"all of it"),
        ("/interim", b"final"),
        ("/close", b"ok"),
        ("/http10", b"ok"),
        ("/no-content", b""),
    ],
)
def test_sync_response_framings(server, path, body):
    with sync_client(server) as client:
        response = client.get(path)
        assert response.content == body
        assert client.get("/echo").content == b"-"  # the pool carries on


def test_sync_connection_reuse_follows_the_framing(server):
    with sync_client(server) as client:
        client.get("/chunked")
        client.get("/chunked")
        assert server.connections == 1
        client.get("/close")
        client.get("/until-close")
        client.get("/http10")
        client.get("/echo")
    assert server.connections == 4  # each non keep-alive answer cost its connection


def test_sync_head_request_has_no_body(server):
    with sync_client(server) as client:
        response = client.head("/head")
        assert response.headers["content-length"] == "10" and response.content == b""
        assert client.get("/echo").content == b"-"
    assert server.connections == 1


def test_sync_server_closing_an_idle_connection_is_not_an_error(server):
    with sync_client(server) as client:
        assert client.get("/hangup").content == b"bye"
        time.sleep(0.2)  # the server has closed the idle connection
        assert client.get("/echo").content == b"-"
    assert server.connections == 2


def test_sync_stray_bytes_retire_the_connection(server):
    with sync_client(server) as client:
        assert client.get("/stray").content == b"ok"
        time.sleep(0.2)
        assert client.get("/echo").content == b"-"
    assert server.connections == 2


def test_sync_keepalive_expiry(server):
    with sync_client(server, keepalive_expiry=0.05) as client:
        client.get("/echo")
        time.sleep(0.15)
        client.get("/echo")
    assert server.connections == 2


def test_sync_big_body_and_upload(server):
    with sync_client(server) as client:
        data = client.get("/big").content
        assert len(data) == BIG and data[:3] == b"\x00\x01\x02"
        upload = b"z" * 200_000

        def pieces():
            yield upload[:100_000]
            yield upload[100_000:]

        assert client.post("/echo", content=pieces()).content == upload
    assert server.bodies[-1] == upload


@pytest.mark.parametrize(
    ("path", "error"),
    [("/partial", httpx.RemoteProtocolError), ("/bad-status", httpx.RemoteProtocolError)],
)
def test_sync_broken_responses(server, path, error):
    with sync_client(server) as client:
        with pytest.raises(error):
            client.get(path)
        assert client.get("/echo").content == b"-"


def test_sync_read_timeout(server):
    with httpx.Client(base_url=server.url, transport=PoolTransport(), timeout=0.2) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get("/slow?secs=2")
        assert time.monotonic() - started < 1.5


def test_sync_unsupported_scheme():
    with httpx.Client(transport=PoolTransport()) as client:
        with pytest.raises(httpx.UnsupportedProtocol):
            client.get("ftp://127.0.0.1/x")


def test_sync_early_close_of_a_stream_closes_the_connection(server):
    with sync_client(server) as client:
        with client.stream("GET", "/sse?n=60&gap=0.05") as response:
            next(response.iter_bytes())
        assert server.closed_by_client.wait(3)
        assert client.get("/echo").content == b"-"
    assert server.connections == 2


def test_sync_max_connections_across_origins():
    first, second = Scripted(), Scripted()
    try:
        with httpx.Client(transport=PoolTransport(max_connections=1), timeout=5.0) as client:
            for _ in range(2):
                assert client.get(first.url + "/echo").content == b"-"
                assert client.get(second.url + "/echo").content == b"-"
        # one connection at a time: the idle one of the other origin made room
        assert first.connections == 2 and second.connections == 2
    finally:
        first.close()
        second.close()


def test_sync_threads_share_the_pool(server):
    from concurrent.futures import ThreadPoolExecutor

    with sync_client(server, max_connections=4) as client:
        with ThreadPoolExecutor(8) as pool:
            results = list(
                pool.map(lambda i: client.post("/echo?delay=0.01", content=b"%d" % i), range(64))
            )
    assert [r.content for r in results] == [b"%d" % i for i in range(64)]
    assert server.connections <= 4


# --- the async pool -----------------------------------------------------------------------


async def test_async_round_trip_and_keep_alive(server):
    async with async_client(server) as client:
        for i in range(5):
            assert (await client.post("/echo", content=b"%d" % i)).content == b"%d" % i
    assert server.connections == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chunked", b"hello world"),
        ("/until-close", b"all of it"),
        ("/interim", b"final"),
        ("/close", b"ok"),
        ("/http10", b"ok"),
        ("/no-content", b""),
    ],
)
async def test_async_response_framings(server, path, body):
    async with async_client(server) as client:
        response = await client.get(path)
        assert response.content == body
        assert (await client.get("/echo")).content == b"-"


async def test_async_connection_reuse_follows_the_framing(server):
    async with async_client(server) as client:
        await client.get("/chunked")
        await client.get("/chunked")
        assert server.connections == 1
        for path in ("/close", "/until-close", "/http10", "/echo"):
            await client.get(path)
    assert server.connections == 4


async def test_async_head_request_has_no_body(server):
    async with async_client(server) as client:
        response = await client.head("/head")
        assert response.headers["content-length"] == "10" and response.content == b""
        assert (await client.get("/echo")).content == b"-"
    assert server.connections == 1


async def test_async_server_closing_an_idle_connection_is_not_an_error(server):
    async with async_client(server) as client:
        assert (await client.get("/hangup")).content == b"bye"
        await asyncio.sleep(0.2)
        assert (await client.get("/echo")).content == b"-"
    assert server.connections == 2


async def test_async_stray_bytes_retire_the_connection(server):
    async with async_client(server) as client:
        assert (await client.get("/stray")).content == b"ok"
        await asyncio.sleep(0.2)
        assert (await client.get("/echo")).content == b"-"
    assert server.connections == 2


async def test_async_keepalive_expiry(server):
    async with async_client(server, keepalive_expiry=0.05) as client:
        await client.get("/echo")
        await asyncio.sleep(0.15)
        await client.get("/echo")
    assert server.connections == 2


async def test_async_big_body_and_streamed_upload(server):
    async with async_client(server) as client:
        async with client.stream("GET", "/big") as response:
            received = 0
            async for part in response.aiter_raw():
                received += len(part)
                await asyncio.sleep(0)  # a slow reader: the connection pauses and resumes
        assert received == BIG
        upload = b"z" * 200_000

        async def pieces():
            yield upload[:100_000]
            yield upload[100_000:]

        assert (await client.post("/echo", content=pieces())).content == upload
    assert server.bodies[-1] == upload


@pytest.mark.parametrize("path", ["/partial", "/bad-status"])
async def test_async_broken_responses(server, path):
    async with async_client(server) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(path)
        assert (await client.get("/echo")).content == b"-"


async def test_async_read_timeout(server):
    transport = AsyncPoolTransport()
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=0.2) as c:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await c.get("/slow?secs=2")
        assert time.monotonic() - started < 1.5


async def test_async_connection_refused_and_unsupported_scheme():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with httpx.AsyncClient(transport=AsyncPoolTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("ftp://127.0.0.1/x")


async def test_async_early_close_of_a_stream_closes_the_connection(server):
    async with async_client(server) as client:
        async with client.stream("GET", "/sse?n=60&gap=0.05") as response:
            async for _ in response.aiter_bytes():
                break
        assert await asyncio.to_thread(server.closed_by_client.wait, 3)
        assert (await client.get("/echo")).content == b"-"
    assert server.connections == 2


async def test_async_cancelled_request_frees_its_connection(server):
    async with async_client(server, max_connections=1) as client:
        task = asyncio.create_task(client.get("/echo?delay=1"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the only connection was dropped (its state was unknown), and its room freed
        assert (await client.get("/echo")).content == b"-"
    assert server.connections == 2


async def test_async_max_connections_across_origins():
    first, second = Scripted(), Scripted()
    try:
        async with httpx.AsyncClient(
            transport=AsyncPoolTransport(max_connections=1), timeout=5.0
        ) as client:
            for _ in range(2):
                assert (await client.get(first.url + "/echo")).content == b"-"
                assert (await client.get(second.url + "/echo")).content == b"-"
            # a waiter for another origin gets the room of a released connection
            results = await asyncio.gather(
                client.get(first.url + "/echo?delay=0.1"), client.get(second.url + "/echo")
            )
            assert [r.content for r in results] == [b"-", b"-"]
        assert first.connections == 3 and second.connections == 3
    finally:
        first.close()
        second.close()


async def test_async_saturated_pool_hands_connections_over(server):
    async with async_client(server, max_connections=3) as client:
        results = await asyncio.gather(
            *(client.post("/echo?delay=0.01", content=b"%d" % i) for i in range(30))
        )
    assert [r.content for r in results] == [b"%d" % i for i in range(30)]
    assert server.connections == 3


async def test_async_pool_is_per_event_loop(server):
    transport = AsyncPoolTransport()
    client = httpx.AsyncClient(base_url=server.url, transport=transport, timeout=5.0)
    assert (await client.get("/echo")).content == b"-"

    def in_another_loop():
        async def call():
            content = (await client.get("/echo")).content
            await transport.aclose()  # this loop's connections only
            return content

        return asyncio.run(call())

    assert await asyncio.to_thread(in_another_loop) == b"-"
    assert (await client.get("/echo")).content == b"-"  # this loop's pool is intact
    await client.aclose()
    assert server.connections == 2


async def test_async_aclose_closes_connections(server):
    client = async_client(server)
    await client.get("/echo")
    await client.aclose()
    await asyncio.sleep(0.1)
    async with async_client(server) as other:
        await other.get("/echo")
    assert server.connections == 2


def test_sync_answer_before_the_whole_request_was_read():
    srv = Scripted(early_answer=True)
    try:
        with sync_client(srv) as client:
            response = client.post("/upload", content=b"x" * 8_000_000)
        assert (response.status_code, response.content) == (413, b"big")
    finally:
        srv.close()


async def test_async_answer_before_the_whole_request_was_read():
    srv = Scripted(early_answer=True)
    try:
        async with async_client(srv) as client:
            response = await client.post("/upload", content=b"x" * 8_000_000)
        assert (response.status_code, response.content) == (413, b"big")
    finally:
        srv.close()


# --- through linguafranca.http ------------------------------------------------------------


def test_helpers_errors_through_the_pool(server):
    settings_ = ClientSettings(base_url=server.url, timeout=5.0)
    with build_client(settings_) as client:
        assert post_json(client, "/echo", {"a": 1})[0] == {"a": 1}
        assert [e.json() for e in stream_sse(client, "/sse?n=2", {})] == [{"n": 0}, {"n": 1}]
        with pytest.raises(APIConnectionError, match="the connection to"):
            post_json(client, "/partial", {}, retry=NO_RETRY)
    bad = ClientSettings(base_url=server.url, headers={"authorization": "Bearer sk-1\n"})
    with build_client(bad) as client, pytest.raises(ConfigurationError):
        post_json(client, "/echo", {}, retry=NO_RETRY)
    assert server.connections == 1  # a malformed header never opens a connection


async def test_async_helpers_errors_through_the_pool(server):
    settings_ = ClientSettings(base_url=server.url, timeout=0.3)
    async with build_async_client(settings_) as client:
        assert (await apost_json(client, "/echo", [1]))[0] == [1]
        events = [e.json() async for e in astream_sse(client, "/sse?n=2", {})]
        assert events == [{"n": 0}, {"n": 1}]
        with pytest.raises(TimeoutError, match="within 0.3 s"):
            await apost_json(client, "/slow?secs=2", {}, retry=NO_RETRY)


def test_clients_skip_cookie_work_but_keep_cookies(server):
    with build_client(ClientSettings(base_url=server.url)) as client:
        client.cookies = {"a": "1"}
        client.get("/echo")
        assert dict(client.cookies) == {"a": "1"}
        response = httpx.Response(
            200, headers={"Set-Cookie": "s=2; Path=/"}, request=httpx.Request("GET", server.url)
        )
        client.cookies.extract_cookies(response)
        assert dict(client.cookies) == {"a": "1", "s": "2"}


# --- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = Scripted(tls=context)
    yield srv
    srv.close()


def test_tls_sync_and_verification(tls_server, certificate):
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    with httpx.Client(transport=PoolTransport(verify=trusted), timeout=5.0) as client:
        assert client.get(tls_server.url + "/chunked").content == b"hello world"
        assert client.get(tls_server.url + "/echo").content == b"-"
    assert tls_server.connections == 1
    with httpx.Client(transport=PoolTransport(), timeout=5.0) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(tls_server.url + "/echo")


async def test_tls_async_and_verification(tls_server, certificate):
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    async with httpx.AsyncClient(transport=AsyncPoolTransport(verify=trusted)) as client:
        assert (await client.get(tls_server.url + "/chunked")).content == b"hello world"
        assert (await client.get(tls_server.url + "/echo")).content == b"-"
    assert tls_server.connections == 1
    async with httpx.AsyncClient(transport=AsyncPoolTransport(), timeout=5.0) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(tls_server.url + "/echo")
