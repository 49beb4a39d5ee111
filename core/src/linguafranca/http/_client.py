"""Building the httpx clients a chat model uses (once per model, then reused)."""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.request import getproxies

import httpx

from linguafranca.errors import ConfigurationError
from linguafranca.http._redact import redact_headers
from linguafranca.http._transport import AsyncPoolTransport, PoolTransport

if TYPE_CHECKING:
    from httpx._types import CookieTypes

__all__ = [
    "DEFAULT_TIMEOUT",
    "ClientSettings",
    "HTTPClients",
    "build_async_client",
    "build_client",
]

# Chat requests can take minutes; connecting should not. Same as the vendor SDKs.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
# Keep-alive connections when environment proxies force httpx's own pool: httpx's default.
# More idle connections make httpcore 1.x scan its pool slowly (see _transport.py); fewer
# lose connection reuse for sequential calls, which matters with TLS.
TRANSPORT_ENV = "LINGUAFRANCA_HTTP_TRANSPORT"
"""Set to ``httpx`` to use httpx's own connection pool instead of linguafranca's."""
PLAIN_KEEPALIVE = 20


_COOKIE_HEADERS = (b"set-cookie", b"set-cookie2")


class _Cookies(httpx.Cookies):
    """``httpx.Cookies`` that looks at a response only when it sets cookies.

    httpx turns every response and its request into urllib objects to look for
    ``Set-Cookie`` headers, about a tenth of the CPU of a pooled chat call. API answers
    rarely set any, and without those headers the jar would not change: same result.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        for name, _ in response.headers.raw:
            if name.lower() in _COOKIE_HEADERS:
                super().extract_cookies(response)
                return


class _Client(httpx.Client):
    """``httpx.Client`` whose cookie jar skips responses without cookies."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cookies = self._cookies

    @property
    def cookies(self) -> httpx.Cookies:
        """Cookies sent with requests (set by responses that carry ``Set-Cookie``)."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._cookies = _Cookies(cookies)


class _AsyncClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose cookie jar skips responses without cookies."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cookies = self._cookies

    @property
    def cookies(self) -> httpx.Cookies:
        """Cookies sent with requests (set by responses that carry ``Set-Cookie``)."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._cookies = _Cookies(cookies)


def _env_proxies() -> bool:
    proxies = getproxies()
    return any(key in proxies for key in ("http", "https", "all"))


@dataclass(frozen=True, repr=False)
class ClientSettings:
    """Everything needed to build the httpx clients of one chat model.

    Hashable and immutable, so a partner can cache clients by settings.

    Example:
        ```python
        settings = ClientSettings(base_url="https://api.openai.com/v1", timeout=30.0,
                                  headers={"authorization": f"Bearer {key}"})
        client = build_client(settings)
        ```

    Attributes:
        base_url: Prefix of every request URL.
        timeout: Seconds (``float``), an ``httpx.Timeout``, or ``None`` for no timeout.
        headers: Default headers of every request (credentials are redacted in repr).
        proxy: Proxy URL; ``None`` uses the environment (``HTTPS_PROXY``) when
            ``trust_env`` is true.
        max_connections: Most open connections (``None``: unlimited).
        keepalive_expiry: Seconds an idle connection stays open.
        verify: TLS verification: ``True``, ``False``, a CA bundle path or an SSLContext.
        trust_env: Read proxies and CA bundles from the environment.
        follow_redirects: Follow HTTP redirects (off: a redirect is reported as an error).
    """

    base_url: str = ""
    timeout: float | httpx.Timeout | None = field(default_factory=lambda: DEFAULT_TIMEOUT)
    headers: Mapping[str, str] = field(default_factory=dict)
    proxy: str | None = None
    max_connections: int | None = 100
    keepalive_expiry: float = 5.0
    verify: ssl.SSLContext | str | bool = True
    trust_env: bool = True
    follow_redirects: bool = False

    def __post_init__(self) -> None:
        if self.timeout is not None and not isinstance(self.timeout, (int, float, httpx.Timeout)):
            raise ConfigurationError(
                f"timeout must be seconds (a number), an httpx.Timeout or None, got "
                f"{type(self.timeout).__name__}."
            )
        if isinstance(self.timeout, (int, float)) and self.timeout <= 0:
            raise ConfigurationError(f"timeout must be > 0 seconds, got {self.timeout}.")
        if self.max_connections is not None and self.max_connections < 1:
            raise ConfigurationError(
                f"max_connections must be >= 1 (or None), got {self.max_connections}."
            )
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"base_url must start with http:// or https://, got {self.base_url!r}."
            )
        # A private copy: later changes to the caller's dict must not change a frozen value.
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))

    def __hash__(self) -> int:
        timeout = (
            tuple(self.timeout.as_dict().items())
            if isinstance(self.timeout, httpx.Timeout)
            else self.timeout
        )
        return hash(
            (
                self.base_url,
                timeout,
                tuple(self.headers.items()),
                self.proxy,
                self.max_connections,
                self.keepalive_expiry,
                self.verify,
                self.trust_env,
                self.follow_redirects,
            )
        )

    def __repr__(self) -> str:
        return (
            f"ClientSettings(base_url={self.base_url!r}, timeout={self.timeout!r}, "
            f"headers={redact_headers(self.headers)!r}, proxy={self.proxy!r}, "
            f"max_connections={self.max_connections!r})"
        )

    def _plain_pool(self) -> bool:
        # httpx only honours environment proxies when it builds its own transport; and
        # LINGUAFRANCA_HTTP_TRANSPORT=httpx is the escape hatch back to httpx's own stack
        # (httpcore + h11) should the built-in HTTP/1.1 pool misbehave somewhere.
        if os.environ.get(TRANSPORT_ENV, "").strip().lower() == "httpx":
            return True
        return self.proxy is None and self.trust_env and _env_proxies()

    def _plain_limits(self) -> httpx.Limits:
        return httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=PLAIN_KEEPALIVE,
            keepalive_expiry=self.keepalive_expiry,
        )


def _client_kwargs(settings: ClientSettings, *, sync: bool) -> dict[str, Any]:
    """Constructor arguments shared by the sync and async clients of ``settings``."""
    kwargs: dict[str, Any] = {
        "base_url": settings.base_url,
        "timeout": settings.timeout,
        "headers": dict(settings.headers),
        "follow_redirects": settings.follow_redirects,
        "trust_env": settings.trust_env,
    }
    if settings._plain_pool():
        kwargs.update(verify=settings.verify, limits=settings._plain_limits())
        return kwargs
    pool = PoolTransport if sync else AsyncPoolTransport
    kwargs["transport"] = pool(
        max_connections=settings.max_connections,
        keepalive_expiry=settings.keepalive_expiry,
        verify=settings.verify,
        trust_env=settings.trust_env,
        proxy=settings.proxy,
    )
    return kwargs


def build_client(settings: ClientSettings) -> httpx.Client:
    """A new ``httpx.Client`` for ``settings``; keep it and reuse it for every request."""
    return _Client(**_client_kwargs(settings, sync=True))


def build_async_client(settings: ClientSettings) -> httpx.AsyncClient:
    """A new ``httpx.AsyncClient`` for ``settings``; reuse it within one event loop."""
    return _AsyncClient(**_client_kwargs(settings, sync=False))


class HTTPClients:
    """The clients of one chat model, built on first use and then reused.

    A client the user passed (``http_client`` / ``http_async_client``) is returned
    unchanged. An async client built here belongs to the event loop that first used it:
    called from another loop (e.g. a second ``asyncio.run``), a new one is built, since
    connections cannot move between loops.

    Example:
        ```python
        clients = HTTPClients(settings, http_client=user_client)
        data, headers = post_json(clients.client(), "/chat/completions", body)
        data, headers = await apost_json(clients.async_client(), "/chat/completions", body)
        ```
    """

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self._client = http_client
        self._given = http_client
        self._given_async = http_async_client
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def client(self) -> httpx.Client:
        """The sync client (built once, thread-safe)."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = build_client(self.settings)
                client = self._client
        return client

    def async_client(self) -> httpx.AsyncClient:
        """The async client for the running event loop (call it from async code)."""
        if self._given_async is not None:
            return self._given_async
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = build_async_client(self.settings)
        return client

    def close(self) -> None:
        """Close the sync client if it was built here (a user's client is left open)."""
        with self._lock:
            client = self._client
            self._client = self._given
        if client is not None and client is not self._given:
            client.close()

    async def aclose(self) -> None:
        """Close the running loop's async client if it was built here."""
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def __repr__(self) -> str:
        return f"HTTPClients({self.settings!r})"
