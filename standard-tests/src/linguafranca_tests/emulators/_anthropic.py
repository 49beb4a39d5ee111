"""The Anthropic emulator: ``/v1/messages`` (JSON and SSE), token counting and models."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from linguafranca_tests.emulators._anthropic_wire import (
    anthropic_prompt,
    cache_prefix,
    message_body,
    message_events,
)
from linguafranca_tests.emulators._base import Emulator, RecordedRequest
from linguafranca_tests.emulators._faults import ApiError
from linguafranca_tests.emulators._model import Completion
from linguafranca_tests.emulators._server import Response
from linguafranca_tests.emulators._validate import validate_anthropic_messages

__all__ = ["AnthropicEmulator"]

_KINDS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_MODELS = ("claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5")
_RESET = "2026-01-01T00:00:00Z"


class AnthropicEmulator(Emulator):
    """Anthropic's Messages API: ``/v1/messages``, ``/v1/messages/count_tokens``, ``/v1/models``.

    ``base_url`` is the server root, as the ``anthropic`` SDK expects. Prompt caching is
    emulated: the first request with a ``cache_control`` prefix reports it as written, a
    later request with the same prefix reports it as read (no minimum length).
    """

    provider = "anthropic"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cached: set[str] = set()

    def _check_auth(self, request: RecordedRequest) -> ApiError | None:
        header = request.headers.get("authorization", "")
        key = request.headers.get("x-api-key") or (
            header[7:].strip() if header.lower().startswith("bearer ") else ""
        )
        if not key:
            if not self.require_api_key:
                return None
            return ApiError(401, "x-api-key header is required", kind="authentication_error")
        if key in self.invalid_api_keys:
            return ApiError(401, "invalid x-api-key", kind="authentication_error")
        return None

    def _route(self, request: RecordedRequest) -> Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path.startswith("/v1/models"):
            return self._models(path)
        if request.method != "POST" or not path.startswith("/v1/messages"):
            raise ApiError(
                404, f"Not Found: {request.method} {request.path}", kind="not_found_error"
            )
        if self.validate and "anthropic-version" not in request.headers:
            raise ApiError(400, "anthropic-version: header is required")
        body = request.body if isinstance(request.body, dict) else {}
        if self.validate:
            validate_anthropic_messages(
                {**body, "max_tokens": body.get("max_tokens", 1)}
                if path.endswith("/count_tokens")
                else body
            )
        model = str(body.get("model", ""))
        if self.is_missing_model(model):
            raise ApiError(404, f"model: {model}", kind="not_found_error")
        prompt = anthropic_prompt(body)
        if path.endswith("/count_tokens"):
            return self.json_response({"input_tokens": prompt.input_tokens()})
        completion = self.complete(prompt, id_prefix="toolu_01", id_length=22)
        cache = self._cache_usage(body, completion)
        message_id = self.new_id("msg_01", 22)
        if body.get("stream"):
            return self.stream_response(message_events(message_id, model, completion, cache))
        return self.json_response(message_body(message_id, model, completion, cache))

    def _cache_usage(self, body: dict[str, Any], completion: Completion) -> tuple[int, int]:
        """Return (read, written) cached tokens, and take them out of ``input_tokens``."""
        prefix = cache_prefix(body)
        if prefix is None:
            return 0, 0
        full = json.dumps([body.get("system"), body.get("tools"), body.get("messages")])
        total = completion.input_tokens
        cached = min(round(total * len(prefix) / max(len(full), 1)), total - 1)
        completion.input_tokens = total - cached
        if prefix in self._cached:
            return cached, 0
        self._cached.add(prefix)
        return 0, cached

    def _models(self, path: str) -> Response:
        def model(name: str) -> dict[str, Any]:
            return {
                "type": "model",
                "id": name,
                "display_name": name.replace("-", " ").title(),
                "created_at": "2025-09-29T00:00:00Z",
            }

        if path.count("/") > 2:
            return self.json_response(model(path.rsplit("/", 1)[1]))
        data = [model(m) for m in _MODELS]
        return self.json_response(
            {"data": data, "has_more": False, "first_id": _MODELS[0], "last_id": _MODELS[-1]}
        )

    def _error_body(self, error: ApiError) -> Any:
        kind = (
            error.kind
            or _KINDS.get(error.status)
            or ("api_error" if error.status >= 500 else "invalid_request_error")
        )
        return {
            "type": "error",
            "error": {"type": kind, "message": error.message},
            "request_id": self.new_id("req_011", 21),
        }

    def _common_headers(self) -> Iterable[tuple[str, str]]:
        remaining = str(max(4000 - self._server.handled, 0))
        return (
            ("request-id", self.new_id("req_011", 21)),
            ("anthropic-ratelimit-requests-limit", "4000"),
            ("anthropic-ratelimit-requests-remaining", remaining),
            ("anthropic-ratelimit-requests-reset", _RESET),
            ("anthropic-ratelimit-input-tokens-limit", "2000000"),
            ("anthropic-ratelimit-input-tokens-remaining", "2000000"),
            ("anthropic-ratelimit-input-tokens-reset", _RESET),
            ("anthropic-ratelimit-output-tokens-limit", "400000"),
            ("anthropic-ratelimit-output-tokens-remaining", "400000"),
            ("anthropic-ratelimit-output-tokens-reset", _RESET),
        )

    def _malformed_event(self) -> bytes:
        return b'event: content_block_delta\ndata: {"type":"content_block_delta","index":\n\n'
