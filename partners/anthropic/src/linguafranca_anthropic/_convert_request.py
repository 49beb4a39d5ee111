"""Messages, tools and parameters -> the JSON body of ``POST /v1/messages``.

Pure functions, no I/O. Entry point: ``build_request``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from linguafranca.errors import ConfigurationError
from linguafranca.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from linguafranca_anthropic._assistant import format_assistant_content
from linguafranca_anthropic._content import (
    format_text_block,
    format_user_blocks,
    normalize_tool_id,
)

__all__ = [
    "build_count_tokens_request",
    "build_request",
    "convert_messages",
    "convert_tool",
    "convert_tool_choice",
    "convert_tools",
]

ToolChoice = str | Mapping[str, Any]

# Body fields set through their own argument of build_request, never through params.
_RESERVED = ("model", "messages", "max_tokens", "system", "tools", "tool_choice", "thinking")
# Top-level keys of a custom tool that Anthropic accepts besides name/description/schema.
_TOOL_EXTRAS = (
    "cache_control",
    "strict",
    "defer_loading",
    "input_examples",
    "allowed_callers",
    "eager_input_streaming",
)
_THINKING_TYPES = ("enabled", "adaptive", "disabled")


def _system_blocks(content: str | list[Any]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if block.get("type") != "text":
            raise ValueError(
                f"System content must be text; got a {block.get('type')!r} block. Put images "
                "and documents in a HumanMessage."
            )
        if block.get("text"):
            blocks.append(format_text_block(block))
    return blocks


def _format_system(parts: Sequence[str | list[Any]]) -> str | list[dict[str, Any]] | None:
    """One plain string stays a string; several parts, or blocks, become text blocks in order."""
    parts = [p for p in parts if p != "" and p != []]
    if not parts:
        return None
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0]
    blocks = [block for part in parts for block in _system_blocks(part)]
    return blocks or None


def _tool_result(message: ToolMessage) -> dict[str, Any]:
    content = format_user_blocks(message.content)
    result: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": normalize_tool_id(message.tool_call_id),
        "content": content,
        "is_error": message.status == "error",
    }
    if isinstance(content, list):
        # The API takes cache_control on the tool_result, not on the blocks inside it.
        for block in content:
            if (cache_control := block.pop("cache_control", None)) is not None:
                result["cache_control"] = cache_control
    return result


def _role(message: BaseMessage) -> str:
    if isinstance(message, (HumanMessage, ToolMessage)):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, ChatMessage) and message.role in ("user", "human"):
        return "user"
    if isinstance(message, ChatMessage) and message.role in ("assistant", "ai"):
        return "assistant"
    raise ValueError(
        f"Anthropic cannot take a {type(message).__name__}"
        + (f" with role {message.role!r}" if isinstance(message, ChatMessage) else "")
        + ": use HumanMessage, AIMessage, SystemMessage or ToolMessage."
    )


def _is_system(message: BaseMessage) -> bool:
    return isinstance(message, SystemMessage) or (
        isinstance(message, ChatMessage) and message.role == "system"
    )


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content


def _merge_into(turns: list[dict[str, Any]], role: str, content: Any) -> None:
    """Append a turn, merging it into the previous one when the role repeats."""
    if turns and turns[-1]["role"] == role:
        previous = turns[-1]
        previous["content"] = _as_blocks(previous["content"]) + _as_blocks(content)
    else:
        turns.append({"role": role, "content": content})


def convert_messages(
    messages: Sequence[BaseMessage],
) -> tuple[list[str | list[Any]], list[dict[str, Any]]]:
    """Split messages into system parts and alternating ``user`` / ``assistant`` turns.

    Consecutive same-role messages are merged into one turn (tool results and user text
    following them become one user turn, tool results first as the API requires).
    Empty assistant turns are left out (the API rejects them).

    Returns:
        The system message contents in order, and the ``messages`` array.
    """
    system: list[str | list[Any]] = []
    last_index = max((i for i, m in enumerate(messages) if not _is_system(m)), default=-1)
    turns: list[dict[str, Any]] = []
    for position, message in enumerate(messages):
        if _is_system(message):
            system.append(message.content)
            continue
        role = _role(message)
        content: Any
        if isinstance(message, ToolMessage):
            content = [_tool_result(message)]
        elif isinstance(message, AIMessage):
            content = format_assistant_content(message, last=position == last_index)
            if not content:
                continue
        else:
            content = format_user_blocks(message.content)
        _merge_into(turns, role, content)
    for turn in turns:
        blocks = turn["content"]
        if turn["role"] == "user" and isinstance(blocks, list) and len(blocks) > 1:
            # Tool results must open the user turn that answers a tool_use turn.
            blocks.sort(key=lambda b: b.get("type") != "tool_result")
    return system, turns


def convert_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """One tool in Anthropic form.

    Accepts an OpenAI-format function tool (``{"type": "function", "function": {...}}``),
    an Anthropic custom tool (``{"name", "input_schema", ...}``) or a built-in server
    tool (``{"type": "web_search_20250305", ...}``, passed through unchanged).
    """
    if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
        function = tool["function"]
        if not function.get("name"):
            raise ValueError(f"A function tool needs a 'name': {tool!r}.")
        out: dict[str, Any] = {"name": function["name"]}
        if "description" in function:
            out["description"] = function["description"]
        out["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
        for source in (function, tool):
            for key in _TOOL_EXTRAS:
                if key in source:
                    out[key] = source[key]
        return out
    if "input_schema" in tool or (tool.get("type") in (None, "custom") and "name" in tool):
        return dict(tool)
    if isinstance(tool.get("type"), str):
        return dict(tool)  # built-in server / client tools (web_search_*, bash_*, ...)
    raise ValueError(
        f"Cannot use {tool!r} as an Anthropic tool: give an OpenAI-format function tool, "
        "an Anthropic tool dict with 'input_schema', or a built-in tool with a 'type'."
    )


def convert_tools(tools: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every tool in Anthropic form (see ``convert_tool``)."""
    return [convert_tool(tool) for tool in tools]


def convert_tool_choice(
    tool_choice: ToolChoice | None, *, parallel_tool_calls: bool | None = None
) -> dict[str, Any] | None:
    """``tool_choice`` in Anthropic form.

    Args:
        tool_choice: ``"auto"``, ``"any"`` (``"required"`` is a synonym), ``"none"``, a
            tool name, an Anthropic dict (``{"type": "tool", "name": ...}``) or an
            OpenAI dict (``{"type": "function", "function": {"name": ...}}``).
        parallel_tool_calls: ``False`` sets ``disable_parallel_tool_use``.
    """
    choice: dict[str, Any] | None
    if tool_choice is None:
        choice = None
    elif isinstance(tool_choice, str):
        if tool_choice in ("auto", "any", "none"):
            choice = {"type": tool_choice}
        elif tool_choice == "required":
            choice = {"type": "any"}
        else:
            choice = {"type": "tool", "name": tool_choice}
    elif isinstance(tool_choice, Mapping) and tool_choice.get("type") == "function":
        choice = {"type": "tool", "name": tool_choice["function"]["name"]}
    elif isinstance(tool_choice, Mapping) and tool_choice.get("type") in (
        "auto",
        "any",
        "none",
        "tool",
    ):
        choice = dict(tool_choice)
    else:
        raise ValueError(
            f"Unsupported tool_choice {tool_choice!r}: use 'auto', 'any', 'none', a tool name "
            "or {'type': 'tool', 'name': ...}."
        )
    if parallel_tool_calls is False:
        choice = choice or {"type": "auto"}
        if choice["type"] != "none":
            choice["disable_parallel_tool_use"] = True
    return choice


def _check_thinking(thinking: Mapping[str, Any]) -> dict[str, Any]:
    kind = thinking.get("type")
    if kind not in _THINKING_TYPES:
        raise ConfigurationError(
            f"thinking={dict(thinking)!r}: 'type' must be one of {', '.join(_THINKING_TYPES)}."
        )
    if kind == "enabled" and not isinstance(thinking.get("budget_tokens"), int):
        raise ConfigurationError(
            "thinking={'type': 'enabled'} needs an integer 'budget_tokens' (at least 1024)."
        )
    return dict(thinking)


def _output_format(output_format: Mapping[str, Any]) -> dict[str, Any]:
    """Anthropic ``{"type": "json_schema", "schema"}``; OpenAI's response_format also works."""
    if output_format.get("type") == "json_schema" and isinstance(
        spec := output_format.get("json_schema"), Mapping
    ):
        return {"type": "json_schema", "schema": spec["schema"]}
    return dict(output_format)


def _apply_params(body: dict[str, Any], params: Mapping[str, Any]) -> None:
    for key, value in params.items():
        if value is None:
            continue
        if key in _RESERVED:
            raise ConfigurationError(
                f"{key!r} cannot be given in params: pass it as the {key}= argument."
            )
        if key in ("stop", "stop_sequences"):
            body["stop_sequences"] = [value] if isinstance(value, str) else list(value)
        elif key == "effort":
            body.setdefault("output_config", {})["effort"] = value
        elif key == "output_config":
            body.setdefault("output_config", {}).update(value)
        else:
            # temperature, top_p, top_k, metadata, service_tier, cache_control, container,
            # ... and any newer field: the API reports the ones it does not know.
            body[key] = value


def build_request(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    max_tokens: int,
    params: Mapping[str, Any] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: ToolChoice | None = None,
    parallel_tool_calls: bool | None = None,
    stream: bool | None = None,
    thinking: Mapping[str, Any] | None = None,
    system: str | list[Any] | None = None,
    output_format: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of a Messages API request.

    Args:
        messages: The conversation; system messages (anywhere) go to ``system``.
        model: Model name, e.g. ``"claude-sonnet-4-5"``.
        max_tokens: Upper bound of generated tokens (required by the API).
        params: Sampling and other body fields: ``temperature``, ``top_p``, ``top_k``,
            ``stop`` (-> ``stop_sequences``), ``metadata``, ``effort`` (->
            ``output_config.effort``), and any other field, sent as given. ``None``
            values are left out.
        tools: Tools (see ``convert_tool``).
        tool_choice: See ``convert_tool_choice``.
        parallel_tool_calls: ``False`` asks for at most one tool call per turn.
        stream: ``True`` / ``False`` sets ``stream``; ``None`` leaves it out.
        thinking: ``{"type": "enabled", "budget_tokens": N}`` or ``{"type": "adaptive"}``.
        system: A system prompt placed before the system messages' contents.
        output_format: A JSON schema output format, sent as ``output_config.format``.

    Returns:
        The request body as a dict.

    Raises:
        ValueError: for content Anthropic cannot take (the message says which).
        ConfigurationError: for an invalid argument.
    """
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise ConfigurationError(f"max_tokens must be a positive integer, got {max_tokens!r}.")
    system_parts, turns = convert_messages(messages)
    if system:
        system_parts.insert(0, system)
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": turns}
    if (system_field := _format_system(system_parts)) is not None:
        body["system"] = system_field
    if tools:
        body["tools"] = convert_tools(tools)
    choice = convert_tool_choice(tool_choice, parallel_tool_calls=parallel_tool_calls)
    if choice is not None:
        body["tool_choice"] = choice
    if thinking is not None:
        body["thinking"] = _check_thinking(thinking)
    if params:
        _apply_params(body, params)
    if output_format is not None:
        body.setdefault("output_config", {})["format"] = _output_format(output_format)
    if stream is not None:
        body["stream"] = stream
    return body


def build_count_tokens_request(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: ToolChoice | None = None,
    thinking: Mapping[str, Any] | None = None,
    system: str | list[Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /v1/messages/count_tokens`` (same conversion, no max_tokens).

    Args:
        messages: The conversation to count.
        model: Model name.
        tools: Tools that would be sent (they count as input tokens).
        tool_choice: See ``convert_tool_choice``.
        thinking: Thinking configuration, if the request would use one.
        system: A system prompt placed before the system messages' contents.
    """
    body = build_request(
        messages,
        model=model,
        max_tokens=1,
        tools=tools,
        tool_choice=tool_choice,
        thinking=thinking,
        system=system,
    )
    del body["max_tokens"]
    return body
