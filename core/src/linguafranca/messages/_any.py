"""``AnyMessage``: the union of every message kind, discriminated by ``type``."""

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from linguafranca.messages._ai import AIMessage
from linguafranca.messages._ai_chunk import AIMessageChunk
from linguafranca.messages._base import BaseMessage
from linguafranca.messages._chat import (
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
)
from linguafranca.messages._human import (
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    SystemMessageChunk,
)
from linguafranca.messages._remove import RemoveMessage
from linguafranca.messages._tool_message import ToolMessage, ToolMessageChunk

MESSAGE_CLASSES: dict[str, type[BaseMessage]] = {
    "ai": AIMessage,
    "human": HumanMessage,
    "chat": ChatMessage,
    "system": SystemMessage,
    "function": FunctionMessage,
    "tool": ToolMessage,
    "remove": RemoveMessage,
    "AIMessageChunk": AIMessageChunk,
    "HumanMessageChunk": HumanMessageChunk,
    "ChatMessageChunk": ChatMessageChunk,
    "SystemMessageChunk": SystemMessageChunk,
    "FunctionMessageChunk": FunctionMessageChunk,
    "ToolMessageChunk": ToolMessageChunk,
}
"""Message class for each ``type`` value."""


def _message_type(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("type")
    return getattr(value, "type", None)


AnyMessage = Annotated[
    Annotated[AIMessage, Tag("ai")]
    | Annotated[HumanMessage, Tag("human")]
    | Annotated[ChatMessage, Tag("chat")]
    | Annotated[SystemMessage, Tag("system")]
    | Annotated[FunctionMessage, Tag("function")]
    | Annotated[ToolMessage, Tag("tool")]
    | Annotated[RemoveMessage, Tag("remove")]
    | Annotated[AIMessageChunk, Tag("AIMessageChunk")]
    | Annotated[HumanMessageChunk, Tag("HumanMessageChunk")]
    | Annotated[ChatMessageChunk, Tag("ChatMessageChunk")]
    | Annotated[SystemMessageChunk, Tag("SystemMessageChunk")]
    | Annotated[FunctionMessageChunk, Tag("FunctionMessageChunk")]
    | Annotated[ToolMessageChunk, Tag("ToolMessageChunk")],
    Field(discriminator=Discriminator(_message_type)),
]
"""Any message kind; pydantic picks the class from the ``type`` field."""


def message_from_data(data: dict[str, Any]) -> BaseMessage:
    """Build the right message class from a dumped message dict (with its ``type``).

    Raises:
        ValueError: if ``type`` is missing or unknown, or a field is invalid.
    """
    kind = data.get("type")
    cls = MESSAGE_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(
            f"Unknown message type {kind!r}; expected one of {sorted(MESSAGE_CLASSES)}."
        )
    return cls.model_validate(data)
