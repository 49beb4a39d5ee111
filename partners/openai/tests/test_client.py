"""The HTTP side: error mapping, retries (fake sleep), streams cut short, closing early."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
import pytest

from linguafranca import errors
from linguafranca_openai import ChatOpenAI
from linguafranca_openai._client import CHAT, RESPONSES, OpenAIHTTP, as_timeout, endpoint_urls

KEY = "sk-test-0123456789abcdef"
OK = {
    "id": "chatcmpl-1",
    "model": "gpt-4.1",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "fine"}, "finish_reason": "stop"}
    ],
}


def sse(*events):
    return b"".join(
        b"data: " + (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n\n"
        for e in events
    )


def delta(text, finish=None):
    return {
        "id": "c1",
        "model": "gpt-4.1",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


STREAM = sse(
    {
        "id": "c1",
        "model": "gpt-4.1",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}],
    },
    delta("Hel"),
    delta("lo"),
    {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {
        "id": "c1",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    },
    b"[DONE]",
)


def error_body(message, *, kind="invalid_request_error", param=None, code=None):
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


class Script:
    """Answers each request with the next response of a list (the last one repeats)."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        return item(request) if callable(item) else item


def make(script, **kwargs):
    kwargs.setdefault("model", "gpt-4.1")
    kwargs.setdefault("api_key", KEY)
    transport = httpx.MockTransport(script)
    model = ChatOpenAI(
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )
    sleeps: list[float] = []

    async def async_sleep(seconds):
        sleeps.append(seconds)

    http = model._load_http()
    http.retry = dataclasses.replace(http.retry, sleep=sleeps.append, async_sleep=async_sleep)
    return model, sleeps


# --- error mapping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.InternalServerError),
        (503, errors.InternalServerError),
    ],
)
def test_status_maps_to_typed_error(status, cls):
    script = Script(httpx.Response(status, json=error_body(f"failure {status}")))
    model, _ = make(script, max_retries=0)
    with pytest.raises(cls) as caught:
        model.invoke("hi")
    assert caught.value.status_code == status
    assert caught.value.provider == "openai"
    assert f"failure {status}" in str(caught.value)
    assert len(script.requests) == 1


def test_401_names_the_key_variable():
    script = Script(httpx.Response(401, json=error_body("Incorrect API key provided")))
    model, _ = make(script)
    with pytest.raises(errors.AuthenticationError, match="OPENAI_API_KEY"):
        model.invoke("hi")
    assert len(script.requests) == 1  # never retried


def test_401_of_a_preset_names_its_variable():
    script = Script(httpx.Response(401, json=error_body("Invalid API Key")))
    model, _ = make(script, model="llama-3.3-70b-versatile", provider="groq", api_key="gsk_1")
    with pytest.raises(errors.AuthenticationError, match="GROQ_API_KEY"):
        model.invoke("hi")


def test_400_carries_message_and_param():
    body = error_body(
        "Unsupported value: 'temperature'", param="temperature", code="unsupported_value"
    )
    model, _ = make(Script(httpx.Response(400, json=body)))
    with pytest.raises(errors.BadRequestError) as caught:
        model.invoke("hi", temperature=3)
    assert caught.value.param == "temperature"
    assert caught.value.code == "unsupported_value"
    assert "Unsupported value" in str(caught.value)


def test_404_model_not_found():
    body = error_body("The model `gpt-9` does not exist", code="model_not_found")
    model, _ = make(Script(httpx.Response(404, json=body)), model="gpt-9")
    with pytest.raises(errors.NotFoundError, match="gpt-9"):
        model.invoke("hi")


def test_secret_is_scrubbed_from_errors():
    body = error_body(f"Incorrect API key provided: {KEY}.")
    model, _ = make(Script(httpx.Response(401, json=body)))
    with pytest.raises(errors.AuthenticationError) as caught:
        model.invoke("hi")
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.body)


# --- retries ----------------------------------------------------------------------------


def test_429_retry_after_is_honoured():
    script = Script(
        httpx.Response(
            429, json=error_body("slow down", kind="requests"), headers={"retry-after": "1.5"}
        ),
        httpx.Response(200, json=OK),
    )
    model, sleeps = make(script)
    assert model.invoke("hi").text == "fine"
    assert sleeps == [1.5]
    assert len(script.requests) == 2


def test_429_ratelimit_reset_header_is_honoured():
    script = Script(
        httpx.Response(
            429,
            json=error_body("slow down"),
            headers={"x-ratelimit-reset-requests": "2s", "x-ratelimit-remaining-requests": "0"},
        ),
        httpx.Response(200, json=OK),
    )
    model, sleeps = make(script)
    model.invoke("hi")
    assert sleeps == [2.0]


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503])
def test_retryable_statuses_back_off_exponentially(status):
    script = Script(httpx.Response(status, json=error_body("busy")))
    model, sleeps = make(script)
    with pytest.raises(errors.ProviderError):
        model.invoke("hi")
    assert len(script.requests) == 3  # max_retries defaults to 2
    assert len(sleeps) == 2 and 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0


def test_max_retries_is_the_model_field():
    script = Script(httpx.Response(500, json=error_body("boom")))
    model, sleeps = make(script, max_retries=4)
    with pytest.raises(errors.InternalServerError):
        model.invoke("hi")
    assert len(script.requests) == 5 and len(sleeps) == 4


def test_connection_errors_are_retried():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    script = Script(refuse, httpx.Response(200, json=OK))
    model, sleeps = make(script)
    assert model.invoke("hi").text == "fine"
    assert len(sleeps) == 1


def test_400_is_not_retried():
    script = Script(httpx.Response(400, json=error_body("bad")))
    model, sleeps = make(script)
    with pytest.raises(errors.BadRequestError):
        model.invoke("hi")
    assert len(script.requests) == 1 and sleeps == []


async def test_async_retry_uses_the_async_sleep():
    script = Script(
        httpx.Response(503, json=error_body("busy"), headers={"retry-after": "0.25"}),
        httpx.Response(200, json=OK),
    )
    model, sleeps = make(script)
    assert (await model.ainvoke("hi")).text == "fine"
    assert sleeps == [0.25]


# --- streams ----------------------------------------------------------------------------


def streamed(content=STREAM, status=200):
    return httpx.Response(status, content=content, headers={"content-type": "text/event-stream"})


def test_stream_usage_arrives_on_exactly_one_chunk():
    script = Script(streamed())
    model, _ = make(script)
    chunks = list(model.stream("hi"))
    assert "".join(c.text for c in chunks) == "Hello"
    assert [c.usage_metadata for c in chunks if c.usage_metadata is not None] == [
        {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    ]
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["finish_reason"] == "stop"
    body = json.loads(script.requests[0].content)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert script.requests[0].headers["accept"] == "text/event-stream"


def test_stream_usage_false_sends_no_stream_options():
    script = Script(streamed())
    model, _ = make(script, stream_usage=False)
    list(model.stream("hi"))
    assert "stream_options" not in json.loads(script.requests[0].content)
    list(model.stream("hi", stream_usage=True))
    assert json.loads(script.requests[1].content)["stream_options"] == {"include_usage": True}


def test_stream_is_retried_before_the_first_chunk():
    script = Script(
        httpx.Response(429, json=error_body("slow"), headers={"retry-after": "0"}), streamed()
    )
    model, sleeps = make(script)
    assert "".join(c.text for c in model.stream("hi")) == "Hello"
    assert len(script.requests) == 2 and sleeps == [0.0]


class CutStream(httpx.SyncByteStream):
    """Sends some events, then the connection breaks."""

    def __init__(self, events):
        self.events = events
        self.closed = False

    def __iter__(self):
        yield from self.events
        raise httpx.ReadError("connection reset by peer")

    def close(self):
        self.closed = True


def test_stream_cut_after_first_chunk_raises_and_is_not_retried():
    first = sse({"id": "c1", "choices": [{"index": 0, "delta": {"content": "Hel"}}]})
    script = Script(lambda request: httpx.Response(200, stream=CutStream([first])), streamed())
    model, sleeps = make(script)
    received = []
    with pytest.raises(errors.StreamError):
        for chunk in model.stream("hi"):
            received.append(chunk.text)
    assert received == ["Hel"]
    assert len(script.requests) == 1 and sleeps == []


def test_stream_ending_without_finish_raises():
    cut = sse(delta("Hel"))  # the body ends cleanly, but the model never finished
    model, _ = make(Script(streamed(cut)))
    with pytest.raises(errors.StreamError, match="incomplete"):
        list(model.stream("hi"))


def test_connection_lost_after_done_loses_nothing():
    script = Script(lambda request: httpx.Response(200, stream=CutStream([STREAM])))
    model, _ = make(script)
    chunks = list(model.stream("hi"))
    assert "".join(c.text for c in chunks) == "Hello"
    assert chunks[-1].chunk_position == "last"


def test_in_band_error_event_raises_a_stream_error():
    bad = sse(delta("Hel"), {"error": {"message": "model overloaded", "type": "server_error"}})
    model, _ = make(Script(streamed(bad)))
    with pytest.raises(errors.StreamError, match="model overloaded"):
        list(model.stream("hi"))


def test_responses_error_event_raises_a_stream_error():
    events = (
        b'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1"}}\n\n'
        b'event: error\ndata: {"type":"error","message":"quota exhausted","code":"x"}\n\n'
    )
    model, _ = make(Script(streamed(events)), use_responses_api=True)
    with pytest.raises(errors.StreamError, match="quota exhausted"):
        list(model.stream("hi"))


def test_closing_the_stream_early_closes_the_response():
    body = CutStream([STREAM[: len(STREAM) // 2]])
    model, _ = make(Script(lambda request: httpx.Response(200, stream=body)))
    stream = model.stream("hi")
    first = next(stream)
    assert first.text == "" or first.text == "Hel"
    stream.close()
    assert body.closed


async def test_astream_closes_the_response_early_too():
    closed = []

    class AsyncBody(httpx.AsyncByteStream):
        async def __aiter__(self):
            yield STREAM[: len(STREAM) // 2]
            raise httpx.ReadError("reset")

        async def aclose(self):
            closed.append(True)

    model, _ = make(Script(lambda request: httpx.Response(200, stream=AsyncBody())))
    stream = model.astream("hi")
    await stream.__anext__()
    await stream.aclose()
    for _ in range(100):  # the close may be scheduled on the loop
        if closed:
            break
        await asyncio.sleep(0.01)
    assert closed == [True]


async def test_astream_matches_stream():
    model, _ = make(Script(streamed()))
    chunks = [c async for c in model.astream("hi")]
    assert "".join(c.text for c in chunks) == "Hello"
    assert sum(c.usage_metadata is not None for c in chunks) == 1


# --- OpenAIHTTP -------------------------------------------------------------------------


def test_endpoint_urls_join_paths_and_query():
    urls = endpoint_urls("https://h/v1/", {CHAT: CHAT, RESPONSES: RESPONSES}, {"api-version": "x"})
    assert urls == {
        CHAT: "https://h/v1/chat/completions?api-version=x",
        RESPONSES: "https://h/v1/responses?api-version=x",
    }


def test_timeout_forms():
    default = as_timeout(None)
    assert isinstance(default, httpx.Timeout) and default.read == 600.0
    assert as_timeout((2.0, 30.0)) == httpx.Timeout(30.0, connect=2.0)
    assert as_timeout(7.5) == 7.5


def test_user_client_gets_headers_and_timeout_per_request():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=OK)

    http = OpenAIHTTP(
        urls={CHAT: "https://h/v1/chat/completions"},
        headers={"authorization": "Bearer k"},
        timeout=3.0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    data, headers = http.post(CHAT, {"model": "m"})
    assert data == OK
    assert seen[0].headers["authorization"] == "Bearer k"
    assert seen[0].extensions["timeout"]["read"] == 3.0
    assert "k" not in repr(http)


def test_token_provider_is_called_for_each_request():
    tokens = iter(["t1", "t2"])
    seen = []

    def handler(request):
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json=OK)

    http = OpenAIHTTP(
        urls={CHAT: "https://h/chat/completions"},
        headers={},
        token=lambda: next(tokens),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    http.post(CHAT, {})
    http.post(CHAT, {})
    assert seen == ["Bearer t1", "Bearer t2"]


def test_async_only_token_provider_in_a_sync_call_says_what_to_do():
    async def token():
        return "t"

    http = OpenAIHTTP(
        urls={CHAT: "https://h/chat/completions"},
        headers={},
        async_token=token,
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))),
    )
    with pytest.raises(errors.ConfigurationError, match="azure_ad_token_provider"):
        http.post(CHAT, {})
