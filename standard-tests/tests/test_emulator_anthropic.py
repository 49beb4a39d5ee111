"""The Anthropic emulator, proven with the official ``anthropic`` SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anthropic
import httpx
import pytest
from anthropic.types import TextBlockParam, ToolParam

from linguafranca_tests.emulators import AnthropicEmulator

MODEL = "claude-haiku-4-5"
WEATHER: ToolParam = {
    "name": "get_weather",
    "description": "Weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
        "required": ["city"],
    },
}
CLOCK: ToolParam = {
    "name": "get_time",
    "description": "The time.",
    "input_schema": {"type": "object", "properties": {}},
}


@pytest.fixture
def emu() -> Iterator[AnthropicEmulator]:
    with AnthropicEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: AnthropicEmulator) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=emu.base_url, api_key="sk-ant-test", max_retries=0) as c:
        yield c


def test_create_text(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=100,
        system="Be brief.",
        messages=[{"role": "user", "content": "Hello Claude"}],
    )
    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "You said: Hello Claude"  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert message.id.startswith("msg_01")
    assert message.usage.output_tokens == 4
    assert message.usage.input_tokens > 0


def test_stream_text_events(client: anthropic.Anthropic) -> None:
    kinds = []
    with client.messages.stream(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "a b c"}]
    ) as stream:
        for event in stream:
            kinds.append(event.type)
        final = stream.get_final_message()
        text = "".join(b.text for b in final.content if b.type == "text")
    assert text == "You said: a b c"
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    assert "message_delta" in kinds
    assert final.usage.output_tokens == 5


def test_tools_parallel_and_streamed_input_json(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=200,
        tools=[WEATHER, CLOCK],
        messages=[
            {"role": "user", "content": "Use get_weather for Paris over 3 days and get_time"}
        ],
    )
    assert message.stop_reason == "tool_use"
    uses = [b for b in message.content if b.type == "tool_use"]
    assert [(u.name, u.input) for u in uses] == [
        ("get_weather", {"city": "Paris", "days": 3}),
        ("get_time", {}),
    ]
    assert all(u.id.startswith("toolu_01") for u in uses)
    with client.messages.stream(
        model=MODEL,
        max_tokens=200,
        tools=[WEATHER],
        messages=[{"role": "user", "content": "get_weather in Rome"}],
    ) as stream:
        partial = "".join(
            e.delta.partial_json
            for e in stream
            if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
        )
        final = stream.get_final_message()
    assert json.loads(partial) == {"city": "Rome", "days": 3}
    assert final.content[-1].input == {"city": "Rome", "days": 3}  # type: ignore[union-attr]


def test_tool_choice_any_and_tool_result(client: anthropic.Anthropic) -> None:
    forced = client.messages.create(
        model=MODEL,
        max_tokens=100,
        tools=[WEATHER, CLOCK],
        tool_choice={"type": "tool", "name": "get_time"},
        messages=[{"role": "user", "content": "hello"}],
    )
    use = forced.content[-1]
    assert use.type == "tool_use" and use.name == "get_time"
    answer = client.messages.create(
        model=MODEL,
        max_tokens=100,
        tools=[WEATHER, CLOCK],
        messages=[
            {"role": "user", "content": "hello"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": use.id, "name": "get_time", "input": {}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "noon"}],
            },
        ],
    )
    assert answer.content[0].text == "The get_time tool returned noon."  # type: ignore[union-attr]


def test_thinking_blocks_with_signature(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=2000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "think about cats"}],
    )
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.signature
    assert thinking.thinking.startswith("The user asked: think about cats")
    assert text.type == "text"
    deltas = []
    with client.messages.stream(
        model=MODEL,
        max_tokens=2000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "think about cats"}],
    ) as stream:
        for event in stream:
            if event.type == "content_block_delta":
                deltas.append(event.delta.type)
        final = stream.get_final_message()
    assert deltas[0] == "thinking_delta"
    assert "signature_delta" in deltas
    assert final.content[0].signature == thinking.signature  # type: ignore[union-attr]


def test_structured_output_format(client: anthropic.Anthropic) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    message = client.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=[{"role": "user", "content": "Invent a dog called Rex aged 4"}],
        extra_body={"output_config": {"format": {"type": "json_schema", "schema": schema}}},
    )
    assert json.loads(message.content[0].text) == {"name": "Rex", "age": 4}  # type: ignore[union-attr]


def test_max_tokens_and_stop_sequences(client: anthropic.Anthropic) -> None:
    cut = client.messages.create(
        model=MODEL, max_tokens=3, messages=[{"role": "user", "content": "one two three four"}]
    )
    assert cut.stop_reason == "max_tokens"
    assert cut.content[0].text == "You said: one"  # type: ignore[union-attr]
    stopped = client.messages.create(
        model=MODEL,
        max_tokens=100,
        stop_sequences=["END"],
        messages=[{"role": "user", "content": "go END there"}],
    )
    assert stopped.stop_reason == "stop_sequence"
    assert stopped.stop_sequence == "END"


def test_images_and_documents_acknowledged(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"},
                    },
                    {
                        "type": "document",
                        "source": {"type": "url", "url": "https://example.com/a.pdf"},
                    },
                    {"type": "text", "text": "What are these?"},
                ],
            }
        ],
    )
    assert message.content[0].text.startswith("I received 1 image and 1 PDF.")  # type: ignore[union-attr]


def test_prompt_caching_write_then_read(client: anthropic.Anthropic) -> None:
    system: list[TextBlockParam] = [
        {"type": "text", "text": "long context " * 50, "cache_control": {"type": "ephemeral"}}
    ]
    first = client.messages.create(
        model=MODEL,
        max_tokens=50,
        system=system,
        messages=[{"role": "user", "content": "q1"}],
    )
    second = client.messages.create(
        model=MODEL,
        max_tokens=50,
        system=system,
        messages=[{"role": "user", "content": "q2"}],
    )
    assert first.usage.cache_creation_input_tokens and not first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0


def test_count_tokens_and_models(client: anthropic.Anthropic) -> None:
    counted = client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "one two"}]
    )
    assert counted.input_tokens == 3
    assert MODEL in [m.id for m in client.models.list()]


def test_errors_have_the_anthropic_shape(
    emu: AnthropicEmulator, client: anthropic.Anthropic
) -> None:
    bad = anthropic.Anthropic(base_url=emu.base_url, api_key="invalid", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as auth:
        bad.messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert auth.value.body == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        "request_id": auth.value.body["request_id"],  # type: ignore[index]
    }
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(
            model="claude-does-not-exist", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    with pytest.raises(anthropic.BadRequestError) as invalid:
        client.post("/v1/messages", body={"model": MODEL, "messages": []}, cast_to=httpx.Response)
    assert invalid.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert "max_tokens" in invalid.value.message


def test_overloaded_then_success(emu: AnthropicEmulator) -> None:
    emu.fail_next(529, headers={"retry-after-ms": "5"})
    retrying = anthropic.Anthropic(base_url=emu.base_url, api_key="sk-ant-test", max_retries=1)
    message = retrying.messages.create(
        model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "ok"}]
    )
    assert message.content[0].text == "You said: ok"  # type: ignore[union-attr]
    assert len(emu.requests) == 2


def test_overloaded_error_body(emu: AnthropicEmulator, client: anthropic.Anthropic) -> None:
    emu.fail_next(529)
    with pytest.raises(anthropic.APIStatusError) as info:
        client.messages.create(
            model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.status_code == 529
    assert info.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_dropped_stream(emu: AnthropicEmulator, client: anthropic.Anthropic) -> None:
    emu.enqueue_fault(drop_after=4)
    events = []
    # The SDK's transport (httpx or its fork) reports the cut; the type depends on the version.
    with pytest.raises(Exception, match="incomplete chunked read"):
        with client.messages.stream(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "a b c d e f"}]
        ) as stream:
            for event in stream:
                events.append(event.type)
    assert events[:2] == ["message_start", "content_block_start"]
    assert "message_stop" not in events
