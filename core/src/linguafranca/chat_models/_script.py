"""The script of ``ScriptedFakeChatModel``: a deterministic answer computed from the request.

Pure functions: messages, tools, ``tool_choice`` and ``response_format`` in; the text,
tool calls and finish reason of the answer out. No randomness, no clock: the same
request always gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from linguafranca.chat_models._script_fill import Hints, fill_schema
from linguafranca.messages import BaseMessage, HumanMessage, ToolMessage

__all__ = ["Plan", "count_words", "fill_schema", "plan"]

_QUOTED = re.compile(r"""['"`]([A-Za-z_][\w-]*)['"`]""")
_WORD = re.compile(r"[a-z0-9]+")
_SPLIT_NAME = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_VERBS = frozenset({"get", "set", "fetch", "find", "lookup", "look", "query", "call", "run", "do"})


@dataclass
class Plan:
    """What the scripted model answers."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"


def count_words(text: str) -> int:
    """Words in ``text`` (the scripted model's notion of a token)."""
    return len(text.split())


def _text_of(message: BaseMessage) -> str:
    return message.text


def _last_human(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return _text_of(message)
    return _text_of(messages[-1]) if messages else ""


def _tool_name(tool: Mapping[str, Any]) -> str | None:
    function = tool.get("function")
    if isinstance(function, Mapping) and isinstance(function.get("name"), str):
        return str(function["name"])
    return None


def _parameters(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    function = tool.get("function")
    params = function.get("parameters") if isinstance(function, Mapping) else None
    return params if isinstance(params, Mapping) else {"type": "object", "properties": {}}


def _named(name: str, text: str) -> bool:
    """Whether the user's text names the tool: its name, or its words after a leading verb."""
    lowered = text.lower()
    if name.lower() in lowered:
        return True
    words = [w.lower() for w in _SPLIT_NAME.findall(name)]
    if len(words) > 1 and words[0] in _VERBS:
        words = words[1:]
    present = set(_WORD.findall(lowered))
    return bool(words) and all(w in present or w.rstrip("s") in present for w in words)


def _call_id(name: str, args: Any, index: int) -> str:
    digest = hashlib.sha1(f"{name}|{json.dumps(args, sort_keys=True)}|{index}".encode())
    return f"call_{digest.hexdigest()[:16]}"


def _schema_in_prompt(messages: Sequence[BaseMessage]) -> Mapping[str, Any] | None:
    """A JSON schema written in the conversation (json_mode prompts describe one)."""
    for message in reversed(messages):
        text = _text_of(message)
        start = text.find("{")
        while start != -1:
            try:
                found, _ = json.JSONDecoder().raw_decode(text[start:])
            except ValueError:
                found = None
            if isinstance(found, dict) and isinstance(found.get("properties"), dict):
                return found
            start = text.find("{", start + 1)
    return None


def _json_answer(messages: Sequence[BaseMessage], response_format: Mapping[str, Any]) -> str:
    text = _last_human(messages)
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        return json.dumps(fill_schema(schema or {"type": "object"}, text))
    schema = _schema_in_prompt(messages)
    if schema is not None:
        return json.dumps(fill_schema(schema, text))
    keys = list(dict.fromkeys(_QUOTED.findall(text)))
    if keys:
        hints = Hints(text, exclude=keys)
        return json.dumps({key: hints.take_string() for key in keys})
    return json.dumps({"answer": f"You said: {text}"})


def _tool_results(messages: Sequence[BaseMessage]) -> list[str]:
    results: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        results.append(_text_of(message))
    return list(reversed(results))


def plan(
    messages: Sequence[BaseMessage],
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: Any = None,
    parallel_tool_calls: bool | None = None,
    response_format: Mapping[str, Any] | None = None,
) -> Plan:
    """Decide the scripted answer to a request.

    Order: a ``response_format`` gets JSON filling its schema; with tools bound (and
    ``tool_choice`` not ``"none"``) the model answers tool results with their content,
    calls the forced tool, or calls every tool the last user message names; otherwise
    it answers ``"You said: <last user message>"``.
    """
    text = _last_human(messages)
    if response_format:
        return Plan(text=_json_answer(messages, response_format))
    callable_tools = [t for t in tools or () if _tool_name(t)]
    if callable_tools and tool_choice != "none":
        forced = tool_choice == "required" or isinstance(tool_choice, Mapping)
        results = _tool_results(messages)
        if results and not forced:
            return Plan(text="Here is what the tools returned: " + "; ".join(results))
        chosen: list[Mapping[str, Any]]
        if isinstance(tool_choice, Mapping) and isinstance(tool_choice.get("name"), str):
            chosen = [t for t in callable_tools if _tool_name(t) == tool_choice["name"]]
        else:
            chosen = [t for t in callable_tools if _named(str(_tool_name(t)), text)]
            if not chosen and forced:
                chosen = callable_tools[:1]
        if parallel_tool_calls is False:
            chosen = chosen[:1]
        if chosen:
            calls = []
            names = [str(_tool_name(t)) for t in callable_tools]
            for index, tool in enumerate(chosen):
                name = str(_tool_name(tool))
                # The tools' own names in the prompt are no argument values.
                args = fill_schema(_parameters(tool), text, exclude=names)
                calls.append({"name": name, "args": args, "id": _call_id(name, args, index)})
            return Plan(tool_calls=calls, finish_reason="tool_calls")
    if not messages:
        return Plan(text="Hello! Ask me anything.")
    return Plan(text=f"You said: {text}")


def truncate(text: str, stop: Sequence[str] | None, max_tokens: int | None) -> tuple[str, bool]:
    """Cut ``text`` at the first stop sequence and after ``max_tokens`` words.

    Returns:
        The text and whether it was cut by ``max_tokens`` (finish reason ``"length"``).
    """
    for sequence in stop or ():
        if sequence and sequence in text:
            text = text[: text.index(sequence)]
    if max_tokens is not None and count_words(text) > max_tokens:
        kept = re.findall(r"\s*\S+", text)[: max(max_tokens, 0)]
        return "".join(kept).lstrip(), True
    return text, False
