"""The OpenAI emulator: Chat Completions, Responses and models, also under Azure paths."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from linguafranca_tests.emulators._base import Emulator, RecordedRequest
from linguafranca_tests.emulators._faults import ApiError
from linguafranca_tests.emulators._model import Completion, Turn
from linguafranca_tests.emulators._openai_chat import chat_prompt, chat_response
from linguafranca_tests.emulators._openai_responses import (
    count_input_tokens,
    responses_prompt,
    responses_response,
)
from linguafranca_tests.emulators._server import Response
from linguafranca_tests.emulators._validate import validate_openai_chat, validate_openai_responses

__all__ = ["OpenAIEmulator"]

_AZURE_DEPLOYMENT = re.compile(r"^/openai/deployments/([^/]+)/")
_MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5", "gpt-5-mini", "o3-mini")
_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
_KINDS = {401: "invalid_request_error", 403: "permission_error", 429: "requests"}
_CODES = {429: "rate_limit_exceeded"}
_RATE_LIMIT = 10_000
_CACHE_MIN_TOKENS = 1024  # OpenAI caches prompts from this length on
_MAX_STORED = 1000  # stored responses kept for previous_response_id


def _mask(key: str) -> str:
    return f"{key[:8]}*****{key[-4:]}" if len(key) > 12 else "*****"


class OpenAIEmulator(Emulator):
    """OpenAI's API: ``/v1/chat/completions``, ``/v1/responses``, ``/v1/models``.

    Azure OpenAI paths are served too: ``/openai/deployments/{deployment}/chat/completions``
    (the deployment is the model when the body has none) and the v1 form
    ``/openai/v1/chat/completions``; Azure's ``api-key`` header is accepted like a Bearer key.
    ``base_url`` ends with ``/v1`` as the ``openai`` SDK expects.
    """

    provider = "openai"
    base_path = "/v1"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._history: OrderedDict[str, list[Turn]] = OrderedDict()
        self._cached_prefixes: set[str] = set()

    def _check_auth(self, request: RecordedRequest) -> ApiError | None:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        key = key or request.headers.get("api-key", "")
        if not key:
            if not self.require_api_key:
                return None
            return ApiError(401, _NO_KEY, kind="invalid_request_error")
        if key in self.invalid_api_keys:
            message = (
                f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
            )
            return ApiError(401, message, kind="invalid_request_error", code="invalid_api_key")
        return None

    def _route(self, request: RecordedRequest) -> Response:
        path = request.path.rstrip("/")
        deployment = _AZURE_DEPLOYMENT.match(path)
        if request.method == "GET" and (path.endswith("/models") or "/models/" in path):
            return self._models(path)
        if request.method != "POST":
            raise ApiError(404, f"Invalid URL ({request.method} {request.path})")
        body = request.body if isinstance(request.body, dict) else {}
        if deployment is not None and "model" not in body:
            body = {**body, "model": deployment.group(1)}
        if path.endswith("/chat/completions"):
            if self.validate:
                validate_openai_chat(body)
            self._check_model(body)
            completion = self.complete(chat_prompt(body))
            self._cache_usage([body.get("tools"), *(body.get("messages") or [])], completion)
            return chat_response(self, body, completion, self._fingerprint())
        if path.endswith("/responses/input_tokens"):
            return self.json_response(count_input_tokens(body))
        if path.endswith("/responses"):
            return self._responses(body)
        raise ApiError(404, f"Invalid URL ({request.method} {request.path})")

    def _cache_usage(self, parts: list[Any], completion: Completion) -> None:
        """Emulate automatic prompt caching: a repeated prefix of >= 1024 tokens is cached.

        The prefix is everything but the last message; its share of the prompt, in whole
        blocks of 128 tokens as OpenAI counts them, is reported as ``cached_tokens``.
        """
        if completion.input_tokens < _CACHE_MIN_TOKENS or len(parts) < 2:
            return
        prefix = json.dumps(parts[:-1], sort_keys=True)
        share = len(prefix) / max(len(json.dumps(parts, sort_keys=True)), 1)
        cached = int(completion.input_tokens * share) // 128 * 128
        if prefix in self._cached_prefixes and cached >= _CACHE_MIN_TOKENS:
            completion.cached_tokens = cached
        self._cached_prefixes.add(prefix)

    def _check_model(self, body: dict[str, Any]) -> None:
        model = str(body.get("model", ""))
        if self.is_missing_model(model):
            message = f"The model `{model}` does not exist or you do not have access to it."
            raise ApiError(404, message, kind="invalid_request_error", code="model_not_found")

    def _responses(self, body: dict[str, Any]) -> Response:
        if self.validate:
            validate_openai_responses(body)
        model = str(body.get("model", ""))
        if self.is_missing_model(model):
            message = f"The requested model '{model}' does not exist."
            raise ApiError(400, message, param="model", code="model_not_found")
        previous = body.get("previous_response_id")
        history: list[Turn] = []
        if previous:
            if previous not in self._history:
                raise ApiError(
                    400,
                    f"Previous response with id '{previous}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            history = self._history[previous]
        prompt = responses_prompt(body, history)
        completion = self.complete(prompt)
        items = body.get("input")
        items = items if isinstance(items, list) else [items]
        prefix = [previous, body.get("instructions"), body.get("tools"), *items]
        self._cache_usage(prefix, completion)
        response, final = responses_response(self, body, completion)
        if body.get("store", True) is not False:
            answer = Turn("assistant", completion.text, tool_calls=completion.tool_calls)
            self._history[str(final["id"])] = [*prompt.turns, answer]
            while len(self._history) > _MAX_STORED:
                self._history.popitem(last=False)
        return response

    def _models(self, path: str) -> Response:
        created = 1_700_000_000
        if "/models/" in path:
            model = path.rsplit("/", 1)[1]
            if self.is_missing_model(model):
                raise ApiError(404, f"The model '{model}' does not exist", code="model_not_found")
            return self.json_response(
                {"id": model, "object": "model", "created": created, "owned_by": "openai"}
            )
        data = [
            {"id": m, "object": "model", "created": created, "owned_by": "openai"} for m in _MODELS
        ]
        return self.json_response({"object": "list", "data": data})

    def _fingerprint(self) -> str:
        return "fp_emulator01"

    def _error_body(self, error: ApiError) -> Any:
        status = error.status
        kind = (
            error.kind
            or _KINDS.get(status)
            or ("server_error" if status >= 500 else "invalid_request_error")
        )
        return {
            "error": {
                "message": error.message,
                "type": kind,
                "param": error.param,
                "code": error.code if error.code is not None else _CODES.get(status),
            }
        }

    def _common_headers(self) -> Iterable[tuple[str, str]]:
        remaining = max(_RATE_LIMIT - self._server.handled, 0)
        return (
            ("x-request-id", self.new_id("req_", 32)),
            ("openai-processing-ms", "1"),
            ("x-ratelimit-limit-requests", str(_RATE_LIMIT)),
            ("x-ratelimit-limit-tokens", "50000000"),
            ("x-ratelimit-remaining-requests", str(remaining)),
            ("x-ratelimit-remaining-tokens", "49999000"),
            ("x-ratelimit-reset-requests", "6ms"),
            ("x-ratelimit-reset-tokens", "0s"),
        )
