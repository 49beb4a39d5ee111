"""Messages as plain text."""

from collections.abc import Sequence

from linguafranca.messages._ai import AIMessage
from linguafranca.messages._base import BaseMessage
from linguafranca.messages._chat import ChatMessage, FunctionMessage
from linguafranca.messages._human import HumanMessage, SystemMessage
from linguafranca.messages._tool_message import ToolMessage


def get_buffer_string(
    messages: Sequence[BaseMessage], human_prefix: str = "Human", ai_prefix: str = "AI"
) -> str:
    r"""Render messages as ``Role: text`` lines.

    Example:
        >>> get_buffer_string([HumanMessage("Hi"), AIMessage("Hello!")])
        'Human: Hi\nAI: Hello!'

    Raises:
        ValueError: for a message kind that has no role name (e.g. ``RemoveMessage``).
    """
    lines = []
    for position, message in enumerate(messages):
        if isinstance(message, HumanMessage):
            role = human_prefix
        elif isinstance(message, AIMessage):
            role = ai_prefix
        elif isinstance(message, SystemMessage):
            role = "System"
        elif isinstance(message, FunctionMessage):
            role = "Function"
        elif isinstance(message, ToolMessage):
            role = "Tool"
        elif isinstance(message, ChatMessage):
            role = message.role
        else:
            raise ValueError(
                f"get_buffer_string: message {position} is a {type(message).__name__}, "
                "which has no role; pass Human, AI, System, Tool, Function or Chat messages."
            )
        line = f"{role}: {message.text}"
        if isinstance(message, AIMessage) and "function_call" in message.additional_kwargs:
            line += f"{message.additional_kwargs['function_call']}"
        lines.append(line)
    return "\n".join(lines)
