"""Responses API stream events to ``AIMessageChunk``s (pure, stateful, one event at a time).

Each output item (or each part of a message item) gets its own content block with an
``index``; fragments with the same index merge, so the folded stream has the same
content as the non-streamed response. Tool-call fragments are indexed by output item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from linguafranca.errors import StreamError
from linguafranca.messages import AIMessageChunk, ToolCallChunk
from linguafranca_openai._common import error_message, loads
from linguafranca_openai._convert_responses import (
    raise_for_failed,
    response_metadata,
    usage_from_responses,
)

__all__ = ["ResponsesStreamTranslator"]

_FINAL_EVENTS = frozenset({"response.completed", "response.incomplete"})


class ResponsesStreamTranslator:
    """Turns Responses API stream events into ``AIMessageChunk``s.

    Usage, status and the model name arrive once, on the final chunk
    (``chunk_position="last"``), from ``response.completed`` / ``response.incomplete``.

    Example:
        >>> t = ResponsesStreamTranslator()
        >>> t.feed("response.output_text.delta",
        ...        {"output_index": 0, "content_index": 0, "item_id": "msg_1", "delta": "Hi"}
        ...        ).content[0]["text"]
        'Hi'
    """

    __slots__ = ("_provider", "_blocks", "_phases", "_id", "_closed")

    def __init__(self, *, provider: str = "openai") -> None:
        self._provider = provider
        self._blocks: dict[tuple[int, Any], int] = {}
        self._phases: dict[int, str] = {}
        self._id: str | None = None
        self._closed = False

    def feed_sse(self, data: str, event_type: str | None = None) -> AIMessageChunk | None:
        """Translate the ``data`` of one SSE event (``event_type`` defaults to its ``type``)."""
        if data.strip() == "[DONE]":
            return None
        return self.feed(event_type, loads(data))

    def finish(self) -> None:
        """Call when the stream ends.

        Raises:
            StreamError: if no ``response.completed`` (or ``incomplete``) event arrived.
        """
        if not self._closed:
            raise StreamError(
                "The stream ended before response.completed; the response is incomplete.",
                provider=self._provider,
            )

    def feed(self, event_type: str | None, data: Mapping[str, Any]) -> AIMessageChunk | None:
        """Translate one event; ``None`` when it carries nothing for the message.

        Raises:
            StreamError: for an ``error`` or ``response.failed`` event.
        """
        kind = event_type or data.get("type") or ""
        handler = _HANDLERS.get(kind)
        if handler is not None:
            return handler(self, data)
        if kind in ("error", "response.failed"):
            self._raise(data)
        return None

    # ---------------------------------------------------------------- helpers

    def _index(self, output_index: int, sub: Any = None) -> tuple[int, bool]:
        """Content-block index for (output item, part); True when it is new."""
        key = (output_index, sub)
        if key in self._blocks:
            return self._blocks[key], False
        index = len(self._blocks)
        self._blocks[key] = index
        return index, True

    def _chunk(
        self,
        blocks: list[dict[str, Any]],
        *,
        calls: list[ToolCallChunk] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> AIMessageChunk:
        return AIMessageChunk(
            content=blocks,
            tool_call_chunks=calls or [],
            additional_kwargs=kwargs or {},
            response_metadata={"model_provider": self._provider},
            id=self._id,
        )

    def _raise(self, data: Mapping[str, Any]) -> None:
        response = data.get("response")
        if isinstance(response, Mapping):
            raise_for_failed(response, provider=self._provider)
        message = error_message(data.get("error") or data)
        raise StreamError(
            f"{self._provider} sent an error in the stream: {message}",
            provider=self._provider,
            body=dict(data),
        )

    # ---------------------------------------------------------------- events

    def _created(self, data: Mapping[str, Any]) -> None:
        response = data.get("response") or {}
        self._id = self._id or response.get("id")
        return None

    def _item_added(self, data: Mapping[str, Any]) -> AIMessageChunk | None:
        item = data.get("item") or {}
        output_index = data.get("output_index", 0)
        kind = item.get("type")
        if kind == "function_call":
            index, _ = self._index(output_index)
            block = {
                "type": "function_call",
                "index": index,
                "id": item.get("id"),
                "call_id": item.get("call_id"),
                "name": item.get("name"),
                "arguments": item.get("arguments") or "",
            }
            call = ToolCallChunk(
                id=item.get("call_id"),
                name=item.get("name"),
                args=item.get("arguments") or "",
                index=output_index,
                type="tool_call_chunk",
            )
            return self._chunk([block], calls=[call])
        if kind == "reasoning":
            index, _ = self._index(output_index)
            # encrypted_content is only final in output_item.done.
            block = {"type": "reasoning", "index": index, "id": item.get("id"), "summary": []}
            return self._chunk([block])
        if kind == "message" and item.get("phase"):
            self._phases[output_index] = item["phase"]
        return None

    def _part_added(self, data: Mapping[str, Any]) -> AIMessageChunk | None:
        part = data.get("part") or {}
        output_index = data.get("output_index", 0)
        index, _ = self._index(output_index, data.get("content_index", 0))
        block: dict[str, Any] = {"index": index, "id": data.get("item_id")}
        if output_index in self._phases:
            block["phase"] = self._phases[output_index]
        if part.get("type") == "output_text":
            block.update(type="text", text=part.get("text", ""), annotations=[])
        elif part.get("type") == "refusal":
            block.update(type="refusal", refusal=part.get("refusal", ""))
        else:
            block.update({k: v for k, v in part.items() if k != "index"})
        return self._chunk([block])

    def _text_delta(self, data: Mapping[str, Any]) -> AIMessageChunk:
        index, new = self._index(data.get("output_index", 0), data.get("content_index", 0))
        block: dict[str, Any] = {"type": "text", "text": data.get("delta", ""), "index": index}
        if new:  # no content_part.added before the first delta
            block.update(id=data.get("item_id"), annotations=[])
            if data.get("output_index", 0) in self._phases:
                block["phase"] = self._phases[data.get("output_index", 0)]
        return self._chunk([block])

    def _annotation(self, data: Mapping[str, Any]) -> AIMessageChunk:
        index, _ = self._index(data.get("output_index", 0), data.get("content_index", 0))
        annotation = dict(data.get("annotation") or {})
        return self._chunk(
            [{"type": "text", "text": "", "index": index, "annotations": [annotation]}]
        )

    def _refusal_delta(self, data: Mapping[str, Any]) -> AIMessageChunk:
        index, _ = self._index(data.get("output_index", 0), data.get("content_index", 0))
        delta = data.get("delta", "")
        block = {"type": "refusal", "refusal": delta, "index": index}
        return self._chunk([block], kwargs={"refusal": delta})

    def _arguments_delta(self, data: Mapping[str, Any]) -> AIMessageChunk:
        output_index = data.get("output_index", 0)
        index, _ = self._index(output_index)
        delta = data.get("delta", "")
        call = ToolCallChunk(
            id=None, name=None, args=delta, index=output_index, type="tool_call_chunk"
        )
        block = {"type": "function_call", "arguments": delta, "index": index}
        return self._chunk([block], calls=[call])

    def _summary_part(self, data: Mapping[str, Any]) -> AIMessageChunk:
        return self._reasoning_piece(data, "summary", "summary_index", "summary_text", "")

    def _summary_delta(self, data: Mapping[str, Any]) -> AIMessageChunk:
        delta = data.get("delta", "")
        return self._reasoning_piece(data, "summary", "summary_index", "summary_text", delta)

    def _reasoning_delta(self, data: Mapping[str, Any]) -> AIMessageChunk:
        delta = data.get("delta", "")
        return self._reasoning_piece(data, "content", "content_index", "reasoning_text", delta)

    def _reasoning_piece(
        self, data: Mapping[str, Any], key: str, index_key: str, part_type: str, text: str
    ) -> AIMessageChunk:
        index, _ = self._index(data.get("output_index", 0))
        piece = {"index": data.get(index_key, 0), "type": part_type, "text": text}
        return self._chunk([{"type": "reasoning", "index": index, key: [piece]}])

    def _item_done(self, data: Mapping[str, Any]) -> AIMessageChunk | None:
        item = data.get("item") or {}
        output_index = data.get("output_index", 0)
        kind = item.get("type")
        if kind == "message":
            return None
        index, new = self._index(output_index)
        if kind == "reasoning":
            extra = {k: item[k] for k in ("encrypted_content", "status") if item.get(k)}
            if not extra:
                return None
            return self._chunk([{"type": "reasoning", "index": index, **extra}])
        if kind == "function_call":
            if not item.get("status"):
                return None
            return self._chunk(
                [{"type": "function_call", "index": index, "status": item["status"]}]
            )
        # Built-in tool calls (web search, ...) arrive whole.
        return self._chunk([{**item, "index": index}]) if new else None

    def _completed(self, data: Mapping[str, Any]) -> AIMessageChunk:
        response = data.get("response") or {}
        self._closed = True
        usage = response.get("usage")
        return AIMessageChunk(
            content=[],
            id=self._id or response.get("id"),
            usage_metadata=usage_from_responses(usage) if usage else None,
            response_metadata=response_metadata(response, self._provider),
            chunk_position="last",
        )


_Handler = Callable[[ResponsesStreamTranslator, Mapping[str, Any]], "AIMessageChunk | None"]

_HANDLERS: dict[str, _Handler] = {
    "response.created": ResponsesStreamTranslator._created,
    "response.output_item.added": ResponsesStreamTranslator._item_added,
    "response.content_part.added": ResponsesStreamTranslator._part_added,
    "response.output_text.delta": ResponsesStreamTranslator._text_delta,
    "response.output_text.annotation.added": ResponsesStreamTranslator._annotation,
    "response.refusal.delta": ResponsesStreamTranslator._refusal_delta,
    "response.function_call_arguments.delta": ResponsesStreamTranslator._arguments_delta,
    "response.reasoning_summary_part.added": ResponsesStreamTranslator._summary_part,
    "response.reasoning_summary_text.delta": ResponsesStreamTranslator._summary_delta,
    "response.reasoning_text.delta": ResponsesStreamTranslator._reasoning_delta,
    "response.output_item.done": ResponsesStreamTranslator._item_done,
    **{event: ResponsesStreamTranslator._completed for event in _FINAL_EVENTS},
}
