import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from linguafranca.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTooLargeError,
    TimeoutError,
    UnprocessableEntityError,
)
from linguafranca.http import (
    error_class,
    error_from_exception,
    error_from_response,
    parse_error_body,
    raise_for_status,
)

WIRE = Path("/work/shared/wire")
NOW = 1_700_000_000.0
KEY = "sk-proj-SECRETSECRETSECRETSECRET1234"


def recorded_errors():
    files = sorted(WIRE.glob("*/*error*.json"))
    out = []
    for path in files:
        record = json.loads(path.read_text())
        response = record["response"]
        if response["status"] >= 400:
            out.append(pytest.param(path, record, id=f"{path.parent.name}/{path.stem}"))
    return out


RECORDED = recorded_errors()


def test_recordings_are_present():
    assert len(RECORDED) >= 25


# What each recorded body must produce: class and a piece of the provider's own message.
EXPECTED = {
    "anthropic/error_400_invalid_request": (BadRequestError, "does not support effort level"),
    "anthropic/error_400_prompt_too_long": (BadRequestError, "prompt is too long"),
    "anthropic/error_401_invalid_key": (AuthenticationError, "invalid x-api-key"),
    "anthropic/error_404_model_not_found": (NotFoundError, "this-model-does-not-exist-12345"),
    "anthropic/error_404_stream_request": (NotFoundError, "this-model-does-not-exist-12345"),
    "gemini/error_400_invalid_api_key": (AuthenticationError, "API key not valid"),
    "gemini/error_400_invalid_api_key_stream": (AuthenticationError, "API key not valid"),
    "gemini/error_403_permission_denied": (PermissionDeniedError, "unregistered callers"),
    "gemini/error_404_model_not_found": (NotFoundError, "is not found for API version"),
    "gemini/error_429_resource_exhausted": (RateLimitError, "You exceeded your current quota"),
    "groq/error_400_tool_use_failed": (BadRequestError, "Tool call validation failed"),
    "groq/error_404_model_not_found": (NotFoundError, "The model `non-existent` does not exist"),
    "mistral/error_401_invalid_key": (AuthenticationError, "Invalid API Key"),
    "ollama/error_400_tools_unsupported": (BadRequestError, "does not support tools"),
    "ollama/openai_compat_error_400_context": (BadRequestError, "prompt too long"),
    "ollama/openai_compat_error_401": (AuthenticationError, "Unauthorized"),
    "openai/chat_error_400_unsupported_value": (BadRequestError, "Unsupported value"),
    "openai/chat_error_401_invalid_key": (AuthenticationError, "Incorrect API key provided"),
    "openai/chat_error_401_stream_request": (AuthenticationError, "Incorrect API key provided"),
    "openai/chat_error_404_model_not_found": (NotFoundError, "does not exist"),
    "openai/responses_error_400_context_length": (BadRequestError, "exceeds the context window"),
    "openai/responses_error_400_model_not_found": (BadRequestError, "does not exist"),
    "openai/responses_error_400_stream_request": (BadRequestError, "decimal below minimum"),
    "openai/responses_error_401_invalid_key": (AuthenticationError, "Incorrect API key provided"),
    "openai_compatible/deepseek_error_401": (AuthenticationError, "Authentication Fails"),
    "openai_compatible/openrouter_error_401": (AuthenticationError, "Missing Authentication"),
    "openai_compatible/openrouter_error_429": (RateLimitError, "Rate limit exceeded"),
}


@pytest.mark.parametrize(("path", "record"), RECORDED)
def test_recorded_error_bodies(path, record):
    response = record["response"]
    key = f"{path.parent.name}/{path.stem}"
    assert key in EXPECTED, f"add an expectation for {key}"
    cls, fragment = EXPECTED[key]
    raw = json.dumps(response["body"]).encode()
    err = error_from_response(
        response["status"],
        response["headers"],
        raw,
        provider=path.parent.name,
        api_key_env="THE_KEY_ENV",
        now=NOW,
    )
    assert type(err) is cls
    assert err.status_code == response["status"]
    assert fragment in err.message
    assert err.body == response["body"]
    assert err.provider == path.parent.name
    line = str(err)
    assert "\n" not in line
    assert line.startswith(f"{path.parent.name} HTTP {response['status']}: ")
    assert fragment in line
    if cls is AuthenticationError:
        assert "$THE_KEY_ENV" in line
    assert err.hint


def test_openai_fields_extracted():
    body = json.loads((WIRE / "openai/chat_error_400_unsupported_value.json").read_text())
    body = body["response"]["body"]
    err = error_from_response(400, {}, body, provider="openai")
    assert isinstance(err, BadRequestError)
    assert err.param == "messages[0].role"
    assert err.code == "unsupported_value"
    assert err.error_type == "invalid_request_error"
    assert "'messages[0].role'" in str(err)  # the hint names the argument


def test_anthropic_request_id_from_body_and_type():
    record = json.loads((WIRE / "anthropic/error_401_invalid_key.json").read_text())
    err = error_from_response(401, {}, record["response"]["body"], provider="anthropic")
    assert err.request_id == "req_011CWdMEehrhsdujMyQ9pChP"
    assert err.error_type == "authentication_error"
    assert err.message == "invalid x-api-key"  # the provider's own words, unchanged
    assert "(authentication_error) [request id: req_011CWdMEehrhsdujMyQ9pChP]" in str(err)


def test_gemini_status_and_retry_info():
    record = json.loads((WIRE / "gemini/error_429_resource_exhausted.json").read_text())
    err = error_from_response(429, {}, record["response"]["body"], provider="gemini", now=NOW)
    assert isinstance(err, RateLimitError)
    assert err.error_type == "RESOURCE_EXHAUSTED"
    assert err.retry_after == 48.0
    assert "retry after 48 s" in str(err)


def test_openrouter_429_reset_epoch_ms():
    record = json.loads((WIRE / "openai_compatible/openrouter_error_429.json").read_text())
    headers = record["response"]["headers"]
    now = 1754667660000 / 1000 - 12.5
    err = error_from_response(429, headers, record["response"]["body"], now=now)
    assert isinstance(err, RateLimitError)
    assert err.retry_after == pytest.approx(12.5)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, ProviderError),
        (409, ProviderError),
        (413, RequestTooLargeError),
        (418, ProviderError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (529, OverloadedError),
        (302, ProviderError),
    ],
)
def test_every_status_maps(status, cls):
    assert error_class(status) is cls
    err = error_from_response(status, {}, b"", provider="p")
    assert type(err) is cls
    assert err.status_code == status
    assert str(err).startswith(f"p HTTP {status}: HTTP {status}")
    assert err.hint


def test_body_shapes():
    assert parse_error_body({"error": "model not found"}).message == "model not found"
    assert parse_error_body({"detail": "Invalid API Key"}).message == "Invalid API Key"
    assert parse_error_body({"message": "plain"}).message == "plain"
    fastapi = {"detail": [{"loc": ["body", "temperature"], "msg": "too big"}]}
    assert parse_error_body(fastapi).message == "body.temperature: too big"
    array = [{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}]
    details = parse_error_body(array)
    assert (details.message, details.error_type, details.code) == ("bad", "INVALID_ARGUMENT", 400)
    assert parse_error_body("<html>Bad Gateway</html>").message == "<html>Bad Gateway</html>"
    assert parse_error_body(None).message is None


def test_non_json_body_is_kept_as_text():
    err = error_from_response(502, {"content-type": "text/html"}, b"<html>bad gateway</html>")
    assert isinstance(err, InternalServerError)
    assert err.body == "<html>bad gateway</html>"
    assert "bad gateway" in err.message


def test_request_id_headers():
    err = error_from_response(500, {"x-request-id": "req_a"}, b"{}")
    assert err.request_id == "req_a"
    err = error_from_response(500, {"Request-Id": "req_b"}, b"{}")
    assert err.request_id == "req_b"


def rate_limit_delay(headers):
    err = error_from_response(429, headers, b"", now=NOW)
    assert isinstance(err, RateLimitError)
    return err.retry_after


def test_retry_after_forms_on_rate_limit():
    assert rate_limit_delay({"retry-after": "7"}) == 7.0
    assert rate_limit_delay({"retry-after-ms": "1500"}) == 1.5
    date = format_datetime(
        datetime.fromtimestamp(NOW, timezone.utc) + timedelta(seconds=30), usegmt=True
    )
    assert rate_limit_delay({"retry-after": date}) == 30.0
    openai = {
        "x-ratelimit-reset-requests": "6m0s",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-tokens": "20ms",
        "x-ratelimit-remaining-tokens": "100",
    }
    assert rate_limit_delay(openai) == 360.0
    reset = datetime.fromtimestamp(NOW + 12, timezone.utc).isoformat().replace("+00:00", "Z")
    anthropic = {
        "anthropic-ratelimit-tokens-reset": reset,
        "anthropic-ratelimit-tokens-remaining": "0",
    }
    assert rate_limit_delay(anthropic) == 12.0
    assert rate_limit_delay({}) is None


def test_insufficient_quota_hint():
    body = {
        "error": {
            "message": "You exceeded your quota",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
    }
    err = error_from_response(429, {}, body, provider="openai")
    assert "billing" in str(err)


def test_redirect_hint_names_location():
    err = error_from_response(301, {"location": "https://api.example.com/v1/"}, b"")
    assert "https://api.example.com/v1/" in str(err)


def test_secrets_scrubbed_from_messages_and_bodies():
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}"}}).encode()
    err = error_from_response(401, {}, body, provider="openai", secrets=[KEY])
    assert KEY not in str(err)
    assert KEY not in json.dumps(err.body)
    # exact scrubbing also covers keys that match no pattern
    odd = "my-custom-credential-value-42"
    err = error_from_response(400, {}, f'{{"error": "bad key {odd}"}}'.encode(), secrets=[odd])
    assert odd not in str(err) and odd not in json.dumps(err.body)


def test_raise_for_status_uses_request_secrets():
    request = httpx.Request(
        "POST",
        "https://api.example.com/v1/chat",
        headers={"authorization": "Bearer weird-token-xyz"},
    )
    response = httpx.Response(
        401, json={"error": {"message": "token weird-token-xyz is revoked"}}, request=request
    )
    with pytest.raises(AuthenticationError) as info:
        raise_for_status(response, provider="example", api_key_env="EXAMPLE_API_KEY")
    assert "weird-token-xyz" not in str(info.value)
    assert "$EXAMPLE_API_KEY" in str(info.value)
    raise_for_status(httpx.Response(200, json={}, request=request))  # a 2xx passes


def _exc(cls, message="boom", **ext):
    request = httpx.Request(
        "POST",
        "https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=AIzaSECRET",
        extensions={"timeout": {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 1.0}},
    )
    return cls(message, request=request)


@pytest.mark.parametrize(
    ("cls", "kind", "fragment"),
    [
        (
            httpx.ConnectTimeout,
            TimeoutError,
            "could not connect to https://generativelanguage.googleapis.com within 5 s",
        ),
        (
            httpx.ReadTimeout,
            TimeoutError,
            "no data from https://generativelanguage.googleapis.com within 30 s",
        ),
        (httpx.WriteTimeout, TimeoutError, "within 30 s"),
        (httpx.PoolTimeout, TimeoutError, "no free connection in the pool"),
        (httpx.ConnectError, APIConnectionError, "could not connect"),
        (httpx.ReadError, APIConnectionError, "connection to"),
        (httpx.RemoteProtocolError, APIConnectionError, "RemoteProtocolError"),
        (httpx.ProxyError, APIConnectionError, "proxy"),
    ],
)
def test_transport_exceptions(cls, kind, fragment):
    err = error_from_exception(_exc(cls), provider="gemini")
    assert type(err) is kind
    assert fragment in str(err)
    assert "AIzaSECRET" not in str(err)
    assert str(err).startswith("gemini: ")


def test_configuration_transport_exceptions():
    err = error_from_exception(_exc(httpx.UnsupportedProtocol, "missing protocol"))
    assert isinstance(err, ConfigurationError)
    assert "http://" in str(err)
    leak = _exc(httpx.LocalProtocolError, f"Illegal header value b'Bearer {KEY}\\n'")
    err = error_from_exception(leak)
    assert isinstance(err, ConfigurationError)
    assert KEY not in str(err)
    assert "newline" in str(err)
