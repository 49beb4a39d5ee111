"""Coercing message-like values into messages, and messages into OpenAI-format dicts."""

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from linguafranca.errors import ConfigurationError
from linguafranca.messages._ai import AIMessage
from linguafranca.messages._base import BaseMessage
from linguafranca.messages._chat import ChatMessage, FunctionMessage
from linguafranca.messages._human import HumanMessage, SystemMessage
from linguafranca.messages._openai_parts import openai_part
from linguafranca.messages._prompt_values import PromptValue
from linguafranca.messages._remove import RemoveMessage
from linguafranca.messages._tool import (
    InvalidToolCall,
    ToolCall,
    invalid_tool_call,
    parse_args,
    tool_call,
)
from linguafranca.messages._tool_message import ToolMessage

MessageLikeRepresentation = BaseMessage | str | tuple[str, Any] | list[str] | dict[str, Any]
"""Anything ``convert_to_messages`` accepts as one message."""

_ROLE_CLASSES: dict[str, type[BaseMessage]] = {
    "human": HumanMessage,
    "user": HumanMessage,
    "ai": AIMessage,
    "assistant": AIMessage,
    "system": SystemMessage,
    "developer": SystemMessage,
    "tool": ToolMessage,
    "function": FunctionMessage,
    "remove": RemoveMessage,
}
_ROLES_TEXT = "user/human, assistant/ai, system, developer, tool, function"


def convert_to_messages(
    messages: Iterable[MessageLikeRepresentation] | PromptValue,
) -> list[BaseMessage]:
    """Coerce message-likes into messages.

    Accepts messages, strings (user messages), ``(role, content)`` pairs, and dicts in
    OpenAI format (``role``) or LangChain format (``type``).

    Example:
        >>> convert_to_messages(["Hi", ("ai", "Hello!")])
        [HumanMessage(content='Hi'), AIMessage(content='Hello!')]

    Raises:
        ConfigurationError: (a ``ValueError``) for an unknown role or a dict missing
            ``content``, ``role`` or ``tool_call_id``.
        TypeError: for a value that is not message-like. Both name the item's position.
    """
    if isinstance(messages, PromptValue):
        return messages.to_messages()
    if isinstance(messages, (str, Mapping, BaseMessage)):
        raise TypeError(
            "convert_to_messages expects a list of message-likes (or a PromptValue), got a "
            f"single {type(messages).__name__}; wrap it in a list."
        )
    return [_to_message(item, position) for position, item in enumerate(messages)]


def _to_message(item: Any, position: int) -> BaseMessage:
    if isinstance(item, BaseMessage):
        return item
    if isinstance(item, str):
        return HumanMessage(item)
    if isinstance(item, Mapping):
        return _from_dict(item, position)
    if isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str):
        return _build(item[0], {"content": item[1]}, position)
    raise TypeError(
        f"Message {position}: cannot make a message from a {type(item).__name__} "
        f"({item!r:.80}); expected a message, a str, a (role, content) pair or a dict "
        "with 'role' and 'content'."
    )


def _from_dict(item: Mapping[str, Any], position: int) -> BaseMessage:
    fields = dict(item)
    if fields.get("type") == "chat":
        # A dumped ChatMessage: its "role" is the speaker, not the message kind.
        fields.pop("type")
        if "content" not in fields or not isinstance(fields.get("role"), str):
            raise ConfigurationError(
                f"Message {position}: a 'chat' message needs 'role' and 'content'."
            )
        return ChatMessage(**fields)
    role = fields.pop("role", None)
    if role is None:
        role = fields.pop("type", None)
    if not isinstance(role, str):
        raise ConfigurationError(
            f"Message {position}: a message dict needs a 'role' (or 'type') string; "
            f"got keys {sorted(item)}."
        )
    if "content" not in fields and not fields.get("tool_calls"):
        raise ConfigurationError(f"Message {position}: the {role!r} message dict has no 'content'.")
    return _build(role, fields, position)


def _build(role: str, fields: dict[str, Any], position: int) -> BaseMessage:
    cls = _ROLE_CLASSES.get(role)
    if cls is None:
        raise ConfigurationError(
            f"Message {position}: unknown role {role!r}; expected one of {_ROLES_TEXT}."
        )
    content = fields.pop("content", None)
    if content is None:
        content = ""
    if not isinstance(content, (str, list)):
        raise TypeError(
            f"Message {position}: 'content' must be a str or a list of blocks, "
            f"got a {type(content).__name__}."
        )
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = dict(fields.pop("additional_kwargs", None) or {})
    if role == "developer":
        extra["__openai_role__"] = "developer"
    if cls is AIMessage and fields.get("tool_calls"):
        calls, invalid = _parse_tool_calls(fields.pop("tool_calls"), position)
        kwargs["tool_calls"] = calls
        if invalid:
            kwargs["invalid_tool_calls"] = invalid
    for key, value in fields.items():
        if key == "invalid_tool_calls" and key in kwargs:
            kwargs[key] = [*value, *kwargs[key]]
        elif key in cls.model_fields and key != "type":
            kwargs[key] = value
        else:
            extra[key] = value
    if cls is ToolMessage and "tool_call_id" not in kwargs:
        raise ConfigurationError(f"Message {position}: a 'tool' message needs a 'tool_call_id'.")
    if cls is RemoveMessage:
        return RemoveMessage(id=kwargs.pop("id", None) or "", **kwargs)
    try:
        return cls(content, additional_kwargs=extra, **kwargs)
    except ValueError as exc:
        raise ConfigurationError(f"Message {position} ({role!r}) is invalid: {exc}") from exc


def _parse_tool_calls(
    raw_calls: Any, position: int
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    if not isinstance(raw_calls, list):
        raise TypeError(f"Message {position}: 'tool_calls' must be a list.")
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in raw_calls:
        if not isinstance(raw, Mapping):
            raise TypeError(f"Message {position}: each tool call must be a dict, got {raw!r:.60}.")
        function = raw.get("function")
        if not isinstance(function, Mapping):
            # Already in LangChain format: {"name", "args", "id"}.
            if not isinstance(raw.get("name"), str):
                raise ConfigurationError(
                    f"Message {position}: a tool call needs a 'function' (OpenAI format) or a "
                    f"'name' (LangChain format); got keys {sorted(raw)}."
                )
            calls.append(
                tool_call(name=raw["name"], args=dict(raw.get("args") or {}), id=raw.get("id"))
            )
            continue
        arguments = function.get("arguments")
        name = function.get("name") or ""
        parsed = arguments if isinstance(arguments, dict) else parse_args(arguments)
        if isinstance(parsed, dict):
            calls.append(tool_call(name=name, args=parsed, id=raw.get("id")))
        else:
            invalid.append(
                invalid_tool_call(name=name, args=arguments, id=raw.get("id"), error=parsed)
            )
    return calls, invalid


def convert_to_openai_messages(
    messages: MessageLikeRepresentation | Sequence[MessageLikeRepresentation] | PromptValue,
    *,
    text_format: str = "string",
    include_id: bool = False,
) -> dict[str, Any] | list[dict[str, Any]]:
    """Convert messages to OpenAI chat-completions dicts.

    A single message gives one dict; a list gives a list. Standard content blocks
    become OpenAI content parts; tool calls become OpenAI ``tool_calls``.

    Args:
        messages: Message-likes, as accepted by ``convert_to_messages``.
        text_format: ``"string"`` joins text-only content into one string (parts
            separated by newlines); ``"block"`` always gives a list of parts.
        include_id: Copy the message ids into the dicts.

    Example:
        >>> convert_to_openai_messages(HumanMessage("Hi"))
        {'role': 'user', 'content': 'Hi'}
    """
    if text_format not in ("string", "block"):
        raise ConfigurationError(f"text_format must be 'string' or 'block', got {text_format!r}.")
    single = isinstance(messages, (BaseMessage, Mapping, str))
    items: Any = [messages] if single else messages
    converted = [
        _to_openai(message, text_format, include_id) for message in convert_to_messages(items)
    ]
    return converted[0] if single else converted


def _openai_role(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, SystemMessage):
        return str(message.additional_kwargs.get("__openai_role__", "system"))
    if isinstance(message, ToolMessage):
        return "tool"
    if isinstance(message, FunctionMessage):
        return "function"
    if isinstance(message, ChatMessage):
        return message.role
    raise ValueError(f"{type(message).__name__} has no OpenAI role.")


def _to_openai(message: BaseMessage, text_format: str, include_id: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"role": _openai_role(message)}
    if message.name is not None:
        out["name"] = message.name
    if include_id and message.id is not None:
        out["id"] = message.id
    if isinstance(message, ToolMessage):
        out["tool_call_id"] = message.tool_call_id
    if isinstance(message, AIMessage) and message.tool_calls:
        out["tool_calls"] = [
            {
                "type": "function",
                "id": call["id"],
                "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
            }
            for call in message.tool_calls
        ]
    out["content"] = _openai_content(message.content, text_format)
    return out


def _openai_content(content: str | list[Any], text_format: str) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content if text_format == "string" else [{"type": "text", "text": content}]
    parts = [part for item in content if (part := openai_part(item)) is not None]
    if text_format == "string" and all(p.get("type") == "text" for p in parts):
        return "\n".join(p["text"] for p in parts)
    return parts
