"""JSON requests: one POST, parsed JSON back, typed errors and retries."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from linguafranca.errors import LinguaFrancaError
from linguafranca.http._call import (
    JSON_HEADERS,
    ErrorFactory,
    TimeoutArg,
    decode_json,
    fail,
    invalid_url,
    log_response,
    log_retry,
    logger,
    merge_headers,
    parsed_url,
    response_error,
    transport_error,
)
from linguafranca.http._json import dumps
from linguafranca.http._retry import DEFAULT_RETRY, RetryPolicy

__all__ = ["apost_json", "post_json"]


def post_json(
    client: httpx.Client,
    url: str,
    json_body: Any,
    *,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    provider: str | None = None,
    api_key_env: str | None = None,
    timeout: TimeoutArg = httpx.USE_CLIENT_DEFAULT,
    error_factory: ErrorFactory | None = None,
) -> tuple[Any, httpx.Headers]:
    """POST ``json_body`` as JSON and return the parsed JSON reply and its headers.

    Example:
        ```python
        data, headers = post_json(client, "/chat/completions", {"model": "gpt-4.1", ...},
                                  provider="openai", api_key_env="OPENAI_API_KEY")
        ```

    Args:
        client: The model's ``httpx.Client`` (its base_url, default headers and timeout apply).
        url: Absolute URL, or a path relative to the client's base_url.
        json_body: The request body (dicts, lists, str, numbers, pydantic models).
        headers: Extra headers for this request.
        retry: When to retry (connection errors, timeouts, 408, 409, 429, 5xx).
        provider: Provider name used in error messages.
        api_key_env: Environment variable holding the key, named in a 401's hint.
        timeout: Overrides the client's timeout for this request.
        error_factory: A partner's own mapping of error responses to errors.

    Returns:
        The parsed JSON body (``None`` if empty) and the response headers.

    Raises:
        ProviderError: The typed error for the status (``AuthenticationError``,
            ``RateLimitError``, ...), once retries are exhausted.
        APIConnectionError: The server could not be reached (``TimeoutError`` on a timeout).
        ConfigurationError: The body cannot be encoded, or the URL / a header is malformed.
    """
    content = dumps(json_body)
    target = parsed_url(url)
    request_headers = merge_headers(JSON_HEADERS, headers)
    debug = logger.isEnabledFor(logging.DEBUG)
    attempt = 0
    while True:
        started = time.perf_counter() if debug else 0.0
        cause: BaseException | None = None
        error_headers: httpx.Headers | None = None
        try:
            response = client.post(
                target, content=content, headers=request_headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            error: LinguaFrancaError = transport_error(exc, provider)
            cause = exc
        except httpx.InvalidURL as exc:
            raise invalid_url(exc, url) from None
        else:
            if debug:
                log_response(response, started)
            if response.status_code < 300:
                return decode_json(response, provider), response.headers
            error = response_error(
                response, provider=provider, api_key_env=api_key_env, error_factory=error_factory
            )
            error_headers = response.headers
        delay = retry.delay(attempt, error, error_headers)
        if delay is None:
            fail(error, cause)
        log_retry(error, delay, attempt, retry.max_retries)
        retry.sleep(delay)
        attempt += 1


async def apost_json(
    client: httpx.AsyncClient,
    url: str,
    json_body: Any,
    *,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    provider: str | None = None,
    api_key_env: str | None = None,
    timeout: TimeoutArg = httpx.USE_CLIENT_DEFAULT,
    error_factory: ErrorFactory | None = None,
) -> tuple[Any, httpx.Headers]:
    """Async ``post_json``: same arguments, result and errors, with an ``httpx.AsyncClient``."""
    content = dumps(json_body)
    target = parsed_url(url)
    request_headers = merge_headers(JSON_HEADERS, headers)
    debug = logger.isEnabledFor(logging.DEBUG)
    attempt = 0
    while True:
        started = time.perf_counter() if debug else 0.0
        cause: BaseException | None = None
        error_headers: httpx.Headers | None = None
        try:
            response = await client.post(
                target, content=content, headers=request_headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            error: LinguaFrancaError = transport_error(exc, provider)
            cause = exc
        except httpx.InvalidURL as exc:
            raise invalid_url(exc, url) from None
        else:
            if debug:
                log_response(response, started)
            if response.status_code < 300:
                return decode_json(response, provider), response.headers
            error = response_error(
                response, provider=provider, api_key_env=api_key_env, error_factory=error_factory
            )
            error_headers = response.headers
        delay = retry.delay(attempt, error, error_headers)
        if delay is None:
            fail(error, cause)
        log_retry(error, delay, attempt, retry.max_retries)
        await retry.async_sleep(delay)
        attempt += 1
