"""``ChatEcho``: a chat model that repeats the last human message.

A real provider sends the conversation over HTTP (see ``docs/writing-a-provider.md``);
ChatEcho answers locally so that this template runs anywhere, yet it has every part a
provider needs: parameters (a key read from the environment), ``_generate`` and
``_stream`` (the async twins are inherited), tool calling, structured output through a
forced tool call, usage metadata and a model profile.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from linguafranca.callbacks import CallbackManagerForLLMRun
from linguafranca.chat_models import BaseChatModel, ModelProfile, secret_from_env
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    LanguageModelInput,
    ToolCall,
    ToolMessage,
    UsageMetadata,
    tool_call,
    tool_call_chunk,
)
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from linguafranca.runnables import Runnable
from linguafranca_echo.profiles import ECHO_PROFILE

__all__ = ["ChatEcho"]

_PIECES = re.compile(r"\s*\S+|\s+")  # a word with the spaces before it: the stream's tokens
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"\"([^\"\n]+)\"|(?<!\w)'([^'\n]+)'(?!\w)")


class ChatEcho(BaseChatModel):
    """A chat model that repeats the last human message (provider ``echo``).

    With tools bound it calls every tool whose name the last human message contains (or
    the one ``tool_choice`` forces), filling number arguments with the message's numbers
    and string arguments with its quoted strings. After tool results it repeats them.
    Tokens are words.

    Example:
        ```python
        from linguafranca import init_chat_model

        model = init_chat_model("echo:echo-1")
        model.invoke("hello there").text  # "hello there"
        ```
    """

    # Redeclared only to change the default; the alias keeps ``model_name=`` working.
    model: str | None = Field(default="echo-1", alias="model_name")
    """The model name (any name works; they all echo)."""
    # Real providers read their key like this: the argument, else the environment.
    # ``default=None`` makes it optional; without it a missing key fails at construction.
    api_key: SecretStr | None = Field(default_factory=secret_from_env("ECHO_API_KEY", default=None))
    """The key (unused by the echo; read from ``ECHO_API_KEY``)."""
    prefix: str = ""
    """A provider-specific parameter: text put before every answer."""

    # ``with_structured_output`` methods this provider supports (a forced tool call).
    _structured_output_methods: ClassVar[frozenset[str]] = frozenset({"function_calling"})
    # The registry name: tracing metadata (``ls_provider``) and profile lookup use it.
    _provider_name: ClassVar[str | None] = "echo"

    @property
    def _llm_type(self) -> str:
        return "echo-chat"

    def _resolve_model_profile(self) -> ModelProfile | None:
        # Every echo model behaves the same, so any model name gets the one profile.
        return ECHO_PROFILE.copy()

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (functions, ``@tool``s, pydantic classes, JSON schemas, OpenAI dicts).

        They reach ``_generate`` as ``tools`` (OpenAI format) and ``tool_choice``
        (``"auto"``, ``"none"``, ``"required"`` or ``{"type": "function", "name": ...}``).
        """
        return self._bind_tools_standard(
            tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            strict=strict,
            **kwargs,
        )

    # --- the two hooks a provider implements ----------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # A real provider: convert messages to the request JSON, POST it, convert the reply.
        message = self._answer(messages, stop, kwargs)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # A real provider: one chunk per wire event. Core merges them, reports tokens to
        # the callbacks and assigns ids; usage goes on exactly one chunk.
        answer = self._answer(messages, stop, kwargs)
        for piece in _PIECES.findall(answer.text):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        for index, call in enumerate(answer.tool_calls):
            arguments = json.dumps(call["args"], ensure_ascii=False)
            piece = tool_call_chunk(name=call["name"], args=arguments, id=call["id"], index=index)
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[piece]))
        last = AIMessageChunk(
            content="",
            usage_metadata=answer.usage_metadata,
            response_metadata=answer.response_metadata,
            chunk_position="last",
        )
        yield ChatGenerationChunk(message=last)

    # --- the echo itself -----------------------------------------------------------------

    def _answer(
        self, messages: list[BaseMessage], stop: list[str] | None, options: Mapping[str, Any]
    ) -> AIMessage:
        """The reply to ``messages``; ``options`` are the call's keyword arguments."""
        said = next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")
        calls: list[ToolCall] = []
        if isinstance(messages[-1], ToolMessage):
            results = [m.text for m in messages if isinstance(m, ToolMessage)]
            text = "The tools said: " + " ".join(results)
        else:
            calls = _tool_calls(said, options)
            text = "" if calls else self.prefix + (said or "(nothing to echo)")
        finish = "tool_calls" if calls else "stop"
        for sequence in stop or ():
            if sequence in text:
                text, finish = text[: text.index(sequence)], "stop"
        pieces = _PIECES.findall(text)
        max_tokens = options.get("max_tokens", self.max_tokens)
        if max_tokens is not None and len(pieces) > max_tokens:
            text, finish = "".join(pieces[:max_tokens]), "length"
        input_tokens = sum(len(m.text.split()) for m in messages)
        output_tokens = len(text.split()) + sum(len(c["args"]) for c in calls)
        usage: UsageMetadata = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        return AIMessage(
            content=text,
            tool_calls=calls,
            usage_metadata=usage,
            response_metadata={
                "model_name": options.get("model") or self.model,
                "model_provider": "echo",
                "finish_reason": finish,
            },
        )


def _tool_calls(said: str, options: Mapping[str, Any]) -> list[ToolCall]:
    """The calls of the bound tools that ``said`` names, or that ``tool_choice`` forces."""
    tools = {t["function"]["name"]: t["function"] for t in options.get("tools") or ()}
    choice = options.get("tool_choice") or "auto"
    if not tools or choice == "none":
        return []
    if isinstance(choice, Mapping):
        names = [str(choice["name"])]
    else:
        found = {n: m.start() for n in tools if (m := re.search(rf"\b{re.escape(n)}\b", said))}
        names = sorted(found, key=found.__getitem__)
        if not names and choice == "required":
            names = [next(iter(tools))]
    if options.get("parallel_tool_calls") is False:
        names = names[:1]
    # Shared by every call, so that two calls take different values from the message.
    numbers = [float(n) for n in _NUMBER.findall(said)]
    strings = [a or b for a, b in _QUOTED.findall(said)] or [said]
    return [
        tool_call(
            name=name,
            args=_arguments(tools[name].get("parameters") or {}, numbers, strings),
            id=f"call_{uuid.uuid4().hex[:16]}",
        )
        for name in names
    ]


def _arguments(
    schema: Mapping[str, Any], numbers: list[float], strings: list[str]
) -> dict[str, Any]:
    """Fill a tool's parameters: numbers and strings in message order, then defaults."""
    args: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        kind = _kind(spec)
        if kind in ("integer", "number"):
            value = numbers.pop(0) if numbers else 0
            args[name] = int(value) if kind == "integer" else value
        elif kind == "boolean":
            args[name] = True
        elif kind in ("array", "object"):
            args[name] = [] if kind == "array" else {}
        else:
            args[name] = strings.pop(0) if len(strings) > 1 else strings[0]
    return args


def _kind(spec: Mapping[str, Any]) -> str:
    """The JSON type of a property (the first non-null one of an ``anyOf``)."""
    for option in (spec, *spec.get("anyOf", ())):
        kind = option.get("type")
        if isinstance(kind, str) and kind != "null":
            return kind
    return "string"
