"""The message base classes: ``BaseMessage`` and ``BaseMessageChunk``."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import Self

from linguafranca.messages import _blocks
from linguafranca.messages._ids import id_rank
from linguafranca.messages._merge import ContentAccumulator, DictAccumulator

if TYPE_CHECKING:
    from linguafranca.messages.content import ContentBlock

MessageContent = str | list[str | dict[str, Any]]
"""What a message's ``content`` holds: text, or a list of text and content blocks."""

ContentInput = str | Sequence[str | Mapping[str, Any]]
"""What a message's constructor accepts as ``content`` (stored as ``MessageContent``)."""

MessageT = TypeVar("MessageT", bound="BaseMessage")


class BaseMessage(BaseModel):
    """Base class of every message; use a concrete kind such as ``HumanMessage``.

    Content is given positionally or by keyword; ``content_blocks=[...]`` accepts
    standard blocks instead.

    Example:
        >>> from linguafranca.messages import HumanMessage
        >>> HumanMessage("What is 2 + 2?").text
        'What is 2 + 2?'
    """

    # Extra fields are allowed (providers attach their own); validation stays shallow.
    # Schemas are built on first use: importing the package stays cheap.
    model_config = ConfigDict(extra="allow", defer_build=True)

    content: MessageContent
    """Text, or a list of text and content blocks."""

    additional_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Provider payload that has no standard field (e.g. raw tool calls)."""

    response_metadata: dict[str, Any] = Field(default_factory=dict)
    """Response details: model name, finish reason, provider, ..."""

    type: str
    """The kind of message, used to tell kinds apart when serialized."""

    name: str | None = None
    """An optional name for the speaker."""

    id: str | None = Field(default=None, coerce_numbers_to_str=True)
    """An optional unique identifier, usually given by the provider."""

    # The one runtime ``__init__`` of every kind (subclasses declare theirs for type
    # checkers only): a message is built once per streamed token, so no extra frames.
    def __init__(
        self,
        content: ContentInput | None = None,
        content_blocks: "Sequence[ContentBlock] | None" = None,
        **kwargs: Any,
    ) -> None:
        if content_blocks is not None:
            kwargs["content"] = list(cast("Sequence[dict[str, Any]]", content_blocks))
            self._fields_from_blocks(content_blocks, kwargs)
        else:
            kwargs["content"] = "" if content is None else content
        # What ``BaseModel.__init__`` does, minus a frame and a copy of ``kwargs``.
        self.__pydantic_validator__.validate_python(kwargs, self_instance=self)

    @classmethod
    def _fields_from_blocks(cls, blocks: "Sequence[ContentBlock]", kwargs: dict[str, Any]) -> None:
        """Fill fields that ``content_blocks=`` implies (in ``kwargs``, in place)."""

    @property
    def text(self) -> str:
        """The message's text: string content, or its text blocks joined."""
        content = self.content
        if isinstance(content, str):
            return content
        parts: list[str] = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif block.get("type") == "text" and isinstance(text := block.get("text"), str):
                parts.append(text)
        return "".join(parts)

    @property
    def content_blocks(self) -> "list[ContentBlock]":
        """The content as standard blocks (a new list; the message is not changed).

        A translator registered for ``response_metadata["model_provider"]`` is used
        when there is one; otherwise strings become text blocks, OpenAI chat-completions
        parts become standard blocks and unknown blocks become ``non_standard``.
        """
        return _blocks.message_blocks(self)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Short reprs: only the fields that differ from their defaults.
        fields = type(self).model_fields
        values = self.__dict__
        for name, info in fields.items():
            if name == "type":
                continue
            value = values.get(name)
            if name != "content" and not info.is_required():
                default = info.get_default(call_default_factory=True)
                if value == default:
                    continue
            yield name, value
        if self.__pydantic_extra__:
            yield from self.__pydantic_extra__.items()

    def pretty_repr(self, html: bool = False) -> str:
        """A readable, multi-line view: a title bar, the name if any, then the content.

        Args:
            html: Make the title bold with HTML tags.
        """
        title = get_msg_title_repr(self.type.title() + " Message", bold=html)
        if self.name is not None:
            title += f"\nName: {self.name}"
        return f"{title}\n\n{self.content}"

    def pretty_print(self) -> None:
        """Print ``pretty_repr()``."""
        print(self.pretty_repr())  # noqa: T201 - printing is the point


def get_msg_title_repr(title: str, *, bold: bool = False) -> str:
    """Center ``title`` in an 80-column bar of ``=``.

    Example:
        >>> get_msg_title_repr("Ai Message")[:20]
        '===================='
    """
    padded = f" {title} "
    left = (80 - len(padded)) // 2
    right = 80 - len(padded) - left
    if bold:
        padded = f"<b>{padded}</b>"
    return "=" * left + padded + "=" * max(right, 0)


class BaseMessageChunk(BaseMessage):
    """A piece of a streamed message; chunks of the same kind combine with ``+``.

    Example:
        >>> from linguafranca.messages import AIMessageChunk
        >>> (AIMessageChunk("Hel") + AIMessageChunk("lo")).content
        'Hello'
    """

    # Fields that every chunk of one message must share (e.g. ``role``).
    _same_fields: ClassVar[tuple[str, ...]] = ()

    def __add__(self, other: Any) -> Self:
        if isinstance(other, BaseMessageChunk):
            return self._merge([self, other], lazy=True)
        if isinstance(other, (list, tuple)):
            return self._merge([self, *other], lazy=True)
        return NotImplemented

    @classmethod
    def _check_same_kind(cls, chunks: Sequence[Any]) -> None:
        for position, chunk in enumerate(chunks):
            if not isinstance(chunk, cls):
                raise TypeError(
                    f"Cannot add a {type(chunk).__name__} (position {position}) to a "
                    f"{cls.__name__}: only chunks of the same kind can be merged."
                )
        for field in cls._same_fields:
            first = getattr(chunks[0], field)
            for chunk in chunks[1:]:
                if getattr(chunk, field) != first:
                    raise ValueError(
                        f"Cannot merge {cls.__name__}s with different {field!r}: "
                        f"{first!r} and {getattr(chunk, field)!r}."
                    )

    @classmethod
    def _merge(cls, chunks: Sequence[Any], *, lazy: bool) -> Self:
        """Merge same-kind chunks in one linear pass (``chunks[0]`` is an instance).

        Args:
            chunks: The chunks, in stream order.
            lazy: Leave work that a reader may never need (parsing tool-call
                arguments) until it is read; ``merge_chunks`` does it at once.
        """
        cls._check_same_kind(chunks)
        values, extra = cls._merge_fields(chunks)
        return cls._construct(values, extra)

    @classmethod
    def _construct(cls, values: dict[str, Any], extra: dict[str, Any]) -> Self:
        """Build an instance from already-valid values of *every* field, skipping validation.

        Like ``model_construct`` without its per-field default lookups: ``+`` on
        chunks runs once per streamed token, so this path is kept short.
        """
        obj = cls.__new__(cls)
        _set = object.__setattr__
        _set(obj, "__dict__", values)
        _set(obj, "__pydantic_fields_set__", set(values))
        _set(obj, "__pydantic_extra__", extra)
        _set(obj, "__pydantic_private__", cls._new_private())
        return obj

    @classmethod
    def _new_private(cls) -> dict[str, Any] | None:
        """Fresh private attributes for ``_construct`` (None: the class has none)."""
        return None

    @classmethod
    def _merge_fields(
        cls, chunks: Sequence["BaseMessageChunk"]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Merged values of the base fields and ``_same_fields``, and merged extras."""
        contents = [c.content for c in chunks]
        if all(isinstance(c, str) for c in contents):
            content: MessageContent = "".join(cast("list[str]", contents))
        else:
            acc = ContentAccumulator()
            for item in contents:
                acc.add(item)
            content = acc.build()
        best_id: str | None = None
        best_rank = 0
        name: str | None = None
        extra: dict[str, Any] = {}
        for chunk in chunks:
            rank = id_rank(chunk.id)
            if rank > best_rank:
                best_id, best_rank = chunk.id, rank
            if name is None:
                name = chunk.name
            if chunk.__pydantic_extra__:
                for key, value in chunk.__pydantic_extra__.items():
                    extra.setdefault(key, value)
        first = chunks[0]
        values: dict[str, Any] = {
            "content": content,
            "additional_kwargs": _merge_dicts_of(c.additional_kwargs for c in chunks),
            "response_metadata": _merge_dicts_of(c.response_metadata for c in chunks),
            "type": first.type,
            "name": name,
            "id": best_id,
        }
        for field in cls._same_fields:
            values[field] = getattr(first, field)
        return values, extra


def _merge_dicts_of(dicts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Merge the non-empty dicts (most chunks carry none, so skip the accumulator then)."""
    acc: DictAccumulator | None = None
    for value in dicts:
        if value:
            if acc is None:
                acc = DictAccumulator()
            acc.add(value)
    return {} if acc is None else acc.build()


_new = object.__new__
_set = object.__setattr__


def build_trusted(
    cls: type[MessageT],
    values: dict[str, Any],
    fields_set: set[str],
    private: dict[str, Any] | None = None,
) -> MessageT:
    """An instance of ``cls`` holding ``values`` as they are, without validation.

    The engine of the ``fast`` constructors: ``values`` must hold every field with a
    valid value, ``fields_set`` the fields the caller gave (as the validating
    constructor would record them).
    """
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", {})
    _set(obj, "__pydantic_private__", private)
    return obj
