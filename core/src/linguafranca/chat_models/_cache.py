"""Result caching for chat models: which cache, hits as messages, hits replayed as a stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from linguafranca.caches import BaseCache, get_llm_cache
from linguafranca.chat_models._chunking import group, message_chunks, split_words
from linguafranca.errors import ConfigurationError
from linguafranca.messages import AIMessage, AIMessageChunk, BaseMessage
from linguafranca.outputs import ChatGeneration, Generation

__all__ = ["as_chat_generations", "mark_hit", "pick_cache", "replay_chunks"]

_MAX_TEXT_CHUNKS = 8


def pick_cache(owner: str, cache: BaseCache | bool | None) -> BaseCache | None:
    """The cache a call uses: the model's own, else the global one unless ``cache=False``.

    Raises:
        ConfigurationError: ``cache=True`` while no global cache is set.
    """
    if isinstance(cache, BaseCache):
        return cache
    if cache is False:
        return None
    found = get_llm_cache()
    if found is None and cache is True:
        raise ConfigurationError(
            f"{owner} has cache=True but no global cache is set: call "
            "linguafranca.caches.set_llm_cache(InMemoryCache()) first, or pass a cache "
            "object (cache=InMemoryCache())."
        )
    return found


def as_chat_generations(found: Sequence[Generation]) -> list[ChatGeneration]:
    """Cached generations as chat generations (plain ``Generation`` text becomes an AIMessage)."""
    out: list[ChatGeneration] = []
    for generation in found:
        if isinstance(generation, ChatGeneration):
            out.append(generation)
        else:
            out.append(
                ChatGeneration(
                    message=AIMessage(content=generation.text),
                    generation_info=generation.generation_info,
                )
            )
    return out


def mark_hit(message: BaseMessage, message_id: str) -> BaseMessage:
    """A copy of a cached message that says it is a hit, under this run's id.

    ``response_metadata["cache_hit"]`` is True; token usage is kept (it describes the
    message) with ``total_cost: 0`` added, as in the reference: nothing was spent. The id
    is this run's, so two hits never share an id in one conversation.
    """
    update: dict[str, Any] = {
        "id": message_id,
        "response_metadata": {**message.response_metadata, "cache_hit": True},
    }
    if isinstance(message, AIMessage) and message.usage_metadata:
        update["usage_metadata"] = {**message.usage_metadata, "total_cost": 0}
    return message.model_copy(update=update)


def replay_chunks(message: AIMessage) -> list[AIMessageChunk]:
    """A cached message as a short stream: text in a few pieces, one chunk per tool call.

    Usage and response metadata ride on the last chunk, which is marked
    ``chunk_position="last"``; merging the chunks gives the message back.
    """
    content = message.content
    pieces = group(split_words(content), _MAX_TEXT_CHUNKS) if isinstance(content, str) else None
    return message_chunks(message, pieces)
