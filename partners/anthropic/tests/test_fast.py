"""The unvalidated text-delta path gives exactly the chunks of the general translator.

Every recorded stream in shared/wire/anthropic/ is decoded from its raw SSE body and
fed both to ``_Attempt`` (which builds text deltas in ``_fast``) and to a plain
``StreamTranslator``: the chunks must be equal one by one (values, fields set, private
state) and so must the merged messages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from linguafranca import errors
from linguafranca.http import ServerSentEvent, SSEDecoder
from linguafranca.messages import AIMessageChunk, merge_chunks
from linguafranca_anthropic import ChatAnthropic, _fast
from linguafranca_anthropic._client import _Attempt
from linguafranca_anthropic._fast import text_delta_chunk
from linguafranca_anthropic._stream import StreamTranslator, replies_with_text_only
from linguafranca_tests.emulators import AnthropicEmulator


def _wire_dir() -> Path | None:
    env = os.environ.get("LINGUAFRANCA_WIRE_DIR")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c / "anthropic" for c in candidates if (c / "anthropic").is_dir()), None)


WIRE = _wire_dir()
STREAMS = sorted(p.stem for p in WIRE.glob("stream_*.json")) if WIRE else []
needs_wire = pytest.mark.skipif(
    WIRE is None, reason="recorded wire data not found: set LINGUAFRANCA_WIRE_DIR to shared/wire"
)


def load(name: str) -> dict[str, Any]:
    assert WIRE is not None
    record: dict[str, Any] = json.loads((WIRE / f"{name}.json").read_text("utf-8"))
    return record


def events_of(record: dict[str, Any]) -> list[ServerSentEvent]:
    """The events of the recorded raw body, decoded as the client decodes them."""
    response = record["response"]
    decoder = SSEDecoder()
    events = decoder.feed(response["raw_body"].encode()) + decoder.close()
    assert [e.event for e in events] == response["sse_event_types"]
    return events


def through_attempt(events: list[ServerSentEvent], as_string: bool) -> list[AIMessageChunk]:
    attempt = _Attempt(as_string)
    chunks = [c for e in events if (c := attempt.feed(e)) is not None]
    attempt.finish()
    return chunks


def through_translator(events: list[ServerSentEvent], as_string: bool) -> list[AIMessageChunk]:
    """The general path, every chunk then given the reply's id (as the client does)."""
    translator = StreamTranslator(content_as_string=as_string)
    chunks = []
    message_id = None
    for event in events:
        chunk = translator.feed(event.event, json.loads(event.data))
        if chunk is not None:
            message_id = chunk.id or message_id
            chunk.__dict__["id"] = message_id
            chunks.append(chunk)
    translator.close()
    return chunks


def state(chunk: AIMessageChunk) -> tuple[Any, ...]:
    return (
        type(chunk),
        chunk.__dict__,
        chunk.__pydantic_fields_set__,
        chunk.__pydantic_private__,
        chunk.__pydantic_extra__,
    )


def modes(record: dict[str, Any]) -> list[bool]:
    # str content only for requests that can only be answered with text (as the model does).
    return [False, True] if replies_with_text_only(record["request"]["body"]) else [False]


def text_deltas(events: list[ServerSentEvent]) -> int:
    return sum(1 for e in events if json.loads(e.data).get("delta", {}).get("type") == "text_delta")


def test_fast_construction_is_in_use():
    # False would mean AIMessageChunk changed shape: chunks are then validated (slower).
    assert _fast._FAST is True


@needs_wire
@pytest.mark.parametrize("name", STREAMS)
def test_recorded_stream_gives_the_translator_chunks(name):
    record = load(name)
    events = events_of(record)
    for as_string in modes(record):
        fast = through_attempt(events, as_string)
        general = through_translator(events, as_string)
        assert [state(c) for c in fast] == [state(c) for c in general]
        merged_fast, merged_general = merge_chunks(fast), merge_chunks(general)
        assert state(merged_fast) == state(merged_general)
        assert merged_fast.id is not None and {c.id for c in fast} == {merged_fast.id}


@needs_wire
def test_recordings_exercise_the_fast_path():
    seen = 0
    for name in STREAMS:
        for event in events_of(load(name)):
            data = json.loads(event.data)
            if event.event == "content_block_delta" and data["delta"]["type"] == "text_delta":
                assert text_delta_chunk(data, True, "msg_x") is not None
                seen += 1
    assert seen > 100  # 168 text deltas in 13 recorded streams


@needs_wire
def test_validating_fallback_gives_the_same_chunks(monkeypatch):
    monkeypatch.setattr(_fast, "_FAST", False)
    record = load("stream_web_search_server_tool")
    events = events_of(record)
    assert text_deltas(events) > 50
    fast = through_attempt(events, False)
    general = through_translator(events, False)
    assert [state(c) for c in fast] == [state(c) for c in general]


def _event(kind: str, data: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=kind, data=json.dumps(data))


START = _event(
    "message_start",
    {"type": "message_start", "message": {"id": "msg_9", "model": "m", "usage": {}}},
)


@pytest.mark.parametrize(
    "delta",
    [
        {"type": "text_delta", "text": None},
        {"type": "thinking_delta", "thinking": "hm"},
        {"type": "some_future_delta", "text": "x"},
    ],
)
@pytest.mark.parametrize("as_string", [True, False])
def test_other_deltas_are_left_to_the_translator(delta, as_string):
    data = {"type": "content_block_delta", "index": 0, "delta": delta}
    assert text_delta_chunk(data, as_string, "msg_9") is None
    event = _event("content_block_delta", data)
    got = through_attempt([START, event, _event("message_stop", {})], as_string)
    assert [state(c) for c in got] == [
        state(c) for c in through_translator([START, event, _event("message_stop", {})], as_string)
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "x"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"}},
        {"type": "content_block_delta", "index": 0, "delta": "text_delta"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
    ],
)
def test_malformed_text_delta_is_a_stream_error(data):
    assert text_delta_chunk(data, True, "msg_9") is None
    attempt = _Attempt(True)
    attempt.feed(START)
    with pytest.raises(errors.StreamError, match="unexpected shape"):
        attempt.feed(_event("content_block_delta", data))


def test_text_chunks_are_independent_objects():
    data = {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "a"}}
    first = text_delta_chunk(data, False, "msg_9")
    second = text_delta_chunk(data, False, "msg_9")
    assert first is not None and second is not None
    first.response_metadata["seen"] = True
    first.additional_kwargs["x"] = 1
    first.tool_call_chunks.append({"name": None, "args": "", "id": None, "index": 0})
    assert second.response_metadata == {"model_provider": "anthropic"}
    assert second.additional_kwargs == {} and second.tool_call_chunks == []
    assert second.content == [{"type": "text", "text": "a", "index": 2}]


# --- through the chat model --------------------------------------------------------------


@pytest.fixture
def emu():
    with AnthropicEmulator() as emulator:
        yield emulator


def test_per_call_stream_usage_is_applied_and_not_sent(emu):
    model = ChatAnthropic(model="claude-sonnet-4-5", base_url=emu.base_url, api_key="sk-ant-x")
    without = list(model.stream("one two three", stream_usage=False))
    assert without and all(c.usage_metadata is None for c in without)
    assert "stream_usage" not in emu.requests[-1].body
    quiet = model.model_copy(update={"stream_usage": False})
    with_usage = list(quiet.stream("one two three", stream_usage=True))
    assert merge_chunks(with_usage).usage_metadata is not None
    assert all(c.usage_metadata is None for c in quiet.stream("one two"))


async def test_astream_yields_bare_chunks_with_the_reply_id(emu):
    model = ChatAnthropic(model="claude-sonnet-4-5", base_url=emu.base_url, api_key="sk-ant-x")
    try:
        chunks = [c async for c in model.astream("alpha beta gamma delta")]
    finally:
        await model.aclose()
    assert all(type(c) is AIMessageChunk for c in chunks)
    merged = merge_chunks(chunks)
    assert merged.content == "You said: alpha beta gamma delta"
    assert merged.id is not None and {c.id for c in chunks} == {merged.id}
    assert chunks[-1].chunk_position == "last"
