"""The Messages API over HTTP, through ``linguafranca.http`` (no vendor SDK).

``AnthropicClient`` holds what every request of one chat model shares, computed once:
the endpoint URLs, the headers (``x-api-key``, ``anthropic-version``,
``anthropic-beta``), the retry policy and the httpx clients (built on first use, then
reused). The sync and async paths share all of it; only the I/O loops are written twice.

Streams are retried only while no chunk has reached the caller: the first chunk
(``message_start``, which carries the input tokens) is held back until the next one
arrives, so that an in-band ``overloaded_error`` right after it is retried like a 529.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import httpx

from linguafranca import errors
from linguafranca.http import (
    DEFAULT_TIMEOUT,
    ClientSettings,
    HTTPClients,
    RetryPolicy,
    ServerSentEvent,
    apost_json,
    astream_sse,
    loads,
    post_json,
    stream_sse,
)
from linguafranca.messages import AIMessageChunk
from linguafranca_anthropic._convert_response import PROVIDER
from linguafranca_anthropic._errors import API_KEY_ENV
from linguafranca_anthropic._fast import text_delta_chunk
from linguafranca_anthropic._stream import StreamTranslator

__all__ = [
    "ANTHROPIC_VERSION",
    "DEFAULT_BASE_URL",
    "AnthropicClient",
    "build_headers",
]

ANTHROPIC_VERSION = "2023-06-01"
"""The ``anthropic-version`` header sent with every request."""
DEFAULT_BASE_URL = "https://api.anthropic.com"
"""The endpoint when neither ``base_url`` nor ``ANTHROPIC_BASE_URL`` is given."""
MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"


def build_headers(
    api_key: str | None,
    *,
    betas: Sequence[str] = (),
    default_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers of every request: key, API version, betas, then the user's own.

    Args:
        api_key: The API key (``x-api-key``); ``None`` sends none (for proxies that add it).
        betas: Beta feature names, joined into one ``anthropic-beta`` header.
        default_headers: Extra headers; they override the ones computed here.
    """
    headers: dict[str, str] = {"anthropic-version": ANTHROPIC_VERSION}
    if api_key:
        headers["x-api-key"] = api_key
    if betas:
        headers["anthropic-beta"] = ",".join(dict.fromkeys(betas))
    for name, value in (default_headers or {}).items():
        headers[name.lower()] = value
    return headers


def _malformed(event: ServerSentEvent, exc: ValueError) -> errors.StreamError:
    return errors.StreamError(
        f"the Anthropic stream sent a {event.event!r} event whose data is not JSON ({exc})",
        provider=PROVIDER,
        hint=errors.StreamError.default_hint,
    )


class _Attempt:
    """One streamed attempt: its translator, the reply's id, whether an event / the end came.

    Every chunk gets the reply's id (only ``message_start`` carries it); with
    ``usage=False`` no chunk carries token usage.
    """

    __slots__ = ("_as_string", "_usage", "done", "message_id", "received", "translator")

    def __init__(self, as_string: bool, usage: bool = True) -> None:
        self.translator = StreamTranslator(content_as_string=as_string)
        self._as_string = as_string
        self._usage = usage
        self.message_id: str | None = None
        self.received = False
        self.done = False

    def feed(self, event: ServerSentEvent) -> AIMessageChunk | None:
        """Translate one event (an ``error`` event raises its typed error)."""
        self.received = True
        try:
            data = loads(event.data)
        except ValueError as exc:
            raise _malformed(event, exc) from None
        kind = event.event
        if kind == "content_block_delta":
            # Most events of a reply: plain text, built without the general translator.
            fast = text_delta_chunk(data, self._as_string, self.message_id)
            if fast is not None:
                return fast
        try:
            chunk = self.translator.feed("" if kind == "message" else kind, data)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # ValueError: a value of the wrong type, refused by the chunk's validation.
            raise errors.StreamError(
                f"the Anthropic stream sent a {kind!r} event of an unexpected shape "
                f"({type(exc).__name__}: {exc}): {event.data[:200]!r}",
                provider=PROVIDER,
                hint=errors.StreamError.default_hint,
            ) from None
        if chunk is not None:
            values = chunk.__dict__
            if values["id"] is None:
                values["id"] = self.message_id
            else:
                self.message_id = values["id"]
            if not self._usage:
                values["usage_metadata"] = None
        return chunk

    def finish(self) -> None:
        """The events ran out: check that the stream was complete."""
        self.done = True
        self.translator.close()


def _first_two(state: _Attempt, events: Iterator[ServerSentEvent]) -> list[AIMessageChunk]:
    """The first two chunks of a stream (fewer if it ends first), before any is shown.

    Holding back the first chunk until the second arrives lets a failure right after
    ``message_start`` (an ``overloaded_error`` event) be retried: nothing was delivered.
    """
    found: list[AIMessageChunk] = []
    for event in events:
        chunk = state.feed(event)
        if chunk is not None:
            found.append(chunk)
            if len(found) == 2:
                return found
    state.finish()
    return found


async def _afirst_two(
    state: _Attempt, events: AsyncIterator[ServerSentEvent]
) -> list[AIMessageChunk]:
    """Async :func:`_first_two`."""
    found: list[AIMessageChunk] = []
    async for event in events:
        chunk = state.feed(event)
        if chunk is not None:
            found.append(chunk)
            if len(found) == 2:
                return found
    state.finish()
    return found


async def _close_at_loop_end(clients: HTTPClients) -> AsyncIterator[None]:
    """Close the loop's async client when the loop shuts down.

    ``asyncio.run`` (and ``asyncio.Runner``) finalise every pending async generator of
    their loop before closing it (``shutdown_asyncgens``); this one then closes the
    connections the loop opened. Without it, each ``asyncio.run(model.ainvoke(...))``
    would leave its sockets open until the garbage collector found them.
    """
    try:
        yield
    finally:
        await clients.aclose()


class AnthropicClient:
    """The HTTP side of one ``ChatAnthropic``: endpoint, headers, retries, httpx clients.

    Example:
        ```python
        client = AnthropicClient(api_key="sk-ant-...", base_url=DEFAULT_BASE_URL)
        body = client.create({"model": "claude-haiku-4-5", "max_tokens": 64, "messages": [...]})
        ```

    Args:
        api_key: The key sent as ``x-api-key``.
        base_url: The server root (``https://api.anthropic.com``); ``/v1/messages`` is
            appended.
        timeout: Seconds per request (``None``: the linguafranca default, 600 s).
        max_retries: Retries of a failed request (429, 5xx, 529, connection errors).
        betas: Beta features sent in ``anthropic-beta`` with every request.
        default_headers: Extra headers for every request.
        proxy: Proxy URL.
        http_client: An ``httpx.Client`` to use instead of building one.
        http_async_client: An ``httpx.AsyncClient`` to use instead of building one.
    """

    __slots__ = (
        "__weakref__",
        "_betas",
        "_clients",
        "_closers",
        "_own_async",
        "_own_sync",
        "_timeout",
        "headers",
        "retry",
        "url",
    )

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        betas: Sequence[str] = (),
        default_headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        root = base_url.rstrip("/")
        self.url = root + MESSAGES_PATH
        self.headers = build_headers(api_key, betas=betas, default_headers=default_headers)
        self._betas = tuple(betas)
        self.retry = RetryPolicy(max_retries=max_retries)
        settings = ClientSettings(
            base_url=root,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            headers=self.headers,
            proxy=proxy,
        )
        self._clients = HTTPClients(
            settings, http_client=http_client, http_async_client=http_async_client
        )
        self._closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        # A model dropped without close() must not leave its sockets to the garbage
        # collector (ResourceWarning, and they stay open until then).
        weakref.finalize(self, self._clients.close)
        # A user's client lacks our default headers: they go with each request then.
        self._own_sync = http_client is None
        self._own_async = http_async_client is None
        # Our clients carry the timeout; a user's client gets it per request when given.
        given = http_client is not None or http_async_client is not None
        self._timeout: Any = timeout if given and timeout is not None else httpx.USE_CLIENT_DEFAULT

    def __deepcopy__(self, memo: dict[int, Any]) -> AnthropicClient:
        # Connections and locks cannot be copied; a deep copy of a model shares them.
        return self

    def __repr__(self) -> str:
        return f"AnthropicClient(url={self.url!r}, max_retries={self.retry.max_retries})"

    async def _async_client(self) -> httpx.AsyncClient:
        """The running loop's async client; ours is closed when that loop shuts down."""
        client = self._clients.async_client()
        if self._own_async:
            loop = asyncio.get_running_loop()
            if loop not in self._closers and sys.get_asyncgen_hooks().firstiter is not None:
                closer = _close_at_loop_end(self._clients)
                await closer.__anext__()
                self._closers[loop] = closer
        return client

    # --- headers -----------------------------------------------------------------------

    def request_headers(
        self, betas: Sequence[str] = (), *, sync: bool = True
    ) -> Mapping[str, str] | None:
        """Headers to send with one request beyond the client's defaults (None: nothing).

        Args:
            betas: Beta features this request needs on top of the model's (e.g. the
                structured-outputs beta).
            sync: Whether the request goes through the sync client.
        """
        own = self._own_sync if sync else self._own_async
        if not betas:
            return None if own else self.headers
        merged = {} if own else dict(self.headers)
        merged["anthropic-beta"] = ",".join(dict.fromkeys((*self._betas, *betas)))
        return merged

    # --- JSON ----------------------------------------------------------------------------

    def create(self, body: Mapping[str, Any], *, betas: Sequence[str] = ()) -> Any:
        """``POST /v1/messages`` (not streamed); returns the parsed JSON reply."""
        data, _ = post_json(
            self._clients.client(),
            self.url,
            body,
            headers=self.request_headers(betas),
            retry=self.retry,
            provider=PROVIDER,
            api_key_env=API_KEY_ENV,
            timeout=self._timeout,
        )
        return data

    async def acreate(self, body: Mapping[str, Any], *, betas: Sequence[str] = ()) -> Any:
        """Async :meth:`create`."""
        data, _ = await apost_json(
            await self._async_client(),
            self.url,
            body,
            headers=self.request_headers(betas, sync=False),
            retry=self.retry,
            provider=PROVIDER,
            api_key_env=API_KEY_ENV,
            timeout=self._timeout,
        )
        return data

    def count_tokens(self, body: Mapping[str, Any], *, betas: Sequence[str] = ()) -> Any:
        """``POST /v1/messages/count_tokens``; returns the parsed JSON reply."""
        data, _ = post_json(
            self._clients.client(),
            self.url[: -len(MESSAGES_PATH)] + COUNT_TOKENS_PATH,
            body,
            headers=self.request_headers(betas),
            retry=self.retry,
            provider=PROVIDER,
            api_key_env=API_KEY_ENV,
            timeout=self._timeout,
        )
        return data

    # --- streams -------------------------------------------------------------------------

    def _retry_delay(self, attempt: int, error: errors.ProviderError) -> float | None:
        """Seconds to wait before another try of a stream no chunk of which was delivered."""
        if attempt >= self.retry.max_retries:
            return None
        if isinstance(error, errors.StreamError) and error.status_code is None:
            return self.retry.backoff(attempt)  # cut short or malformed: nothing was shown
        return self.retry.delay(attempt, error)

    def _policy(self, attempt: int) -> RetryPolicy:
        if attempt == 0:
            return self.retry
        return dataclasses.replace(self.retry, max_retries=self.retry.max_retries - attempt)

    def stream(
        self,
        body: Mapping[str, Any],
        *,
        as_string: bool,
        betas: Sequence[str] = (),
        usage: bool = True,
    ) -> Iterator[AIMessageChunk]:
        """Stream ``POST /v1/messages`` as message chunks (``body`` must have ``stream``).

        Every chunk carries the reply's id; ``usage=False`` leaves token usage out.
        Closing the iterator early closes the response.

        Raises:
            ProviderError: An error status or an in-band ``error`` event (typed).
            StreamError: The stream broke after a chunk reached the caller.
        """
        headers = self.request_headers(betas)
        attempt = 0
        while True:
            state = _Attempt(as_string, usage)
            events = stream_sse(
                self._clients.client(),
                self.url,
                body,
                headers=headers,
                retry=self._policy(attempt),
                provider=PROVIDER,
                api_key_env=API_KEY_ENV,
                timeout=self._timeout,
                done_marker=None,
            )
            try:
                first = _first_two(state, events)
            except errors.ProviderError as error:
                events.close()
                delay = self._retry_delay(attempt, error) if state.received else None
                if delay is None:
                    raise
                self.retry.sleep(delay)
                attempt += 1
                continue
            except BaseException:
                events.close()
                raise
            break
        try:
            yield from first
            if not state.done:
                feed = state.feed
                for event in events:
                    chunk = feed(event)
                    if chunk is not None:
                        yield chunk
                state.finish()
        finally:
            events.close()

    async def astream(
        self,
        body: Mapping[str, Any],
        *,
        as_string: bool,
        betas: Sequence[str] = (),
        usage: bool = True,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async :meth:`stream`; ``aclose()`` closes the response."""
        headers = self.request_headers(betas, sync=False)
        attempt = 0
        while True:
            state = _Attempt(as_string, usage)
            events = astream_sse(
                await self._async_client(),
                self.url,
                body,
                headers=headers,
                retry=self._policy(attempt),
                provider=PROVIDER,
                api_key_env=API_KEY_ENV,
                timeout=self._timeout,
                done_marker=None,
            )
            try:
                first = await _afirst_two(state, events)
            except errors.ProviderError as error:
                await events.aclose()
                delay = self._retry_delay(attempt, error) if state.received else None
                if delay is None:
                    raise
                await self.retry.async_sleep(delay)
                attempt += 1
                continue
            except BaseException:
                await events.aclose()
                raise
            break
        try:
            for held in first:
                yield held
            if not state.done:
                feed = state.feed
                async for event in events:
                    chunk = feed(event)
                    if chunk is not None:
                        yield chunk
                state.finish()
        finally:
            await events.aclose()

    # --- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the sync httpx client if it was built here."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the running loop's async httpx client if it was built here."""
        await self._clients.aclose()
