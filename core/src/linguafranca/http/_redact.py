"""Keep credentials out of logs, errors and reprs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

import httpx

from linguafranca.errors import redact_secrets

__all__ = ["redact_headers", "redact_text", "redact_url", "secret_values"]

REDACTED = "***"

_SECRET_NAMES = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
    }
)
# Suffixes of custom credential headers (e.g. "x-portkey-api-key", "x-session-token");
# rate-limit headers end in "-tokens" and are not matched.
_SECRET_SUFFIXES = ("-key", "_key", "-token", "_token", "-secret", "_secret", "apikey")
_SECRET_QUERY = frozenset({"key", "api_key", "api-key", "apikey", "token", "access_token", "sig"})


def _is_secret(name: str) -> bool:
    name = name.lower()
    return name in _SECRET_NAMES or name.endswith(_SECRET_SUFFIXES)


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | httpx.Headers,
) -> dict[str, str]:
    """A copy of ``headers`` with credential values replaced by ``***``.

    Covers ``authorization``, ``x-api-key``, ``api-key``, ``x-goog-api-key``, cookies
    and any header whose name ends in ``-key``, ``-token`` or ``-secret``.

    Example:
        ```python
        redact_headers({"Authorization": "Bearer sk-...", "accept": "*/*"})
        # {"Authorization": "***", "accept": "*/*"}
        ```
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: REDACTED if _is_secret(name) else value for name, value in items}


def redact_url(url: str | httpx.URL) -> str:
    """The URL with credential query parameters (``key=``, ``api_key=``, ...) redacted."""
    url = httpx.URL(url) if isinstance(url, str) else url
    query = url.query.decode("ascii", "replace")
    if not query:
        return str(url)
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name.lower() in _SECRET_QUERY for name, _ in pairs):
        return str(url)
    safe = urlencode(
        [(name, REDACTED if name.lower() in _SECRET_QUERY else value) for name, value in pairs],
        safe="*",
    )
    return str(url.copy_with(query=safe.encode("ascii")))


def secret_values(request: httpx.Request | None) -> list[str]:
    """The credentials a request carries (header values, key query params), to scrub."""
    if request is None:
        return []
    found: list[str] = []
    for name, value in request.headers.items():
        if _is_secret(name) and value:
            found.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.lower() in ("bearer", "basic", "token"):
                found.append(token)
    for name, value in request.url.params.multi_items():
        if name.lower() in _SECRET_QUERY and value:
            found.append(value)
    # Longest first so that "Bearer sk-x" is replaced before its token "sk-x".
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secret values and anything key-like replaced by ``***``."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return redact_secrets(text)
