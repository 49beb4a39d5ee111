"""Against a real HTTP/1.1 server on 127.0.0.1: streams, drops, timeouts, pooling."""

import asyncio
import builtins
import json
import socket
import socketserver
import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from linguafranca.errors import APIConnectionError, ConfigurationError, StreamError, TimeoutError
from linguafranca.http import (
    NO_RETRY,
    ClientSettings,
    HTTPClients,
    RetryPolicy,
    apost_json,
    astream_ndjson,
    astream_sse,
    build_async_client,
    build_client,
    post_json,
    stream_ndjson,
    stream_sse,
)

MAX_REQUESTS = 5000  # the server refuses more: a runaway test cannot loop forever
MAX_SLEEP = 3.0


def event(n):
    return b"data: " + json.dumps({"n": n}).encode() + b"\n\n"


def chunked_head(content_type):
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\n\r\n" % content_type
    )


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


class Handler(socketserver.BaseRequestHandler):
    server: "Server"

    def handle(self):
        server = self.server
        sock = self.request
        sock.settimeout(10)
        with server.lock:
            server.connections += 1
        reader = sock.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                method, target, _ = line.decode().split(" ", 2)
                length = 0
                while True:
                    header = reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode().partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = reader.read(length) if length else b""
                with server.lock:
                    server.requests += 1
                    if server.requests > MAX_REQUESTS:
                        return
                    server.hits[target] = server.hits.get(target, 0) + 1
                    hit = server.hits[target]
                if not self.respond(sock, target, body, hit):
                    return
        except OSError:
            return

    def respond(self, sock, target, body, hit):
        """Answer one request; False closes the connection."""
        url = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/json":
            time.sleep(min(float(q.get("delay", 0)), MAX_SLEEP))
            payload = json.dumps({"echo": json.loads(body or b"null")}).encode()
            sock.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                % (len(payload), payload)
            )
            return True
        if path == "/slow":
            time.sleep(min(float(q["secs"]), MAX_SLEEP))
            return False
        head = chunked_head(b"text/event-stream")
        if path == "/sse":
            sock.sendall(head)
            try:
                for n in range(int(q.get("n", 3))):
                    sock.sendall(chunk(event(n)))
                    if q.get("gap"):
                        time.sleep(min(float(q["gap"]), MAX_SLEEP))
            except OSError:  # the client went away mid-stream
                self.server.stream_aborted.set()
                return False
            sock.sendall(chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
            return True
        if path == "/drop":
            sock.sendall(head)
            for n in range(int(q["after"])):
                sock.sendall(chunk(event(n)))
            sock.shutdown(socket.SHUT_RDWR)
            return False
        if path == "/flaky":
            if hit == 1:  # headers, then the connection dies before any event
                sock.sendall(head)
                sock.shutdown(socket.SHUT_RDWR)
                return False
            sock.sendall(head + chunk(event(0)) + chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
            return True
        if path == "/stall":
            sock.sendall(head + b"".join(chunk(event(n)) for n in range(int(q["after"]))))
            time.sleep(min(float(q["secs"]), MAX_SLEEP))
            return False
        if path == "/ndjson":
            sock.sendall(chunked_head(b"application/x-ndjson"))
            for n in range(3):
                sock.sendall(chunk(json.dumps({"n": n, "done": n == 2}).encode() + b"\n"))
            sock.sendall(b"0\r\n\r\n")
            return True
        sock.sendall(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.hits = {}
        self.stream_aborted = threading.Event()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def server():
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def client(server):
    with build_client(ClientSettings(base_url=server.url, timeout=5.0)) as c:
        yield c


def fast_retry(n=2):
    return RetryPolicy(
        max_retries=n, initial_delay=0.01, sleep=time.sleep, async_sleep=asyncio.sleep
    )


def test_post_json_round_trip(client):
    data, headers = post_json(client, "/json", {"q": "héllo"})
    assert data == {"echo": {"q": "héllo"}}
    assert headers["content-type"] == "application/json"


def test_stream_sse_real_server(client):
    events = list(stream_sse(client, "/sse?n=50", {"stream": True}))
    assert [e.json()["n"] for e in events] == list(range(50))


async def test_astream_and_apost_real_server(server):
    async with build_async_client(ClientSettings(base_url=server.url, timeout=5.0)) as client:
        events = [e.json()["n"] async for e in astream_sse(client, "/sse?n=5", {})]
        assert events == [0, 1, 2, 3, 4]
        data, _ = await apost_json(client, "/json", [1, 2])
        assert data == {"echo": [1, 2]}
        values = [v async for v in astream_ndjson(client, "/ndjson", {})]
        assert [v["n"] for v in values] == [0, 1, 2]


def test_stream_ndjson_real_server(client):
    assert [v["done"] for v in stream_ndjson(client, "/ndjson", {})] == [False, False, True]


def test_mid_stream_drop_raises_stream_error(client):
    got = []
    with pytest.raises(StreamError) as info:
        for e in stream_sse(client, "/drop?after=3", {}, retry=fast_retry(3), provider="openai"):
            got.append(e)
    assert len(got) == 3
    assert "after 3 events" in str(info.value)
    assert str(info.value).startswith("openai: ")


async def test_async_mid_stream_drop_raises_stream_error(server):
    async with build_async_client(ClientSettings(base_url=server.url, timeout=5.0)) as client:
        got = []
        with pytest.raises(StreamError):
            async for e in astream_sse(client, "/drop?after=2", {}, retry=fast_retry(3)):
                got.append(e)
        assert len(got) == 2


def test_drop_before_first_event_is_retried(server, client):
    events = list(stream_sse(client, "/flaky?id=sync", {}, retry=fast_retry()))
    assert [e.json() for e in events] == [{"n": 0}]
    assert server.hits["/flaky?id=sync"] == 2


def test_drop_before_first_event_without_retry_is_connection_error(client):
    with pytest.raises(APIConnectionError):
        list(stream_sse(client, "/flaky?id=noretry", {}, retry=NO_RETRY))


def test_timeout_raises_timeout_error_after_about_the_timeout(server):
    with build_client(ClientSettings(base_url=server.url, timeout=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            post_json(client, "/slow?secs=2", {}, retry=NO_RETRY, provider="p")
        elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 1.9  # the server would have answered after 2 s
    assert "within 0.3 s" in str(info.value)
    assert isinstance(info.value, builtins.TimeoutError)


async def test_async_timeout(server):
    async with build_async_client(ClientSettings(base_url=server.url, timeout=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await apost_json(client, "/slow?secs=2", {}, retry=NO_RETRY)
        assert 0.25 <= time.monotonic() - started < 1.9


def test_stall_after_first_event_is_a_stream_error(server):
    with build_client(ClientSettings(base_url=server.url, timeout=0.3)) as client:
        got = []
        with pytest.raises(StreamError, match="timed out after 2 events"):
            for e in stream_sse(client, "/stall?after=2&secs=2", {}, retry=fast_retry()):
                got.append(e)
    assert len(got) == 2


def test_early_close_closes_the_connection(server, client):
    server.stream_aborted.clear()
    gen = stream_sse(client, "/sse?n=60&gap=0.05", {})
    assert next(gen).json() == {"n": 0}
    gen.close()
    # The server's writes fail once the socket is closed, long before its 60 x 50 ms end.
    assert server.stream_aborted.wait(2.5)


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket is closed
    with build_client(ClientSettings(base_url=f"http://127.0.0.1:{port}", timeout=2.0)) as client:
        with pytest.raises(APIConnectionError, match="could not connect"):
            post_json(client, "/json", {}, retry=NO_RETRY, provider="ollama")


def test_api_key_with_newline_is_a_configuration_error_without_the_key(server):
    key = "sk-live-0123456789abcdefghijkl\n"
    settings = ClientSettings(base_url=server.url, headers={"authorization": f"Bearer {key}"})
    with build_client(settings) as client, pytest.raises(ConfigurationError) as info:
        post_json(client, "/json", {}, retry=NO_RETRY)
    assert key.strip() not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


async def test_sharded_pool_reuses_connections_under_concurrency(server):
    before = server.connections
    # a long keep-alive expiry: on a slow machine an idle connection must not expire here
    settings = ClientSettings(
        base_url=server.url, timeout=10.0, max_connections=20, keepalive_expiry=60.0
    )
    async with build_async_client(settings) as client:
        sem = asyncio.Semaphore(20)

        async def one(i):
            async with sem:
                data, _ = await apost_json(client, "/json?delay=0.01", {"i": i})
                return data["echo"]["i"]

        results = await asyncio.gather(*(one(i) for i in range(200)))
    assert sorted(results) == list(range(200))
    opened = server.connections - before
    assert opened <= 20  # every connection was kept alive and reused


def test_sharded_pool_sync_threads(server):
    from concurrent.futures import ThreadPoolExecutor

    before = server.connections
    settings = ClientSettings(base_url=server.url, max_connections=8, keepalive_expiry=60.0)
    with build_client(settings) as client:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: post_json(client, "/json", i)[0]["echo"], range(80)))
    assert results == list(range(80))
    assert server.connections - before <= 8


def test_http_clients_per_event_loop_and_user_clients(server):
    clients = HTTPClients(ClientSettings(base_url=server.url))
    assert clients.client() is clients.client()

    async def grab():
        client = clients.async_client()
        assert client is clients.async_client()
        data, _ = await apost_json(client, "/json", 1)
        assert data == {"echo": 1}
        await clients.aclose()  # connections cannot outlive their loop
        assert client.is_closed
        return client

    first = asyncio.run(grab())
    second = asyncio.run(grab())  # a new loop gets a new client
    assert first is not second
    clients.close()

    user_sync, user_async = httpx.Client(), httpx.AsyncClient()
    given = HTTPClients(ClientSettings(), http_client=user_sync, http_async_client=user_async)
    assert given.client() is user_sync

    async def user():
        return given.async_client()

    assert asyncio.run(user()) is user_async
    given.close()
    assert not user_sync.is_closed  # a user's client is theirs to close
    user_sync.close()


async def test_saturated_pool_queues_fifo_not_behind_a_slow_response(server):
    settings = ClientSettings(base_url=server.url, timeout=10.0, max_connections=2)
    done = []
    async with build_async_client(settings) as client:

        async def call(name, delay):
            await apost_json(client, f"/json?delay={delay}", name)
            done.append(name)

        slow = asyncio.create_task(call("slow", 1.0))
        await asyncio.sleep(0.05)  # the slow request holds one of the two connections
        await asyncio.gather(*(call(f"fast{i}", 0) for i in range(4)), slow)
    assert done[-1] == "slow"
    assert sorted(done[:-1]) == ["fast0", "fast1", "fast2", "fast3"]


async def test_pool_timeout_and_cancelled_waiter_keep_the_pool_usable(server):
    timeout = httpx.Timeout(10.0, pool=0.2)
    settings = ClientSettings(base_url=server.url, timeout=timeout, max_connections=1)
    async with build_async_client(settings) as client:
        slow = asyncio.create_task(apost_json(client, "/json?delay=0.6", 1))
        await asyncio.sleep(0.05)
        with pytest.raises(TimeoutError, match="no free connection in the pool"):
            await apost_json(client, "/json", 2, retry=NO_RETRY)
        waiter = asyncio.create_task(apost_json(client, "/json", 3))
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert (await slow)[0] == {"echo": 1}
        # the single connection was not lost to the cancelled waiter
        assert (await apost_json(client, "/json", 4))[0] == {"echo": 4}


def test_sync_pool_timeout(server):
    from concurrent.futures import ThreadPoolExecutor

    timeout = httpx.Timeout(10.0, pool=0.2)
    with build_client(ClientSettings(base_url=server.url, timeout=timeout, max_connections=1)) as c:
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(post_json, c, "/json?delay=0.6", 1)
            time.sleep(0.05)
            with pytest.raises(TimeoutError, match="no free connection"):
                post_json(c, "/json", 2, retry=NO_RETRY)
            assert slow.result()[0] == {"echo": 1}
        assert post_json(c, "/json", 3)[0] == {"echo": 3}
