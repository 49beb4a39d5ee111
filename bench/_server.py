"""A fast local HTTP/1.1 server with precomputed OpenAI and Anthropic responses.

Raw ``asyncio.Protocol`` (no framework) so that the server costs far less CPU per request than
any client, and what the benchmarks measure is the client. It binds 127.0.0.1 only, prints
``PORT <n>`` once listening, and stops by itself after ``--max-seconds``, after
``--max-requests``, or when its parent process goes away.

Routes (POST): ``.../chat/completions`` (OpenAI chat completion; ``"stream": true`` gives a
50-content-chunk SSE stream + finish chunk + usage chunk + ``[DONE]`` in chunked encoding) and
``.../messages`` (Anthropic Messages, JSON or SSE). ``GET /health`` answers ``ok``.
``--delay-ms`` holds every reply back that long (the concurrency case).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

N_TOKENS = 50
TOKENS = [f" word{i}" if i else "Hello" for i in range(N_TOKENS)]
TEXT = "".join(TOKENS)
MODEL_OPENAI = "gpt-4o-mini"
MODEL_ANTHROPIC = "claude-haiku-4-5"
MAX_HEAD = 64 * 1024


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _response(status: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\nx-request-id: req_bench\r\n{extra}\r\n"
    )
    return head.encode() + body


def _chunked_sse(events: list[bytes]) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
        b"transfer-encoding: chunked\r\n"
        b"x-request-id: req_bench\r\ncache-control: no-cache\r\n\r\n"
    )
    # One HTTP chunk per SSE event, as a real server flushes them.
    chunks = [b"%x\r\n%s\r\n" % (len(e), e) for e in events]
    return head + b"".join(chunks) + b"0\r\n\r\n"


def openai_usage() -> dict[str, object]:
    return {
        "prompt_tokens": 8,
        "completion_tokens": N_TOKENS,
        "total_tokens": 8 + N_TOKENS,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def openai_json() -> bytes:
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1755690953,
        "model": MODEL_OPENAI,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": TEXT,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": openai_usage(),
        "service_tier": "default",
        "system_fingerprint": "fp_bench",
    }
    return _response("200 OK", "application/json", _dumps(body))


def openai_stream() -> bytes:
    base = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1755690953,
        "model": MODEL_OPENAI,
        "service_tier": "default",
        "system_fingerprint": "fp_bench",
    }

    def chunk(delta: dict[str, object], finish: str | None) -> dict[str, object]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], "usage": None}

    payloads = [chunk({"role": "assistant", "content": TOKENS[0], "refusal": None}, None)]
    payloads += [chunk({"content": t}, None) for t in TOKENS[1:]]
    payloads.append(chunk({}, "stop"))
    payloads.append({**base, "choices": [], "usage": openai_usage()})
    events = [b"data: " + _dumps(p) + b"\n\n" for p in payloads] + [b"data: [DONE]\n\n"]
    return _chunked_sse(events)


def anthropic_usage(output_tokens: int) -> dict[str, object]:
    return {
        "input_tokens": 8,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
    }


def anthropic_json() -> bytes:
    body = {
        "model": MODEL_ANTHROPIC,
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": TEXT}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {**anthropic_usage(N_TOKENS), "service_tier": "standard"},
    }
    return _response("200 OK", "application/json", _dumps(body))


def anthropic_stream() -> bytes:
    message = {
        "model": MODEL_ANTHROPIC,
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**anthropic_usage(1), "service_tier": "standard"},
    }
    payloads: list[dict[str, object]] = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
    ]
    payloads += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}}
        for t in TOKENS
    ]
    payloads += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": anthropic_usage(N_TOKENS),
        },
        {"type": "message_stop"},
    ]
    events = [b"event: %s\ndata: %s\n\n" % (str(p["type"]).encode(), _dumps(p)) for p in payloads]
    return _chunked_sse(events)


def error(status: str, message: str) -> bytes:
    body = _dumps({"error": {"message": message, "type": "invalid_request_error"}})
    return _response(status, "application/json", body)


RESPONSES = {
    ("openai", False): openai_json(),
    ("openai", True): openai_stream(),
    ("anthropic", False): anthropic_json(),
    ("anthropic", True): anthropic_stream(),
}
HEALTH = _response("200 OK", "text/plain", b"ok")


class Server:
    """State shared by the connections: limits and the request count."""

    def __init__(self, delay: float, max_requests: int, stop: asyncio.Event):
        self.delay = delay
        self.max_requests = max_requests
        self.count = 0
        self.stop = stop

    def respond(self, method: bytes, path: bytes, body: bytes) -> bytes:
        path = path.split(b"?", 1)[0]
        if method == b"GET" and path == b"/health":
            return HEALTH
        if method != b"POST":
            return error("405 Method Not Allowed", "only POST")
        if path.endswith(b"/chat/completions"):
            api = "openai"
        elif path.endswith(b"/messages"):
            api = "anthropic"
        else:
            return error("404 Not Found", f"no route {path.decode(errors='replace')}")
        try:
            request = json.loads(body)
        except ValueError:
            return error("400 Bad Request", "body is not JSON")
        if not isinstance(request, dict) or "model" not in request:
            return error("400 Bad Request", "model is required")
        return RESPONSES[(api, bool(request.get("stream")))]


class Connection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection; requests carry a content-length body."""

    def __init__(self, server: Server):
        self.server = server
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.transport is not None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self._send(error("431 Request Header Fields Too Large", "head"), True)
                return
            lines = bytes(self.buf[:end]).split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                self._send(error("400 Bad Request", "bad request line"), True)
                return
            length, close = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    self._send(error("411 Length Required", "send a content-length"), True)
                    return
            total = end + 4 + length
            if len(self.buf) < total:
                return
            body = bytes(self.buf[end + 4 : total])
            del self.buf[:total]
            reply = self.server.respond(parts[0], parts[1], body)
            self.server.count += 1
            if self.server.delay:
                asyncio.get_running_loop().call_later(self.server.delay, self._send, reply, close)
            else:
                self._send(reply, close)
            if self.server.count >= self.server.max_requests:
                self.server.stop.set()

    def _send(self, reply: bytes, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(reply)
        if close:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if parent and os.getppid() != parent:
            stop.set()
        await asyncio.sleep(1.0)


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    state = Server(args.delay_ms / 1000, args.max_requests, stop)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Connection(state), "127.0.0.1", args.port, backlog=2048, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop.call_later(args.max_seconds, stop.set)
    watcher = asyncio.ensure_future(_watch_parent(args.parent_pid, stop))
    await stop.wait()
    watcher.cancel()
    server.close()
    print(f"served {state.count} requests", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--max-seconds", type=int, default=600)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this CPU")
    parser.add_argument("--parent-pid", type=int, default=0, help="exit when this parent is gone")
    args = parser.parse_args()
    if not 0 < args.max_seconds <= 3600:
        parser.error("--max-seconds must be in 1..3600")
    if not 0 < args.max_requests <= 10_000_000:
        parser.error("--max-requests must be in 1..10,000,000")
    # The parent may be pinned elsewhere; the server takes its own CPU when the machine has it.
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        if 0 <= args.cpu < (os.cpu_count() or 1):
            os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
