"""Messages with an arbitrary role, and legacy function results."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from linguafranca.messages._base import BaseMessage, BaseMessageChunk, ContentInput
from linguafranca.messages._block_types import ContentBlock


class ChatMessage(BaseMessage):
    """A message with an arbitrary ``role``.

    Example:
        >>> ChatMessage("Be brief.", role="critic").role
        'critic'
    """

    role: str
    """Who speaks."""

    type: Literal["chat"] = "chat"

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...


class ChatMessageChunk(ChatMessage, BaseMessageChunk):
    """A piece of a streamed ``ChatMessage``; pieces must share the ``role``."""

    type: Literal["ChatMessageChunk"] = "ChatMessageChunk"  # type: ignore[assignment]
    _same_fields: ClassVar[tuple[str, ...]] = ("role",)

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...


class FunctionMessage(BaseMessage):
    """The result of a legacy OpenAI function call (prefer ``ToolMessage``).

    Example:
        >>> FunctionMessage("72F", name="get_weather").name
        'get_weather'
    """

    name: str
    """The function's name."""

    type: Literal["function"] = "function"

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...


class FunctionMessageChunk(FunctionMessage, BaseMessageChunk):
    """A piece of a streamed ``FunctionMessage``; pieces must share the ``name``."""

    type: Literal["FunctionMessageChunk"] = "FunctionMessageChunk"  # type: ignore[assignment]
    _same_fields: ClassVar[tuple[str, ...]] = ("name",)

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...
