"""The Ollama emulator: native ``/api/chat`` and ``/api/generate`` (NDJSON), plus ``/v1``."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from linguafranca_tests.emulators._base import Emulator, RecordedRequest
from linguafranca_tests.emulators._faults import ApiError
from linguafranca_tests.emulators._model import (
    Completion,
    Prompt,
    ToolCall,
    ToolSpec,
    Turn,
    split_text,
)
from linguafranca_tests.emulators._openai_chat import chat_prompt, chat_response
from linguafranca_tests.emulators._server import Response
from linguafranca_tests.emulators._validate import validate_ollama_chat, validate_openai_chat

__all__ = ["OllamaEmulator"]

NDJSON = "application/x-ndjson"
_MODELS = ("llama3.2:latest", "qwen3:4b", "gpt-oss:20b", "nomic-embed-text:latest")
_EMBED_DIM = 16


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ollama_prompt(body: Mapping[str, Any]) -> Prompt:
    """Read an ``/api/chat`` (or ``/api/generate``) body into a neutral prompt."""
    prompt = Prompt(model=str(body.get("model", "")))
    system: list[str] = [str(body["system"])] if body.get("system") else []
    if "prompt" in body:
        media = ["image"] * len(body.get("images") or [])
        prompt.turns.append(Turn("user", str(body.get("prompt") or ""), media))
    for message in body.get("messages") or []:
        role = message.get("role")
        text = str(message.get("content") or "")
        media = ["image"] * len(message.get("images") or [])
        if role == "system":
            system.append(text)
        elif role == "assistant":
            calls = [
                ToolCall(
                    str(c.get("id", "")),
                    str(c.get("function", {}).get("name")),
                    dict(c.get("function", {}).get("arguments") or {}),
                )
                for c in message.get("tool_calls") or []
            ]
            prompt.turns.append(Turn("assistant", text, media, calls))
        elif role == "tool":
            prompt.turns.append(Turn("tool", text, tool_name=message.get("tool_name")))
        else:
            prompt.turns.append(Turn("user", text, media))
    prompt.system = "\n".join(system)
    for tool in body.get("tools") or []:
        fn = tool.get("function", tool)
        schema = fn.get("parameters") or {}
        prompt.tools.append(ToolSpec(str(fn.get("name")), str(fn.get("description") or ""), schema))
    fmt = body.get("format")
    if isinstance(fmt, Mapping):
        prompt.response_schema = fmt
    prompt.json_mode = fmt == "json"
    think = body.get("think")
    prompt.reasoning = bool(think) and think != "none"
    options = body.get("options") or {}
    stop = options.get("stop")
    prompt.stop = [stop] if isinstance(stop, str) else [str(s) for s in stop or []]
    limit = options.get("num_predict")
    prompt.max_tokens = int(limit) if isinstance(limit, int) and limit >= 0 else None
    return prompt


class OllamaEmulator(Emulator):
    """Ollama's API: native ``/api/*`` endpoints and the OpenAI-compatible ``/v1``.

    Served: ``/api/chat``, ``/api/generate`` (NDJSON streams by default, as Ollama does),
    ``/api/tags``, ``/api/show``, ``/api/embed``, ``/api/version`` and
    ``/v1/chat/completions``.
    ``base_url`` is the server root (the ``ollama`` client's ``host``). Like a local Ollama,
    no API key is required by default; a Bearer key listed in ``invalid_api_keys`` gets 401.
    """

    provider = "ollama"

    def __init__(self, *, require_api_key: bool = False, **options: Any) -> None:
        super().__init__(require_api_key=require_api_key, **options)

    def _check_auth(self, request: RecordedRequest) -> ApiError | None:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if key in self.invalid_api_keys or (self.require_api_key and not key):
            return ApiError(401, "unauthorized")
        return None

    def _route(self, request: RecordedRequest) -> Response:
        path = request.path.rstrip("/")
        body = request.body if isinstance(request.body, dict) else {}
        if request.method == "GET" and path == "/api/tags":
            return self.json_response({"models": [_model_entry(m) for m in _MODELS]})
        if request.method == "GET" and path == "/api/version":
            return self.json_response({"version": "0.12.0"})
        if request.method == "HEAD" or (request.method == "GET" and path == ""):
            return Response(
                200, [("content-type", "text/plain; charset=utf-8")], b"Ollama is running"
            )
        if request.method != "POST":
            raise ApiError(404, "404 page not found")
        if path == "/v1/chat/completions":
            if self.validate:
                validate_openai_chat(body)
            completion = self.complete(chat_prompt(body), id_prefix="call_", id_length=8)
            return chat_response(self, body, completion, "fp_ollama")
        if path in ("/api/chat", "/api/generate"):
            if self.validate:
                validate_ollama_chat(body)
            self._check_model(body)
            completion = self.complete(ollama_prompt(body), id_prefix="call_", id_length=8)
            return self._answer(body, completion, generate=path == "/api/generate")
        if path == "/api/show":
            self._check_model(body)
            return self.json_response(_show(str(body.get("model", ""))))
        if path in ("/api/embed", "/api/embeddings"):
            self._check_model(body)
            return self.json_response(_embed(body))
        raise ApiError(404, "404 page not found")

    def _check_model(self, body: Mapping[str, Any]) -> None:
        model = str(body.get("model", ""))
        if not model:
            raise ApiError(400, "model is required")
        if self.is_missing_model(model):
            raise ApiError(404, f"model '{model}' not found")

    def _answer(self, body: Mapping[str, Any], completion: Completion, generate: bool) -> Response:
        model = str(body.get("model", ""))
        final = _final(model, completion)
        if body.get("stream", True) is False:
            if generate:
                answer: dict[str, Any] = {
                    "model": model,
                    "created_at": _now(),
                    "response": completion.text,
                }
                if completion.reasoning:
                    answer["thinking"] = completion.reasoning
            else:
                answer = {"model": model, "created_at": _now(), "message": _message(completion)}
            answer.update(final)
            return self.json_response(answer)
        lines = [
            json.dumps(obj, ensure_ascii=False).encode() + b"\n"
            for obj in _stream(model, completion, final, generate)
        ]
        return self.stream_response(lines, NDJSON)

    def _error_body(self, error: ApiError) -> Any:
        return {"error": error.message}

    def _malformed_event(self) -> bytes:
        return b'{"model":"malformed",\n'


def _message(completion: Completion) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": completion.text}
    if completion.reasoning:
        message["thinking"] = completion.reasoning
    if completion.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "function": {"index": i, "name": c.name, "arguments": c.arguments}}
            for i, c in enumerate(completion.tool_calls)
        ]
    return message


def _final(model: str, completion: Completion) -> dict[str, Any]:
    output = completion.output_tokens
    return {
        "done": True,
        "done_reason": "length" if completion.finish == "length" else "stop",
        "total_duration": 1_000_000 + output * 5_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": completion.input_tokens,
        "prompt_eval_duration": completion.input_tokens * 100_000,
        "eval_count": output,
        "eval_duration": output * 5_000_000,
    }


def _stream(
    model: str, completion: Completion, final: dict[str, Any], generate: bool
) -> list[dict[str, Any]]:
    def line(content: str = "", thinking: str | None = None) -> dict[str, Any]:
        if generate:
            entry: dict[str, Any] = {"model": model, "created_at": _now(), "response": content}
            if thinking is not None:
                entry["thinking"] = thinking
        else:
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if thinking is not None:
                message["thinking"] = thinking
            entry = {"model": model, "created_at": _now(), "message": message}
        entry["done"] = False
        return entry

    out = [line(thinking=piece) for piece in split_text(completion.reasoning)]
    out.extend(line(piece) for piece in completion.text_pieces if completion.text)
    if completion.tool_calls and not generate:
        calls = line()
        calls["message"]["tool_calls"] = _message(completion)["tool_calls"]
        out.append(calls)
    last = line()
    del last["done"]
    last.update(final)
    out.append(last)
    return out


def _model_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-08-01T00:00:00.000000Z",
        "size": 2_019_393_189,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": name.split(":", 1)[0],
            "families": [name.split(":", 1)[0]],
            "parameter_size": "3.2B",
            "quantization_level": "Q4_K_M",
        },
    }


def _show(model: str) -> dict[str, Any]:
    return {
        "modelfile": f"FROM {model}\n",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": _model_entry(model)["details"],
        "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
        "capabilities": ["completion", "tools", "thinking"],
        "modified_at": "2025-08-01T00:00:00.000000Z",
    }


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [(b - 127.5) / 127.5 for b in digest[:_EMBED_DIM]]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [round(v / norm, 6) for v in raw]


def _embed(body: Mapping[str, Any]) -> dict[str, Any]:
    model = str(body.get("model", ""))
    raw = body.get("input", body.get("prompt", ""))
    texts = [raw] if isinstance(raw, str) else [str(t) for t in raw]
    if "prompt" in body and "input" not in body:  # the legacy /api/embeddings shape
        return {"embedding": _vector(texts[0])}
    return {
        "model": model,
        "embeddings": [_vector(t) for t in texts],
        "total_duration": 1_000_000,
        "load_duration": 100_000,
        "prompt_eval_count": sum(len(t.split()) for t in texts),
    }
