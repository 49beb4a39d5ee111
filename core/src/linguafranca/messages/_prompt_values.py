"""Prompt values: what a prompt produces and a language model accepts."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SerializeAsAny, field_validator

from linguafranca.messages._any import message_from_data
from linguafranca.messages._base import BaseMessage
from linguafranca.messages._buffer import get_buffer_string
from linguafranca.messages._human import HumanMessage


class PromptValue(BaseModel, ABC):
    """A prompt, readable both as a string and as a list of messages."""

    # Schemas are built on first use: importing the package stays cheap.
    model_config = ConfigDict(defer_build=True)

    @abstractmethod
    def to_string(self) -> str:
        """The prompt as text."""

    @abstractmethod
    def to_messages(self) -> list[BaseMessage]:
        """The prompt as messages."""


class StringPromptValue(PromptValue):
    """A text prompt.

    Example:
        >>> StringPromptValue(text="Hi").to_messages()
        [HumanMessage(content='Hi')]
    """

    text: str
    type: Literal["StringPromptValue"] = "StringPromptValue"

    def to_string(self) -> str:
        """The text."""
        return self.text

    def to_messages(self) -> list[BaseMessage]:
        """The text as one ``HumanMessage``."""
        return [HumanMessage(self.text)]


class ChatPromptValue(PromptValue):
    """A prompt made of messages.

    Example:
        >>> ChatPromptValue(messages=[HumanMessage("Hi")]).to_string()
        'Human: Hi'
    """

    messages: Sequence[SerializeAsAny[BaseMessage]]
    type: Literal["ChatPromptValue"] = "ChatPromptValue"

    @field_validator("messages", mode="before")
    @classmethod
    def _messages_from_dicts(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [message_from_data(m) if isinstance(m, dict) else m for m in value]
        return value

    def to_string(self) -> str:
        """The messages as ``Role: text`` lines (see ``get_buffer_string``)."""
        return get_buffer_string(self.messages)

    def to_messages(self) -> list[BaseMessage]:
        """A copy of the message list."""
        return list(self.messages)
