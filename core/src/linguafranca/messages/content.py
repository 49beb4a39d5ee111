"""Standard content blocks: types, factories, and the seam for provider translators.

Example:
    >>> from linguafranca.messages.content import create_text_block
    >>> block = create_text_block("Hello")
    >>> block["type"], block["text"], block["id"].startswith("lc_")
    ('text', 'Hello', True)
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from linguafranca.messages._block_types import (
    DATA_BLOCK_TYPES,
    KNOWN_BLOCK_TYPES,
    Annotation,
    AudioContentBlock,
    Citation,
    ContentBlock,
    DataContentBlock,
    FileContentBlock,
    ImageContentBlock,
    InvalidToolCall,
    NonStandardAnnotation,
    NonStandardContentBlock,
    PlainTextContentBlock,
    ReasoningContentBlock,
    ServerToolCall,
    ServerToolCallChunk,
    ServerToolResult,
    TextContentBlock,
    ToolCall,
    ToolCallChunk,
    ToolContentBlock,
    VideoContentBlock,
)
from linguafranca.messages._ids import ensure_id

if TYPE_CHECKING:
    from linguafranca.messages._base import BaseMessage

__all__ = [
    "Annotation",
    "AudioContentBlock",
    "BlockTranslator",
    "Citation",
    "ContentBlock",
    "DATA_BLOCK_TYPES",
    "DataContentBlock",
    "FileContentBlock",
    "ImageContentBlock",
    "InvalidToolCall",
    "KNOWN_BLOCK_TYPES",
    "NonStandardAnnotation",
    "NonStandardContentBlock",
    "PlainTextContentBlock",
    "ReasoningContentBlock",
    "ServerToolCall",
    "ServerToolCallChunk",
    "ServerToolResult",
    "TextContentBlock",
    "ToolCall",
    "ToolCallChunk",
    "ToolContentBlock",
    "VideoContentBlock",
    "create_audio_block",
    "create_citation",
    "create_file_block",
    "create_image_block",
    "create_non_standard_block",
    "create_plaintext_block",
    "create_reasoning_block",
    "create_text_block",
    "create_tool_call",
    "create_video_block",
    "get_block_translator",
    "is_data_content_block",
    "register_block_translator",
]

BlockTranslator = Callable[["BaseMessage"], list[ContentBlock]]
"""Turns a message's provider-native content into standard blocks.

It may raise ``NotImplementedError`` to fall back to the default translation.
"""

_TRANSLATORS: dict[str, BlockTranslator] = {}


def register_block_translator(provider: str, translator: BlockTranslator) -> None:
    """Use ``translator`` for ``content_blocks`` of messages from ``provider``.

    The provider is read from ``message.response_metadata["model_provider"]``.
    Registering again for the same provider replaces the previous translator.

    Args:
        provider: Provider name as written in ``response_metadata["model_provider"]``.
        translator: Function from a message to its standard content blocks.
    """
    if not provider:
        raise ValueError("register_block_translator needs a non-empty provider name.")
    _TRANSLATORS[provider] = translator


def get_block_translator(provider: str) -> BlockTranslator | None:
    """Return the translator registered for ``provider``, if any."""
    return _TRANSLATORS.get(provider)


def is_data_content_block(block: Mapping[str, Any]) -> bool:
    """Whether ``block`` is a multimodal data block (standard or legacy ``source_type`` form).

    Example:
        >>> is_data_content_block({"type": "image", "url": "https://example.com/a.png"})
        True
        >>> is_data_content_block({"type": "text", "text": "hi"})
        False
    """
    block_type = block.get("type")
    source_type = block.get("source_type")
    if block_type in DATA_BLOCK_TYPES and any(
        key in block for key in ("url", "base64", "file_id", "text")
    ):
        return True
    if block_type not in DATA_BLOCK_TYPES and not (block_type == "text" and source_type):
        return False
    # Legacy (v0) form: {"type": "image", "source_type": "base64", "data": ...}
    return (
        (source_type == "url" and "url" in block)
        or (source_type == "base64" and "data" in block)
        or (source_type == "id" and "id" in block)
        or (source_type == "text" and ("url" in block or "text" in block))
    )


def _put(block: dict[str, Any], **fields: Any) -> None:
    """Set the given fields that are not None; unknown keyword args go into ``extras``."""
    for key, value in fields.items():
        if value is not None:
            block[key] = value


def _extras(block: dict[str, Any], kwargs: Mapping[str, Any]) -> None:
    extras = {k: v for k, v in kwargs.items() if v is not None}
    if extras:
        block["extras"] = extras


def create_text_block(
    text: str,
    *,
    id: str | None = None,
    annotations: list[Annotation] | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> TextContentBlock:
    """Create a text block (extra keyword arguments go into ``extras``)."""
    block: dict[str, Any] = {"type": "text", "text": text, "id": ensure_id(id)}
    _put(block, annotations=annotations, index=index)
    _extras(block, kwargs)
    return block  # type: ignore[return-value]


def _data_block(
    kind: str,
    url: str | None,
    base64: str | None,
    file_id: str | None,
    mime_type: str | None,
    id: str | None,
    index: int | str | None,
    kwargs: Mapping[str, Any],
    *,
    base64_needs_mime: bool,
) -> dict[str, Any]:
    if url is None and base64 is None and file_id is None:
        raise ValueError(f"create_{kind}_block needs one of url, base64 or file_id.")
    if base64 is not None and mime_type is None and base64_needs_mime:
        raise ValueError(f"create_{kind}_block needs mime_type with base64 data.")
    block: dict[str, Any] = {"type": kind, "id": ensure_id(id)}
    _put(block, url=url, base64=base64, file_id=file_id, mime_type=mime_type, index=index)
    _extras(block, kwargs)
    return block


def create_image_block(
    *,
    url: str | None = None,
    base64: str | None = None,
    file_id: str | None = None,
    mime_type: str | None = None,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> ImageContentBlock:
    """Create an image block from one of ``url``, ``base64`` or ``file_id``."""
    args = (url, base64, file_id, mime_type, id, index, kwargs)
    return _data_block("image", *args, base64_needs_mime=False)  # type: ignore[return-value]


def create_video_block(
    *,
    url: str | None = None,
    base64: str | None = None,
    file_id: str | None = None,
    mime_type: str | None = None,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> VideoContentBlock:
    """Create a video block (``mime_type`` is required with ``base64``)."""
    args = (url, base64, file_id, mime_type, id, index, kwargs)
    return _data_block("video", *args, base64_needs_mime=True)  # type: ignore[return-value]


def create_audio_block(
    *,
    url: str | None = None,
    base64: str | None = None,
    file_id: str | None = None,
    mime_type: str | None = None,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> AudioContentBlock:
    """Create an audio block (``mime_type`` is required with ``base64``)."""
    args = (url, base64, file_id, mime_type, id, index, kwargs)
    return _data_block("audio", *args, base64_needs_mime=True)  # type: ignore[return-value]


def create_file_block(
    *,
    url: str | None = None,
    base64: str | None = None,
    file_id: str | None = None,
    mime_type: str | None = None,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> FileContentBlock:
    """Create a file block, e.g. a PDF (``mime_type`` is required with ``base64``)."""
    args = (url, base64, file_id, mime_type, id, index, kwargs)
    return _data_block("file", *args, base64_needs_mime=True)  # type: ignore[return-value]


def create_plaintext_block(
    text: str | None = None,
    url: str | None = None,
    base64: str | None = None,
    file_id: str | None = None,
    title: str | None = None,
    context: str | None = None,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> PlainTextContentBlock:
    """Create a ``text-plain`` document block."""
    block: dict[str, Any] = {"type": "text-plain", "mime_type": "text/plain", "id": ensure_id(id)}
    _put(
        block,
        text=text,
        url=url,
        base64=base64,
        file_id=file_id,
        title=title,
        context=context,
        index=index,
    )
    _extras(block, kwargs)
    return block  # type: ignore[return-value]


def create_tool_call(
    name: str,
    args: dict[str, Any],
    *,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> ToolCall:
    """Create a ``tool_call`` block."""
    block: dict[str, Any] = {"type": "tool_call", "id": ensure_id(id), "name": name, "args": args}
    _put(block, index=index)
    _extras(block, kwargs)
    return block  # type: ignore[return-value]


def create_reasoning_block(
    reasoning: str | None = None,
    id: str | None = None,
    index: int | str | None = None,
    **kwargs: Any,
) -> ReasoningContentBlock:
    """Create a ``reasoning`` block."""
    block: dict[str, Any] = {"type": "reasoning", "reasoning": reasoning or "", "id": ensure_id(id)}
    _put(block, index=index)
    _extras(block, kwargs)
    return block  # type: ignore[return-value]


def create_citation(
    *,
    url: str | None = None,
    title: str | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    cited_text: str | None = None,
    id: str | None = None,
    **kwargs: Any,
) -> Citation:
    """Create a ``citation`` annotation for a text block."""
    block: dict[str, Any] = {"type": "citation", "id": ensure_id(id)}
    _put(
        block,
        url=url,
        title=title,
        start_index=start_index,
        end_index=end_index,
        cited_text=cited_text,
    )
    _extras(block, kwargs)
    return block  # type: ignore[return-value]


def create_non_standard_block(
    value: dict[str, Any],
    *,
    id: str | None = None,
    index: int | str | None = None,
) -> NonStandardContentBlock:
    """Wrap a provider-specific block as ``non_standard``."""
    block: dict[str, Any] = {"type": "non_standard", "value": value, "id": ensure_id(id)}
    _put(block, index=index)
    return block  # type: ignore[return-value]
