"""HTTP helpers for provider packages: clients, typed errors, retries, SSE / NDJSON.

The only place in linguafranca that imports httpx; ``import linguafranca`` does not load it.

Example:
    ```python
    from linguafranca.http import ClientSettings, HTTPClients, post_json, stream_sse

    clients = HTTPClients(ClientSettings(base_url="https://api.openai.com/v1"))
    data, headers = post_json(clients.client(), "/chat/completions", body, provider="openai")
    for event in stream_sse(clients.client(), "/chat/completions", {**body, "stream": True}):
        print(event.json())
    ```
"""

from linguafranca.errors import redact_secrets
from linguafranca.http._call import ErrorFactory
from linguafranca.http._client import (
    DEFAULT_TIMEOUT,
    ClientSettings,
    HTTPClients,
    build_async_client,
    build_client,
)
from linguafranca.http._json import dumps, loads
from linguafranca.http._redact import redact_headers, redact_text, redact_url
from linguafranca.http._request import apost_json, post_json
from linguafranca.http._retry import (
    DEFAULT_RETRY,
    NO_RETRY,
    RetryPolicy,
    parse_duration,
    rate_limit_reset,
    retry_after,
    should_retry,
)
from linguafranca.http._sse import NDJSONDecoder, ServerSentEvent, SSEDecoder
from linguafranca.http._status import (
    ErrorDetails,
    error_class,
    error_from_exception,
    error_from_response,
    parse_error_body,
    raise_for_status,
)
from linguafranca.http._stream import astream_ndjson, astream_sse, stream_ndjson, stream_sse
from linguafranca.http._transport import AsyncPoolTransport, PoolTransport

__all__ = [
    "AsyncPoolTransport",
    "ClientSettings",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "ErrorDetails",
    "ErrorFactory",
    "HTTPClients",
    "NDJSONDecoder",
    "NO_RETRY",
    "PoolTransport",
    "RetryPolicy",
    "SSEDecoder",
    "ServerSentEvent",
    "apost_json",
    "astream_ndjson",
    "astream_sse",
    "build_async_client",
    "build_client",
    "dumps",
    "error_class",
    "error_from_exception",
    "error_from_response",
    "loads",
    "parse_duration",
    "parse_error_body",
    "post_json",
    "raise_for_status",
    "rate_limit_reset",
    "redact_headers",
    "redact_secrets",
    "redact_text",
    "redact_url",
    "retry_after",
    "should_retry",
    "stream_ndjson",
    "stream_sse",
]
