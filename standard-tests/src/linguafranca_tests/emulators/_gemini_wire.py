"""Gemini ``generateContent``: request reading and response / stream rendering."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from linguafranca_tests.emulators._model import (
    Completion,
    Prompt,
    ToolCall,
    ToolSpec,
    Turn,
)

__all__ = ["candidate_parts", "gemini_prompt", "gemini_response", "gemini_stream"]


def _get(obj: Mapping[str, Any], camel: str, default: Any = None) -> Any:
    """Read a field the API accepts in camelCase or snake_case."""
    if camel in obj:
        return obj[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return obj.get(snake, default)


def _media(part: Mapping[str, Any]) -> str | None:
    blob = _get(part, "inlineData") or _get(part, "fileData")
    if not isinstance(blob, Mapping):
        return None
    mime = str(_get(blob, "mimeType", ""))
    if mime == "application/pdf":
        return "pdf"
    for kind in ("image", "audio", "video"):
        if mime.startswith(kind):
            return kind
    return "file"


def _read_content(prompt: Prompt, content: Mapping[str, Any]) -> None:
    role = content.get("role", "user")
    texts: list[str] = []
    media: list[str] = []
    calls: list[ToolCall] = []
    for part in content.get("parts") or []:
        call = _get(part, "functionCall")
        result = _get(part, "functionResponse")
        if isinstance(call, Mapping):
            calls.append(
                ToolCall(
                    str(call.get("id", "")), str(call.get("name")), dict(call.get("args") or {})
                )
            )
        elif isinstance(result, Mapping):
            response = result.get("response")
            text = json.dumps(response) if not isinstance(response, str) else response
            if isinstance(response, Mapping) and set(response) <= {"result", "output", "content"}:
                inner = next(iter(response.values()), "")
                text = inner if isinstance(inner, str) else json.dumps(inner)
            prompt.turns.append(Turn("tool", text, tool_name=str(result.get("name"))))
        elif "text" in part and not part.get("thought"):
            texts.append(str(part["text"]))
        else:
            kind = _media(part)
            if kind is not None:
                media.append(kind)
    text = "\n".join(texts)
    if role == "model":
        prompt.turns.append(Turn("assistant", text, media, calls))
    elif text or media:
        prompt.turns.append(Turn("user", text, media))


def gemini_prompt(model: str, body: Mapping[str, Any]) -> Prompt:
    """Read a ``generateContent`` body into a neutral prompt."""
    prompt = Prompt(model=model)
    system = _get(body, "systemInstruction")
    if isinstance(system, Mapping):
        prompt.system = "\n".join(str(p.get("text", "")) for p in system.get("parts") or [])
    for content in body.get("contents") or []:
        _read_content(prompt, content)
    for tool in body.get("tools") or []:
        for fn in _get(tool, "functionDeclarations") or []:
            schema = _get(fn, "parametersJsonSchema") or fn.get("parameters") or {}
            prompt.tools.append(
                ToolSpec(str(fn.get("name")), str(fn.get("description") or ""), schema)
            )
    config = _get(_get(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = str(config.get("mode", "AUTO")).upper()
    prompt.tool_choice = {"ANY": "required", "NONE": "none", "VALIDATED": "auto"}.get(mode, "auto")
    allowed = _get(config, "allowedFunctionNames")
    if allowed:
        prompt.allowed_tools = [str(n) for n in allowed]
        if mode == "ANY" and len(allowed) == 1:
            prompt.forced_tool = str(allowed[0])
    generation = _get(body, "generationConfig") or {}
    schema = _get(generation, "responseJsonSchema") or _get(generation, "responseSchema")
    if isinstance(schema, Mapping):
        prompt.response_schema = schema
    prompt.json_mode = schema is None and _get(generation, "responseMimeType") == "application/json"
    thinking = _get(generation, "thinkingConfig") or {}
    prompt.reasoning = bool(_get(thinking, "includeThoughts"))
    prompt.stop = [str(s) for s in _get(generation, "stopSequences") or []]
    limit = _get(generation, "maxOutputTokens")
    prompt.max_tokens = int(limit) if isinstance(limit, int) else None
    return prompt


def _signature(seed: str) -> str:
    return base64.b64encode(b"\n\x14" + hashlib.sha256(seed.encode()).digest() * 2).decode()


def candidate_parts(completion: Completion) -> list[dict[str, Any]]:
    """The parts of the candidate's content, in the real order (thoughts first)."""
    parts: list[dict[str, Any]] = []
    if completion.reasoning:
        parts.append({"text": completion.reasoning, "thought": True})
    if completion.text:
        parts.append({"text": completion.text})
    for i, call in enumerate(completion.tool_calls):
        part: dict[str, Any] = {"functionCall": {"name": call.name, "args": call.arguments}}
        if i == 0 and completion.reasoning:
            part["thoughtSignature"] = _signature(completion.reasoning)
        parts.append(part)
    if not parts:
        parts.append({"text": ""})
    return parts


def _usage(completion: Completion, final: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {"promptTokenCount": completion.input_tokens}
    visible = completion.output_tokens - completion.reasoning_tokens
    if final:
        usage["candidatesTokenCount"] = visible
    total = completion.input_tokens + (visible if final else 0) + completion.reasoning_tokens
    usage["totalTokenCount"] = total
    usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": completion.input_tokens}]
    if completion.reasoning_tokens:
        usage["thoughtsTokenCount"] = completion.reasoning_tokens
    return usage


def _finish(completion: Completion) -> str:
    return "MAX_TOKENS" if completion.finish == "length" else "STOP"


def gemini_response(completion: Completion, model: str, response_id: str) -> dict[str, Any]:
    """The non-streamed ``GenerateContentResponse``."""
    candidate: dict[str, Any] = {
        "content": {"parts": candidate_parts(completion), "role": "model"},
        "finishReason": _finish(completion),
        "index": 0,
    }
    if completion.tool_calls:
        candidate["finishMessage"] = "Model generated function call(s)."
    return {
        "candidates": [candidate],
        "usageMetadata": _usage(completion, final=True),
        "modelVersion": model,
        "responseId": response_id,
    }


def gemini_stream(completion: Completion, model: str, response_id: str) -> list[dict[str, Any]]:
    """The chunks of ``streamGenerateContent``: thoughts, text pieces, calls, then finish."""
    chunks: list[list[dict[str, Any]]] = []
    if completion.reasoning:
        chunks.append([{"text": completion.reasoning, "thought": True}])
    chunks.extend(
        [{"text": piece}] for piece in (completion.text_pieces if completion.text else [])
    )
    calls = [p for p in candidate_parts(completion) if "functionCall" in p]
    if calls:
        chunks.append(calls)
    if not chunks:
        chunks.append([{"text": ""}])
    out: list[dict[str, Any]] = []
    for i, parts in enumerate(chunks):
        last = i == len(chunks) - 1
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
        if last:
            candidate["finishReason"] = _finish(completion)
        candidate["index"] = 0
        out.append(
            {
                "candidates": [candidate],
                "usageMetadata": _usage(completion, final=last),
                "modelVersion": model,
                "responseId": response_id,
            }
        )
    return out
