"""Streamed Messages API events -> ``AIMessageChunk``s, one event at a time.

``StreamTranslator`` is pure and synchronous: the sync and async clients share it and
only iterate the SSE events differently. Folding its chunks with
``linguafranca.messages.merge_chunks`` gives the same message as ``parse_response``
on the equivalent non-streamed reply (list content keeps each block's ``index``).

Usage is split so that summing chunks never counts a token twice: the
``message_start`` chunk carries the input tokens (total including cache reads and
writes); the ``message_delta`` chunk carries the output tokens, plus any input
tokens added during the turn (server tools such as web search read their results
as input, and only ``message_delta`` reports that final count).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from linguafranca import errors
from linguafranca.messages import AIMessageChunk, InputTokenDetails, UsageMetadata, tool_call_chunk
from linguafranca_anthropic._convert_response import PROVIDER, make_usage

__all__ = ["StreamTranslator", "error_from_event", "replies_with_text_only"]

_METADATA_KEYS = ("stop_details", "container", "context_management")

# The error types of in-band ``error`` events, and the class of the HTTP status each
# one comes with when it is answered before the stream starts.
_EVENT_ERRORS: dict[str, tuple[int | None, type[errors.ProviderError]]] = {
    "invalid_request_error": (400, errors.BadRequestError),
    "authentication_error": (401, errors.AuthenticationError),
    "permission_error": (403, errors.PermissionDeniedError),
    "not_found_error": (404, errors.NotFoundError),
    "request_too_large": (413, errors.RequestTooLargeError),
    "rate_limit_error": (429, errors.RateLimitError),
    "api_error": (500, errors.InternalServerError),
    "timeout_error": (504, errors.InternalServerError),
    "overloaded_error": (529, errors.OverloadedError),
}


def error_from_event(data: Mapping[str, Any]) -> errors.ProviderError:
    """The typed error for an in-band ``error`` event of a stream.

    ``{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}``
    gives an ``OverloadedError`` (``status_code`` 529, the status Anthropic uses for
    that type); an error type not known here gives a ``StreamError``.
    """
    error = data.get("error")
    error = error if isinstance(error, Mapping) else {}
    kind = error.get("type") if isinstance(error.get("type"), str) else None
    message = error.get("message") if isinstance(error.get("message"), str) else None
    request_id = data.get("request_id") if isinstance(data.get("request_id"), str) else None
    status, cls = _EVENT_ERRORS.get(kind or "", (None, errors.StreamError))
    hint = cls.default_hint or "retry the request"
    return cls(
        message or f"error event in the Anthropic stream: {dict(data)!r}",
        status_code=status,
        provider=PROVIDER,
        body=dict(data),
        request_id=request_id,
        error_type=kind,
        hint=f"the error came inside a streamed reply; {hint}",
    )


class _ToolBlock:
    """A tool_use / server_tool_use block whose JSON input is still arriving."""

    __slots__ = ("fragments", "kind", "started_with_input")

    def __init__(self, kind: str, *, started_with_input: bool) -> None:
        self.kind = kind
        self.started_with_input = started_with_input
        self.fragments: list[str] = []


def _input_growth(start: UsageMetadata, final: UsageMetadata) -> UsageMetadata | None:
    """Input tokens reported by ``message_delta`` beyond those of ``message_start``."""
    grown = final["input_tokens"] - start["input_tokens"]
    if grown <= 0:
        return None
    growth = UsageMetadata(input_tokens=grown, output_tokens=0, total_tokens=grown)
    before = start.get("input_token_details") or InputTokenDetails()
    after = final.get("input_token_details") or InputTokenDetails()
    details = InputTokenDetails()
    if read := after.get("cache_read", 0) - before.get("cache_read", 0):
        details["cache_read"] = read
    if created := after.get("cache_creation", 0) - before.get("cache_creation", 0):
        details["cache_creation"] = created
    if details:
        growth["input_token_details"] = details
    return growth


def replies_with_text_only(body: Mapping[str, Any]) -> bool:
    """Whether a request can only be answered with plain text (no tools, thinking, citations).

    The chat model streams such replies as ``str`` content
    (``StreamTranslator(content_as_string=True)``), matching the ``str`` content of the
    non-streamed reply.
    """
    if body.get("tools"):
        return False
    thinking = body.get("thinking")
    if isinstance(thinking, Mapping) and thinking.get("type") != "disabled":
        return False
    for turn in body.get("messages", ()):
        content = turn.get("content")
        if isinstance(content, list) and any(
            isinstance(b, Mapping) and b.get("type") in ("document", "search_result")
            for b in content
        ):
            return False  # documents and search results can come back with citations
    return True


class StreamTranslator:
    """Turns the events of one streamed response into message chunks.

    Args:
        content_as_string: Give text as ``str`` content (for requests without tools,
            documents or thinking, where the reply can only be text). Other blocks are
            always list content with an ``index``.

    Example:
        >>> t = StreamTranslator(content_as_string=True)
        >>> t.feed("content_block_delta", {"index": 0, "delta": {"type": "text_delta",
        ...     "text": "Hi"}}).content
        'Hi'
    """

    def __init__(self, *, content_as_string: bool = False) -> None:
        self._as_string = content_as_string
        self._tools: dict[int, _ToolBlock] = {}
        self._start_usage = UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
        self._finished = False

    @property
    def finished(self) -> bool:
        """Whether ``message_stop`` was seen."""
        return self._finished

    def _chunk(self, content: str | list[Any] | None = None, **fields: Any) -> AIMessageChunk:
        metadata = fields.pop("response_metadata", {})
        metadata["model_provider"] = PROVIDER
        if content is None:
            content = "" if self._as_string else []
        return AIMessageChunk(content=content, response_metadata=metadata, **fields)

    def feed(self, event_type: str, data: Mapping[str, Any]) -> AIMessageChunk | None:
        """Translate one SSE event.

        Args:
            event_type: The SSE ``event:`` name; when empty, ``data["type"]`` is used.
            data: The parsed JSON of the event's ``data:``.

        Returns:
            A chunk, or ``None`` for events that carry nothing (``ping``, block ends).

        Raises:
            ProviderError: a subclass matching an in-band ``error`` event (e.g.
                ``OverloadedError`` for ``overloaded_error``).
        """
        kind = event_type or data.get("type", "")
        if kind == "content_block_delta":
            return self._delta(data["index"], data["delta"])
        if kind == "content_block_start":
            return self._block_start(data["index"], data["content_block"])
        if kind == "content_block_stop":
            return self._block_stop(data["index"])
        if kind == "message_start":
            return self._message_start(data["message"])
        if kind == "message_delta":
            return self._message_delta(data.get("delta") or {}, data.get("usage") or {})
        if kind == "message_stop":
            self._finished = True
            return self._chunk(chunk_position="last")
        if kind == "error":
            raise error_from_event(data)
        return None  # ping, and event types added to the API later

    def close(self) -> None:
        """Check that the stream was complete; call when the event source is exhausted.

        Raises:
            StreamError: if ``message_stop`` never came (the connection was cut short).
        """
        if not self._finished:
            raise errors.StreamError(
                "The Anthropic stream ended before message_stop: the reply is incomplete. "
                "Retry the request.",
                provider=PROVIDER,
            )

    def _message_start(self, message: Mapping[str, Any]) -> AIMessageChunk:
        usage = message.get("usage")
        metadata = {"id": message.get("id"), "model_name": message.get("model")}
        fields: dict[str, Any] = {"id": message.get("id"), "response_metadata": metadata}
        if isinstance(usage, Mapping):
            self._start_usage = make_usage(usage, include_output=False)
            fields["usage_metadata"] = self._start_usage
        return self._chunk(**fields)

    def _message_delta(self, delta: Mapping[str, Any], usage: Mapping[str, Any]) -> AIMessageChunk:
        metadata: dict[str, Any] = {
            "stop_reason": delta.get("stop_reason"),
            "stop_sequence": delta.get("stop_sequence"),
        }
        for key in _METADATA_KEYS:
            if delta.get(key) is not None:
                metadata[key] = delta[key]
        if usage.get("server_tool_use"):
            metadata["server_tool_use"] = usage["server_tool_use"]
        result = make_usage(usage, include_input=False)
        if "input_tokens" in usage:
            final = make_usage(usage, include_output=False)
            growth = _input_growth(self._start_usage, final)
            if growth is not None:
                result["input_tokens"] += growth["input_tokens"]
                result["total_tokens"] += growth["input_tokens"]
                if "input_token_details" in growth:
                    result["input_token_details"] = growth["input_token_details"]
        return self._chunk(response_metadata=metadata, usage_metadata=result)

    def _block_start(self, index: int, block: Mapping[str, Any]) -> AIMessageChunk | None:
        kind = block.get("type")
        if kind == "text":
            text = block.get("text") or ""
            citations = block.get("citations") or []
            if self._as_string and not citations:
                return self._chunk(text) if text else None
            if not text and not citations:
                return None
            out: dict[str, Any] = {"type": "text", "text": text, "index": index}
            if citations:
                out["citations"] = list(citations)
            return self._chunk([out])
        if kind == "thinking" and not block.get("thinking") and not block.get("signature"):
            return None
        out = {k: v for k, v in block.items() if v is not None}
        out["index"] = index
        if kind not in ("tool_use", "server_tool_use"):
            return self._chunk([out])
        tool_input = block.get("input")
        self._tools[index] = _ToolBlock(kind, started_with_input=bool(tool_input))
        if kind == "server_tool_use":
            return self._chunk([out])
        args = json.dumps(tool_input) if tool_input else ""
        call = tool_call_chunk(name=block.get("name"), args=args, id=block.get("id"), index=index)
        return self._chunk([out], tool_call_chunks=[call])

    def _delta(self, index: int, delta: Mapping[str, Any]) -> AIMessageChunk | None:
        kind = delta.get("type")
        if kind == "text_delta":
            if self._as_string:
                return self._chunk(delta["text"])
            return self._chunk([{"type": "text", "text": delta["text"], "index": index}])
        if kind == "input_json_delta":
            fragment = delta.get("partial_json") or ""
            pending = self._tools.get(index)
            if not fragment or pending is None:
                return None
            pending.fragments.append(fragment)
            if pending.kind != "tool_use":
                return None  # server tool input is delivered whole at content_block_stop
            return self._chunk(tool_call_chunks=[tool_call_chunk(args=fragment, index=index)])
        if kind == "thinking_delta":
            block = {"type": "thinking", "thinking": delta["thinking"], "index": index}
        elif kind == "signature_delta":
            block = {"type": "thinking", "thinking": "", "signature": delta["signature"]}
            block["index"] = index
        elif kind == "citations_delta":
            block = {"type": "text", "text": "", "citations": [delta["citation"]], "index": index}
        else:
            # Delta kinds added to the API later are kept as blocks of their own type.
            block = {**delta, "index": index}
        return self._chunk([block])

    def _block_stop(self, index: int) -> AIMessageChunk | None:
        pending = self._tools.pop(index, None)
        if pending is None:
            return None
        raw = "".join(pending.fragments)
        if not raw:
            if pending.kind == "tool_use" and not pending.started_with_input:
                # A tool without arguments: give "{}" so the call parses to {}.
                return self._chunk(tool_call_chunks=[tool_call_chunk(args="{}", index=index)])
            return None
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        block: dict[str, Any] = {"type": pending.kind, "index": index}
        if isinstance(parsed, dict):
            # The block began with "input": {}; the parsed input merges into it.
            block["input"] = parsed
        else:
            block["partial_json"] = raw
        return self._chunk([block])
