import logging
import math

import httpx
import pydantic
import pytest

from linguafranca.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ProviderError,
    StreamError,
)
from linguafranca.http import (
    NO_RETRY,
    RetryPolicy,
    apost_json,
    astream_ndjson,
    astream_sse,
    dumps,
    loads,
    post_json,
    stream_ndjson,
    stream_sse,
)

KEY = "sk-test-0123456789abcdefghijklmnop"


class Sleeps:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)

    async def async_sleep(self, seconds):
        self.delays.append(seconds)


def retry_policy(sleeps, n=2):
    return RetryPolicy(max_retries=n, sleep=sleeps, async_sleep=sleeps.async_sleep, jitter=0.0)


def client_for(handler, **kwargs):
    return httpx.Client(
        transport=httpx.MockTransport(handler), base_url="https://api.test/v1", **kwargs
    )


def aclient_for(handler, **kwargs):
    return httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="https://api.test/v1", **kwargs
    )


def test_post_json_sends_compact_json_and_returns_body_and_headers():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "x", "n": 1}, headers={"x-request-id": "req_9"})

    client = client_for(handler, headers={"authorization": f"Bearer {KEY}"})
    data, headers = post_json(
        client, "/chat", {"msg": "héllo", "n": [1, 2.5, None]}, headers={"x-extra": "1"}
    )
    assert data == {"id": "x", "n": 1}
    assert headers["x-request-id"] == "req_9"
    (request,) = seen
    assert request.url == "https://api.test/v1/chat"
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-extra"] == "1"
    assert request.content == '{"msg":"héllo","n":[1,2.5,null]}'.encode()


def test_caller_content_type_wins_once():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    client = client_for(handler)
    post_json(client, "/x", {}, headers={"Content-Type": "application/vnd.api+json"})
    assert seen[0].headers.get_list("content-type") == ["application/vnd.api+json"]


def test_user_client_is_used_unchanged_and_timeout_override():
    seen = []

    def handler(request):
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=None)

    client = client_for(handler, timeout=12.0)
    post_json(client, "/a", {})
    post_json(client, "/a", {}, timeout=3.0)
    assert seen[0]["read"] == 12.0
    assert seen[1]["read"] == 3.0


def test_body_kinds():
    class Params(pydantic.BaseModel):
        temperature: float
        stop: list[str]

    assert loads(dumps({"p": Params(temperature=0.5, stop=["\n"])})) == {
        "p": {"temperature": 0.5, "stop": ["\n"]}
    }
    assert dumps({"text": "NaN is a word"}) == b'{"text":"NaN is a word"}'
    assert loads(b'{"s": "\\ud800"}') == {"s": "\ud800"}  # stdlib fallback for a lone surrogate


@pytest.mark.parametrize("bad", [{"t": math.nan}, {"t": [math.inf]}, {"o": object()}])
def test_unencodable_body_raises_configuration_error(bad):
    client = client_for(lambda r: httpx.Response(200, json={}))
    with pytest.raises(ConfigurationError):
        post_json(client, "/x", bad)


def test_empty_success_body_is_none():
    client = client_for(lambda r: httpx.Response(204))
    assert post_json(client, "/x", {})[0] is None


def test_non_json_success_body_is_a_clear_error():
    client = client_for(
        lambda r: httpx.Response(
            200, text="<html>login</html>", headers={"content-type": "text/html"}
        )
    )
    with pytest.raises(ProviderError, match="not JSON") as info:
        post_json(client, "/x", {}, provider="p")
    assert "base_url" in str(info.value)


def test_error_status_is_typed_with_provider_message():
    def handler(request):
        return httpx.Response(
            401,
            json={
                "error": {
                    "message": f"Incorrect API key provided: {KEY}",
                    "code": "invalid_api_key",
                }
            },
        )

    client = client_for(handler, headers={"authorization": f"Bearer {KEY}"})
    with pytest.raises(AuthenticationError) as info:
        post_json(client, "/x", {}, provider="openai", api_key_env="OPENAI_API_KEY")
    err = info.value
    assert err.code == "invalid_api_key"
    assert "$OPENAI_API_KEY" in str(err)
    for text in (str(err), repr(err), str(err.body), str(err.headers)):
        assert KEY not in text


def test_error_factory_is_used():
    def factory(response):
        return BadRequestError(
            f"custom {response.status_code}", status_code=response.status_code, provider="me"
        )

    client = client_for(lambda r: httpx.Response(400, json={"weird": True}))
    with pytest.raises(BadRequestError, match="custom 400"):
        post_json(client, "/x", {}, error_factory=factory)


def test_invalid_url_is_configuration_error():
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(ConfigurationError):
        post_json(client, "http://host:port/v1", {})


def test_missing_scheme_is_configuration_error():
    with httpx.Client() as client, pytest.raises(ConfigurationError, match="http://"):
        post_json(client, "localhost:11434/api/chat", {}, retry=NO_RETRY)


def test_debug_log_redacts_headers_and_query(caplog):
    client = client_for(
        lambda r: httpx.Response(200, json={}), headers={"x-api-key": KEY, "x-goog-api-key": KEY}
    )
    with caplog.at_level(logging.DEBUG, logger="linguafranca.http"):
        post_json(
            client, "/models/x:generate?key=AIzaSyA1234567890abcdefghijklmnopqrstu&alt=sse", {}
        )
    text = caplog.text
    assert "POST https://api.test/v1/models/x:generate" in text
    assert "-> 200" in text
    assert "alt=sse" in text
    assert KEY not in text and "AIzaSy" not in text
    assert "'x-api-key': '***'" in text


def test_retry_is_logged_without_secrets(caplog):
    sleeps = Sleeps()
    responses = iter(
        [
            httpx.Response(503, json={"error": {"message": f"down {KEY}"}}),
            httpx.Response(200, json={}),
        ]
    )
    client = client_for(lambda r: next(responses))
    with caplog.at_level(logging.INFO, logger="linguafranca.http"):
        post_json(client, "/x", {}, retry=retry_policy(sleeps), provider="p")
    assert "Retrying in 0.50 s (retry 1 of 2)" in caplog.text
    assert KEY not in caplog.text


async def test_apost_json_success_and_error():
    def handler(request):
        if request.url.path.endswith("/ok"):
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(404, json={"error": {"message": "no such model"}})

    async with aclient_for(handler) as client:
        data, headers = await apost_json(client, "/ok", {"a": 1})
        assert data == {"ok": True}
        with pytest.raises(ProviderError, match="no such model"):
            await apost_json(client, "/missing", {}, provider="x")


# ---- streaming through MockTransport ------------------------------------------------


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that yields chunks, then optionally raises; records close()."""

    def __init__(self, chunks, fail=None):
        self.chunks = chunks
        self.fail = fail
        self.closed = False
        self.sent = 0

    def __iter__(self):
        for chunk in self.chunks:
            self.sent += 1
            yield chunk
        if self.fail:
            raise self.fail

    async def __aiter__(self):
        for chunk in self.chunks:
            self.sent += 1
            yield chunk
        if self.fail:
            raise self.fail

    def close(self):
        self.closed = True

    async def aclose(self):
        self.closed = True


SSE = [
    b'data: {"n": 1}\n\n',
    b'data: {"n": 2}\n\n',
    b": ping\n\n",
    b'event: done\ndata: {"n": 3}\n\n',
    b"data: [DONE]\n\n",
]


def sse_response(body):
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=body)


def test_stream_sse_yields_events_and_stops_at_done():
    seen = []
    body = Body(SSE + [b"data: after-done\n\n"])

    def handler(request):
        seen.append(request)
        return sse_response(body)

    events = list(stream_sse(client_for(handler), "/chat", {"stream": True}))
    assert [e.json()["n"] for e in events] == [1, 2, 3]
    assert events[2].event == "done"
    assert seen[0].headers["accept"] == "text/event-stream"
    assert body.closed
    assert body.sent == len(SSE) + 1  # drained to the end so the connection can be reused


def test_stream_sse_without_done_marker_yields_everything():
    events = list(
        stream_sse(client_for(lambda r: sse_response(Body(SSE))), "/c", {}, done_marker=None)
    )
    assert events[-1].data == "[DONE]"


def test_stream_is_lazy_and_early_close_closes_response():
    calls = []
    body = Body(SSE)

    def handler(request):
        calls.append(request)
        return sse_response(body)

    gen = stream_sse(client_for(handler), "/c", {})
    assert calls == []  # nothing sent before iteration
    first = next(gen)
    assert first.json() == {"n": 1}
    was_open = not body.closed
    gen.close()
    assert was_open and body.closed
    assert body.sent < len(SSE)


def test_drop_after_first_event_raises_stream_error_without_retry():
    sleeps = Sleeps()
    calls = []

    def handler(request):
        calls.append(request)
        return sse_response(
            Body(SSE[:2], fail=httpx.RemoteProtocolError("peer closed connection", request=request))
        )

    gen = stream_sse(
        client_for(handler), "/c", {}, retry=retry_policy(sleeps, 3), provider="openai"
    )
    got = []
    with pytest.raises(StreamError) as info:
        for event in gen:
            got.append(event)
    assert len(got) == 2
    assert len(calls) == 1 and sleeps.delays == []
    assert "after 2 events" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


def test_drop_before_first_event_is_retried():
    sleeps = Sleeps()
    bodies = iter([Body([b": hello\n\n"], fail=httpx.ReadError("reset")), Body(SSE)])
    calls = []

    def handler(request):
        calls.append(request)
        return sse_response(next(bodies))

    events = list(stream_sse(client_for(handler), "/c", {}, retry=retry_policy(sleeps)))
    assert len(events) == 3
    assert len(calls) == 2 and sleeps.delays == [0.5]


def test_drop_after_done_marker_is_harmless():
    body = Body(SSE, fail=httpx.ReadError("late reset"))
    events = list(stream_sse(client_for(lambda r: sse_response(body)), "/c", {}))
    assert len(events) == 3


def test_stream_error_status_is_read_and_typed_and_retried():
    sleeps = Sleeps()
    responses = iter(
        [
            httpx.Response(
                429, headers={"retry-after": "2"}, json={"error": {"message": "slow down"}}
            ),
            httpx.Response(
                400, json={"error": {"message": "bad temperature", "param": "temperature"}}
            ),
        ]
    )
    gen = stream_sse(client_for(lambda r: next(responses)), "/c", {}, retry=retry_policy(sleeps))
    with pytest.raises(BadRequestError, match="bad temperature") as info:
        next(gen)
    assert info.value.param == "temperature"
    assert sleeps.delays == [2.0]


def test_stream_ndjson_and_in_band_error():
    lines = [
        b'{"message": {"content": "Hi"}, "done": false}\n{"mess',
        b'age": {"content": "!"}, "done": true}\n',
    ]
    values = list(
        stream_ndjson(
            client_for(lambda r: httpx.Response(200, stream=Body(lines))), "/api/chat", {}
        )
    )
    assert [v["message"]["content"] for v in values] == ["Hi", "!"]
    bad = [
        b'{"response": "Yes", "done": false}\n',
        b'{"error": "an error was encountered while running the model"}\n',
    ]
    got = []
    with pytest.raises(StreamError, match="an error was encountered") as info:
        for value in stream_ndjson(
            client_for(lambda r: httpx.Response(200, stream=Body(bad))), "/g", {}, provider="ollama"
        ):
            got.append(value)
    assert got == [{"response": "Yes", "done": False}]
    assert info.value.body == {"error": "an error was encountered while running the model"}


def test_stream_ndjson_malformed_line():
    with pytest.raises(StreamError, match="not JSON"):
        list(
            stream_ndjson(
                client_for(lambda r: httpx.Response(200, stream=Body([b"{oops\n"]))), "/g", {}
            )
        )


async def test_astream_sse_events_early_close_and_drop():
    body = Body(SSE)
    async with aclient_for(lambda r: sse_response(body)) as client:
        gen = astream_sse(client, "/c", {})
        first = await gen.__anext__()
        assert first.json() == {"n": 1}
        await gen.aclose()
        assert body.closed

        events = [e async for e in astream_sse(client, "/c", {})]
        assert [e.json()["n"] for e in events] == [1, 2, 3]

    sleeps = Sleeps()
    calls = []

    def dropping(request):
        calls.append(request)
        return sse_response(Body(SSE[:1], fail=httpx.ReadError("reset")))

    async with aclient_for(dropping) as client:
        got = []
        with pytest.raises(StreamError):
            async for event in astream_sse(client, "/c", {}, retry=retry_policy(sleeps)):
                got.append(event)
        assert len(got) == 1 and len(calls) == 1 and sleeps.delays == []


async def test_astream_ndjson_retries_before_first_line():
    sleeps = Sleeps()
    responses = iter(
        [httpx.Response(503), httpx.Response(200, stream=Body([b'{"a": 1}\n{"a": 2}']))]
    )
    async with aclient_for(lambda r: next(responses)) as client:
        values = [v async for v in astream_ndjson(client, "/x", {}, retry=retry_policy(sleeps))]
    assert values == [{"a": 1}, {"a": 2}]
    assert sleeps.delays == [0.5]


def test_connection_error_before_stream_raises_api_connection_error():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(APIConnectionError, match="could not connect to https://api.test"):
        next(stream_sse(client_for(handler), "/c", {}, retry=NO_RETRY, provider="x"))


def test_json_answer_to_a_stream_request_is_not_silently_empty():
    def handler(request):
        return httpx.Response(200, json={"error": {"message": "streaming is not enabled"}})

    with pytest.raises(StreamError, match="streaming is not enabled") as info:
        list(stream_sse(client_for(handler), "/c", {}, provider="p"))
    assert info.value.body == {"error": {"message": "streaming is not enabled"}}
    # NDJSON streams may be labelled application/json (Ollama): decoded as usual.
    ollama = httpx.Response(
        200, headers={"content-type": "application/json"}, stream=Body([b'{"a": 1}\n'])
    )
    assert list(stream_ndjson(client_for(lambda r: ollama), "/api/chat", {})) == [{"a": 1}]
