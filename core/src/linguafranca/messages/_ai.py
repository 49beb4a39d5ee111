"""Messages from the model: ``AIMessage`` (its streamed twin is in ``_ai_chunk``)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from typing_extensions import Self

from linguafranca.messages import _blocks
from linguafranca.messages._base import (
    BaseMessage,
    ContentInput,
    build_trusted,
)
from linguafranca.messages._block_types import ContentBlock
from linguafranca.messages._tool import (
    InvalidToolCall,
    ToolCall,
    default_tool_parser,
)
from linguafranca.messages._usage import UsageMetadata


class AIMessage(BaseMessage):
    """A message from the model: text or blocks, tool calls and token usage.

    Example:
        >>> msg = AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
        >>> msg.tool_calls[0]["type"]
        'tool_call'
    """

    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls requested by the model, with parsed arguments."""

    invalid_tool_calls: list[InvalidToolCall] = Field(default_factory=list)
    """Tool calls whose arguments could not be parsed."""

    usage_metadata: UsageMetadata | None = None
    """Token counts, in the same shape for every provider."""

    type: Literal["ai"] = "ai"

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | None = None,
            content_blocks: Sequence[ContentBlock] | None = None,
            **kwargs: Any,
        ) -> None: ...

    @classmethod
    def _fields_from_blocks(cls, blocks: Sequence[ContentBlock], kwargs: dict[str, Any]) -> None:
        if "tool_calls" not in kwargs:
            calls = [b for b in blocks if b.get("type") == "tool_call"]
            if calls:
                kwargs["tool_calls"] = calls

    @classmethod
    def fast(
        cls,
        content: str | list[Any] = "",
        *,
        additional_kwargs: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        tool_calls: list[ToolCall] | None = None,
        invalid_tool_calls: list[InvalidToolCall] | None = None,
        usage_metadata: UsageMetadata | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> Self:
        """Build a message from trusted, well-typed values, without validation.

        For provider converters on the hot path: equal to ``AIMessage(content, ...)``
        with the same arguments, several times faster. The values are *not* checked
        and *not* copied: the message takes the containers it is given (pass fresh
        ones) and adds ``type`` to tool-call dicts that lack it. ``None`` means "not
        given". A subclass gets the validating constructor.

        Example:
            >>> AIMessage.fast("Hi", id="msg-1") == AIMessage("Hi", id="msg-1")
            True
        """
        if cls is not AIMessage:
            return cls(
                content,
                **given_values(
                    additional_kwargs=additional_kwargs,
                    response_metadata=response_metadata,
                    tool_calls=tool_calls,
                    invalid_tool_calls=invalid_tool_calls,
                    usage_metadata=usage_metadata,
                    name=name,
                    id=id,
                ),
            )
        if additional_kwargs and not (tool_calls or invalid_tool_calls):
            raw = raw_tool_calls(additional_kwargs)
            if raw is not None:
                tool_calls, invalid_tool_calls = default_tool_parser(raw)
        values, given = trusted_ai_values(
            "ai",
            content,
            additional_kwargs=additional_kwargs,
            response_metadata=response_metadata,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid_tool_calls,
            usage_metadata=usage_metadata,
            name=name,
            id=id,
        )
        return build_trusted(cls, values, given)

    @model_validator(mode="before")
    @classmethod
    def _tool_calls_from_additional_kwargs(cls, values: Any) -> Any:
        # OpenAI-format calls in additional_kwargs fill the standard fields when those
        # are not given, so messages built from raw provider payloads still work.
        if not isinstance(values, dict):
            return values
        kwargs = values.get("additional_kwargs")
        if not kwargs or not isinstance(kwargs, dict):
            return values
        raw = raw_tool_calls(kwargs)
        if raw is None:
            return values
        if any(values.get(k) for k in ("tool_calls", "invalid_tool_calls", "tool_call_chunks")):
            return values
        return {**values, **cls._fields_from_raw_calls(raw)}

    @classmethod
    def _fields_from_raw_calls(cls, raw: list[dict[str, Any]]) -> dict[str, Any]:
        """The standard tool-call fields that OpenAI-format ``raw`` calls stand for."""
        calls, invalid = default_tool_parser(raw)
        return {"tool_calls": calls, "invalid_tool_calls": invalid}

    # A field validator runs only for fields that were given: a message without tool
    # calls pays nothing here.
    @field_validator("tool_calls", "invalid_tool_calls")
    @classmethod
    def _set_tool_call_types(cls, calls: list[Any], info: ValidationInfo) -> list[Any]:
        kind = "tool_call" if info.field_name == "tool_calls" else "invalid_tool_call"
        set_call_types(calls, kind)
        return calls

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler) -> Any:
        self._refresh_tool_calls()
        return handler(self)

    def _refresh_tool_calls(self) -> None:
        """Bring derived tool calls up to date (only chunks derive them lazily)."""

    @property
    def content_blocks(self) -> list[ContentBlock]:
        """Standard blocks of the content, followed by the tool calls not already in it."""
        blocks = base_blocks(self)
        present = {
            b_id
            for b in blocks
            if b.get("type") == "tool_call" and isinstance(b_id := b.get("id"), str)
        }
        for call in self.tool_calls:
            if call.get("id") is None or call.get("id") not in present:
                blocks.append(
                    {
                        "type": "tool_call",
                        "id": call["id"],
                        "name": call["name"],
                        "args": call["args"],
                    }
                )
        for bad in self.invalid_tool_calls:
            blocks.append(cast("ContentBlock", {**bad, "type": "invalid_tool_call"}))
        return blocks

    def pretty_repr(self, html: bool = False) -> str:
        """The base view, then the tool calls and invalid tool calls with their arguments."""
        lines = [super().pretty_repr(html=html).strip()]
        for title, calls in (
            ("Tool Calls:", self.tool_calls),
            ("Invalid Tool Calls:", self.invalid_tool_calls),
        ):
            if calls:
                lines.append(title)
                for call in calls:
                    lines.extend(_format_call(cast("dict[str, Any]", call)))
        return "\n".join(lines).strip()


def base_blocks(message: AIMessage) -> list[ContentBlock]:
    """Content blocks, led by the reasoning some providers put in ``additional_kwargs``."""
    blocks = _blocks.message_blocks(message)
    reasoning = message.additional_kwargs.get("reasoning_content")
    if (
        reasoning
        and isinstance(reasoning, str)
        and not any(b.get("type") == "reasoning" for b in blocks)
    ):
        blocks.insert(0, {"type": "reasoning", "reasoning": reasoning})
    return blocks


def _format_call(call: dict[str, Any]) -> list[str]:
    lines = [f"  {call.get('name') or 'Tool'} ({call.get('id')})", f" Call ID: {call.get('id')}"]
    if call.get("error"):
        lines.append(f"  Error: {call['error']}")
    lines.append("  Args:")
    args = call.get("args")
    if isinstance(args, dict):
        lines.extend(f"    {key}: {value}" for key, value in args.items())
    elif args is not None:
        lines.append(f"    {args}")
    return lines


def raw_tool_calls(kwargs: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The OpenAI-format tool calls in ``additional_kwargs``, if it holds a list of them."""
    raw = kwargs.get("tool_calls")
    if not isinstance(raw, list):
        return None
    return [c for c in raw if isinstance(c, dict)]


def set_call_types(calls: list[Any], kind: str) -> None:
    """Give each call dict its ``type`` when it has none (in place)."""
    for call in calls:
        if "type" not in call:
            call["type"] = kind


def given_values(**values: Any) -> dict[str, Any]:
    """The keyword arguments that are not ``None``."""
    return {k: v for k, v in values.items() if v is not None}


def trusted_ai_values(
    type_: str,
    content: str | list[Any],
    *,
    additional_kwargs: dict[str, Any] | None,
    response_metadata: dict[str, Any] | None,
    tool_calls: list[ToolCall] | None,
    invalid_tool_calls: list[InvalidToolCall] | None,
    usage_metadata: UsageMetadata | None,
    name: str | None,
    id: str | None,
) -> tuple[dict[str, Any], set[str]]:
    """Field values and the set of given fields shared by ``AIMessage.fast`` and its chunk twin.

    ``None`` means "not given": the field gets its default and stays out of the set.
    """
    given = {"content"}
    if additional_kwargs is None:
        additional_kwargs = {}
    else:
        given.add("additional_kwargs")
    if response_metadata is None:
        response_metadata = {}
    else:
        given.add("response_metadata")
    if tool_calls is None:
        tool_calls = []
    else:
        given.add("tool_calls")
        set_call_types(tool_calls, "tool_call")
    if invalid_tool_calls is None:
        invalid_tool_calls = []
    else:
        given.add("invalid_tool_calls")
        set_call_types(invalid_tool_calls, "invalid_tool_call")
    for field_name, value in (("usage_metadata", usage_metadata), ("name", name), ("id", id)):
        if value is not None:
            given.add(field_name)
    values = {
        "content": content,
        "additional_kwargs": additional_kwargs,
        "response_metadata": response_metadata,
        "type": type_,
        "name": name,
        "id": id,
        "tool_calls": tool_calls,
        "invalid_tool_calls": invalid_tool_calls,
        "usage_metadata": usage_metadata,
    }
    return values, given
