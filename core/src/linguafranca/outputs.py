"""What a model call returns, one level above messages: generations and results.

Example:
    >>> from linguafranca.messages import AIMessage
    >>> ChatGeneration(message=AIMessage("Hi"), generation_info={"finish_reason": "stop"})
    ChatGeneration(text='Hi', generation_info={'finish_reason': 'stop'}, message=AIMessage(content='Hi'))
"""  # noqa: E501 - the doctest output is one line

from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal, TypeVar, cast
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from linguafranca.messages import BaseMessage, BaseMessageChunk, merge_chunks, merge_dicts
from linguafranca.messages._any import message_from_data

__all__ = [
    "ChatGeneration",
    "ChatGenerationChunk",
    "ChatResult",
    "Generation",
    "GenerationChunk",
    "LLMResult",
    "RunInfo",
    "merge_generation_chunks",
]

_ModelT = TypeVar("_ModelT", bound=BaseModel)


class _Short(BaseModel):
    """Reprs without the ``type`` discriminator, like the reference's."""

    # Schemas are built on first use: importing the module stays cheap.
    model_config = ConfigDict(defer_build=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name != "type":
                yield name, value


def _merge_info(infos: Sequence[dict[str, Any] | None]) -> dict[str, Any] | None:
    present = [i for i in infos if i is not None]
    if not present:
        return None
    return merge_dicts(*present)


class Generation(_Short):
    """One text completion of a (legacy, text-in text-out) language model.

    Example:
        >>> Generation(text="Hello").text
        'Hello'
    """

    text: str
    """The generated text."""

    generation_info: dict[str, Any] | None = None
    """Provider details about this generation (e.g. finish reason)."""

    type: Literal["Generation"] = "Generation"


class GenerationChunk(Generation):
    """A streamed piece of a ``Generation``; pieces combine with ``+``."""

    type: Literal["GenerationChunk"] = "GenerationChunk"  # type: ignore[assignment]

    def __add__(self, other: "GenerationChunk") -> "GenerationChunk":
        if not isinstance(other, GenerationChunk):
            return NotImplemented
        return GenerationChunk(
            text=self.text + other.text,
            generation_info=_merge_info([self.generation_info, other.generation_info]),
        )


_GENERATION_KINDS: dict[type, str] = {}
"""The ``type`` of each generation class whose fields ``fast`` knows (filled below)."""

_new = object.__new__
_set = object.__setattr__


def _build(cls: type[_ModelT], values: dict[str, Any], fields_set: set[str]) -> _ModelT:
    """An instance of ``cls`` (no extra fields, no private attributes) holding ``values``."""
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _coerce_message(value: Any) -> Any:
    return message_from_data(value) if isinstance(value, dict) else value


class ChatGeneration(Generation):
    """One answer of a chat model: the message, and its text for convenience.

    ``text`` is always the message's text (``message.text``).
    """

    text: str = ""
    message: SerializeAsAny[BaseMessage]
    """The model's message."""

    type: Literal["ChatGeneration"] = "ChatGeneration"  # type: ignore[assignment]

    @field_validator("message", mode="before")
    @classmethod
    def _message_from_dict(cls, value: Any) -> Any:
        return _coerce_message(value)

    @model_validator(mode="after")
    def _text_from_message(self) -> Self:
        self.__dict__["text"] = self.message.text
        return self

    @classmethod
    def fast(cls, message: BaseMessage, generation_info: dict[str, Any] | None = None) -> Self:
        """``cls(message=message, generation_info=generation_info)`` without validation.

        For the hot path of providers (one generation chunk per streamed token): the
        message must be a message instance (a chunk for ``ChatGenerationChunk``), and
        ``generation_info`` is kept as given (not copied). A subclass gets the
        validating constructor.

        Example:
            >>> from linguafranca.messages import AIMessageChunk
            >>> chunk = AIMessageChunk("Hi")
            >>> ChatGenerationChunk.fast(chunk) == ChatGenerationChunk(message=chunk)
            True

        Raises:
            TypeError: if ``message`` is not a message of the kind the class holds.
        """
        kind = _GENERATION_KINDS.get(cls)
        if kind is None:
            if generation_info is None:
                return cls(message=message)
            return cls(message=message, generation_info=generation_info)
        expected = BaseMessageChunk if kind == "ChatGenerationChunk" else BaseMessage
        if not isinstance(message, expected):
            raise TypeError(
                f"{cls.__name__}.fast needs a {expected.__name__}, got a "
                f"{type(message).__name__}; build the message first."
            )
        content = message.content
        obj = _new(cls)
        _set(
            obj,
            "__dict__",
            {
                "text": content if isinstance(content, str) else message.text,
                "generation_info": generation_info,
                "type": kind,
                "message": message,
            },
        )
        _set(
            obj,
            "__pydantic_fields_set__",
            {"message"} if generation_info is None else {"message", "generation_info"},
        )
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj


class ChatGenerationChunk(ChatGeneration):
    """A streamed piece of a ``ChatGeneration``; ``+`` merges messages and info.

    Example:
        >>> from linguafranca.messages import AIMessageChunk
        >>> a = ChatGenerationChunk(message=AIMessageChunk("Hel"))
        >>> (a + ChatGenerationChunk(message=AIMessageChunk("lo"))).text
        'Hello'
    """

    message: SerializeAsAny[BaseMessageChunk]
    type: Literal["ChatGenerationChunk"] = "ChatGenerationChunk"  # type: ignore[assignment]

    def __add__(self, other: "ChatGenerationChunk | Sequence[ChatGenerationChunk]") -> Self:
        others = [other] if isinstance(other, ChatGenerationChunk) else list(other)
        for position, item in enumerate(others):
            if not isinstance(item, ChatGenerationChunk):
                raise TypeError(
                    f"Cannot add a {type(item).__name__} (position {position}) to a "
                    "ChatGenerationChunk; add ChatGenerationChunks only."
                )
        return cast("Self", merge_generation_chunks([self, *others]))


def merge_generation_chunks(chunks: Sequence[ChatGenerationChunk]) -> ChatGenerationChunk:
    """Merge generation chunks in one linear pass (messages via ``merge_chunks``).

    Raises:
        ValueError: if ``chunks`` is empty.
    """
    if not chunks:
        raise ValueError("merge_generation_chunks needs at least one chunk.")
    message = merge_chunks([c.message for c in chunks])
    info = _merge_info([c.generation_info for c in chunks])
    return type(chunks[0]).fast(message, info)


_GENERATION_KINDS.update(
    {ChatGeneration: "ChatGeneration", ChatGenerationChunk: "ChatGenerationChunk"}
)


class ChatResult(BaseModel):
    """What a chat model's ``_generate`` returns: generations and provider output."""

    model_config = ConfigDict(defer_build=True)

    generations: list[ChatGeneration]
    """The answers (usually one)."""

    llm_output: dict[str, Any] | None = None
    """Provider output for the whole call (e.g. token usage, model name)."""

    @classmethod
    def fast(
        cls, generations: list[ChatGeneration], llm_output: dict[str, Any] | None = None
    ) -> Self:
        """``cls(generations=..., llm_output=...)`` without validation (values kept as given).

        Example:
            >>> from linguafranca.messages import AIMessage
            >>> gens = [ChatGeneration.fast(AIMessage("Hi"))]
            >>> ChatResult.fast(gens) == ChatResult(generations=gens)
            True
        """
        if cls is not ChatResult:
            return cls(generations=generations, llm_output=llm_output)
        given = {"generations"} if llm_output is None else {"generations", "llm_output"}
        return _build(cls, {"generations": generations, "llm_output": llm_output}, given)


class RunInfo(BaseModel):
    """Identifies one model run (for callbacks and tracing)."""

    model_config = ConfigDict(defer_build=True)

    run_id: UUID


AnyGeneration = Annotated[
    Generation | GenerationChunk | ChatGeneration | ChatGenerationChunk,
    Field(discriminator="type"),
]


class LLMResult(_Short):
    """The result of ``generate``: one list of generations per input.

    Example:
        >>> LLMResult(generations=[[Generation(text="Hi")]]).generations[0][0].text
        'Hi'
    """

    generations: list[list[AnyGeneration]]
    """Generations per input prompt."""

    llm_output: dict[str, Any] | None = None
    """Provider output for the whole call (e.g. token usage, model name)."""

    run: list[RunInfo] | None = None
    """One ``RunInfo`` per input."""

    type: Literal["LLMResult"] = "LLMResult"

    def flatten(self) -> list["LLMResult"]:
        """One ``LLMResult`` per input (``llm_output`` token usage only on the first)."""
        results = []
        for position, generations in enumerate(self.generations):
            output = dict(self.llm_output) if self.llm_output is not None else None
            if output is not None and position > 0:
                output["token_usage"] = {}
            results.append(LLMResult(generations=[generations], llm_output=output))
        return results

    def __eq__(self, other: object) -> bool:
        # ``run`` holds fresh ids per call, so it is not part of equality.
        if not isinstance(other, LLMResult):
            return NotImplemented
        return self.generations == other.generations and self.llm_output == other.llm_output

    __hash__ = None  # type: ignore[assignment]
