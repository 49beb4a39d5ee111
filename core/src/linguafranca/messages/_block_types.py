"""Standard content blocks: typed dicts shared by every provider."""

from typing import Any, Literal

from typing_extensions import NotRequired, TypedDict


class Citation(TypedDict):
    """A source cited by a span of text (an annotation of a ``text`` block)."""

    type: Literal["citation"]
    id: NotRequired[str]
    url: NotRequired[str]
    title: NotRequired[str]
    start_index: NotRequired[int]
    end_index: NotRequired[int]
    cited_text: NotRequired[str]
    extras: NotRequired[dict[str, Any]]


class NonStandardAnnotation(TypedDict):
    """A provider-specific annotation of a ``text`` block."""

    type: Literal["non_standard_annotation"]
    id: NotRequired[str]
    value: dict[str, Any]


Annotation = Citation | NonStandardAnnotation


class TextContentBlock(TypedDict):
    """Text, optionally annotated with citations."""

    type: Literal["text"]
    id: NotRequired[str]
    text: str
    annotations: NotRequired[list[Annotation]]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ToolCall(TypedDict):
    """A tool call as a content block."""

    type: Literal["tool_call"]
    id: str | None
    name: str
    args: dict[str, Any]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ToolCallChunk(TypedDict):
    """A streamed fragment of a tool call as a content block."""

    type: Literal["tool_call_chunk"]
    id: str | None
    name: str | None
    args: str | None
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class InvalidToolCall(TypedDict):
    """A tool call whose arguments could not be parsed, as a content block."""

    type: Literal["invalid_tool_call"]
    id: str | None
    name: str | None
    args: str | None
    error: str | None
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ServerToolCall(TypedDict):
    """A tool run by the provider itself (web search, code interpreter, ...)."""

    type: Literal["server_tool_call"]
    id: str
    name: str
    args: dict[str, Any]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ServerToolCallChunk(TypedDict):
    """A streamed fragment of a server tool call."""

    type: Literal["server_tool_call_chunk"]
    name: NotRequired[str]
    args: NotRequired[str]
    id: NotRequired[str]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ServerToolResult(TypedDict):
    """The result of a server tool call."""

    type: Literal["server_tool_result"]
    id: NotRequired[str]
    tool_call_id: str
    status: Literal["success", "error"]
    output: NotRequired[Any]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ReasoningContentBlock(TypedDict):
    """The model's reasoning (or a summary of it)."""

    type: Literal["reasoning"]
    id: NotRequired[str]
    reasoning: NotRequired[str]
    index: NotRequired[int | str]
    extras: NotRequired[dict[str, Any]]


class ImageContentBlock(TypedDict):
    """An image given by ``url``, ``base64`` data (with ``mime_type``) or ``file_id``."""

    type: Literal["image"]
    id: NotRequired[str]
    file_id: NotRequired[str]
    mime_type: NotRequired[str]
    index: NotRequired[int | str]
    url: NotRequired[str]
    base64: NotRequired[str]
    extras: NotRequired[dict[str, Any]]


class VideoContentBlock(TypedDict):
    """A video given by ``url``, ``base64`` data (with ``mime_type``) or ``file_id``."""

    type: Literal["video"]
    id: NotRequired[str]
    file_id: NotRequired[str]
    mime_type: NotRequired[str]
    index: NotRequired[int | str]
    url: NotRequired[str]
    base64: NotRequired[str]
    extras: NotRequired[dict[str, Any]]


class AudioContentBlock(TypedDict):
    """Audio given by ``url``, ``base64`` data (with ``mime_type``) or ``file_id``."""

    type: Literal["audio"]
    id: NotRequired[str]
    file_id: NotRequired[str]
    mime_type: NotRequired[str]
    index: NotRequired[int | str]
    url: NotRequired[str]
    base64: NotRequired[str]
    extras: NotRequired[dict[str, Any]]


class PlainTextContentBlock(TypedDict):
    """A plain-text document (``text/plain``), inline or by reference."""

    type: Literal["text-plain"]
    id: NotRequired[str]
    file_id: NotRequired[str]
    mime_type: Literal["text/plain"]
    index: NotRequired[int | str]
    url: NotRequired[str]
    base64: NotRequired[str]
    text: NotRequired[str]
    title: NotRequired[str]
    context: NotRequired[str]
    extras: NotRequired[dict[str, Any]]


class FileContentBlock(TypedDict):
    """A file such as a PDF, given by ``url``, ``base64`` data or ``file_id``."""

    type: Literal["file"]
    id: NotRequired[str]
    file_id: NotRequired[str]
    mime_type: NotRequired[str]
    index: NotRequired[int | str]
    url: NotRequired[str]
    base64: NotRequired[str]
    extras: NotRequired[dict[str, Any]]


class NonStandardContentBlock(TypedDict):
    """A provider-specific block kept as is in ``value``."""

    type: Literal["non_standard"]
    id: NotRequired[str]
    value: dict[str, Any]
    index: NotRequired[int | str]


DataContentBlock = (
    ImageContentBlock
    | VideoContentBlock
    | AudioContentBlock
    | PlainTextContentBlock
    | FileContentBlock
)
ToolContentBlock = (
    ToolCall | ToolCallChunk | ServerToolCall | ServerToolCallChunk | ServerToolResult
)
ContentBlock = (
    TextContentBlock
    | InvalidToolCall
    | ReasoningContentBlock
    | NonStandardContentBlock
    | DataContentBlock
    | ToolContentBlock
)

KNOWN_BLOCK_TYPES = frozenset(
    {
        "text",
        "reasoning",
        "tool_call",
        "invalid_tool_call",
        "tool_call_chunk",
        "image",
        "audio",
        "file",
        "text-plain",
        "video",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "non_standard",
    }
)
"""Block types every linguafranca component understands; others are provider-specific."""

DATA_BLOCK_TYPES = frozenset({"image", "video", "audio", "text-plain", "file"})
"""The ``type`` of data (multimodal) blocks."""
