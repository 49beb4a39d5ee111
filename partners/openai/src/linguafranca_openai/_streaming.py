"""Stream events to generation chunks: one adapter per API, shared by sync and async loops."""

from __future__ import annotations

from typing import Any

from linguafranca.errors import StreamError
from linguafranca.http import ServerSentEvent, loads
from linguafranca.outputs import ChatGenerationChunk
from linguafranca_openai._chat_stream import ChatStreamTranslator
from linguafranca_openai._client import CHAT
from linguafranca_openai._fast import generation_chunk, plain_text, text_chunk
from linguafranca_openai._responses_stream import ResponsesStreamTranslator

__all__ = ["ChatEvents", "ResponsesEvents", "StreamEvents", "stream_events"]


class ChatEvents:
    """Chat Completions events to chunks; plain text events skip the general translator.

    The first event always goes through the translator (it records the response id and
    model), and so does any event that carries more than text.
    """

    __slots__ = ("_id", "_provider", "_started", "_translator", "done")

    def __init__(self, provider: str) -> None:
        self._translator = ChatStreamTranslator(provider=provider)
        self._provider = provider
        self._started = False
        self._id: str | None = None
        self.done = False

    def feed(self, event: ServerSentEvent) -> ChatGenerationChunk | None:
        """The chunk for one event, or None when it carries nothing new."""
        data = event.data
        if data[:1] != "{":  # [DONE] (or not JSON: the translator says what is wrong)
            last = self._translator.feed_sse(data)
            if last is None:
                return None
            self.done = last.chunk_position == "last"
            return generation_chunk(last)
        parsed = _parse(data, self._provider)
        if self._started:
            text = plain_text(parsed)
            if text is not None:
                return generation_chunk(text_chunk(text, self._id, self._provider))
        else:
            self._started = True
            self._id = parsed.get("id")
        chunk = self._translator.feed(parsed)
        return generation_chunk(chunk) if chunk is not None else None

    def finish(self) -> ChatGenerationChunk | None:
        """The final chunk when ``[DONE]`` did not come (raises if the stream was cut)."""
        last = self._translator.finish()
        if last is None:
            return None
        self.done = True
        return generation_chunk(last)


class ResponsesEvents:
    """Responses API events to chunks."""

    __slots__ = ("_provider", "_translator", "done")

    def __init__(self, provider: str) -> None:
        self._translator = ResponsesStreamTranslator(provider=provider)
        self._provider = provider
        self.done = False

    def feed(self, event: ServerSentEvent) -> ChatGenerationChunk | None:
        """The chunk for one event, or None when it carries nothing for the message."""
        data = event.data
        if data.strip() == "[DONE]":
            return None
        kind = event.event
        chunk = self._translator.feed(
            None if kind == "message" else kind, _parse(data, self._provider)
        )
        if chunk is None:
            return None
        if chunk.chunk_position == "last":
            self.done = True
        return generation_chunk(chunk)

    def finish(self) -> ChatGenerationChunk | None:
        """Nothing more to send; raises if ``response.completed`` never came."""
        self._translator.finish()
        return None


def _parse(data: str, provider: str) -> Any:
    try:
        return loads(data)
    except ValueError:
        raise StreamError(
            f"{provider} sent a stream event that is not JSON: {data[:200]!r}",
            provider=provider,
        ) from None


StreamEvents = ChatEvents | ResponsesEvents


def stream_events(api: str, provider: str) -> StreamEvents:
    """The event adapter for ``api`` (``CHAT`` or ``RESPONSES``)."""
    return ChatEvents(provider) if api == CHAT else ResponsesEvents(provider)
