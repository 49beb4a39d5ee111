"""Streamed requests: Server-Sent Events and NDJSON, retried only before the first item."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Any, Protocol, TypeVar

import httpx

from linguafranca.errors import LinguaFrancaError
from linguafranca.http._call import (
    NDJSON_HEADERS,
    SSE_HEADERS,
    ErrorFactory,
    NDJSONItems,
    SSEItems,
    TimeoutArg,
    fail,
    invalid_url,
    log_response,
    log_retry,
    logger,
    merge_headers,
    not_a_stream,
    parsed_url,
    response_error,
    stream_cut,
    transport_error,
)
from linguafranca.http._json import dumps
from linguafranca.http._retry import DEFAULT_RETRY, RetryPolicy
from linguafranca.http._sse import ServerSentEvent

__all__ = ["astream_ndjson", "astream_sse", "stream_ndjson", "stream_sse"]

T = TypeVar("T")


class _Items(Protocol[T]):
    done: bool
    rejects_json: bool

    def feed(self, chunk: bytes) -> list[T]: ...

    def close(self) -> list[T]: ...


def _is_json(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith("application/json")


def _stream(
    client: httpx.Client,
    method: str,
    url: str,
    json_body: Any,
    headers: Mapping[str, str],
    timeout: TimeoutArg,
    retry: RetryPolicy,
    provider: str | None,
    api_key_env: str | None,
    error_factory: ErrorFactory | None,
    make_items: Callable[[], _Items[T]],
) -> Generator[T, None, None]:
    content = None if json_body is None else dumps(json_body)
    target = parsed_url(url)
    debug = logger.isEnabledFor(logging.DEBUG)
    attempt = 0
    while True:
        started = time.perf_counter() if debug else 0.0
        cause: BaseException | None = None
        error_headers: httpx.Headers | None = None
        try:
            request = client.build_request(
                method, target, content=content, headers=headers, timeout=timeout
            )
            response = client.send(request, stream=True)
        except httpx.HTTPError as exc:
            error: LinguaFrancaError = transport_error(exc, provider)
            cause = exc
        except httpx.InvalidURL as exc:
            raise invalid_url(exc, url) from None
        else:
            try:
                if debug:
                    log_response(response, started)
                if response.status_code >= 300:
                    response.read()
                    error = response_error(
                        response,
                        provider=provider,
                        api_key_env=api_key_env,
                        error_factory=error_factory,
                    )
                    error_headers = response.headers
                else:
                    items = make_items()
                    if items.rejects_json and _is_json(response):
                        response.read()
                        raise not_a_stream(response, provider)
                    count = 0
                    try:
                        for chunk in response.iter_bytes():
                            for item in items.feed(chunk):
                                count += 1
                                yield item
                        for item in items.close():
                            count += 1
                            yield item
                        return
                    except httpx.HTTPError as exc:
                        if items.done:
                            return  # the end marker arrived: a late drop loses nothing
                        if count:
                            raise stream_cut(exc, provider, count) from exc
                        error, cause = transport_error(exc, provider), exc
            except httpx.HTTPError as exc:  # reading an error body failed
                error, cause = transport_error(exc, provider), exc
            finally:
                response.close()
        delay = retry.delay(attempt, error, error_headers)
        if delay is None:
            fail(error, cause)
        log_retry(error, delay, attempt, retry.max_retries)
        retry.sleep(delay)
        attempt += 1


async def _astream(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    json_body: Any,
    headers: Mapping[str, str],
    timeout: TimeoutArg,
    retry: RetryPolicy,
    provider: str | None,
    api_key_env: str | None,
    error_factory: ErrorFactory | None,
    make_items: Callable[[], _Items[T]],
) -> AsyncGenerator[T, None]:
    content = None if json_body is None else dumps(json_body)
    target = parsed_url(url)
    debug = logger.isEnabledFor(logging.DEBUG)
    attempt = 0
    while True:
        started = time.perf_counter() if debug else 0.0
        cause: BaseException | None = None
        error_headers: httpx.Headers | None = None
        try:
            request = client.build_request(
                method, target, content=content, headers=headers, timeout=timeout
            )
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            error: LinguaFrancaError = transport_error(exc, provider)
            cause = exc
        except httpx.InvalidURL as exc:
            raise invalid_url(exc, url) from None
        else:
            try:
                if debug:
                    log_response(response, started)
                if response.status_code >= 300:
                    await response.aread()
                    error = response_error(
                        response,
                        provider=provider,
                        api_key_env=api_key_env,
                        error_factory=error_factory,
                    )
                    error_headers = response.headers
                else:
                    items = make_items()
                    if items.rejects_json and _is_json(response):
                        await response.aread()
                        raise not_a_stream(response, provider)
                    count = 0
                    try:
                        async for chunk in response.aiter_bytes():
                            for item in items.feed(chunk):
                                count += 1
                                yield item
                        for item in items.close():
                            count += 1
                            yield item
                        return
                    except httpx.HTTPError as exc:
                        if items.done:
                            return
                        if count:
                            raise stream_cut(exc, provider, count) from exc
                        error, cause = transport_error(exc, provider), exc
            except httpx.HTTPError as exc:
                error, cause = transport_error(exc, provider), exc
            finally:
                await response.aclose()
        delay = retry.delay(attempt, error, error_headers)
        if delay is None:
            fail(error, cause)
        log_retry(error, delay, attempt, retry.max_retries)
        await retry.async_sleep(delay)
        attempt += 1


def stream_sse(
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
    done_marker: str | None = "[DONE]",
    method: str = "POST",
) -> Generator[ServerSentEvent, None, None]:
    """Send a request and yield the Server-Sent Events of the reply as they arrive.

    The request is sent on the first ``next()``. Failures before the first event are
    retried like ``post_json``; once an event reached the caller nothing is retried, and
    a connection lost before the end raises ``StreamError``. Closing the generator
    (``close()``, or leaving a ``with closing(...)`` block) closes the response.

    Example:
        ```python
        for event in stream_sse(client, "/chat/completions", body, provider="openai"):
            chunk = event.json()
        ```

    Args:
        client: The model's ``httpx.Client``.
        url: Absolute URL or a path relative to the client's base_url.
        json_body: The JSON request body (``None`` for no body).
        headers: Extra headers (``accept: text/event-stream`` is sent by default).
        retry: When to retry before the first event.
        provider: Provider name used in error messages.
        api_key_env: Environment variable holding the key, named in a 401's hint.
        timeout: Overrides the client's timeout (the read timeout bounds each wait for data).
        error_factory: A partner's own mapping of error responses to errors.
        done_marker: Event data that ends the stream (OpenAI's ``[DONE]``); not yielded.
            ``None`` yields every event.
        method: HTTP method.

    Yields:
        ``ServerSentEvent(event, data, id, retry)``; comments are skipped.

    Raises:
        ProviderError: An error status (typed as in ``post_json``).
        APIConnectionError: No connection before the first event (``TimeoutError`` on a
            timeout).
        StreamError: The connection broke or timed out after the first event.
    """
    return _stream(
        client,
        method,
        url,
        json_body,
        merge_headers(SSE_HEADERS, headers),
        timeout,
        retry,
        provider,
        api_key_env,
        error_factory,
        lambda: SSEItems(done_marker),
    )


def astream_sse(
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
    done_marker: str | None = "[DONE]",
    method: str = "POST",
) -> AsyncGenerator[ServerSentEvent, None]:
    """Async ``stream_sse``: same arguments and behaviour; ``aclose()`` closes the response."""
    return _astream(
        client,
        method,
        url,
        json_body,
        merge_headers(SSE_HEADERS, headers),
        timeout,
        retry,
        provider,
        api_key_env,
        error_factory,
        lambda: SSEItems(done_marker),
    )


def stream_ndjson(
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
    method: str = "POST",
) -> Generator[Any, None, None]:
    """Send a request and yield each line of a newline-delimited JSON reply, parsed.

    Same retry, close and error rules as ``stream_sse``. A line holding an ``"error"``
    key (Ollama's in-band error) raises ``StreamError``, as does a line that is not JSON.

    Example:
        ```python
        for part in stream_ndjson(client, "/api/chat", body, provider="ollama"):
            print(part["message"]["content"], end="")
        ```
    """
    return _stream(
        client,
        method,
        url,
        json_body,
        merge_headers(NDJSON_HEADERS, headers),
        timeout,
        retry,
        provider,
        api_key_env,
        error_factory,
        lambda: NDJSONItems(provider),
    )


def astream_ndjson(
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
    method: str = "POST",
) -> AsyncGenerator[Any, None]:
    """Async ``stream_ndjson``: same arguments and behaviour; ``aclose()`` closes the response."""
    return _astream(
        client,
        method,
        url,
        json_body,
        merge_headers(NDJSON_HEADERS, headers),
        timeout,
        retry,
        provider,
        api_key_env,
        error_factory,
        lambda: NDJSONItems(provider),
    )
