"""The result of running a tool, sent back to the model."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from uuid import UUID

from pydantic import model_validator
from typing_extensions import Self

from linguafranca.messages._base import BaseMessage, BaseMessageChunk, ContentInput
from linguafranca.messages._block_types import ContentBlock
from linguafranca.messages._merge import merge_obj


class ToolOutputMixin:
    """Marks objects that a tool may return as-is instead of being wrapped in a message."""


class ToolMessage(BaseMessage, ToolOutputMixin):
    """The result of a tool call; ``tool_call_id`` names the call it answers.

    Example:
        >>> ToolMessage("It's sunny in Boston.", tool_call_id="call_1").status
        'success'
    """

    tool_call_id: str
    """The ``id`` of the tool call this answers."""

    type: Literal["tool"] = "tool"

    artifact: Any = None
    """Full output of the tool that is not sent to the model (e.g. raw data)."""

    status: Literal["success", "error"] = "success"
    """Whether the tool ran successfully."""

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, values: Any) -> Any:
        # Tools return all sorts of values: keep them as text rather than failing.
        if not isinstance(values, dict):
            return values
        values = dict(values)
        content = values.get("content")
        if isinstance(content, tuple):
            content = list(content)
        if content is not None and not isinstance(content, (str, list)):
            values["content"] = str(content)
        elif isinstance(content, list):
            values["content"] = [x if isinstance(x, (str, dict)) else str(x) for x in content]
        if isinstance(values.get("tool_call_id"), (UUID, int, float)):
            values["tool_call_id"] = str(values["tool_call_id"])
        return values


class ToolMessageChunk(ToolMessage, BaseMessageChunk):
    """A piece of a streamed ``ToolMessage``; pieces must share ``tool_call_id``."""

    type: Literal["ToolMessageChunk"] = "ToolMessageChunk"  # type: ignore[assignment]
    _same_fields: ClassVar[tuple[str, ...]] = ("tool_call_id",)

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...

    @classmethod
    def _merge(cls, chunks: Sequence[Any], *, lazy: bool) -> Self:
        cls._check_same_kind(chunks)
        artifact: Any = None
        status: Literal["success", "error"] = "success"
        for chunk in chunks:
            artifact = merge_obj(artifact, chunk.artifact)
            if chunk.status == "error":
                status = "error"
        values, extra = cls._merge_fields(chunks)
        values["artifact"] = artifact
        values["status"] = status
        return cls._construct(values, extra)
