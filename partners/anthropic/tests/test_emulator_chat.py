"""ChatAnthropic against AnthropicEmulator: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
from pydantic import BaseModel

from linguafranca.errors import (
    AuthenticationError,
    NotFoundError,
    OverloadedError,
    RateLimitError,
    StreamError,
    TimeoutError,
)
from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage, merge_chunks
from linguafranca.tools import tool
from linguafranca_anthropic import ChatAnthropic
from linguafranca_tests.emulators import AnthropicEmulator

KEY = "sk-ant-api03-emulator-test-key-22"


@pytest.fixture
def emu() -> Iterator[AnthropicEmulator]:
    with AnthropicEmulator() as emulator:
        yield emulator


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


def make(emu: AnthropicEmulator, **kwargs: Any) -> ChatAnthropic:
    kwargs.setdefault("model", "claude-sonnet-4-5")
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("max_tokens", 256)
    return ChatAnthropic(base_url=emu.base_url, **kwargs)


def fake_sleep(model: ChatAnthropic) -> Sleeps:
    sleeps = Sleeps()
    client = model._http()
    client.retry = dataclasses.replace(client.retry, sleep=sleeps, async_sleep=sleeps.asleep)
    return sleeps


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is noon in {city}."


@tool
def roll_die() -> int:
    """Roll a die."""
    return 4


class Movie(BaseModel):
    """A movie with details."""

    title: str
    year: int


def input_chunks(chunks: list[AIMessageChunk]) -> list[AIMessageChunk]:
    return [c for c in chunks if c.usage_metadata and c.usage_metadata["input_tokens"]]


# --- invoke and stream -----------------------------------------------------------------


def test_invoke(emu):
    message = make(emu).invoke("Hello there")
    assert isinstance(message, AIMessage)
    assert message.content == "You said: Hello there"
    assert message.id is not None and message.id.startswith("msg_")
    assert message.response_metadata["stop_reason"] == "end_turn"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] > 0
    (request,) = emu.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.body["max_tokens"] == 256 and "stream" not in request.body


def test_stream_text_and_usage_on_exactly_one_input_chunk(emu):
    chunks = list(make(emu).stream("Tell me about the sky please"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert len([c for c in chunks if c.text]) > 2  # text arrives in pieces
    message = merge_chunks(chunks)
    assert message.content == "You said: Tell me about the sky please"
    assert chunks[-1].chunk_position == "last"
    assert len(input_chunks(chunks)) == 1
    usage = message.usage_metadata
    assert usage is not None
    assert usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert {c.id for c in chunks} == {message.id}
    assert emu.requests[-1].body["stream"] is True


async def test_ainvoke_and_astream(emu):
    model = make(emu)
    try:
        message = await model.ainvoke("Hello async")
        assert message.content == "You said: Hello async"
        chunks = [c async for c in model.astream("Hello stream")]
        assert merge_chunks(chunks).content == "You said: Hello stream"
        assert len(input_chunks(chunks)) == 1
        assert {c.id for c in chunks} == {chunks[0].id}
    finally:
        await model._http().aclose()  # async connections belong to this test's event loop


async def test_async_retry_and_in_band_error(emu):
    model = make(emu)
    sleeps = fake_sleep(model)
    try:
        emu.fail_next(529)
        assert (await model.ainvoke("hi")).content == "You said: hi"
        emu.replay(_overloaded_stream(emu, after_text=True))
        with pytest.raises(OverloadedError):
            async for _ in model.astream("hi"):
                pass
        assert len(sleeps) == 1 and len(emu.requests) == 3
    finally:
        await model._http().aclose()


def test_batch(emu):
    replies = make(emu).batch(["one", "two", "three"])
    assert [r.content for r in replies] == ["You said: one", "You said: two", "You said: three"]


def test_stop_sequences_and_max_tokens(emu):
    model = make(emu)
    stopped = model.invoke("alpha beta gamma", stop=["gamma"])
    assert stopped.content == "You said: alpha beta "
    assert stopped.response_metadata["stop_reason"] == "stop_sequence"
    cut = model.invoke("alpha beta gamma", max_tokens=2)
    assert cut.response_metadata["stop_reason"] == "max_tokens"


# --- tools -----------------------------------------------------------------------------


def test_tool_call_and_result_round_trip(emu):
    model = make(emu).bind_tools([get_weather])
    messages: list[Any] = [HumanMessage("Use get_weather for 'Boston'")]
    first = model.invoke(messages)
    (call,) = first.tool_calls
    assert call["name"] == "get_weather"
    assert call["args"] == {"location": "Boston"}
    assert call["id"] and call["id"].startswith("toolu_")
    messages += [first, get_weather.invoke(call)]
    final = model.invoke(messages)
    assert final.content == "The get_weather tool returned It's sunny in Boston.."
    sent = emu.requests[-1].body["messages"]
    assert sent[2]["content"][0]["tool_use_id"] == call["id"]


def test_parallel_tool_calls(emu):
    model = make(emu).bind_tools([get_weather, get_time])
    message = model.invoke("Call get_weather for 'Paris' and get_time for 'Tokyo'")
    assert [c["name"] for c in message.tool_calls] == ["get_weather", "get_time"]
    single = make(emu).bind_tools([get_weather, get_time], parallel_tool_calls=False)
    assert len(single.invoke("Call get_weather and get_time").tool_calls) == 1
    assert emu.requests[-1].body["tool_choice"]["disable_parallel_tool_use"] is True


def test_streamed_parallel_tool_calls_arrive_in_pieces(emu):
    model = make(emu).bind_tools([get_weather, get_time])
    chunks = cast(
        list[AIMessageChunk],
        list(model.stream("Call get_weather for 'Paris' and get_time for 'Tokyo'")),
    )
    pieces = [tc for c in chunks for tc in c.tool_call_chunks]
    assert len([p for p in pieces if p.get("args")]) > 2
    message = merge_chunks(chunks)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Paris"}),
        ("get_time", {"city": "Tokyo"}),
    ]
    assert len(input_chunks(chunks)) == 1


def test_streamed_tool_call_without_arguments_gives_empty_dict(emu):
    model = make(emu).bind_tools([roll_die], tool_choice="roll_die")
    message = merge_chunks(cast(list[AIMessageChunk], list(model.stream("Roll"))))
    (call,) = message.tool_calls
    assert call["name"] == "roll_die" and call["args"] == {}
    assert message.invalid_tool_calls == []
    assert (
        make(emu).bind_tools([roll_die], tool_choice="any").invoke("x").tool_calls[0]["args"] == {}
    )


def test_tool_choice_forms_reach_the_server(emu):
    model = make(emu)
    assert model.bind_tools([get_weather], tool_choice="any").invoke("hi").tool_calls
    assert emu.requests[-1].body["tool_choice"] == {"type": "any"}
    assert not model.bind_tools([get_weather], tool_choice="none").invoke("get_weather").tool_calls
    assert emu.requests[-1].body["tool_choice"] == {"type": "none"}


# --- thinking --------------------------------------------------------------------------


def test_thinking_blocks_and_their_round_trip(emu):
    model = make(emu, thinking={"type": "enabled", "budget_tokens": 1024}, max_tokens=2048)
    first = model.invoke("Why is the sky blue?")
    reasoning = [b for b in first.content_blocks if b["type"] == "reasoning"]
    assert reasoning and reasoning[0]["reasoning"].startswith("The user asked")
    thinking = first.content[0]
    assert isinstance(thinking, dict) and thinking["signature"]
    model.invoke([HumanMessage("Why is the sky blue?"), first, HumanMessage("And at sunset?")])
    sent = emu.requests[-1].body["messages"][1]["content"][0]
    assert sent == {
        "type": "thinking",
        "thinking": thinking["thinking"],
        "signature": thinking["signature"],
    }


def test_streamed_thinking_gives_reasoning_chunks_and_the_signature(emu):
    model = make(emu, thinking={"type": "adaptive"})
    chunks = list(model.stream("Why do parrots talk?"))
    assert any(b["type"] == "reasoning" for c in chunks for b in c.content_blocks)
    message = merge_chunks(chunks)
    blocks = [b for b in message.content if isinstance(b, dict)]
    assert blocks[0]["type"] == "thinking" and blocks[0]["signature"]
    assert message.text == "You said: Why do parrots talk?"
    # The streamed reply goes back as the API requires.
    model.invoke([HumanMessage("Why do parrots talk?"), message, HumanMessage("More?")])
    sent = emu.requests[-1].body["messages"][1]["content"][0]
    assert sent["signature"] == blocks[0]["signature"]


# --- structured output -----------------------------------------------------------------


def test_structured_output_function_calling(emu):
    result = make(emu).with_structured_output(Movie).invoke("Inception, 2010")
    assert isinstance(result, Movie)
    assert result.year == 2010
    assert emu.requests[-1].body["tool_choice"] == {"type": "tool", "name": "Movie"}


def test_structured_output_json_schema(emu):
    schema = {
        "title": "Movie",
        "description": "A movie",
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "year"],
    }
    model = make(emu).with_structured_output(schema, method="json_schema", include_raw=True)
    result = model.invoke("Inception 2010")
    assert result["parsing_error"] is None
    assert set(result["parsed"]) == {"title", "year"} and result["parsed"]["year"] == 2010
    request = emu.requests[-1]
    assert request.body["output_config"]["format"]["schema"]["additionalProperties"] is False
    assert "structured-outputs" in request.headers["anthropic-beta"]


def test_structured_output_streams_partial_dicts(emu):
    schema = {
        "title": "Movie",
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "year"],
    }
    parts = list(make(emu).with_structured_output(schema, method="json_schema").stream("x 1999"))
    assert len(parts) >= 2
    assert parts[-1]["year"] == 1999


# --- prompt caching --------------------------------------------------------------------


def test_prompt_cache_usage_is_reported(emu):
    model = make(emu)
    long = [
        HumanMessage(
            "A long document " * 20, additional_kwargs={"cache_control": {"type": "ephemeral"}}
        ),
        HumanMessage("What does it say?"),
    ]
    written = model.invoke(long).usage_metadata
    read = model.invoke(long).usage_metadata
    assert written is not None and read is not None
    assert written["input_token_details"]["cache_creation"] > 0
    assert read["input_token_details"]["cache_read"] > 0
    assert read["input_tokens"] == written["input_tokens"]  # the total, cached or not


# --- failures --------------------------------------------------------------------------


def test_429_then_success(emu):
    model = make(emu)
    sleeps = fake_sleep(model)
    emu.fail_next(429, headers={"retry-after": "1"})
    assert model.invoke("hello").content == "You said: hello"
    assert sleeps == [1.0]
    assert len(emu.requests) == 2


def test_429_exhausts_retries(emu):
    model = make(emu, max_retries=1)
    sleeps = fake_sleep(model)
    emu.fail_next(429, headers={"retry-after": "0"}, times=2)
    with pytest.raises(RateLimitError) as caught:
        model.invoke("hello")
    assert caught.value.retry_after == 0.0
    assert len(emu.requests) == 2 and sleeps == [0.0]


def test_401(emu):
    model = make(emu, api_key="invalid")
    with pytest.raises(AuthenticationError) as caught:
        model.invoke("hello")
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert caught.value.status_code == 401
    assert len(emu.requests) == 1


def test_unknown_model_is_not_found(emu):
    with pytest.raises(NotFoundError):
        make(emu, model="claude-does-not-exist").invoke("hello")


def _overloaded_stream(emu: AnthropicEmulator, *, after_text: bool) -> dict[str, Any]:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_x",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [],
            "usage": {"input_tokens": 5, "output_tokens": 1},
        },
    }
    events: list[tuple[str, dict[str, Any]]] = [("message_start", start)]
    if after_text:
        events += [
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}},
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": "Partial"},
                },
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": " answer"},
                },
            ),
        ]
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    events.append(("error", error))
    return {
        "response": {
            "status": 200,
            "headers": {"content-type": "text/event-stream; charset=utf-8"},
            "sse_event_types": [kind for kind, _ in events],
            "sse": [json.dumps(data) for _, data in events],
        }
    }


def test_529_overloaded_in_band_error_event_is_typed(emu):
    model = make(emu)
    sleeps = fake_sleep(model)
    emu.replay(_overloaded_stream(emu, after_text=True))
    seen: list[AIMessageChunk] = []
    with pytest.raises(OverloadedError) as caught:
        for chunk in model.stream("hello"):
            seen.append(chunk)
    assert caught.value.status_code == 529
    assert "".join(c.text for c in seen) == "Partial answer"
    assert len(emu.requests) == 1 and sleeps == []  # never retried after a chunk was shown


def test_529_in_band_before_any_content_is_retried(emu):
    model = make(emu)
    sleeps = fake_sleep(model)
    emu.replay(_overloaded_stream(emu, after_text=False))
    chunks = list(model.stream("hello"))
    assert merge_chunks(chunks).content == "You said: hello"
    assert len(emu.requests) == 2 and len(sleeps) == 1
    assert len(input_chunks(chunks)) == 1


def test_529_status_is_retried_then_raised(emu):
    model = make(emu)
    sleeps = fake_sleep(model)
    emu.fail_next(529, times=3)
    with pytest.raises(OverloadedError):
        model.invoke("hello")
    assert len(emu.requests) == 3 and len(sleeps) == 2


def test_dropped_stream_raises_stream_error(emu):
    model = make(emu)
    sleeps = fake_sleep(model)
    emu.enqueue_fault(drop_after=6)
    seen = []
    with pytest.raises(StreamError):
        for chunk in model.stream("one two three four five six seven eight"):
            seen.append(chunk)
    assert seen and len(emu.requests) == 1 and sleeps == []


def test_malformed_stream_event_raises_stream_error(emu):
    emu.enqueue_fault(malformed_at=5)
    model = make(emu)
    fake_sleep(model)
    with pytest.raises(StreamError):
        list(model.stream("one two three four five six"))


def test_timeout_is_about_timeout(emu):
    model = make(emu, timeout=0.3, max_retries=0)
    emu.enqueue_fault(delay=3.0)
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        model.invoke("hello")
    elapsed = time.perf_counter() - started
    assert 0.25 <= elapsed < 2.0


def test_early_close_stops_reading_and_the_model_stays_usable(emu):
    model = make(emu)
    emu.enqueue_fault(chunk_delay=0.2)
    stream = model.stream("one two three four five six seven eight nine ten")
    first = next(stream)
    started = time.perf_counter()
    stream.close()  # type: ignore[attr-defined]
    assert time.perf_counter() - started < 0.5  # did not wait for the remaining events
    assert isinstance(first, AIMessageChunk)
    assert model.invoke("again").content == "You said: again"


def test_close_then_use_again(emu):
    model = make(emu)
    model.invoke("one")
    model.close()
    assert model.invoke("two").content == "You said: two"
    model.close()


async def test_aclose_then_use_again(emu):
    model = make(emu)
    await model.ainvoke("warm")
    await model.aclose()
    assert (await model.ainvoke("again")).content == "You said: again"
    await model.aclose()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_each_asyncio_run_closes_the_connections_it_opened(emu):
    model = make(emu)
    asyncio.run(model.ainvoke("warm up"))
    before = _open_fds()
    for _ in range(10):
        assert asyncio.run(model.ainvoke("hello")).content == "You said: hello"
    assert _open_fds() - before <= 2


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_a_thousand_calls_do_not_grow_open_file_descriptors(emu):
    model = make(emu)
    for _ in range(20):
        model.invoke("warm up")
    before = _open_fds()
    for i in range(1000):
        if i % 2:
            model.invoke("hello")
        else:
            for _ in model.stream("hello"):
                pass
    assert _open_fds() - before <= 2
