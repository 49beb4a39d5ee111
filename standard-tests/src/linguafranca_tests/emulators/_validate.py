"""Request-body validation against the providers' published schemas.

The schemas below are the main request bodies of each API reduced to what a client can get
wrong in practice: required fields, types, enums and numeric bounds. They were derived by
hand from ``shared/wire/specs/`` (OpenAI ``CreateChatCompletionRequest`` and
``CreateResponse``; Anthropic ``CreateMessageParams``; Ollama ``ChatRequest``; Gemini
``GenerateContentRequest``) so the emulators need neither the spec files nor a
JSON-schema library at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linguafranca_tests.emulators._faults import ApiError
from linguafranca_tests.emulators._schema import Problem, json_type, validate

__all__ = [
    "validate_anthropic_messages",
    "validate_gemini",
    "validate_ollama_chat",
    "validate_openai_chat",
    "validate_openai_responses",
]

_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_BOOLEAN = {"type": "boolean"}
_OBJECT = {"type": "object"}
_STOP = {"anyOf": [_STRING, {"type": "array", "items": _STRING}], "nullable": True}

_OPENAI_TOOL = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": _STRING,
        "function": {"type": "object", "required": ["name"], "properties": {"name": _STRING}},
    },
}
_OPENAI_CHAT = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": _STRING,
        "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["role"],
                "properties": {
                    "role": {
                        "enum": ["system", "assistant", "user", "function", "tool", "developer"]
                    },
                    "content": {"type": ["string", "array", "null"]},
                    "tool_calls": {"type": "array"},
                },
            },
        },
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "nullable": True},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1, "nullable": True},
        "n": {"type": "integer", "minimum": 1, "maximum": 128, "nullable": True},
        "max_tokens": {"type": "integer", "nullable": True},
        "max_completion_tokens": {"type": "integer", "nullable": True},
        "stream": {"type": "boolean", "nullable": True},
        "stream_options": {"type": "object", "nullable": True},
        "stop": _STOP,
        "tools": {"type": "array", "items": _OPENAI_TOOL},
        "parallel_tool_calls": _BOOLEAN,
        "response_format": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": ["text", "json_object", "json_schema"]}},
        },
        "reasoning_effort": {"enum": ["none", "minimal", "low", "medium", "high", "xhigh"]},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2, "nullable": True},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2, "nullable": True},
        "seed": {"type": "integer", "nullable": True},
        "logprobs": {"type": "boolean", "nullable": True},
        "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20, "nullable": True},
    },
}
_OPENAI_RESPONSES = {
    "type": "object",
    "required": ["model"],
    "properties": {
        "model": _STRING,
        "input": {"anyOf": [_STRING, {"type": "array", "items": _OBJECT}]},
        "instructions": {"type": "string", "nullable": True},
        "max_output_tokens": {"type": "integer", "minimum": 16, "nullable": True},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "nullable": True},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1, "nullable": True},
        "stream": {"type": "boolean", "nullable": True},
        "store": {"type": "boolean", "nullable": True},
        "tools": {"type": "array", "items": {"type": "object", "required": ["type"]}},
        "parallel_tool_calls": {"type": "boolean", "nullable": True},
        "previous_response_id": {"type": "string", "nullable": True},
        "reasoning": {"type": "object", "nullable": True},
        "text": _OBJECT,
    },
}
_ANTHROPIC_MESSAGES = {
    "type": "object",
    "required": ["model", "messages", "max_tokens"],
    "properties": {
        "model": _STRING,
        "max_tokens": {"type": "integer", "minimum": 1},
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"enum": ["user", "assistant"]},
                    "content": {"type": ["string", "array"]},
                },
            },
        },
        "system": {"type": ["string", "array"]},
        "stop_sequences": {"type": "array", "items": _STRING},
        "stream": _BOOLEAN,
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "top_k": {"type": "integer", "minimum": 0},
        "tools": {"type": "array", "items": {"type": "object", "required": ["name"]}},
        "tool_choice": {"type": "object", "required": ["type"]},
        "thinking": {"type": "object", "required": ["type"]},
    },
}
_OLLAMA_CHAT = {
    "type": "object",
    "required": ["model"],
    "properties": {
        "model": _STRING,
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["role"],
                "properties": {"role": _STRING, "content": _STRING, "images": {"type": "array"}},
            },
        },
        "stream": _BOOLEAN,
        "tools": {"type": "array", "items": _OBJECT},
        "options": _OBJECT,
        "keep_alive": {"type": ["string", "number"]},
    },
}
_GEMINI = {
    "type": "object",
    "required": ["contents"],
    "properties": {
        "contents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["parts"],
                "properties": {"role": _STRING, "parts": {"type": "array", "items": _OBJECT}},
            },
        },
        "tools": {"type": "array", "items": _OBJECT},
        "toolConfig": _OBJECT,
        "systemInstruction": _OBJECT,
        "generationConfig": {
            "type": "object",
            "properties": {
                "temperature": {"type": "number", "minimum": 0, "maximum": 2},
                "maxOutputTokens": _INTEGER,
                "candidateCount": _INTEGER,
                "stopSequences": {"type": "array", "items": _STRING},
            },
        },
    },
}


def _first(body: Any, schema: Mapping[str, Any]) -> Problem | None:
    if not isinstance(body, Mapping):
        return Problem("", "type", "object", body)
    problems = validate(dict(body), schema)
    return problems[0] if problems else None


def _openai_error(problem: Problem) -> ApiError:
    path, got = problem.path, problem.actual
    if problem.code == "missing":
        return ApiError(
            400,
            f"Missing required parameter: '{path}'.",
            param=path,
            code="missing_required_parameter",
        )
    if problem.code == "enum":
        allowed = ", ".join(repr(v) for v in problem.expected)
        return ApiError(
            400,
            f"Invalid value: {got!r}. Supported values are: {allowed}.",
            param=path,
            code="invalid_value",
        )
    if problem.code == "min_items":
        return ApiError(
            400,
            f"Invalid '{path}': empty array. Expected an array with minimum length "
            f"{problem.expected}, but got an empty array instead.",
            param=path,
            code="empty_array",
        )
    if problem.code in ("minimum", "maximum"):
        low = problem.code == "minimum"
        number = "integer" if problem.kind == "integer" else "decimal"
        return ApiError(
            400,
            f"Invalid '{path}': {number} {'below minimum' if low else 'above maximum'} value. "
            f"Expected a value {'>=' if low else '<='} {problem.expected}, but got {got} "
            "instead.",
            param=path,
            code=f"{number}_{'below_min' if low else 'above_max'}_value",
        )
    return ApiError(
        400,
        f"Invalid type for '{path}': expected {problem.expected}, but got {json_type(got)} "
        "instead.",
        param=path,
        code="invalid_type",
    )


def validate_openai_chat(body: Any) -> None:
    """Raise OpenAI's 400 ``invalid_request_error`` for a malformed Chat Completions body."""
    problem = _first(body, _OPENAI_CHAT)
    if problem is not None:
        raise _openai_error(problem)
    for i, message in enumerate(body["messages"]):
        if message.get("role") == "tool" and "tool_call_id" not in message:
            raise _openai_error(Problem(f"messages[{i}].tool_call_id", "missing"))


def validate_openai_responses(body: Any) -> None:
    """Raise OpenAI's 400 ``invalid_request_error`` for a malformed Responses body."""
    problem = _first(body, _OPENAI_RESPONSES)
    if problem is not None:
        raise _openai_error(problem)


def _plain(problem: Problem) -> str:
    where = problem.path or "body"
    if problem.code == "missing":
        return f"{where}: Field required"
    if problem.code == "enum":
        allowed = ", ".join(repr(v) for v in problem.expected)
        return f"{where}: Input should be {allowed}"
    if problem.code in ("minimum", "maximum"):
        word = "greater than or equal to" if problem.code == "minimum" else "less than or equal to"
        return f"{where}: Input should be {word} {problem.expected}"
    if problem.code == "min_items":
        return f"{where}: List should have at least {problem.expected} item"
    return f"{where}: Input should be a valid {problem.expected}"


def validate_anthropic_messages(body: Any) -> None:
    """Raise Anthropic's 400 ``invalid_request_error`` for a malformed Messages body."""
    problem = _first(body, _ANTHROPIC_MESSAGES)
    if problem is not None:
        raise ApiError(400, _plain(problem), kind="invalid_request_error")


def validate_ollama_chat(body: Any) -> None:
    """Raise Ollama's 400 ``{"error": ...}`` for a malformed /api/chat body."""
    problem = _first(body, _OLLAMA_CHAT)
    if problem is None:
        return
    if problem.code == "missing" and problem.path == "model":
        raise ApiError(400, "model is required")
    raise ApiError(400, f"invalid request: {_plain(problem)}")


def validate_gemini(body: Any) -> None:
    """Raise Gemini's 400 ``INVALID_ARGUMENT`` for a malformed generateContent body."""
    problem = _first(body, _GEMINI)
    if problem is None:
        return
    if problem.code == "missing":
        message = f"* GenerateContentRequest.{problem.path}: contents is not specified\n"
    else:
        message = f"Invalid JSON payload received. {_plain(problem)}"
    raise ApiError(400, message, kind="INVALID_ARGUMENT")
