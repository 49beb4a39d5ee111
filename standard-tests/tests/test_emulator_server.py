"""The emulators' HTTP server: keep-alive, chunked streams, concurrency, limits, lifecycle."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from linguafranca_tests.emulators import (
    EMULATORS,
    AnthropicEmulator,
    GeminiEmulator,
    OllamaEmulator,
    OpenAIEmulator,
    create,
    serve,
)

AUTH = {"authorization": "Bearer sk-test"}
CHAT: dict[str, object] = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "Hello there"}],
}


def _raw_exchange(port: int, payload: bytes, until: bytes = b"0\r\n\r\n") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        data = b""
        while until not in data:
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
        return data


def _post(path: str, body: dict[str, object], extra: bytes = b"") -> bytes:
    raw = json.dumps(body).encode()
    return (
        (
            f"POST {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer k\r\n"
            f"content-type: application/json\r\ncontent-length: {len(raw)}\r\n"
        ).encode()
        + extra
        + b"\r\n"
        + raw
    )


def test_registry_and_create() -> None:
    assert set(EMULATORS) == {"openai", "anthropic", "ollama", "gemini"}
    assert isinstance(create("OpenAI"), OpenAIEmulator)
    with pytest.raises(ValueError, match="choose one of anthropic, gemini, ollama, openai"):
        create("mistral")


@pytest.mark.parametrize(
    ("cls", "suffix"),
    [(OpenAIEmulator, "/v1"), (AnthropicEmulator, ""), (OllamaEmulator, ""), (GeminiEmulator, "")],
)
def test_base_url_binds_loopback_ephemeral_port(cls: type, suffix: str) -> None:
    with cls() as emu:
        assert emu.base_url == f"http://127.0.0.1:{emu.port}{suffix}"
        assert emu.port > 0
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.port


def test_keep_alive_reuses_one_connection() -> None:
    with OpenAIEmulator() as emu, httpx.Client(base_url=emu.base_url, headers=AUTH) as client:
        for _ in range(5):
            assert client.post("/chat/completions", json=CHAT).status_code == 200
        assert len(emu._server.connections) == 1


def test_stream_uses_chunked_transfer_encoding_one_event_per_chunk() -> None:
    with OpenAIEmulator() as emu:
        data = _raw_exchange(emu.port, _post("/v1/chat/completions", {**CHAT, "stream": True}))
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head
    assert b"content-type: text/event-stream; charset=utf-8" in head
    sizes = []
    rest = body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        sizes.append(size)
        chunk, rest = rest[:size], rest[size + 2 :]
        if size:
            assert chunk.startswith(b"data: ") and chunk.endswith(b"\n\n")
    assert sizes[-1] == 0
    assert len(sizes) == 1 + 4 + 1 + 1 + 1  # role, 4 words, finish, [DONE], terminator


def test_pipelined_requests_answered_in_order() -> None:
    first = _post(
        "/v1/chat/completions", {**CHAT, "messages": [{"role": "user", "content": "first"}]}
    )
    second = _post(
        "/v1/chat/completions", {**CHAT, "messages": [{"role": "user", "content": "second"}]}
    )
    with OpenAIEmulator() as emu:
        data = _raw_exchange(emu.port, first + second, until=b"You said: second")
    assert data.index(b"You said: first") < data.index(b"You said: second")


def test_chunked_request_body_and_connection_close() -> None:
    raw = json.dumps(CHAT).encode()
    half = len(raw) // 2
    payload = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer k\r\n"
        b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        + b"%x\r\n%s\r\n" % (half, raw[:half])
        + b"%x\r\n%s\r\n" % (len(raw) - half, raw[half:])
        + b"0\r\n\r\n"
    )
    with OpenAIEmulator() as emu:
        data = _raw_exchange(emu.port, payload, until=b"\x00never")
    assert b"connection: close" in data
    assert b"You said: Hello there" in data


def test_garbage_request_line_gets_400() -> None:
    with OpenAIEmulator() as emu:
        data = _raw_exchange(emu.port, b"NONSENSE\r\n\r\n", until=b"\x00never")
    assert data.startswith(b"HTTP/1.1 400 ")


def test_invalid_json_body_gets_the_provider_400() -> None:
    with OpenAIEmulator() as emu:
        response = httpx.post(f"{emu.base_url}/chat/completions", headers=AUTH, content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_max_requests_stops_the_server() -> None:
    emu = OpenAIEmulator(max_requests=2).start()
    url = emu.base_url
    with httpx.Client(base_url=url, headers=AUTH) as client:
        assert client.post("/chat/completions", json=CHAT).status_code == 200
        assert client.post("/chat/completions", json=CHAT).status_code == 200
    assert emu.wait(timeout=5)
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{url}/chat/completions", headers=AUTH, json=CHAT, timeout=1)
    emu.stop()


def test_stop_closes_open_streams_and_is_idempotent() -> None:
    emu = OpenAIEmulator(stream_delay=0.5).start()
    url = emu.base_url
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            with httpx.stream(
                "POST", f"{url}/chat/completions", headers=AUTH, json={**CHAT, "stream": True}
            ) as r:
                for _ in r.iter_bytes():
                    pass
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=consume)
    reader.start()
    time.sleep(0.3)
    started = time.perf_counter()
    emu.stop()
    emu.stop()
    reader.join(5)
    assert time.perf_counter() - started < 3
    assert not reader.is_alive()
    assert errors and isinstance(errors[0], httpx.HTTPError)


def test_serve_blocks_until_max_requests() -> None:
    out = io.StringIO()
    ready = threading.Event()

    class Announce(io.StringIO):
        def write(self, text: str) -> int:
            out.write(text)
            if text.strip():
                ready.set()
            return len(text)

    server = threading.Thread(
        target=serve, args=("ollama",), kwargs={"announce": Announce(), "max_requests": 1}
    )
    server.start()
    assert ready.wait(5)
    url = out.getvalue().split()[-1]
    assert httpx.get(f"{url}/api/tags").status_code == 200
    server.join(5)
    assert not server.is_alive()
    assert out.getvalue().startswith("ollama emulator listening on http://127.0.0.1:")


@pytest.mark.parametrize("stream", [False, True])
def test_load_1000_requests_100_in_flight_and_cpu_per_request(stream: bool) -> None:
    """1,000 requests with 100 in flight over keep-alive connections; report server CPU."""
    body: dict[str, object] = dict(CHAT)
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    request = _post("/v1/chat/completions", body)

    async def read_answer(reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in head:
            return await reader.readuntil(b"\r\n0\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        return await reader.readexactly(length)

    async def worker(port: int, count: int) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        for _ in range(count):
            writer.write(request)
            done += b"Hello" in await read_answer(reader)
        writer.close()
        await writer.wait_closed()
        return done

    async def run(port: int) -> int:
        return sum(await asyncio.gather(*[worker(port, 10) for _ in range(100)]))

    with OpenAIEmulator() as emu:
        before = emu.server_cpu_time()
        started = time.perf_counter()
        answered = asyncio.run(run(emu.port))
        wall = time.perf_counter() - started
        cpu = emu.server_cpu_time() - before
        assert len(emu.requests) == 1000
    assert answered == 1000
    per_request = cpu / 1000
    kind = "streamed" if stream else "JSON"
    print(
        f"\nemulator, 1000 {kind} requests, 100 in flight: {wall:.2f}s wall, "
        f"{per_request * 1e6:.0f} us server CPU per request"
    )
    assert per_request < 0.003  # generous: measured ~0.15-0.3 ms on a loaded 2-core machine


def test_head_gets_headers_without_body() -> None:
    with OllamaEmulator() as emu:
        response = httpx.head(emu.url + "/")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(b"Ollama is running"))
    assert response.content == b""


def test_module_runs_as_a_command() -> None:
    command = [
        sys.executable,
        "-m",
        "linguafranca_tests.emulators",
        "gemini",
        "--max-requests",
        "1",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[-1]
        response = httpx.post(
            f"{url}/v1beta/models/gemini-2.5-flash:generateContent",
            headers={"x-goog-api-key": "k"},
            json={"contents": [{"parts": [{"text": "from a process"}]}]},
        )
        assert process.wait(timeout=10) == 0
    assert line.startswith("gemini emulator listening on http://127.0.0.1:")
    assert (
        response.json()["candidates"][0]["content"]["parts"][0]["text"]
        == "You said: from a process"
    )
