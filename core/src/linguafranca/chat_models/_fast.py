"""Unvalidated constructors for the hot paths of fake streams and cache replays.

Each builds a pydantic object from values known to be valid, as ``model_construct``
would but without its per-field default lookups. Each checks once, at import, that the
class still has exactly the fields it sets, and falls back to the validating
constructor otherwise: a class that grows a field never gets half-built objects.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from linguafranca.messages import AIMessageChunk, BaseMessage, BaseMessageChunk, HumanMessage
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

__all__ = ["chat_result", "fresh_message", "generation_chunk", "human_message", "text_chunk"]

M = TypeVar("M", bound=BaseModel)
Msg = TypeVar("Msg", bound=BaseMessage)

_CHUNK_FIELDS = {
    "content",
    "additional_kwargs",
    "response_metadata",
    "type",
    "name",
    "id",
    "tool_calls",
    "invalid_tool_calls",
    "usage_metadata",
    "tool_call_chunks",
    "chunk_position",
}


def _exactly(cls: type[BaseModel], fields: set[str], private: bool = False) -> bool:
    return set(cls.model_fields) == fields and (private or not cls.__private_attributes__)


_FAST_CHUNK = _exactly(AIMessageChunk, _CHUNK_FIELDS, private=True)
_FAST_GENERATIONS = _exactly(
    ChatGenerationChunk, {"text", "generation_info", "type", "message"}
) and _exactly(ChatGeneration, {"text", "generation_info", "type", "message"})
_FAST_RESULT = _exactly(ChatResult, {"generations", "llm_output"})
_FAST_HUMAN = (
    _exactly(
        HumanMessage, {"content", "additional_kwargs", "response_metadata", "type", "name", "id"}
    )
    and HumanMessage.model_config.get("extra") == "allow"
)


def _build(cls: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    obj = cls.__new__(cls)
    _set = object.__setattr__
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def human_message(text: str) -> HumanMessage:
    """``HumanMessage(text)``: every call whose input is a plain string builds one."""
    if not _FAST_HUMAN:
        return HumanMessage(text)
    values: dict[str, Any] = {
        "content": text,
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "human",
        "name": None,
        "id": None,
    }
    message = _build(HumanMessage, values, {"content"})
    object.__setattr__(message, "__pydantic_extra__", {})
    return message


def text_chunk(content: str, message_id: str | None, position: str | None = None) -> AIMessageChunk:
    """``AIMessageChunk(content=..., id=..., chunk_position=...)`` for plain text."""
    if not _FAST_CHUNK:
        return AIMessageChunk(content=content, id=message_id, chunk_position=position)
    values: dict[str, Any] = {
        "content": content,
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "AIMessageChunk",
        "name": None,
        "id": message_id,
        "tool_calls": [],
        "invalid_tool_calls": [],
        "usage_metadata": None,
        "tool_call_chunks": [],
        "chunk_position": position,
    }
    return AIMessageChunk._construct(values, {})


def generation_chunk(message: BaseMessageChunk) -> ChatGenerationChunk:
    """``ChatGenerationChunk(message=message)``."""
    if not _FAST_GENERATIONS:
        return ChatGenerationChunk(message=message)
    values = {
        "text": message.text,
        "generation_info": None,
        "type": "ChatGenerationChunk",
        "message": message,
    }
    return _build(ChatGenerationChunk, values, {"message"})


def chat_result(message: BaseMessage) -> ChatResult:
    """``ChatResult(generations=[ChatGeneration(message=message)])``."""
    if not (_FAST_GENERATIONS and _FAST_RESULT):
        return ChatResult(generations=[ChatGeneration(message=message)])
    values = {
        "text": message.text,
        "generation_info": None,
        "type": "ChatGeneration",
        "message": message,
    }
    generation = _build(ChatGeneration, values, {"message"})
    return _build(ChatResult, {"generations": [generation], "llm_output": None}, {"generations"})


def fresh_message(message: Msg) -> Msg:
    """The message if it has an id, else a shallow copy that the base class may give one.

    Fakes hand out messages their caller owns; the base class sets the id of answers
    without one, so those are copied (``model_copy`` does the same at several times the
    cost).
    """
    if message.id is not None:
        return message
    copy = object.__new__(type(message))
    extra = message.__pydantic_extra__
    private = message.__pydantic_private__
    _set = object.__setattr__
    _set(copy, "__dict__", dict(message.__dict__))
    _set(copy, "__pydantic_fields_set__", set(message.__pydantic_fields_set__))
    _set(copy, "__pydantic_extra__", dict(extra) if extra is not None else None)
    _set(copy, "__pydantic_private__", dict(private) if private is not None else None)
    return copy
