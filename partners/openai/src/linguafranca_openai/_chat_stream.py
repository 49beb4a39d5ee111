"""Chat Completions stream events to ``AIMessageChunk``s (pure, stateful, one event at a time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from linguafranca.errors import StreamError
from linguafranca.messages import AIMessageChunk, ToolCallChunk, UsageMetadata
from linguafranca_openai._common import drop_none, loads, raise_in_band_error
from linguafranca_openai._convert_chat import reasoning_text, split_content, usage_from_chat

__all__ = ["ChatStreamTranslator"]


class ChatStreamTranslator:
    """Turns Chat Completions stream events into ``AIMessageChunk``s, one event at a time.

    Token usage, the finish reason and the model name are held back and sent once, on the
    final chunk (``chunk_position="last"``), which :meth:`finish` returns (``[DONE]`` calls
    it). Tool-call ids and names appear only on the first fragment of each call.

    Example:
        >>> t = ChatStreamTranslator()
        >>> t.feed({"id": "c1", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}).content
        'Hi'
        >>> t.feed_sse("[DONE]").chunk_position
        'last'
    """

    __slots__ = ("_provider", "_started", "_usage", "_metadata", "_finished", "_closed", "_id")

    def __init__(self, *, provider: str = "openai") -> None:
        self._provider = provider
        self._started: set[int] = set()
        self._usage: UsageMetadata | None = None
        self._metadata: dict[str, Any] = {}
        self._finished = False
        self._closed = False
        self._id: str | None = None

    def feed_sse(self, data: str) -> AIMessageChunk | None:
        """Translate the ``data`` of one SSE event (JSON text, or ``[DONE]``)."""
        if data.strip() == "[DONE]":
            self._finished = True
            return self.finish()
        return self.feed(loads(data))

    def feed(self, event: Mapping[str, Any]) -> AIMessageChunk | None:
        """Translate one parsed stream event; ``None`` when it carries nothing new.

        Raises:
            StreamError: if the event is an in-band ``{"error": ...}``.
        """
        raise_in_band_error(event, provider=self._provider, streaming=True)
        if self._id is None:
            self._id = event.get("id")
        self._remember_metadata(event)
        usage = event.get("usage") or (event.get("x_groq") or {}).get("usage")
        if usage:
            # Some servers repeat (cumulative) usage: the last one wins, sent once at the end.
            self._usage = usage_from_chat(usage)
        for choice in event.get("choices") or ():
            if choice.get("index", 0) == 0:
                return self._choice_chunk(choice)
        return None

    def finish(self) -> AIMessageChunk | None:
        """The final chunk: usage, finish reason, model; ``None`` if already sent.

        Raises:
            StreamError: if the stream ended before the model finished (no finish reason
                and no ``[DONE]``): a cut stream must not look like a complete message.
        """
        if self._closed:
            return None
        if not self._finished:
            raise StreamError(
                "The stream ended before the model finished (no finish_reason and no "
                "[DONE]); the response is incomplete.",
                provider=self._provider,
            )
        self._closed = True
        return AIMessageChunk(
            content="",
            id=self._id,
            usage_metadata=self._usage,
            response_metadata={**self._metadata, "model_provider": self._provider},
            chunk_position="last",
        )

    def _remember_metadata(self, event: Mapping[str, Any]) -> None:
        metadata = self._metadata
        for source, target in (
            ("id", "id"),
            ("model", "model_name"),
            ("system_fingerprint", "system_fingerprint"),
            ("service_tier", "service_tier"),
        ):
            if target not in metadata and event.get(source):
                metadata[target] = event[source]

    def _choice_chunk(self, choice: Mapping[str, Any]) -> AIMessageChunk | None:
        if choice.get("finish_reason"):
            self._metadata["finish_reason"] = choice["finish_reason"]
            self._finished = True
        delta = choice.get("delta") or {}
        text, reasoning = split_content(delta.get("content"))
        kwargs: dict[str, Any] = {}
        reasoning = reasoning or reasoning_text(delta)
        if reasoning:
            kwargs["reasoning_content"] = reasoning
        for key in ("refusal", "function_call", "audio", "reasoning_details"):
            if delta.get(key):
                kwargs[key] = delta[key]
        calls = self._tool_call_chunks(delta.get("tool_calls") or ())
        metadata: dict[str, Any] = {"model_provider": self._provider}
        if choice.get("logprobs"):
            metadata["logprobs"] = drop_none(choice["logprobs"])
        if not (text or kwargs or calls or "logprobs" in metadata):
            return None
        return AIMessageChunk(
            content=text,
            additional_kwargs=kwargs,
            tool_call_chunks=calls,
            response_metadata=metadata,
            id=self._id,
        )

    def _tool_call_chunks(self, deltas: Sequence[Mapping[str, Any]]) -> list[ToolCallChunk]:
        chunks: list[ToolCallChunk] = []
        for position, raw in enumerate(deltas):
            index = raw.get("index", position)
            function = raw.get("function") or {}
            first = index not in self._started
            self._started.add(index)
            chunks.append(
                ToolCallChunk(
                    # Some servers repeat id and name on every fragment; merging would
                    # concatenate them, so only the first fragment carries them.
                    id=raw.get("id") if first else None,
                    name=function.get("name") if first else None,
                    args=function.get("arguments") or "",
                    index=index,
                    type="tool_call_chunk",
                )
            )
        return chunks
