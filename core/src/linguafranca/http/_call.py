"""What the sync and async request loops share: everything but the I/O."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, Union

import httpx

from linguafranca.errors import ConfigurationError, LinguaFrancaError, ProviderError, StreamError
from linguafranca.http._json import loads
from linguafranca.http._redact import redact_headers, redact_text, redact_url, secret_values
from linguafranca.http._sse import NDJSONDecoder, ServerSentEvent, SSEDecoder
from linguafranca.http._status import error_from_exception, error_from_response, parse_error_body

if TYPE_CHECKING:
    from httpx._client import UseClientDefault

__all__ = [
    "ErrorFactory",
    "TimeoutArg",
    "decode_json",
    "logger",
    "merge_headers",
    "parsed_url",
]

logger = logging.getLogger("linguafranca.http")

ErrorFactory = Callable[[httpx.Response], ProviderError]
"""Builds the error for a non-2xx response that has been read (a partner's own mapping)."""

TimeoutArg = Union[float, httpx.Timeout, None, "UseClientDefault"]

JSON_HEADERS: Mapping[str, str] = {"content-type": "application/json"}
SSE_HEADERS: Mapping[str, str] = {
    "content-type": "application/json",
    "accept": "text/event-stream",
}
NDJSON_HEADERS: Mapping[str, str] = {
    "content-type": "application/json",
    "accept": "application/x-ndjson",
}


_URLS: dict[str, httpx.URL] = {}
_MAX_URLS = 512


def parsed_url(url: str) -> str | httpx.URL:
    """``url`` as an ``httpx.URL``, parsed once per distinct string.

    httpx parses a URL string on every request (about 20 µs); a chat model sends to a
    handful of URLs. A URL httpx cannot parse is returned as given: the request then
    raises as it would have.
    """
    found = _URLS.get(url)
    if found is None:
        try:
            found = httpx.URL(url)
        except httpx.InvalidURL:
            return url
        if len(_URLS) >= _MAX_URLS:
            _URLS.clear()
        _URLS[url] = found
    return found


def merge_headers(
    defaults: Mapping[str, str], headers: Mapping[str, str] | None
) -> Mapping[str, str]:
    """``defaults`` overridden by ``headers`` (names compared case-insensitively)."""
    if not headers:
        return defaults
    given = {name.lower() for name in headers}
    merged = {k: v for k, v in defaults.items() if k not in given}
    merged.update(headers)
    return merged


def response_error(
    response: httpx.Response,
    *,
    provider: str | None,
    api_key_env: str | None,
    error_factory: ErrorFactory | None,
) -> ProviderError:
    """The error for a non-2xx response whose body has been read."""
    if error_factory is not None:
        return error_factory(response)
    return error_from_response(
        response.status_code,
        response.headers,
        response.content,
        provider=provider,
        api_key_env=api_key_env,
        secrets=secret_values(response.request),
    )


def transport_error(exc: httpx.HTTPError, provider: str | None) -> LinguaFrancaError:
    """The typed error for an httpx exception raised before any response data."""
    return error_from_exception(exc, provider=provider)


def fail(error: LinguaFrancaError, cause: BaseException | None) -> NoReturn:
    """Raise ``error``, chained to ``cause`` unless the cause may quote a credential."""
    if isinstance(cause, httpx.LocalProtocolError):
        raise error from None
    raise error from cause


def invalid_url(exc: Exception, url: object) -> ConfigurationError:
    """The error for a URL httpx could not parse."""
    return ConfigurationError(
        f"Invalid request URL {redact_text(str(url))!r}: {redact_text(str(exc))}. Check base_url."
    )


def decode_json(response: httpx.Response, provider: str | None) -> Any:
    """The JSON body of a 2xx response (``None`` when empty)."""
    content = response.content
    if not content:
        return None
    try:
        return loads(content)
    except ValueError:
        snippet = redact_text(response.text[:200])
        kind = response.headers.get("content-type", "no content-type")
        raise ProviderError(
            f"the response is not JSON ({kind}): {snippet!r}",
            status_code=response.status_code,
            provider=provider,
            headers=response.headers,
            hint="check that base_url points at the provider's API",
        ) from None


def stream_cut(exc: httpx.HTTPError, provider: str | None, count: int) -> StreamError:
    """The error for a stream that broke after ``count`` items reached the caller."""
    try:
        url = exc.request.url
        origin = f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
    except RuntimeError:
        origin = "the server"
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "was cut short"
    return StreamError(
        f"the stream from {origin} {kind} after {count} events, before it was complete "
        f"({type(exc).__name__}: {redact_text(str(exc)) or 'no detail'})",
        provider=provider,
        hint=StreamError.default_hint,
    )


def not_a_stream(response: httpx.Response, provider: str | None) -> StreamError:
    """The error for a 2xx answer to a streamed request that is plain JSON, not events."""
    text = redact_text(response.text, secret_values(response.request))
    try:
        body: object = loads(text)
    except ValueError:
        body = text
    message = parse_error_body(body).message or text[:200]
    return StreamError(
        f"expected an event stream but the server answered with JSON: {message}",
        status_code=response.status_code,
        provider=provider,
        body=body,
        headers=response.headers,
        hint="check that the request asks for a stream and that base_url is right",
    )


class SSEItems:
    """SSE decoding for the stream loops: stops at the done marker."""

    __slots__ = ("_decoder", "_marker", "done")
    rejects_json = True  # a JSON body is an error or a non-streamed reply, never events

    def __init__(self, done_marker: str | None) -> None:
        self._decoder = SSEDecoder()
        self._marker = done_marker
        self.done = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self.done:
            return []
        events = self._decoder.feed(chunk)
        return self._cut(events) if self._marker is not None and events else events

    def close(self) -> list[ServerSentEvent]:
        if self.done:
            return []
        return self._cut(self._decoder.close())

    def _cut(self, events: list[ServerSentEvent]) -> list[ServerSentEvent]:
        marker = self._marker
        for i, event in enumerate(events):
            if event.data == marker:
                self.done = True
                return events[:i]
        return events


class NDJSONItems:
    """NDJSON decoding for the stream loops: an ``{"error": ...}`` line raises."""

    __slots__ = ("_decoder", "_provider", "done")
    rejects_json = False  # Ollama labels some NDJSON streams application/json

    def __init__(self, provider: str | None) -> None:
        self._decoder = NDJSONDecoder()
        self._provider = provider
        self.done = False

    def feed(self, chunk: bytes) -> list[Any]:
        try:
            values = self._decoder.feed(chunk)
        except ValueError as exc:
            raise self._malformed(exc) from None
        for value in values:
            if type(value) is dict and "error" in value:
                raise self._in_band(value)
        return values

    def close(self) -> list[Any]:
        try:
            values = self._decoder.close()
        except ValueError as exc:
            raise self._malformed(exc) from None
        for value in values:
            if type(value) is dict and "error" in value:
                raise self._in_band(value)
        return values

    def _malformed(self, exc: ValueError) -> StreamError:
        return StreamError(
            f"the stream sent a line that is not JSON: {redact_text(str(exc))}",
            provider=self._provider,
            hint=StreamError.default_hint,
        )

    def _in_band(self, value: dict[str, Any]) -> StreamError:
        error = value["error"]
        message = error.get("message") if isinstance(error, Mapping) else error
        return StreamError(
            f"error in the stream: {message}",
            provider=self._provider,
            body=value,
            hint=StreamError.default_hint,
        )


def log_response(response: httpx.Response, started: float) -> None:
    """DEBUG line for one request: method, URL, status, time, redacted headers."""
    request = response.request
    logger.debug(
        "%s %s -> %d in %.1f ms; request headers %s",
        request.method,
        redact_url(request.url),
        response.status_code,
        (time.perf_counter() - started) * 1000.0,
        redact_headers(request.headers),
    )


def log_retry(error: LinguaFrancaError, delay: float, attempt: int, max_retries: int) -> None:
    """INFO line before a retry."""
    logger.info(
        "Retrying in %.2f s (retry %d of %d) after: %s", delay, attempt + 1, max_retries, error
    )
