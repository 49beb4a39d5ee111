"""The exception hierarchy of linguafranca.

Every error a user can cause says what to do about it, and no error ever carries a
secret: messages are scrubbed of API-key-looking strings, and response headers are
redacted before they are stored.

```
LinguaFrancaError
├── ProviderError                     a provider answered with an error or was unreachable
│   ├── BadRequestError               400 (param, code)
│   ├── AuthenticationError           401
│   ├── PermissionDeniedError         403
│   ├── NotFoundError                 404
│   ├── RequestTooLargeError          413
│   ├── UnprocessableEntityError      422
│   ├── RateLimitError                429 (retry_after)
│   ├── InternalServerError           5xx
│   │   └── OverloadedError           529
│   ├── APIConnectionError            network failure
│   │   └── TimeoutError              also a builtin TimeoutError
│   └── StreamError                   an in-band error event, or a stream cut short
├── ConfigurationError                bad arguments / missing key (also a ValueError)
│   └── ProviderNotFoundError
└── OutputParserException             model output could not be parsed (also a ValueError)
```
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "InternalServerError",
    "LinguaFrancaError",
    "NotFoundError",
    "OutputParserException",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderNotFoundError",
    "RateLimitError",
    "RequestTooLargeError",
    "StreamError",
    "TimeoutError",
    "UnprocessableEntityError",
    "redact_secrets",
]

# Strings that look like credentials: provider key formats, bearer tokens, key query params.
_SECRET_PATTERN = re.compile(
    r"\b(?:sk-[A-Za-z0-9_\-]{12,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{12,}"
    r"|xai-[A-Za-z0-9]{12,}|ya29\.[A-Za-z0-9_\-.]{12,})"
    r"|(?<=Bearer )[A-Za-z0-9._\-~+/=]{8,}"
    r"|(?<=[?&]key=)[^&\s\"'\\]+"
    r"|(?<=[?&]api_key=)[^&\s\"'\\]+",
    re.IGNORECASE,
)
_REDACTED = "***"
# Header names whose values are credentials (lower case).
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
    }
)


def redact_secrets(text: str) -> str:
    """Replace anything in ``text`` that looks like an API key or token by ``***``.

    Args:
        text: Any text that may end up in a message, a log line or a repr.

    Returns:
        The text with key-like substrings (``sk-...``, ``AIza...``, ``Bearer ...``,
        ``?key=...``) redacted.
    """
    if not text:
        return text
    return _SECRET_PATTERN.sub(_REDACTED, text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class LinguaFrancaError(Exception):
    """Root of every error raised by linguafranca."""


class ProviderError(LinguaFrancaError):
    """A provider answered with an error, could not be reached, or broke a stream.

    ``str(error)`` is one line: the provider, the HTTP status, the provider's own
    message, the request id and what to do.

    Example:
        ```python
        try:
            model.invoke("hi")
        except ProviderError as err:
            print(err.status_code, err.message, err.request_id)
        ```

    Attributes:
        message: The provider's own message (secrets scrubbed).
        status_code: HTTP status, or ``None`` when no response arrived.
        provider: Provider name (``"openai"``, ``"anthropic"``, ...).
        body: The parsed error body (JSON value or text), when there was one.
        request_id: The provider's request id, for support tickets.
        headers: Response headers (credentials redacted).
        code: The provider's error code (e.g. ``"model_not_found"``), when given.
        error_type: The provider's error type (e.g. ``"invalid_request_error"``).
        hint: What to do about it.
    """

    default_hint: ClassVar[str | None] = "check the request and the provider's message"

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        provider: str | None = None,
        body: object = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        code: str | int | None = None,
        error_type: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = redact_secrets(str(message))
        self.status_code = status_code
        self.provider = provider
        self.body = body
        self.request_id = request_id
        self.headers: dict[str, str] = (
            {k: (_REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}
            if headers
            else {}
        )
        self.code = code
        self.error_type = error_type
        self.hint = hint
        super().__init__(self.message)

    def __str__(self) -> str:
        head = self.provider or ""
        if self.status_code is not None:
            head = f"{head} HTTP {self.status_code}".lstrip()
        line = _one_line(self.message) or type(self).__name__
        if self.error_type and self.error_type not in line:
            line = f"{line} ({self.error_type})"
        if head:
            line = f"{head}: {line}"
        if self.request_id:
            line = f"{line} [request id: {self.request_id}]"
        if self.hint:
            line = f"{line} -- {self.hint}"
        return line

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status_code={self.status_code!r}, "
            f"provider={self.provider!r}, request_id={self.request_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments do not survive the default pickling of args.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[ProviderError], state: dict[str, Any]) -> ProviderError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (state.get("message", ""),)
    return error


class BadRequestError(ProviderError):
    """HTTP 400: the provider rejected the request (``param`` names the culprit)."""

    default_hint = "check the request arguments"

    def __init__(self, message: str = "", *, param: str | None = None, **kwargs: Any) -> None:
        self.param = param
        super().__init__(message, **kwargs)


class AuthenticationError(ProviderError):
    """HTTP 401: the API key is missing, wrong or revoked."""

    default_hint = "check the API key"


class PermissionDeniedError(ProviderError):
    """HTTP 403: the key is valid but may not use this model or resource."""

    default_hint = "check that the API key has access to this model or resource"


class NotFoundError(ProviderError):
    """HTTP 404: unknown model or endpoint."""

    default_hint = "check the model name and base_url"


class RequestTooLargeError(ProviderError):
    """HTTP 413: the request body is too large."""

    default_hint = "send a shorter input or fewer / smaller attachments"


class UnprocessableEntityError(ProviderError):
    """HTTP 422: the request is well-formed but its values were refused."""

    default_hint = "check the request arguments"


class RateLimitError(ProviderError):
    """HTTP 429: too many requests or tokens; ``retry_after`` says when to retry (seconds)."""

    default_hint = "slow down or retry later (raise max_retries to retry automatically)"

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class InternalServerError(ProviderError):
    """HTTP 5xx: the provider failed."""

    default_hint = "the provider failed; retry later"


class OverloadedError(InternalServerError):
    """HTTP 529: the provider is overloaded."""

    default_hint = "the provider is overloaded; retry later"


class APIConnectionError(ProviderError):
    """The provider could not be reached (DNS, refused connection, TLS, reset)."""

    default_hint = "check base_url, the network and proxy settings"


class TimeoutError(APIConnectionError, builtins.TimeoutError):
    """The request timed out; also a builtin ``TimeoutError``."""

    default_hint = "raise the timeout or retry later"


class StreamError(ProviderError):
    """A stream carried an error event or was cut short; its reply is incomplete."""

    default_hint = "retry the request"


class ConfigurationError(LinguaFrancaError, ValueError):
    """Bad arguments or a missing key; the message names the argument or env var to set."""


class ProviderNotFoundError(ConfigurationError):
    """No installed provider matches the name; the message names the extra to install."""


class OutputParserException(LinguaFrancaError, ValueError):
    """Model output could not be parsed.

    Example:
        ```python
        raise OutputParserException(
            "Invalid JSON", llm_output=text, observation="Answer with JSON only."
        )
        ```

    Args:
        error: The error message or the exception being re-raised.
        observation: Explanation that can be sent back to the model to fix its output.
        llm_output: The model output that failed to parse.
        send_to_llm: Whether an agent should send ``observation`` and ``llm_output``
            back to the model; both are then required.

    Raises:
        ValueError: ``send_to_llm`` is true but ``observation`` or ``llm_output`` is missing.
    """

    raw_message: object | None = None
    """The model's message that failed to parse (a ``BaseMessage``), or None.

    Set by ``with_structured_output`` when parsing the model's answer fails, so the
    caller can inspect what the model actually said. Typed ``object`` because this
    module imports nothing from linguafranca: narrow it with ``isinstance``.
    """

    def __init__(
        self,
        error: Any,
        observation: str | None = None,
        llm_output: str | None = None,
        send_to_llm: bool = False,
    ) -> None:
        super().__init__(error)
        if send_to_llm and (observation is None or llm_output is None):
            raise ValueError(
                "OutputParserException(send_to_llm=True) needs both 'observation' and 'llm_output'."
            )
        self.observation = observation
        self.llm_output = llm_output
        self.send_to_llm = send_to_llm
