import asyncio
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from linguafranca.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    OverloadedError,
    RateLimitError,
    StreamError,
    TimeoutError,
)
from linguafranca.http import (
    NO_RETRY,
    RetryPolicy,
    apost_json,
    parse_duration,
    post_json,
    rate_limit_reset,
    retry_after,
    should_retry,
)

NOW = 1_700_000_000.0


class Sleeps:
    """Fake sleep for RetryPolicy: records the delays instead of waiting."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)

    async def async_sleep(self, seconds):
        self.delays.append(seconds)


def policy(sleeps, **kwargs):
    kwargs.setdefault("max_retries", 3)
    return RetryPolicy(sleep=sleeps, async_sleep=sleeps.async_sleep, **kwargs)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0s", 0.0),
        ("1ms", 0.001),
        ("250us", 0.00025),
        ("7.66s", 7.66),
        ("12", 12.0),
        ("0.5", 0.5),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "s", "1s2", "-"])
def test_parse_duration_rejects(text):
    assert parse_duration(text) is None


def test_retry_after_forms():
    assert retry_after({"retry-after": "31"}) == 31.0
    assert retry_after({"Retry-After": "2.5"}) == 2.5
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = format_datetime(
        datetime.fromtimestamp(NOW, timezone.utc) + timedelta(seconds=42), usegmt=True
    )
    assert retry_after({"retry-after": date}, now=NOW) == 42.0
    past = format_datetime(datetime.fromtimestamp(NOW - 100, timezone.utc), usegmt=True)
    assert retry_after({"retry-after": past}, now=NOW) == 0.0
    assert retry_after({"retry-after": "garbage"}, now=NOW) is None
    assert retry_after(httpx.Headers({"Retry-After": "3"})) == 3.0
    assert retry_after({}) is None


def test_rate_limit_reset_forms():
    openai = {
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-reset-tokens": "1m30s",
        "x-ratelimit-remaining-tokens": "0",
    }
    assert rate_limit_reset(openai, now=NOW) == 90.0
    # no remaining header says which one ran out: the longest reset
    assert (
        rate_limit_reset({"x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "5s"})
        == 5.0
    )
    at = datetime.fromtimestamp(NOW + 20, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    anthropic = {
        "anthropic-ratelimit-requests-reset": at,
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-tokens-reset": "2020-01-01T00:00:00Z",
        "anthropic-ratelimit-tokens-remaining": "100",
    }
    assert rate_limit_reset(anthropic, now=NOW) == 20.0
    nano = datetime.fromtimestamp(NOW + 3, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")
    assert rate_limit_reset({"anthropic-ratelimit-tokens-reset": nano}, now=NOW) == pytest.approx(
        3.123456
    )
    assert rate_limit_reset({"x-ratelimit-reset": str(int((NOW + 8) * 1000))}, now=NOW) == 8.0
    assert rate_limit_reset({"x-ratelimit-reset": str(int(NOW + 4))}, now=NOW) == 4.0
    assert rate_limit_reset({}, now=NOW) is None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (APIConnectionError("refused"), True),
        (TimeoutError("slow"), True),
        (RateLimitError("x", status_code=429), True),
        (RateLimitError("x", status_code=429, code="insufficient_quota"), False),
        (InternalServerError("x", status_code=500), True),
        (InternalServerError("x", status_code=503), True),
        (OverloadedError("x", status_code=529), True),
        (BadRequestError("x", status_code=400), False),
        (AuthenticationError("x", status_code=401), False),
        (StreamError("cut"), False),
        (ConfigurationError("bad"), False),
    ],
)
def test_should_retry(error, expected):
    assert should_retry(error) is expected


def test_should_retry_statuses_408_409():
    from linguafranca.errors import ProviderError

    assert should_retry(ProviderError("x", status_code=408))
    assert should_retry(ProviderError("x", status_code=409))
    assert not should_retry(ProviderError("x", status_code=418))


def test_x_should_retry_header_overrides():
    assert not should_retry(InternalServerError("x", status_code=500), {"x-should-retry": "false"})
    assert should_retry(BadRequestError("x", status_code=400), {"x-should-retry": "true"})


def test_backoff_doubles_with_jitter_and_caps(monkeypatch):
    p = RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=4.0, jitter=0.0)
    assert [p.backoff(i) for i in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    jittered = RetryPolicy(initial_delay=1.0, jitter=0.25)
    values = [jittered.backoff(0) for _ in range(200)]
    assert all(0.75 <= v <= 1.0 for v in values)
    assert len(set(values)) > 1


def test_delay_prefers_server_hints_and_caps_them():
    p = RetryPolicy(max_retries=3, max_retry_after=30.0, jitter=0.0)
    assert p.delay(0, RateLimitError("x", status_code=429, retry_after=7.0)) == 7.0
    assert p.delay(0, RateLimitError("x", status_code=429, retry_after=600.0)) == 30.0
    assert p.delay(0, InternalServerError("x", status_code=503), {"retry-after": "2"}) == 2.0
    reset = {"x-ratelimit-reset-tokens": "3s", "x-ratelimit-remaining-tokens": "0"}
    assert p.delay(1, RateLimitError("x", status_code=429), reset) == 3.0
    assert p.delay(1, InternalServerError("x", status_code=500)) == 1.0  # backoff
    assert p.delay(3, InternalServerError("x", status_code=500)) is None  # budget spent
    assert p.delay(0, BadRequestError("x", status_code=400)) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"initial_delay": -1},
        {"jitter": 2},
        {"max_retry_after": -3},
    ],
)
def test_policy_validation(kwargs):
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


def scripted(responses):
    """MockTransport answering each request with the next item (Response or exception)."""
    calls = []

    def handler(request):
        calls.append(request)
        item = responses[min(len(calls) - 1, len(responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), calls


def test_post_json_retries_then_succeeds_with_server_delays():
    sleeps = Sleeps()
    transport, calls = scripted(
        [
            httpx.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "slow"}}),
            httpx.Response(503, headers={"retry-after-ms": "250"}, text="unavailable"),
            httpx.Response(
                529,
                json={"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
            ),
            httpx.Response(200, json={"ok": True}, headers={"x-request-id": "r1"}),
        ]
    )
    client = httpx.Client(transport=transport, base_url="https://api.test")
    data, headers = post_json(client, "/v1/chat", {"a": 1}, retry=policy(sleeps, jitter=0.0))
    assert data == {"ok": True}
    assert headers["x-request-id"] == "r1"
    assert len(calls) == 4
    assert sleeps.delays == [3.0, 0.25, 2.0]  # third: backoff 0.5 * 2**2
    assert all(c.content == b'{"a":1}' for c in calls)


def test_post_json_gives_up_after_max_retries():
    sleeps = Sleeps()
    transport, calls = scripted([httpx.Response(500, json={"error": {"message": "oops"}})])
    client = httpx.Client(transport=transport)
    with pytest.raises(InternalServerError, match="oops"):
        post_json(
            client, "https://api.test/x", {}, retry=policy(sleeps, max_retries=2), provider="t"
        )
    assert len(calls) == 3
    assert len(sleeps.delays) == 2


def test_post_json_does_not_retry_client_errors():
    sleeps = Sleeps()
    transport, calls = scripted(
        [httpx.Response(400, json={"error": {"message": "bad", "param": "x"}})]
    )
    client = httpx.Client(transport=transport)
    with pytest.raises(BadRequestError) as info:
        post_json(client, "https://api.test/x", {}, retry=policy(sleeps))
    assert info.value.param == "x"
    assert len(calls) == 1 and sleeps.delays == []


def test_post_json_retries_connection_errors_and_timeouts():
    sleeps = Sleeps()
    transport, calls = scripted(
        [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(200, json=[1])]
    )
    client = httpx.Client(transport=transport)
    data, _ = post_json(client, "https://api.test/x", {}, retry=policy(sleeps, jitter=0.0))
    assert data == [1]
    assert sleeps.delays == [0.5, 1.0]


def test_post_json_timeout_error_after_retries():
    sleeps = Sleeps()
    transport, calls = scripted([httpx.ReadTimeout("slow")])
    client = httpx.Client(transport=transport)
    with pytest.raises(TimeoutError) as info:
        post_json(client, "https://api.test/x", {}, retry=policy(sleeps, max_retries=1))
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert len(calls) == 2


def test_x_should_retry_false_stops_retrying():
    sleeps = Sleeps()
    transport, calls = scripted([httpx.Response(500, headers={"x-should-retry": "false"})])
    with pytest.raises(InternalServerError):
        post_json(httpx.Client(transport=transport), "https://a.test/", {}, retry=policy(sleeps))
    assert len(calls) == 1


def test_no_retry_policy():
    transport, calls = scripted([httpx.Response(429)])
    with pytest.raises(RateLimitError):
        post_json(httpx.Client(transport=transport), "https://a.test/", {}, retry=NO_RETRY)
    assert len(calls) == 1


def test_retry_after_http_date_used_as_delay():
    sleeps = Sleeps()
    date = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    transport, calls = scripted(
        [httpx.Response(429, headers={"retry-after": date}), httpx.Response(200, json={})]
    )
    post_json(httpx.Client(transport=transport), "https://a.test/", {}, retry=policy(sleeps))
    assert len(sleeps.delays) == 1
    assert 17.0 <= sleeps.delays[0] <= 20.0


def test_ratelimit_reset_headers_used_as_delay():
    sleeps = Sleeps()
    headers = {
        "x-ratelimit-reset-requests": "1s",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-tokens": "6m0s",
        "x-ratelimit-remaining-tokens": "5",
    }
    transport, _ = scripted([httpx.Response(429, headers=headers), httpx.Response(200, json={})])
    post_json(httpx.Client(transport=transport), "https://a.test/", {}, retry=policy(sleeps))
    assert sleeps.delays == [1.0]


def test_huge_server_delay_is_capped():
    sleeps = Sleeps()
    transport, _ = scripted(
        [httpx.Response(429, headers={"retry-after": "86400"}), httpx.Response(200, json={})]
    )
    post_json(
        httpx.Client(transport=transport),
        "https://a.test/",
        {},
        retry=policy(sleeps, max_retry_after=45),
    )
    assert sleeps.delays == [45.0]


async def test_apost_json_retries_with_async_sleep():
    sleeps = Sleeps()
    transport, calls = scripted(
        [
            httpx.Response(429, headers={"retry-after": "1"}),
            httpx.ConnectError("x"),
            httpx.Response(200, json={"v": 2}),
        ]
    )
    async with httpx.AsyncClient(transport=transport) as client:
        data, _ = await apost_json(
            client, "https://a.test/", {"q": 1}, retry=policy(sleeps, jitter=0.0)
        )
    assert data == {"v": 2}
    assert sleeps.delays == [1.0, 1.0]
    assert len(calls) == 3


def test_default_policy_values():
    import time

    p = RetryPolicy()
    assert (p.max_retries, p.initial_delay, p.max_delay, p.jitter) == (2, 0.5, 8.0, 0.25)
    assert p.sleep is time.sleep
    assert p.async_sleep is asyncio.sleep
