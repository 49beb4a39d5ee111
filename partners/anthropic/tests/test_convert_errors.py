"""Typed errors: HTTP error responses (recorded 400/401/404 are in test_replay) and
in-band error events of a stream."""

from datetime import datetime, timezone

import pytest

from linguafranca import errors
from linguafranca_anthropic._errors import error_from_response
from linguafranca_anthropic._stream import error_from_event


def body(kind, message, request_id="req_1"):
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}


@pytest.mark.parametrize(
    ("status", "kind", "cls"),
    [
        (400, "invalid_request_error", errors.BadRequestError),
        (401, "authentication_error", errors.AuthenticationError),
        (403, "permission_error", errors.PermissionDeniedError),
        (404, "not_found_error", errors.NotFoundError),
        (413, "request_too_large", errors.RequestTooLargeError),
        (429, "rate_limit_error", errors.RateLimitError),
        (500, "api_error", errors.InternalServerError),
        (529, "overloaded_error", errors.OverloadedError),
    ],
)
def test_status_gives_the_typed_error(status, kind, cls):
    error = error_from_response(status, {}, body(kind, "went wrong"))
    assert type(error) is cls
    assert (error.status_code, error.provider, error.request_id) == (status, "anthropic", "req_1")
    assert error.error_type == kind
    assert "went wrong" in str(error) and "req_1" in str(error)


def test_authentication_error_names_the_environment_variable():
    error = error_from_response(401, {}, body("authentication_error", "invalid x-api-key"))
    assert "ANTHROPIC_API_KEY" in str(error)


def test_rate_limit_carries_retry_after_and_the_request_id_header():
    headers = {"retry-after": "17", "request-id": "req_header"}
    raw = b'{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'
    error = error_from_response(429, headers, raw)
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after == 17.0
    assert error.request_id == "req_header"
    assert error.body == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "slow down"},
    }


def test_rate_limit_without_retry_after_uses_the_reset_of_the_exhausted_limit():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()
    headers = {
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": "2026-01-01T12:00:30Z",
        "anthropic-ratelimit-tokens-remaining": "5000",
        "anthropic-ratelimit-tokens-reset": "2026-01-01T12:05:00Z",
    }
    error = error_from_response(429, headers, body("rate_limit_error", "slow down"), now=now)
    assert isinstance(error, errors.RateLimitError)
    assert error.retry_after == 30.0


def test_non_json_body():
    error = error_from_response(502, {}, "<html>Bad gateway</html>")
    assert type(error) is errors.InternalServerError
    assert error.body == "<html>Bad gateway</html>"


@pytest.mark.parametrize(
    ("kind", "cls", "status"),
    [
        ("overloaded_error", errors.OverloadedError, 529),
        ("api_error", errors.InternalServerError, 500),
        ("rate_limit_error", errors.RateLimitError, 429),
        ("invalid_request_error", errors.BadRequestError, 400),
    ],
)
def test_in_stream_error_event_gives_the_typed_error(kind, cls, status):
    error = error_from_event({"type": "error", "error": {"type": kind, "message": "x"}})
    assert type(error) is cls
    assert (error.status_code, error.error_type, error.provider) == (status, kind, "anthropic")
    assert "stream" in str(error)


def test_unknown_in_stream_error_type_is_a_stream_error():
    error = error_from_event({"type": "error", "error": {"type": "brand_new", "message": "odd"}})
    assert type(error) is errors.StreamError
    assert error.status_code is None
    assert "odd" in str(error)
