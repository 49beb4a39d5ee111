"""The HTTP side of one OpenAI chat model: its clients, URLs, headers and retry policy.

Everything that does not change between calls is computed once, when the model first
sends a request: the absolute URLs (query string included), the credential headers and the
httpx clients. A call then only serialises its body and goes through ``linguafranca.http``
(typed errors, retries with backoff that honour ``Retry-After``, SSE decoding).
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from linguafranca.errors import ConfigurationError
from linguafranca.http import (
    DEFAULT_TIMEOUT,
    ClientSettings,
    HTTPClients,
    RetryPolicy,
    ServerSentEvent,
    apost_json,
    astream_sse,
    post_json,
    redact_url,
    stream_sse,
)

__all__ = ["CHAT", "RESPONSES", "OpenAIHTTP", "TimeoutValue", "endpoint_urls"]

CHAT = "chat/completions"
RESPONSES = "responses"

TimeoutValue = float | tuple[float | None, float | None] | httpx.Timeout | None
"""Seconds, a ``(connect, read)`` pair, an ``httpx.Timeout``, or None (the default)."""

TokenProvider = Callable[[], str]
AsyncTokenProvider = Callable[[], Awaitable[str]]


def endpoint_urls(
    base_url: str, paths: Mapping[str, str], query: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Absolute URL of each API under ``base_url``, with ``query`` appended.

    Example:
        >>> endpoint_urls("https://api.openai.com/v1/", {"chat": "chat/completions"})
        {'chat': 'https://api.openai.com/v1/chat/completions'}
    """
    base = base_url.rstrip("/")
    suffix = f"?{urlencode(dict(query))}" if query else ""
    return {kind: f"{base}/{path.lstrip('/')}{suffix}" for kind, path in paths.items()}


def as_timeout(value: TimeoutValue) -> float | httpx.Timeout:
    """The httpx timeout for a model's ``timeout`` field (None: 600 s, 5 s to connect)."""
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, tuple):
        connect, read = value
        return httpx.Timeout(read, connect=connect)
    return value


async def _close_with_the_loop(clients: HTTPClients) -> AsyncGenerator[None, None]:
    """Closes the loop's async client when the loop shuts down.

    ``asyncio.run`` (and ``asyncio.Runner``) finalise every unfinished async generator
    (``shutdown_asyncgens``) while the loop still runs, before closing it. Parked at its
    ``yield``, this generator is finalised then and closes the client that loop used:
    without it, every ``asyncio.run(model.ainvoke(...))`` would leave its connections open.
    """
    try:
        yield
    finally:
        await clients.aclose()


def _close_quietly(clients: HTTPClients) -> None:
    try:
        clients.close()
    except Exception:
        pass  # nothing useful to do while being collected


class OpenAIHTTP:
    """Clients, URLs, headers and retries of one model; built once, used by every call.

    The httpx clients are created on first use and reused (one sync client, one async
    client per event loop); clients passed by the user are used as given, with the
    credentials and the timeout sent on each request instead.

    Example:
        ```python
        http = OpenAIHTTP(urls=endpoint_urls(base, {CHAT: CHAT}), headers=auth, ...)
        body, headers = http.post(CHAT, {"model": "gpt-4.1", "messages": [...]})
        ```
    """

    __slots__ = (
        "api_key_env",
        "async_token",
        "clients",
        "provider",
        "retry",
        "token",
        "urls",
        "_guards",
        "_headers",
        "_own_async",
        "_timeout",
        "__weakref__",
    )

    def __init__(
        self,
        *,
        urls: Mapping[str, str],
        headers: Mapping[str, str],
        timeout: TimeoutValue = None,
        proxy: str | None = None,
        max_retries: int = 2,
        provider: str = "openai",
        api_key_env: str | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        token: TokenProvider | None = None,
        async_token: AsyncTokenProvider | None = None,
    ) -> None:
        self.urls = dict(urls)
        self.provider = provider
        self.api_key_env = api_key_env
        self.retry = RetryPolicy(max_retries=max_retries)
        self.token = token
        self.async_token = async_token
        user_clients = http_client is not None or http_async_client is not None
        settings = ClientSettings(
            timeout=as_timeout(timeout),
            # A client the user passed does not know our headers: they go on each request.
            headers={} if user_clients else headers,
            proxy=proxy,
        )
        self.clients = HTTPClients(
            settings, http_client=http_client, http_async_client=http_async_client
        )
        self._own_async = http_async_client is None
        # The last model using these clients gone, the sync connections are closed rather
        # than left to the garbage collector. A finalizer, not __del__: it holds the
        # clients, so when a model dies in a reference cycle (an exception's traceback)
        # its sockets are closed before the collector finalizes them (ResourceWarning).
        weakref.finalize(self, _close_quietly, self.clients)
        self._guards: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, AsyncGenerator[None, None]
        ] = weakref.WeakKeyDictionary()
        self._headers: Mapping[str, str] | None = dict(headers) if user_clients else None
        self._timeout: Any = (
            as_timeout(timeout)
            if user_clients and timeout is not None
            else httpx.USE_CLIENT_DEFAULT
        )

    def __repr__(self) -> str:
        urls = {api: redact_url(url) for api, url in self.urls.items()}
        return f"OpenAIHTTP(urls={urls!r}, provider={self.provider!r})"

    def __copy__(self) -> OpenAIHTTP:
        return self  # shared, like the connections it holds

    def __deepcopy__(self, memo: dict[int, Any]) -> OpenAIHTTP:
        return self

    def _request_headers(self) -> Mapping[str, str] | None:
        if self.token is None:
            if self.async_token is not None:
                raise ConfigurationError(
                    "Only an async token provider is set, and this is a sync call: pass "
                    "azure_ad_token_provider= (a sync function) too, or use the async "
                    "methods (ainvoke, astream, abatch)."
                )
            return self._headers
        return {**(self._headers or {}), "authorization": f"Bearer {self.token()}"}

    async def _arequest_headers(self) -> Mapping[str, str] | None:
        if self.async_token is not None:
            token = await self.async_token()
        elif self.token is not None:
            token = self.token()
        else:
            return self._headers
        return {**(self._headers or {}), "authorization": f"Bearer {token}"}

    async def _async_client(self) -> httpx.AsyncClient:
        """The running loop's async client; one built here closes when the loop ends."""
        client = self.clients.async_client()
        if self._own_async:
            loop = asyncio.get_running_loop()
            # Only loops that track async generators (asyncio's do) can close it for us.
            if loop not in self._guards and sys.get_asyncgen_hooks().firstiter is not None:
                guard = _close_with_the_loop(self.clients)
                await guard.__anext__()
                self._guards[loop] = guard
        return client

    def post(self, api: str, body: Any) -> tuple[Any, httpx.Headers]:
        """POST ``body`` to ``api`` (``CHAT`` or ``RESPONSES``); the JSON reply and headers."""
        return post_json(
            self.clients.client(),
            self.urls[api],
            body,
            headers=self._request_headers(),
            retry=self.retry,
            provider=self.provider,
            api_key_env=self.api_key_env,
            timeout=self._timeout,
        )

    async def apost(self, api: str, body: Any) -> tuple[Any, httpx.Headers]:
        """Async :meth:`post`."""
        # Without token providers the headers are fixed: no coroutine to build them.
        fixed = self.token is None and self.async_token is None
        return await apost_json(
            await self._async_client(),
            self.urls[api],
            body,
            headers=self._headers if fixed else await self._arequest_headers(),
            retry=self.retry,
            provider=self.provider,
            api_key_env=self.api_key_env,
            timeout=self._timeout,
        )

    def stream(self, api: str, body: Any) -> Generator[ServerSentEvent, None, None]:
        """The server-sent events of a streamed request (sent on the first ``next()``).

        ``[DONE]`` is yielded like any event, so that the caller knows the stream ended;
        closing the generator closes the response.
        """
        return stream_sse(
            self.clients.client(),
            self.urls[api],
            body,
            headers=self._request_headers(),
            retry=self.retry,
            provider=self.provider,
            api_key_env=self.api_key_env,
            timeout=self._timeout,
            done_marker=None,
        )

    async def astream(self, api: str, body: Any) -> AsyncGenerator[ServerSentEvent, None]:
        """Async :meth:`stream`: await it for the generator (``aclose()`` closes the response)."""
        return astream_sse(
            await self._async_client(),
            self.urls[api],
            body,
            headers=await self._arequest_headers(),
            retry=self.retry,
            provider=self.provider,
            api_key_env=self.api_key_env,
            timeout=self._timeout,
            done_marker=None,
        )

    def close(self) -> None:
        """Close the sync client if it was built here (the next request opens a new one)."""
        self.clients.close()

    async def aclose(self) -> None:
        """Close this event loop's async client if it was built here (reopened on use)."""
        await self.clients.aclose()
