"""Messages from the user and the system prompt."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from linguafranca.messages._base import BaseMessage, BaseMessageChunk, ContentInput
from linguafranca.messages._block_types import ContentBlock


class HumanMessage(BaseMessage):
    """A message from the user.

    Example:
        >>> HumanMessage("Translate: I love programming.")
        HumanMessage(content='Translate: I love programming.')
    """

    type: Literal["human"] = "human"

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...


class HumanMessageChunk(HumanMessage, BaseMessageChunk):
    """A piece of a streamed ``HumanMessage``."""

    type: Literal["HumanMessageChunk"] = "HumanMessageChunk"  # type: ignore[assignment]

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...


class SystemMessage(BaseMessage):
    """Instructions for the model, usually first in the conversation.

    Example:
        >>> SystemMessage("You are a helpful assistant.").type
        'system'
    """

    type: Literal["system"] = "system"

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...


class SystemMessageChunk(SystemMessage, BaseMessageChunk):
    """A piece of a streamed ``SystemMessage``."""

    type: Literal["SystemMessageChunk"] = "SystemMessageChunk"  # type: ignore[assignment]

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...
