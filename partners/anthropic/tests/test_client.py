"""AnthropicClient over httpx.MockTransport: URL, headers, errors, retries, stream rules."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from linguafranca import errors
from linguafranca.messages import merge_chunks
from linguafranca_anthropic._client import ANTHROPIC_VERSION, AnthropicClient, build_headers

KEY = "sk-ant-api03-unit-test-key-000000"
BASE = "https://anthropic.test"
BODY = {
    "model": "claude-haiku-4-5",
    "max_tokens": 32,
    "messages": [{"role": "user", "content": "hi"}],
}


def _wire_dir() -> Path | None:
    env = os.environ.get("LINGUAFRANCA_WIRE_DIR")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c / "anthropic" for c in candidates if (c / "anthropic").is_dir()), None)


WIRE = _wire_dir()
ERROR_RECORDS = sorted(p.stem for p in WIRE.glob("error_*.json")) if WIRE else []


def message_body(text: str = "Hello!") -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 2},
    }


def sse(*events: tuple[str, dict[str, Any]]) -> bytes:
    return b"".join(
        f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()
        for kind, data in events
    )


START = ("message_start", {"message": {"id": "msg_1", "model": "m", "usage": {"input_tokens": 7}}})
BLOCK = ("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
STOP_BLOCK = ("content_block_stop", {"index": 0})
DELTA = ("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}})
END: tuple[str, dict[str, Any]] = ("message_stop", {})
OVERLOADED = ("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})


def text(piece: str) -> tuple[str, dict[str, Any]]:
    return ("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})


FULL_STREAM = sse(START, BLOCK, text("Hel"), text("lo"), STOP_BLOCK, DELTA, END)


class Broken(httpx.SyncByteStream):
    """A response body that sends ``data`` and then loses the connection."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield self.data
        raise httpx.ReadError("connection reset by peer")

    def close(self) -> None:
        self.closed = True


class Slow(httpx.SyncByteStream):
    """A body of many events; records whether it was closed before the end."""

    def __init__(self, events: list[bytes]) -> None:
        self.events = events
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for event in self.events:
            self.sent += 1
            yield event

    def close(self) -> None:
        self.closed = True


class Server:
    """A MockTransport handler answering from a queue; records every request."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        response: httpx.Response = answer() if callable(answer) else answer
        return response

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests]


def ok(body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json=body or message_body())


def stream_ok(data: bytes = FULL_STREAM) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=data)


def error(status: int, kind: str, message: str, **headers: str) -> httpx.Response:
    body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"}
    return httpx.Response(status, json=body, headers=headers)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


def make(server: Server, *, max_retries: int = 2, **kwargs: Any) -> tuple[AnthropicClient, Sleeps]:
    client = AnthropicClient(
        api_key=KEY,
        base_url=BASE,
        max_retries=max_retries,
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
        **kwargs,
    )
    sleeps = Sleeps()
    client.retry = dataclasses.replace(client.retry, sleep=sleeps, async_sleep=sleeps.asleep)
    return client, sleeps


# --- headers and URL -------------------------------------------------------------------


def test_build_headers_joins_betas_once_and_lets_user_headers_win():
    headers = build_headers(
        KEY, betas=["a-1", "b-2", "a-1"], default_headers={"Anthropic-Version": "2099-01-01"}
    )
    assert headers == {
        "anthropic-version": "2099-01-01",
        "x-api-key": KEY,
        "anthropic-beta": "a-1,b-2",
    }
    assert build_headers(None) == {"anthropic-version": ANTHROPIC_VERSION}


def test_create_posts_json_to_v1_messages_with_key_and_version():
    server = Server(ok())
    client, _ = make(server)
    assert client.create(BODY)["content"][0]["text"] == "Hello!"
    (request,) = server.requests
    assert str(request.url) == f"{BASE}/v1/messages"
    assert request.method == "POST"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == BODY


def test_trailing_slash_of_base_url_is_ignored():
    client = AnthropicClient(api_key=KEY, base_url=BASE + "/")
    assert client.url == f"{BASE}/v1/messages"


def test_request_betas_are_added_to_the_model_betas():
    server = Server(ok())
    client, _ = make(server, betas=["context-1m-2025-08-07"])
    client.create(BODY, betas=["structured-outputs-2025-11-13"])
    header = server.requests[0].headers["anthropic-beta"]
    assert header == "context-1m-2025-08-07,structured-outputs-2025-11-13"


def test_built_client_sends_headers_without_per_request_copies():
    client = AnthropicClient(api_key=KEY, betas=["x-1"])
    assert client.request_headers() is None  # the httpx client carries them
    assert client.request_headers(["y-2"]) == {"anthropic-beta": "x-1,y-2"}
    assert KEY not in repr(client)


def test_count_tokens_url():
    server = Server(httpx.Response(200, json={"input_tokens": 12}))
    client, _ = make(server)
    assert client.count_tokens(BODY) == {"input_tokens": 12}
    assert server.requests[0].url.path == "/v1/messages/count_tokens"


# --- errors ----------------------------------------------------------------------------

STATUS_CLASSES: dict[int, type[errors.ProviderError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    413: errors.RequestTooLargeError,
    429: errors.RateLimitError,
    500: errors.InternalServerError,
    529: errors.OverloadedError,
}


@pytest.mark.skipif(not ERROR_RECORDS, reason="recorded wire data not found (shared/wire)")
@pytest.mark.parametrize("name", ERROR_RECORDS)
def test_recorded_error_bodies_map_to_typed_errors(name):
    assert WIRE is not None
    record = json.loads((WIRE / f"{name}.json").read_text("utf-8"))
    response = record["response"]
    body = response.get("body")
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    server = Server(httpx.Response(response["status"], content=content))
    client, sleeps = make(server)
    with pytest.raises(errors.ProviderError) as caught:
        client.create(BODY)
    err = caught.value
    assert type(err) is STATUS_CLASSES[response["status"]]
    assert err.status_code == response["status"]
    assert err.provider == "anthropic"
    assert err.message == body["error"]["message"] or body["error"]["message"] in err.message
    assert err.error_type == body["error"]["type"]
    assert err.request_id == body.get("request_id")
    assert sleeps == []  # 4xx errors are not retried
    assert KEY not in str(err) and KEY not in repr(err)


def test_401_names_the_environment_variable():
    server = Server(error(401, "authentication_error", "invalid x-api-key"))
    client, _ = make(server)
    with pytest.raises(errors.AuthenticationError) as caught:
        client.create(BODY)
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
        (400, "invalid_request_error"),
    ],
)
def test_client_errors_are_typed_and_not_retried(status, kind):
    server = Server(error(status, kind, f"{kind} happened"))
    client, sleeps = make(server)
    with pytest.raises(STATUS_CLASSES[status]) as caught:
        client.create(BODY)
    assert caught.value.message.startswith(f"{kind} happened")
    assert len(server.requests) == 1 and sleeps == []


@pytest.mark.parametrize(("status", "kind"), [(500, "api_error"), (529, "overloaded_error")])
def test_server_errors_are_retried_max_retries_times(status, kind):
    server = Server(error(status, kind, "try again"))
    client, sleeps = make(server, max_retries=2)
    with pytest.raises(STATUS_CLASSES[status]):
        client.create(BODY)
    assert len(server.requests) == 3
    assert len(sleeps) == 2 and all(0 < s <= 8 for s in sleeps)


def test_429_retry_after_is_honoured_then_success():
    server = Server(error(429, "rate_limit_error", "slow down", **{"retry-after": "2"}), ok())
    client, sleeps = make(server)
    assert client.create(BODY)["id"] == "msg_1"
    assert sleeps == [2.0]
    assert len(server.requests) == 2


def test_429_without_retry_after_waits_for_the_exhausted_anthropic_limit():
    reset = (datetime.now(timezone.utc) + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (datetime.now(timezone.utc) + timedelta(seconds=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": reset,
        "anthropic-ratelimit-tokens-remaining": "1000",
        "anthropic-ratelimit-tokens-reset": later,
    }
    server = Server(error(429, "rate_limit_error", "slow down", **headers), ok())
    client, sleeps = make(server)
    client.create(BODY)
    (delay,) = sleeps
    assert 1.0 <= delay <= 3.5  # the requests limit (at 0), not the later tokens reset


def test_429_with_no_retries_reports_retry_after():
    server = Server(error(429, "rate_limit_error", "slow down", **{"retry-after": "7"}))
    client, sleeps = make(server, max_retries=0)
    with pytest.raises(errors.RateLimitError) as caught:
        client.create(BODY)
    assert caught.value.retry_after == 7.0
    assert sleeps == [] and len(server.requests) == 1


async def test_async_create_retries_like_sync():
    server = Server(error(529, "overloaded_error", "Overloaded"), ok())
    client, sleeps = make(server)
    assert (await client.acreate(BODY))["id"] == "msg_1"
    assert len(sleeps) == 1 and len(server.requests) == 2


# --- streams ---------------------------------------------------------------------------


def test_stream_translates_every_event():
    server = Server(stream_ok())
    client, _ = make(server)
    chunks = list(client.stream({**BODY, "stream": True}, as_string=True))
    message = merge_chunks(chunks)
    assert message.content == "Hello"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 7
    assert message.usage_metadata["output_tokens"] == 3
    assert chunks[-1].chunk_position == "last"
    assert server.requests[0].headers["accept"] == "text/event-stream"


def test_in_band_error_before_any_chunk_is_delivered_is_retried():
    server = Server(stream_ok(sse(START, BLOCK, OVERLOADED)), stream_ok())
    client, sleeps = make(server)
    chunks = list(client.stream({**BODY, "stream": True}, as_string=True))
    assert merge_chunks(chunks).content == "Hello"
    assert len(server.requests) == 2 and len(sleeps) == 1
    # The discarded attempt's message_start did not reach the caller: input counted once.
    assert sum(c.usage_metadata["input_tokens"] for c in chunks if c.usage_metadata) == 7


def test_in_band_error_after_a_chunk_is_delivered_raises_without_retry():
    server = Server(stream_ok(sse(START, BLOCK, text("Hel"), text("lo"), OVERLOADED)))
    client, sleeps = make(server)
    received = []
    with pytest.raises(errors.OverloadedError) as caught:
        for chunk in client.stream({**BODY, "stream": True}, as_string=True):
            received.append(chunk)
    assert received  # something was shown before the error
    assert caught.value.status_code == 529
    assert len(server.requests) == 1 and sleeps == []


def test_in_band_error_with_no_retries_left_raises():
    server = Server(stream_ok(sse(START, OVERLOADED)))
    client, sleeps = make(server, max_retries=0)
    with pytest.raises(errors.OverloadedError):
        list(client.stream({**BODY, "stream": True}, as_string=True))
    assert len(server.requests) == 1


def test_connection_lost_after_a_delivered_chunk_raises_stream_error():
    body = Broken(sse(START, BLOCK, text("Hel"), text("lo")))
    server = Server(lambda: httpx.Response(200, stream=body), stream_ok())
    client, sleeps = make(server)
    with pytest.raises(errors.StreamError):
        list(client.stream({**BODY, "stream": True}, as_string=True))
    assert len(server.requests) == 1 and sleeps == []
    assert body.closed


def test_connection_lost_before_any_delivered_chunk_is_retried():
    server = Server(lambda: httpx.Response(200, stream=Broken(sse(START, BLOCK))), stream_ok())
    client, sleeps = make(server)
    chunks = list(client.stream({**BODY, "stream": True}, as_string=True))
    assert merge_chunks(chunks).content == "Hello"
    assert len(server.requests) == 2 and len(sleeps) == 1


def test_stream_ending_without_message_stop_raises():
    server = Server(stream_ok(sse(START, BLOCK, text("Hel"), text("lo"))))
    client, _ = make(server, max_retries=0)
    with pytest.raises(errors.StreamError, match="message_stop"):
        list(client.stream({**BODY, "stream": True}, as_string=True))


def test_malformed_event_raises_stream_error():
    bad = FULL_STREAM.replace(b'"text": "lo"', b'"text": lo')
    server = Server(stream_ok(bad))
    client, _ = make(server)
    with pytest.raises(errors.StreamError, match="not JSON"):
        list(client.stream({**BODY, "stream": True}, as_string=True))


def test_event_of_an_unexpected_shape_raises_stream_error():
    odd = sse(START, BLOCK, ("content_block_delta", {"delta": {"type": "text_delta"}}))
    server = Server(stream_ok(odd + sse(STOP_BLOCK, DELTA, END)))
    client, _ = make(server, max_retries=0)
    with pytest.raises(errors.StreamError, match="unexpected shape"):
        list(client.stream({**BODY, "stream": True}, as_string=True))


def test_closing_the_stream_early_closes_the_response():
    events = [
        sse(START),
        sse(BLOCK),
        *(sse(text(f" w{i}")) for i in range(50)),
        sse(STOP_BLOCK, DELTA, END),
    ]
    body = Slow(events)
    server = Server(lambda: httpx.Response(200, stream=body))
    client, _ = make(server)
    stream = client.stream({**BODY, "stream": True}, as_string=True)
    first = next(stream)
    assert first.id == "msg_1"
    stream.close()  # type: ignore[attr-defined]
    assert body.closed
    assert body.sent < len(events)


async def test_async_stream_retries_before_delivery_and_translates():
    server = Server(stream_ok(sse(START, OVERLOADED)), stream_ok())
    client, sleeps = make(server)
    chunks = [c async for c in client.astream({**BODY, "stream": True}, as_string=True)]
    assert merge_chunks(chunks).content == "Hello"
    assert len(server.requests) == 2 and len(sleeps) == 1


async def test_async_in_band_error_after_delivery_raises():
    server = Server(stream_ok(sse(START, BLOCK, text("a"), text("b"), OVERLOADED)))
    client, sleeps = make(server)
    with pytest.raises(errors.OverloadedError):
        async for _ in client.astream({**BODY, "stream": True}, as_string=True):
            pass
    assert sleeps == [] and len(server.requests) == 1


def test_timeout_reaches_the_built_httpx_client():
    client = AnthropicClient(api_key=KEY, timeout=1.5)
    try:
        assert client._clients.client().timeout.read == 1.5
    finally:
        client.close()
