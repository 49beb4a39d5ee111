"""The Gemini emulator: ``generateContent``, ``streamGenerateContent``, ``countTokens``."""

from __future__ import annotations

import json
import re
from typing import Any

from linguafranca_tests.emulators._base import Emulator, RecordedRequest
from linguafranca_tests.emulators._faults import ApiError
from linguafranca_tests.emulators._gemini_wire import gemini_prompt, gemini_response, gemini_stream
from linguafranca_tests.emulators._server import Response
from linguafranca_tests.emulators._validate import validate_gemini

__all__ = ["GeminiEmulator"]

_METHOD = re.compile(r"/models/([^/:]+):([A-Za-z]+)$")
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash")
_NO_KEY = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
_BAD_KEY = "API key not valid. Please pass a valid API key."
JSON_UTF8 = "application/json; charset=UTF-8"


class GeminiEmulator(Emulator):
    """The Gemini Developer API (v1beta, also v1 and Vertex-style model paths).

    Streams are SSE with ``?alt=sse`` and a single JSON array without it, as the real
    service does. ``base_url`` is the server root (google-genai's ``http_options.base_url``);
    the key is read from ``x-goog-api-key`` or the ``key`` query parameter.
    """

    provider = "gemini"

    def _check_auth(self, request: RecordedRequest) -> ApiError | None:
        key = request.headers.get("x-goog-api-key") or request.query.get("key", "")
        if not key:
            header = request.headers.get("authorization", "")
            key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not key:
            return ApiError(403, _NO_KEY) if self.require_api_key else None
        if key in self.invalid_api_keys:
            return ApiError(400, _BAD_KEY, kind="API_KEY_INVALID")
        return None

    def _route(self, request: RecordedRequest) -> Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path.endswith("/models"):
            return self.json_response({"models": [_model(m) for m in _MODELS]})
        if request.method == "GET" and "/models/" in path:
            return self.json_response(_model(path.rsplit("/", 1)[1]))
        match = _METHOD.search(path)
        if request.method != "POST" or match is None:
            raise ApiError(404, f"Method not found: {request.method} {request.path}")
        model, method = match.groups()
        if self.is_missing_model(model):
            raise ApiError(
                404,
                f"models/{model} is not found for API version v1beta, or is not supported for "
                f"{method}. Call ListModels to see the list of available models and their "
                "supported methods.",
            )
        body = request.body if isinstance(request.body, dict) else {}
        if method == "countTokens":
            inner = body.get("generateContentRequest") or body
            return self.json_response({"totalTokens": gemini_prompt(model, inner).input_tokens()})
        if method not in ("generateContent", "streamGenerateContent"):
            raise ApiError(404, f"Method not found: {method}")
        if self.validate:
            validate_gemini(body)
        completion = self.complete(gemini_prompt(model, body))
        response_id = self.new_id("", 23)
        if method == "generateContent":
            return self.json_response(gemini_response(completion, model, response_id))
        chunks = gemini_stream(completion, model, response_id)
        if request.query.get("alt") == "sse":
            events = [b"data: " + _dumps(c).encode() + b"\r\n\r\n" for c in chunks]
            return self.stream_response(events, "text/event-stream")
        pieces = [("[" if i == 0 else "\n,\r\n") + _dumps(c, 2) for i, c in enumerate(chunks)]
        pieces.append("\n]")
        return self.stream_response([p.encode() for p in pieces], JSON_UTF8)

    def json_response(self, body: Any, status: int = 200) -> Response:
        """A JSON answer with Gemini's content type."""
        return Response(status, [("content-type", JSON_UTF8)], _dumps(body).encode())

    def _error_body(self, error: ApiError) -> Any:
        status = _STATUS.get(error.status, "INTERNAL" if error.status >= 500 else "UNKNOWN")
        body: dict[str, Any] = {"code": error.status, "message": error.message, "status": status}
        if error.kind == "API_KEY_INVALID":
            body["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                },
                {
                    "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                    "locale": "en-US",
                    "message": error.message,
                },
            ]
        return {"error": body}

    def _malformed_event(self) -> bytes:
        return b'data: {"candidates": [\r\n\r\n'


def _dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _model(name: str) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name,
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "countTokens"],
    }
