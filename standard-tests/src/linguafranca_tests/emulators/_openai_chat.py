"""OpenAI Chat Completions: request reading and response / stream rendering."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from linguafranca_tests.emulators._model import (
    Completion,
    Prompt,
    ToolCall,
    ToolSpec,
    Turn,
    split_json,
)

if TYPE_CHECKING:
    from linguafranca_tests.emulators._base import Emulator
    from linguafranca_tests.emulators._server import Response

__all__ = ["chat_prompt", "chat_response", "media_kind", "openai_usage"]

_FINISH = {"stop": "stop", "stop_sequence": "stop", "length": "length", "tool_calls": "tool_calls"}


def media_kind(part: Mapping[str, Any]) -> str | None:
    """The kind of a non-text OpenAI content part (``image``, ``audio``, ``pdf``, ``file``)."""
    kind = part.get("type")
    if kind in ("image_url", "input_image", "image"):
        return "image"
    if kind in ("input_audio", "audio"):
        return "audio"
    if kind in ("file", "input_file"):
        file = part.get("file", part)
        name = str(file.get("filename") or "")
        data = str(file.get("file_data") or file.get("file_url") or "")
        is_pdf = name.lower().endswith(".pdf") or data.startswith("data:application/pdf")
        return "pdf" if is_pdf else "file"
    return None


def _content(content: Any) -> tuple[str, list[str]]:
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    media: list[str] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") in ("text", "input_text", "output_text", "refusal"):
            texts.append(str(part.get("text") or part.get("refusal") or ""))
            continue
        kind = media_kind(part)
        if kind is not None:
            media.append(kind)
    return "\n".join(texts), media


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _tool_choice(prompt: Prompt, choice: Any) -> None:
    if isinstance(choice, str):
        prompt.tool_choice = choice
    elif isinstance(choice, Mapping):
        if choice.get("type") == "allowed_tools":
            allowed = choice.get("allowed_tools", {})
            prompt.tool_choice = str(allowed.get("mode", "auto"))
            prompt.allowed_tools = [
                str(t.get("function", t).get("name")) for t in allowed.get("tools", [])
            ]
        else:
            prompt.forced_tool = str(choice.get("function", choice).get("name"))


def chat_prompt(body: Mapping[str, Any]) -> Prompt:
    """Read a Chat Completions request body into a neutral prompt."""
    prompt = Prompt(model=str(body.get("model", "")))
    system: list[str] = []
    for message in body.get("messages") or []:
        role = message.get("role")
        text, media = _content(message.get("content"))
        if role in ("system", "developer"):
            system.append(text)
        elif role == "assistant":
            calls = [
                ToolCall(
                    str(c.get("id", "")),
                    str(c.get("function", {}).get("name", "")),
                    _arguments(c.get("function", {}).get("arguments")),
                )
                for c in message.get("tool_calls") or []
            ]
            legacy = message.get("function_call")
            if isinstance(legacy, Mapping):
                calls.append(
                    ToolCall("", str(legacy.get("name")), _arguments(legacy.get("arguments")))
                )
            prompt.turns.append(Turn("assistant", text, media, calls))
        elif role == "tool":
            prompt.turns.append(Turn("tool", text, tool_call_id=message.get("tool_call_id")))
        elif role == "function":
            prompt.turns.append(Turn("tool", text, tool_name=message.get("name")))
        else:
            prompt.turns.append(Turn("user", text, media))
    prompt.system = "\n".join(system)
    for tool in body.get("tools") or []:
        fn = tool.get("function", tool)
        prompt.tools.append(
            ToolSpec(
                str(fn.get("name")), str(fn.get("description") or ""), fn.get("parameters") or {}
            )
        )
    for fn in body.get("functions") or []:
        prompt.tools.append(
            ToolSpec(
                str(fn.get("name")), str(fn.get("description") or ""), fn.get("parameters") or {}
            )
        )
    _tool_choice(prompt, body.get("tool_choice", body.get("function_call")))
    if body.get("parallel_tool_calls") is False or body.get("functions"):
        prompt.parallel_tool_calls = False
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        prompt.response_schema = response_format.get("json_schema", {}).get("schema") or {}
    prompt.json_mode = response_format.get("type") == "json_object"
    effort = body.get("reasoning_effort")
    prompt.reasoning = effort is not None and effort != "none"
    stop = body.get("stop")
    prompt.stop = [stop] if isinstance(stop, str) else list(stop or [])
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    prompt.max_tokens = int(limit) if isinstance(limit, int) else None
    return prompt


def openai_usage(completion: Completion) -> dict[str, Any]:
    """The Chat Completions ``usage`` object."""
    prompt, output = completion.input_tokens, completion.output_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "total_tokens": prompt + output,
        "prompt_tokens_details": {"cached_tokens": completion.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": completion.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _message(completion: Completion, legacy: bool) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": completion.text or None}
    if completion.tool_calls and legacy:
        call = completion.tool_calls[0]
        message["function_call"] = {"name": call.name, "arguments": json.dumps(call.arguments)}
    elif completion.tool_calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in completion.tool_calls
        ]
    elif completion.text == "":
        message["content"] = ""
    message["refusal"] = None
    message["annotations"] = []
    return message


def _finish(completion: Completion, legacy: bool) -> str:
    if completion.finish == "tool_calls" and legacy:
        return "function_call"
    return _FINISH[completion.finish]


def chat_response(
    emulator: Emulator, body: Mapping[str, Any], completion: Completion, fingerprint: str
) -> Response:
    """Render the completion as a Chat Completions JSON answer or SSE stream."""
    legacy = bool(body.get("functions")) and not body.get("tools")
    model = str(body.get("model", ""))
    completion_id = emulator.new_id("chatcmpl-", 29)
    created = int(time.time())
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = _stream(completion, completion_id, created, model, fingerprint, include_usage)
        return emulator.stream_response(chunks)
    n = body.get("n")
    count = n if isinstance(n, int) and n > 1 else 1
    choices = [
        {
            "index": i,
            "message": _message(completion, legacy),
            "logprobs": None,
            "finish_reason": _finish(completion, legacy),
        }
        for i in range(count)
    ]
    answer = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": openai_usage(completion),
        "service_tier": "default",
        "system_fingerprint": fingerprint,
    }
    return emulator.json_response(answer)


def _stream(
    completion: Completion,
    completion_id: str,
    created: int,
    model: str,
    fingerprint: str,
    include_usage: bool,
) -> list[bytes]:
    # Every chunk shares its head; only the choice (and usage) differ, so render them once.
    head = (
        f'data: {{"id":"{completion_id}","object":"chat.completion.chunk","created":{created},'
        f'"model":{json.dumps(model)},"service_tier":"default",'
        f'"system_fingerprint":"{fingerprint}","choices":['
    )
    tail = '],"usage":null}\n\n' if include_usage else "]}\n\n"

    def chunk(delta: Mapping[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return (head + json.dumps(choice, separators=(",", ":")) + tail).encode()

    first: dict[str, Any] = {"role": "assistant", "content": "" if completion.text else None}
    first["refusal"] = None
    chunks = [chunk(first)]
    # The hot path of a text stream: only the piece changes, so skip building a dict per chunk.
    before = head + '{"index":0,"delta":{"content":'
    after = '},"logprobs":null,"finish_reason":null}' + tail
    if completion.text:
        chunks.extend(
            (before + json.dumps(piece, ensure_ascii=False) + after).encode()
            for piece in completion.text_pieces
        )
    for index, call in enumerate(completion.tool_calls):
        header = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        chunks.append(chunk({"tool_calls": [header]}))
        for piece in split_json(json.dumps(call.arguments)):
            chunks.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            )
    chunks.append(chunk({}, _FINISH[completion.finish]))
    if include_usage:
        usage = json.dumps(openai_usage(completion), separators=(",", ":"))
        chunks.append((head + f'],"usage":{usage}}}\n\n').encode())
    chunks.append(b"data: [DONE]\n\n")
    return chunks
