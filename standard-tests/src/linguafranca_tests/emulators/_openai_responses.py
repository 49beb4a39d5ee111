"""OpenAI Responses API: request reading and response / event-stream rendering."""

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
    split_text,
)
from linguafranca_tests.emulators._openai_chat import media_kind

if TYPE_CHECKING:
    from linguafranca_tests.emulators._base import Emulator
    from linguafranca_tests.emulators._server import Response

__all__ = ["count_input_tokens", "responses_prompt", "responses_response"]

_TEXT_PARTS = ("input_text", "output_text", "text", "refusal", "summary_text")


def _content(content: Any) -> tuple[str, list[str]]:
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    media: list[str] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") in _TEXT_PARTS:
            texts.append(str(part.get("text") or part.get("refusal") or ""))
        else:
            kind = media_kind(part)
            if kind is not None:
                media.append(kind)
    return "\n".join(texts), media


def _arguments(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _read_input(prompt: Prompt, items: Any, system: list[str]) -> None:
    if isinstance(items, str):
        prompt.turns.append(Turn("user", items))
        return
    for item in items if isinstance(items, list) else []:
        kind = item.get("type", "message")
        if kind == "message" or (kind not in _ITEM_KINDS and "role" in item):
            text, media = _content(item.get("content"))
            role = item.get("role", "user")
            if role in ("system", "developer"):
                system.append(text)
            elif role == "assistant":
                prompt.turns.append(Turn("assistant", text, media))
            else:
                prompt.turns.append(Turn("user", text, media))
        elif kind == "function_call":
            call = ToolCall(
                str(item.get("call_id", "")),
                str(item.get("name", "")),
                _arguments(item.get("arguments")),
            )
            last = prompt.turns[-1] if prompt.turns else None
            if last is not None and last.role == "assistant" and not last.text:
                last.tool_calls.append(call)
            else:
                prompt.turns.append(Turn("assistant", tool_calls=[call]))
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _content(output)[0]
            prompt.turns.append(Turn("tool", text, tool_call_id=item.get("call_id")))


_ITEM_KINDS = {"function_call", "function_call_output", "reasoning", "item_reference"}


def responses_prompt(body: Mapping[str, Any], history: list[Turn] | None = None) -> Prompt:
    """Read a Responses request body (plus a stored history) into a neutral prompt."""
    prompt = Prompt(model=str(body.get("model", "")), turns=list(history or []))
    system = [str(body["instructions"])] if body.get("instructions") else []
    _read_input(prompt, body.get("input"), system)
    prompt.system = "\n".join(system)
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            prompt.tools.append(
                ToolSpec(
                    str(tool.get("name")),
                    str(tool.get("description") or ""),
                    tool.get("parameters") or {},
                )
            )
    choice = body.get("tool_choice")
    if isinstance(choice, str):
        prompt.tool_choice = choice
    elif isinstance(choice, Mapping):
        if choice.get("type") == "allowed_tools":
            prompt.tool_choice = str(choice.get("mode", "auto"))
            prompt.allowed_tools = [str(t.get("name")) for t in choice.get("tools", [])]
        elif choice.get("type") == "function":
            prompt.forced_tool = str(choice.get("name"))
    prompt.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        prompt.response_schema = fmt.get("schema") or {}
    prompt.json_mode = fmt.get("type") == "json_object"
    reasoning = body.get("reasoning") or {}
    prompt.reasoning = bool(reasoning) and reasoning.get("effort") != "none"
    limit = body.get("max_output_tokens")
    prompt.max_tokens = int(limit) if isinstance(limit, int) else None
    return prompt


def count_input_tokens(body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``/v1/responses/input_tokens`` answer."""
    return {
        "object": "response.input_tokens",
        "input_tokens": responses_prompt(body).input_tokens(),
    }


def _usage(completion: Completion) -> dict[str, Any]:
    output = completion.output_tokens
    return {
        "input_tokens": completion.input_tokens,
        "input_tokens_details": {"cached_tokens": completion.cached_tokens},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": completion.reasoning_tokens},
        "total_tokens": completion.input_tokens + output,
    }


class _Builder:
    """Builds the output items and the response object of one answer."""

    def __init__(self, emulator: Emulator, body: Mapping[str, Any], completion: Completion) -> None:
        self.body = body
        self.completion = completion
        self.id = emulator.new_id("resp_", 50)
        self.created = int(time.time())
        self.incomplete = completion.finish == "length"
        reasoning = body.get("reasoning") or {}
        self.summary = reasoning.get("summary")
        self.encrypted = "reasoning.encrypted_content" in (body.get("include") or [])
        self.items: list[dict[str, Any]] = []
        if completion.reasoning:
            item: dict[str, Any] = {"id": emulator.new_id("rs_", 50), "type": "reasoning"}
            if self.encrypted:
                item["encrypted_content"] = "gAAAAA" + emulator.new_id("", 120)
            item["summary"] = (
                [{"type": "summary_text", "text": completion.reasoning}] if self.summary else []
            )
            self.items.append(item)
        if completion.text or not completion.tool_calls:
            self.items.append(
                {
                    "id": emulator.new_id("msg_", 50),
                    "type": "message",
                    "status": "incomplete" if self.incomplete else "completed",
                    "content": [
                        {
                            "type": "output_text",
                            "annotations": [],
                            "logprobs": [],
                            "text": completion.text,
                        }
                    ],
                    "role": "assistant",
                }
            )
        for call in completion.tool_calls:
            self.items.append(
                {
                    "id": emulator.new_id("fc_", 50),
                    "type": "function_call",
                    "status": "completed",
                    "arguments": json.dumps(call.arguments, separators=(",", ":")),
                    "call_id": call.id,
                    "name": call.name,
                }
            )

    def response(self, done: bool) -> dict[str, Any]:
        body = self.body
        reasoning = body.get("reasoning") or {}
        status = ("incomplete" if self.incomplete else "completed") if done else "in_progress"
        tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
        text = body.get("text") or {}
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "background": False,
            "completed_at": int(time.time()) if done else None,
            "error": None,
            "frequency_penalty": 0.0,
            "incomplete_details": {"reason": "max_output_tokens"}
            if done and self.incomplete
            else None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": None,
            "model": body.get("model"),
            "output": self.items if done else [],
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "presence_penalty": 0.0,
            "previous_response_id": body.get("previous_response_id"),
            "prompt_cache_key": body.get("prompt_cache_key"),
            "prompt_cache_retention": None,
            "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "safety_identifier": None,
            "service_tier": "default",
            "store": body.get("store", True),
            "temperature": float(body.get("temperature", 1.0)),
            "text": {"format": text.get("format") or {"type": "text"}, "verbosity": "medium"},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": tools,
            "top_logprobs": 0,
            "top_p": float(body.get("top_p", 1.0)),
            "truncation": "disabled",
            "usage": _usage(self.completion) if done else None,
            "user": None,
            "metadata": body.get("metadata") or {},
        }


def responses_response(
    emulator: Emulator, body: Mapping[str, Any], completion: Completion
) -> tuple[Response, dict[str, Any]]:
    """Render the completion as a Responses JSON answer or event stream.

    Returns:
        The HTTP answer and the final response object (for ``previous_response_id``).
    """
    builder = _Builder(emulator, body, completion)
    final = builder.response(done=True)
    if not body.get("stream"):
        return emulator.json_response(final), final
    return emulator.stream_response(_events(builder, final)), final


def _events(builder: _Builder, final: dict[str, Any]) -> list[bytes]:
    out: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        payload = {"type": kind, **fields, "sequence_number": len(out)}
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        out.append(f"event: {kind}\ndata: {data}\n\n".encode())

    emit("response.created", response=builder.response(done=False))
    emit("response.in_progress", response=builder.response(done=False))
    for index, item in enumerate(builder.items):
        where = {"item_id": item["id"], "output_index": index}
        kind = item["type"]
        if kind == "reasoning":
            emit("response.output_item.added", item={**item, "summary": []}, output_index=index)
            for s_index, part in enumerate(item["summary"]):
                at = {**where, "summary_index": s_index}
                emit("response.reasoning_summary_part.added", **at, part={**part, "text": ""})
                for piece in split_text(part["text"]):
                    emit("response.reasoning_summary_text.delta", **at, delta=piece)
                emit("response.reasoning_summary_text.done", **at, text=part["text"])
                emit("response.reasoning_summary_part.done", **at, part=part)
        elif kind == "message":
            added = {**item, "status": "in_progress", "content": []}
            emit("response.output_item.added", item=added, output_index=index)
            part = item["content"][0]
            at = {**where, "content_index": 0}
            emit("response.content_part.added", **at, part={**part, "text": ""})
            for piece in builder.completion.text_pieces if part["text"] else []:
                emit("response.output_text.delta", **at, delta=piece, logprobs=[])
            emit("response.output_text.done", **at, text=part["text"], logprobs=[])
            emit("response.content_part.done", **at, part=part)
        else:
            added = {**item, "status": "in_progress", "arguments": ""}
            emit("response.output_item.added", item=added, output_index=index)
            for piece in split_json(item["arguments"]):
                emit("response.function_call_arguments.delta", delta=piece, **where)
            emit("response.function_call_arguments.done", arguments=item["arguments"], **where)
        emit("response.output_item.done", item=item, output_index=index)
    final_kind = "response.incomplete" if builder.incomplete else "response.completed"
    emit(final_kind, response=final)
    return out
