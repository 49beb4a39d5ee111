"""Cheap construction of the objects a call hands back, from values known to be valid.

A streamed answer is made of hundreds of chunks and every chunk was paying for pydantic
validation of values this package built itself. These constructors skip that validation
(as ``BaseMessageChunk._construct`` does for ``+``); they are only given values of the
right types. The hot case of a Chat Completions stream, an event carrying only text, is
recognised here and turned into a chunk directly; any other event goes to the translator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linguafranca.messages import AIMessage, AIMessageChunk, BaseMessage
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from linguafranca_openai._common import drop_none
from linguafranca_openai._convert_chat import usage_from_chat

__all__ = [
    "generation",
    "generation_chunk",
    "plain_text",
    "result",
    "text_chunk",
    "text_response",
]

_set = object.__setattr__
_new = object.__new__
# Delta keys that may accompany text in a plain text event (role only on the first).
_TEXT_KEYS = frozenset({"content", "role"})
# Message keys of a plain text answer (refusal and annotations empty; others null).
_TEXT_MESSAGE_KEYS = frozenset({"role", "content", "refusal", "annotations"})


def generation(message: BaseMessage, info: dict[str, Any] | None) -> ChatGeneration:
    """``ChatGeneration(message=message, generation_info=info)`` without validation."""
    obj = _new(ChatGeneration)
    _set(
        obj,
        "__dict__",
        {
            "text": message.text,
            "generation_info": info,
            "type": "ChatGeneration",
            "message": message,
        },
    )
    _set(obj, "__pydantic_fields_set__", {"message", "generation_info"})
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def generation_chunk(message: AIMessageChunk) -> ChatGenerationChunk:
    """``ChatGenerationChunk(message=message)`` without validation."""
    obj = _new(ChatGenerationChunk)
    content = message.content
    text = content if isinstance(content, str) else message.text
    _set(
        obj,
        "__dict__",
        {"text": text, "generation_info": None, "type": "ChatGenerationChunk", "message": message},
    )
    _set(obj, "__pydantic_fields_set__", {"message"})
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def result(generations: list[ChatGeneration], llm_output: dict[str, Any] | None) -> ChatResult:
    """``ChatResult(generations=..., llm_output=...)`` without validation."""
    obj = _new(ChatResult)
    _set(obj, "__dict__", {"generations": generations, "llm_output": llm_output})
    _set(obj, "__pydantic_fields_set__", {"generations", "llm_output"})
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def plain_text(event: Mapping[str, Any]) -> str | None:
    """The text of a Chat Completions stream event that carries nothing but text, else None.

    Such an event has one choice (index 0) whose delta holds non-empty ``content`` (and
    maybe ``role``; other keys empty), no finish reason, no logprobs, and no usage.
    """
    choices = event.get("choices")
    if type(choices) is not list or len(choices) != 1:
        return None
    choice = choices[0]
    delta = choice.get("delta")
    if type(delta) is not dict:
        return None
    content = delta.get("content")
    if type(content) is not str or not content:
        return None
    if len(delta) > 1 and any(v for k, v in delta.items() if k not in _TEXT_KEYS):
        return None
    if (
        choice.get("finish_reason")
        or choice.get("logprobs")
        or choice.get("index", 0)
        or event.get("usage")
        or "error" in event
    ):
        return None
    groq = event.get("x_groq")
    if groq and groq.get("usage"):
        return None
    return content


def text_chunk(text: str, chunk_id: str | None, provider: str) -> AIMessageChunk:
    """``AIMessageChunk(content=text, id=chunk_id)`` from ``provider``, without validation."""
    return AIMessageChunk._construct(
        {
            "content": text,
            "additional_kwargs": {},
            "response_metadata": {"model_provider": provider},
            "type": "AIMessageChunk",
            "name": None,
            "id": chunk_id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
            "tool_call_chunks": [],
            "chunk_position": None,
        },
        {},
    )


def text_response(
    body: Mapping[str, Any], provider: str
) -> tuple[AIMessage, dict[str, Any]] | None:
    """``parse_chat_response`` for the common answer, one choice of plain text; else None.

    Gives the same message and ``llm_output`` as the converter (a test compares them on
    recorded answers), without validating values built here.
    """
    choices = body.get("choices")
    if type(choices) is not list or len(choices) != 1 or "error" in body:
        return None
    choice = choices[0]
    message = choice.get("message")
    if type(message) is not dict or choice.get("logprobs") is not None:
        return None
    content = message.get("content")
    if type(content) is not str or message.get("refusal") or message.get("annotations"):
        return None
    for key, value in message.items():
        if value is not None and key not in _TEXT_MESSAGE_KEYS:
            return None  # tool calls, reasoning, audio, provider fields: the converter
    usage = body.get("usage")
    common = {
        "id": body.get("id"),
        "model_name": body.get("model"),
        "system_fingerprint": body.get("system_fingerprint"),
        "service_tier": body.get("service_tier"),
        "token_usage": usage,
    }
    metadata = drop_none(common)
    metadata["model_provider"] = provider
    if choice.get("finish_reason") is not None:
        metadata["finish_reason"] = choice["finish_reason"]
    obj = _new(AIMessage)
    _set(
        obj,
        "__dict__",
        {
            "content": content,
            "additional_kwargs": {},
            "response_metadata": metadata,
            "type": "ai",
            "name": None,
            "id": body.get("id"),
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": usage_from_chat(usage) if usage else None,
        },
    )
    _set(obj, "__pydantic_fields_set__", {"content", "additional_kwargs", "response_metadata"})
    _set(obj, "__pydantic_extra__", {})
    _set(obj, "__pydantic_private__", None)
    common["model_provider"] = provider
    return obj, drop_none(common)
