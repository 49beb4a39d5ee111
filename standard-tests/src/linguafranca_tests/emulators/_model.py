"""The deterministic scripted model shared by every emulator.

Each wire format turns its request into a provider-neutral :class:`Prompt`; the model answers
with a :class:`Completion` (text, tool calls, reasoning, finish reason, token counts) that the
wire format renders in its own shapes. The rules, in order:

1. a reply queued with ``emulator.script(...)`` wins;
2. tools offered and (the tool choice forces one, or the last user message names one or
   more tools): call them, arguments generated from each tool's JSON schema and filled with
   the numbers and quoted strings of the user's message;
3. a response schema (structured output): a JSON instance of the schema;
4. otherwise text: after tool results, a sentence quoting each result; else an echo of the
   user's message, prefixed with what was attached ("I received 1 image.").

Then stop sequences cut the text and ``max_tokens`` truncates it (finish reason "length").
Tokens are words: input tokens count the words of the prompt, output tokens the chunks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from linguafranca_tests.emulators._schema import Hints, generate

__all__ = [
    "Completion",
    "Prompt",
    "ScriptedModel",
    "ScriptedReply",
    "ToolCall",
    "ToolSpec",
    "Turn",
    "count_words",
    "split_json",
    "split_text",
]

Finish = Literal["stop", "length", "tool_calls", "stop_sequence"]
_WORD = re.compile(r"\S+")
_PIECE = re.compile(r"\s*\S+|\s+")
_ECHO_WORDS = 60


def split_text(text: str) -> list[str]:
    """Split text into stream pieces (a word with its leading space); they join to ``text``."""
    return _PIECE.findall(text)


def split_json(text: str, size: int = 6) -> list[str]:
    """Split JSON text into small pieces, as providers stream tool arguments."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def count_words(text: str) -> int:
    """The emulators' token count of ``text``."""
    return len(_WORD.findall(text))


@dataclass
class ToolCall:
    """A tool call, in a request's history or in the model's answer."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class Turn:
    """One message of the conversation, reduced to what the scripted model reads.

    Attributes:
        role: ``user``, ``assistant`` or ``tool`` (system text goes to ``Prompt.system``).
        text: The text content.
        media: The kinds of non-text inputs, e.g. ``["image", "pdf"]``.
        tool_calls: Tool calls made by an assistant turn.
        tool_call_id: For a tool result: the id of the call it answers.
        tool_name: For a tool result: the tool's name when the wire format carries it.
    """

    role: Literal["user", "assistant", "tool"]
    text: str = ""
    media: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    tool_name: str | None = None


@dataclass
class ToolSpec:
    """A tool offered to the model."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Prompt:
    """A provider-neutral request.

    Attributes:
        tool_choice: ``auto``, ``none`` or ``required`` (any tool).
        forced_tool: A tool that must be called.
        allowed_tools: Restricts which tools may be called.
        response_schema: A JSON schema the answer must fill (structured output).
        json_mode: Answer with some JSON object (OpenAI ``json_object``, Ollama ``"json"``).
    """

    model: str = ""
    system: str = ""
    turns: list[Turn] = field(default_factory=list)
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: str = "auto"
    forced_tool: str | None = None
    allowed_tools: list[str] | None = None
    parallel_tool_calls: bool = True
    response_schema: Mapping[str, Any] | None = None
    json_mode: bool = False
    reasoning: bool = False
    stop: list[str] = field(default_factory=list)
    max_tokens: int | None = None

    def input_tokens(self) -> int:
        """Words of the system prompt, messages and tool definitions, plus one per message."""
        total = count_words(self.system)
        for turn in self.turns:
            total += 1 + count_words(turn.text) + len(turn.media) * 85
            for call in turn.tool_calls:
                total += 1 + count_words(json.dumps(call.arguments))
        for tool in self.tools:
            total += 1 + count_words(tool.description) + len(tool.parameters.get("properties", {}))
        if self.response_schema is not None:
            total += count_words(json.dumps(self.response_schema))
        return max(total, 1)


@dataclass
class ScriptedReply:
    """A canned answer for the next request (``emulator.script(...)``).

    Attributes:
        text: The answer text.
        tool_calls: Tool calls, each ``{"name": ..., "args": {...}}`` (``id`` optional).
        reasoning: Reasoning / thinking text.
        finish_reason: A neutral finish reason (``stop``, ``length``, ``tool_calls``).
    """

    text: str | None = None
    tool_calls: list[Mapping[str, Any]] | None = None
    reasoning: str | None = None
    finish_reason: Finish | None = None


@dataclass
class Completion:
    """The scripted model's answer, before a wire format renders it."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish: Finish = "stop"
    stop_sequence: str | None = None
    input_tokens: int = 1
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    structured: bool = False

    @property
    def text_pieces(self) -> list[str]:
        """The text split into stream pieces."""
        return split_json(self.text, 8) if self.structured else split_text(self.text)

    @property
    def output_tokens(self) -> int:
        """Tokens of the text, the tool calls and the reasoning."""
        text_tokens = len(self.text_pieces) if self.text else 0
        tool_tokens = sum(2 + len(split_json(json.dumps(c.arguments))) for c in self.tool_calls)
        return text_tokens + tool_tokens + self.reasoning_tokens


class ScriptedModel:
    """Turns a :class:`Prompt` into a :class:`Completion`, deterministically."""

    def respond(
        self, prompt: Prompt, new_id: Callable[[], str], script: ScriptedReply | None = None
    ) -> Completion:
        """Answer ``prompt``; ``new_id()`` makes tool-call ids in the wire format's style."""
        completion = Completion(input_tokens=prompt.input_tokens())
        if prompt.reasoning:
            completion.reasoning = _reasoning(prompt)
        if script is not None:
            self._apply_script(completion, script, new_id)
        else:
            calls = _choose_tools(prompt)
            if calls:
                hints = Hints.from_text(_last_user_text(prompt))
                for tool in calls:
                    args = generate(tool.parameters or {"type": "object"}, hints, name=tool.name)
                    args = args if isinstance(args, dict) else {"value": args}
                    completion.tool_calls.append(ToolCall(new_id(), tool.name, args))
                completion.finish = "tool_calls"
                if prompt.reasoning:
                    completion.reasoning += f" I will call {', '.join(t.name for t in calls)}."
            elif prompt.response_schema is not None:
                hints = Hints.from_text(_last_user_text(prompt))
                value = generate(prompt.response_schema, hints)
                completion.text = json.dumps(value, separators=(",", ":"))
                completion.structured = True
            elif prompt.json_mode:
                completion.text = json.dumps({"answer": _answer_text(prompt)})
                completion.structured = True
            else:
                completion.text = _answer_text(prompt)
        completion.reasoning_tokens = count_words(completion.reasoning)
        if not completion.tool_calls:
            _apply_limits(completion, prompt)
        return completion

    @staticmethod
    def _apply_script(
        completion: Completion, script: ScriptedReply, new_id: Callable[[], str]
    ) -> None:
        if script.reasoning is not None:
            completion.reasoning = script.reasoning
        completion.text = script.text or ""
        for call in script.tool_calls or []:
            call_id = str(call.get("id") or new_id())
            completion.tool_calls.append(ToolCall(call_id, str(call["name"]), dict(call["args"])))
        if completion.tool_calls:
            completion.finish = "tool_calls"
        if script.finish_reason is not None:
            completion.finish = script.finish_reason


def _apply_limits(completion: Completion, prompt: Prompt) -> None:
    for stop in prompt.stop:
        at = completion.text.find(stop) if stop else -1
        if at >= 0:
            completion.text = completion.text[:at]
            completion.finish = "stop_sequence"
            completion.stop_sequence = stop
    if prompt.max_tokens is not None:
        budget = max(prompt.max_tokens - completion.reasoning_tokens, 0)
        pieces = completion.text_pieces
        if len(pieces) > budget:
            completion.text = "".join(pieces[:budget])
            completion.finish = "length"
            completion.stop_sequence = None


def _last_user_text(prompt: Prompt) -> str:
    for turn in reversed(prompt.turns):
        if turn.role == "user":
            return turn.text
    return ""


def _names_in(text: str, tools: Sequence[ToolSpec]) -> list[ToolSpec]:
    lowered = text.lower()
    found: list[tuple[int, ToolSpec]] = []
    for tool in tools:
        name = tool.name.lower()
        positions = [
            m.start()
            for variant in {name, name.replace("_", " ")}
            for m in re.finditer(rf"(?<![\w]){re.escape(variant)}(?![\w])", lowered)
        ]
        if positions:
            found.append((min(positions), tool))
    return [tool for _, tool in sorted(found, key=lambda item: item[0])]


def _choose_tools(prompt: Prompt) -> list[ToolSpec]:
    tools = prompt.tools
    if prompt.allowed_tools is not None:
        tools = [t for t in tools if t.name in prompt.allowed_tools]
    if not tools or prompt.tool_choice == "none":
        return []
    if prompt.forced_tool is not None:
        return [t for t in tools if t.name == prompt.forced_tool][:1]
    last = prompt.turns[-1] if prompt.turns else None
    named = _names_in(_last_user_text(prompt), tools) if last and last.role == "user" else []
    if prompt.tool_choice == "required" and not named:
        named = tools[:1]
    if not prompt.parallel_tool_calls:
        named = named[:1]
    return named


def _media_phrase(media: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for kind in media:
        counts[kind] = counts.get(kind, 0) + 1
    words = []
    for kind, n in counts.items():
        label = {"pdf": "PDF", "image": "image", "audio": "audio clip"}.get(kind, kind)
        words.append(f"{n} {label}{'s' if n != 1 else ''}")
    return f"I received {' and '.join(words)}. " if words else ""


def _answer_text(prompt: Prompt) -> str:
    results: list[Turn] = []
    for turn in reversed(prompt.turns):
        if turn.role != "tool":
            break
        results.insert(0, turn)
    if results:
        names = {c.id: c.name for t in prompt.turns for c in t.tool_calls}
        sentences = []
        for turn in results:
            name = turn.tool_name or names.get(turn.tool_call_id or "", "the tool")
            sentences.append(f"The {name} tool returned {turn.text.strip()}.")
        return " ".join(sentences)
    user = next((t for t in reversed(prompt.turns) if t.role == "user"), None)
    if user is None:
        return "Hello! How can I help you today?"
    words = user.text.split()
    echo = " ".join(words[:_ECHO_WORDS]) + (" ..." if len(words) > _ECHO_WORDS else "")
    said = f"You said: {echo}" if echo else "Hello! How can I help you today?"
    return _media_phrase(user.media) + said


def _reasoning(prompt: Prompt) -> str:
    text = " ".join(_last_user_text(prompt).split()[:20])
    return (
        f"The user asked: {text}. I should answer clearly and briefly."
        if text
        else ("There is no question yet. I should greet the user.")
    )
