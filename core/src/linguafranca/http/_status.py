"""HTTP status and transport failures -> the typed errors of ``linguafranca.errors``."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import httpx

from linguafranca.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    LinguaFrancaError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTooLargeError,
    TimeoutError,
    UnprocessableEntityError,
)
from linguafranca.http._json import loads
from linguafranca.http._redact import redact_headers, redact_text, secret_values
from linguafranca.http._retry import parse_duration, rate_limit_reset, retry_after

__all__ = [
    "ErrorDetails",
    "error_class",
    "error_from_exception",
    "error_from_response",
    "parse_error_body",
    "raise_for_status",
]

_STATUS_CLASSES: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: OverloadedError,
}
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "cf-ray")
_MAX_TEXT = 500


class ErrorDetails(NamedTuple):
    """What an error body says, whatever the provider's shape."""

    message: str | None = None
    error_type: str | None = None
    code: str | int | None = None
    param: str | None = None
    request_id: str | None = None


def error_class(status: int) -> type[ProviderError]:
    """The error class for an HTTP status (other 4xx: ``ProviderError``)."""
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    return InternalServerError if status >= 500 else ProviderError


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_error_body(body: object) -> ErrorDetails:
    """Extract message, type, code, param and request id from an error body.

    Understands OpenAI ``{"error": {"message", "type", "param", "code"}}``, Anthropic
    ``{"type": "error", "error": {"type", "message"}, "request_id"}``, Gemini
    ``{"error": {"code", "message", "status"}}`` (also inside a JSON array), Ollama
    ``{"error": "..."}``, and ``{"detail": ...}`` / ``{"message": ...}`` bodies.
    """
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]  # Gemini's streamGenerateContent wraps errors in an array
    if isinstance(body, (str, bytes)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return ErrorDetails(message=text.strip()[:_MAX_TEXT] or None)
    if not isinstance(body, Mapping):
        return ErrorDetails()
    request_id = _str(body.get("request_id"))
    error = body.get("error")
    if isinstance(error, Mapping):
        code = error.get("code")
        return ErrorDetails(
            message=_str(error.get("message")) or _str(error.get("detail")),
            error_type=_str(error.get("type")) or _str(error.get("status")),
            code=code if isinstance(code, (str, int)) and not isinstance(code, bool) else None,
            param=_str(error.get("param")),
            request_id=request_id,
        )
    if isinstance(error, str):
        return ErrorDetails(message=error, request_id=request_id)
    detail = body.get("detail")
    if isinstance(detail, list):  # FastAPI-style validation errors
        parts = [
            f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg')}"
            for item in detail
            if isinstance(item, Mapping)
        ]
        return ErrorDetails(message="; ".join(parts) or None, request_id=request_id)
    return ErrorDetails(
        message=_str(detail) or _str(body.get("message")),
        error_type=_str(body.get("type")) if body.get("type") != "error" else None,
        request_id=request_id,
    )


def _body_retry_delay(body: object) -> float | None:
    # Gemini: {"error": {"details": [{"@type": ".../google.rpc.RetryInfo", "retryDelay": "48s"}]}}
    error = body.get("error") if isinstance(body, Mapping) else None
    details = error.get("details") if isinstance(error, Mapping) else None
    if not isinstance(details, Sequence):
        return None
    for item in details:
        if isinstance(item, Mapping) and isinstance(item.get("retryDelay"), str):
            return parse_duration(item["retryDelay"])
    return None


def _is_invalid_key(body: object) -> bool:
    # Gemini answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
    error = body.get("error") if isinstance(body, Mapping) else None
    details = error.get("details") if isinstance(error, Mapping) else None
    if not isinstance(details, Sequence):
        return False
    return any(isinstance(d, Mapping) and d.get("reason") == "API_KEY_INVALID" for d in details)


def _hint(
    cls: type[ProviderError],
    status: int,
    details: ErrorDetails,
    headers: Mapping[str, str],
    api_key_env: str | None,
    retry_after_s: float | None,
) -> str | None:
    if cls is AuthenticationError:
        where = f"${api_key_env} or the api_key argument" if api_key_env else "the api_key argument"
        return f"check the API key in {where}"
    if cls is BadRequestError and details.param:
        return f"check the request argument {details.param!r}"
    if cls is RateLimitError:
        if details.code == "insufficient_quota":
            return "the account is out of quota: check the plan and billing details"
        if retry_after_s is not None:
            return f"retry after {retry_after_s:.3g} s (raise max_retries to retry automatically)"
    if status == 408:
        return "the provider timed out reading the request; retry"
    if status == 409:
        return "a conflicting request is in progress; retry later"
    if 300 <= status < 400:
        location = headers.get("location")
        if location:
            return f"the server redirects to {location}: use that address as base_url"
        return "check base_url"
    return cls.default_hint


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: object,
    *,
    provider: str | None = None,
    api_key_env: str | None = None,
    secrets: Sequence[str] = (),
    now: float | None = None,
) -> ProviderError:
    """The typed error for an HTTP error response (pure: no I/O).

    Example:
        ```python
        err = error_from_response(401, response.headers, response.content,
                                  provider="openai", api_key_env="OPENAI_API_KEY")
        raise err
        ```

    Args:
        status: The HTTP status code.
        headers: Response headers (``retry-after``, request id, rate-limit headers).
        body: The body: raw ``bytes`` / ``str`` (parsed when it is JSON) or a parsed value.
        provider: Provider name for the message (``"openai"``).
        api_key_env: The environment variable that holds the key, named in the 401 hint.
        secrets: Credential values to scrub from the message and body.
        now: Current time (``time.time()``) for date-valued headers; for tests.

    Returns:
        ``BadRequestError`` (400), ``AuthenticationError`` (401, also Gemini's 400
        ``API_KEY_INVALID``), ``PermissionDeniedError`` (403), ``NotFoundError`` (404),
        ``RequestTooLargeError`` (413), ``UnprocessableEntityError`` (422),
        ``RateLimitError`` (429, with ``retry_after``), ``OverloadedError`` (529),
        ``InternalServerError`` (other 5xx) or ``ProviderError`` (anything else).
    """
    if not isinstance(headers, httpx.Headers):
        headers = httpx.Headers(headers)
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if isinstance(body, str):
        text = redact_text(body, secrets)
        try:
            body = loads(text) if text.lstrip()[:1] in ("{", "[") else text
        except ValueError:
            body = text
    details = parse_error_body(body)
    cls = error_class(status)
    if cls is BadRequestError and _is_invalid_key(body):
        cls = AuthenticationError
    request_id = details.request_id
    if request_id is None:
        request_id = next((headers[h] for h in _REQUEST_ID_HEADERS if h in headers), None)
    message = details.message or f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".strip()
    message = redact_text(message, secrets)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "provider": provider,
        "body": body,
        "request_id": request_id,
        "headers": redact_headers(headers),
        "code": details.code,
        "error_type": details.error_type,
    }
    delay: float | None = None
    if cls is RateLimitError:
        now = time.time() if now is None else now
        delay = retry_after(headers, now=now)
        if delay is None:
            delay = _body_retry_delay(body)
        if delay is None:
            delay = rate_limit_reset(headers, now=now)
        kwargs["retry_after"] = delay
    elif cls is BadRequestError:
        kwargs["param"] = details.param
    kwargs["hint"] = _hint(cls, status, details, headers, api_key_env, delay)
    return cls(message, **kwargs)


def raise_for_status(
    response: httpx.Response,
    *,
    provider: str | None = None,
    api_key_env: str | None = None,
) -> None:
    """Raise the typed error if ``response`` (already read) is not a 2xx.

    Raises:
        ProviderError: The subclass matching the status (see ``error_from_response``).
    """
    if response.is_success:
        return
    raise error_from_response(
        response.status_code,
        response.headers,
        response.content,
        provider=provider,
        api_key_env=api_key_env,
        secrets=secret_values(response.request),
    )


def _origin(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:  # an exception raised without a request
        return "the server"
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def _timeout_seconds(exc: httpx.HTTPError, key: str) -> float | None:
    try:
        timeouts = exc.request.extensions.get("timeout", {})
    except RuntimeError:
        return None
    value = timeouts.get(key) if isinstance(timeouts, Mapping) else None
    return float(value) if isinstance(value, (int, float)) else None


_TIMEOUT_KINDS: dict[type[httpx.TimeoutException], tuple[str, str]] = {
    httpx.ConnectTimeout: ("connect", "could not connect to {origin}"),
    httpx.ReadTimeout: ("read", "no data from {origin}"),
    httpx.WriteTimeout: ("write", "could not send the request to {origin}"),
    httpx.PoolTimeout: ("pool", "no free connection in the pool for {origin}"),
}


def error_from_exception(exc: httpx.HTTPError, *, provider: str | None = None) -> LinguaFrancaError:
    """The typed error for an httpx exception raised before a response arrived.

    Returns:
        ``TimeoutError`` for httpx timeouts, ``ConfigurationError`` for a malformed URL
        or header (e.g. an API key with a newline), ``APIConnectionError`` otherwise.
    """
    secrets = []
    try:
        secrets = secret_values(exc.request)
    except RuntimeError:
        pass
    origin = _origin(exc)
    detail = redact_text(str(exc), secrets) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        key, what = _TIMEOUT_KINDS.get(type(exc), ("read", "request to {origin} timed out"))
        seconds = _timeout_seconds(exc, key)
        within = f" within {seconds:g} s" if seconds is not None else ""
        hint = (
            "raise the pool limits or lower the concurrency"
            if isinstance(exc, httpx.PoolTimeout)
            else TimeoutError.default_hint
        )
        return TimeoutError(
            f"{what.format(origin=origin)}{within} ({type(exc).__name__})",
            provider=provider,
            hint=hint,
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ConfigurationError(
            f"Cannot send a request to {origin}: {detail}. Set base_url to an http:// or "
            "https:// address."
        )
    if isinstance(exc, httpx.LocalProtocolError):
        # The detail may quote a header value, i.e. the key itself: leave it out.
        return ConfigurationError(
            "The request could not be sent: a header is malformed (often an API key with a "
            "trailing newline or space). Check the API key and extra headers."
        )
    if isinstance(exc, httpx.ProxyError):
        return APIConnectionError(
            f"the proxy refused the connection to {origin}: {detail}",
            provider=provider,
            hint="check the proxy settings (proxy argument, HTTPS_PROXY)",
        )
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(
            f"could not connect to {origin}: {detail}",
            provider=provider,
            hint=APIConnectionError.default_hint,
        )
    return APIConnectionError(
        f"the connection to {origin} failed: {detail} ({type(exc).__name__})",
        provider=provider,
        hint="retry the request; if it persists, " + (APIConnectionError.default_hint or ""),
    )
