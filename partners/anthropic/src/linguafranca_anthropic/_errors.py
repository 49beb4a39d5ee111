"""HTTP error responses from Anthropic -> typed errors, through ``linguafranca.http``.

Anthropic answers errors with ``{"type": "error", "error": {"type": "...",
"message": "..."}, "request_id": "req_..."}``; ``linguafranca.http`` already reads
that shape, the ``request-id`` and ``retry-after`` headers and the
``anthropic-ratelimit-*-reset`` times. This module only adds what is Anthropic's:
the provider name and the environment variable named in the 401 hint. In-band
``error`` events of a stream are mapped by ``_stream.error_from_event`` (no httpx).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from linguafranca import errors, http
from linguafranca_anthropic._convert_response import PROVIDER

__all__ = ["API_KEY_ENV", "error_from_response"]

API_KEY_ENV = "ANTHROPIC_API_KEY"
"""The environment variable that holds the API key."""


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: object,
    *,
    secrets: Sequence[str] = (),
    now: float | None = None,
) -> errors.ProviderError:
    """The typed error for an HTTP error response from the Messages API.

    Args:
        status: HTTP status code.
        headers: Response headers (``retry-after``, ``request-id``,
            ``anthropic-ratelimit-*``).
        body: The body: raw bytes / text, or the parsed JSON value.
        secrets: Credential values to scrub from the message and body.
        now: Current time (``time.time()``) for the rate-limit reset headers; for tests.

    Returns:
        ``BadRequestError`` (400), ``AuthenticationError`` (401),
        ``PermissionDeniedError`` (403), ``NotFoundError`` (404),
        ``RequestTooLargeError`` (413), ``RateLimitError`` (429, with ``retry_after``),
        ``InternalServerError`` (5xx) or ``OverloadedError`` (529).
    """
    return http.error_from_response(
        status,
        headers,
        body,
        provider=PROVIDER,
        api_key_env=API_KEY_ENV,
        secrets=secrets,
        now=now,
    )
