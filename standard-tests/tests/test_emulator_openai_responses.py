"""The OpenAI Responses API of the emulator, proven with the official ``openai`` SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest
from pydantic import BaseModel

from linguafranca_tests.emulators import OpenAIEmulator

MULTIPLY = {
    "type": "function",
    "name": "multiply",
    "description": "Multiply two integers.",
    "parameters": {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
}
LOOKUP = {
    "type": "function",
    "name": "lookup",
    "description": "Look a word up.",
    "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
}


@pytest.fixture
def emu() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: OpenAIEmulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=emu.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


def test_create_text(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4.1", input="Hello responses", instructions="Be nice"
    )
    assert response.output_text == "You said: Hello responses"
    assert response.status == "completed"
    assert response.instructions == "Be nice"
    assert response.usage is not None and response.usage.output_tokens == 4
    assert response.id.startswith("resp_")


def test_create_tool_calls_in_parallel(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4.1",
        input=[{"role": "user", "content": "Use lookup for 'pelican' then multiply 4 by 5"}],
        tools=[MULTIPLY, LOOKUP],  # type: ignore[list-item]
    )
    calls = [item for item in response.output if item.type == "function_call"]
    assert [c.name for c in calls] == ["lookup", "multiply"]
    assert json.loads(calls[0].arguments) == {"word": "pelican"}
    assert json.loads(calls[1].arguments) == {"a": 4, "b": 5}


def test_tool_result_round_trip_and_previous_response_id(client: openai.OpenAI) -> None:
    first = client.responses.create(
        model="gpt-4.1",
        input="multiply 2 by 21",
        tools=[MULTIPLY],  # type: ignore[list-item]
    )
    call = next(item for item in first.output if item.type == "function_call")
    second = client.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "42"}],
        tools=[MULTIPLY],  # type: ignore[list-item]
    )
    assert second.output_text == "The multiply tool returned 42."


def test_unknown_previous_response_id_is_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(model="gpt-4.1", input="x", previous_response_id="resp_nope")
    assert info.value.code == "previous_response_not_found"


def test_stream_text_events_in_order(client: openai.OpenAI) -> None:
    kinds = []
    deltas = []
    with client.responses.stream(model="gpt-4.1", input="stream me please") as stream:
        for event in stream:
            kinds.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert "".join(deltas) == "You said: stream me please" == final.output_text


def test_stream_function_call_arguments(client: openai.OpenAI) -> None:
    arguments = ""
    with client.responses.stream(
        model="gpt-4.1",
        input="multiply 12 by 12",
        tools=[MULTIPLY],  # type: ignore[list-item]
    ) as stream:
        for event in stream:
            if event.type == "response.function_call_arguments.delta":
                arguments += event.delta
        final = stream.get_final_response()
    assert json.loads(arguments) == {"a": 12, "b": 12}
    assert final.output[0].type == "function_call"


def test_reasoning_summary_streamed_and_returned(client: openai.OpenAI) -> None:
    summary = ""
    with client.responses.stream(
        model="o4-mini",
        input="why is the sky blue",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    ) as stream:
        for event in stream:
            if event.type == "response.reasoning_summary_text.delta":
                summary += event.delta
        final = stream.get_final_response()
    reasoning = final.output[0]
    assert reasoning.type == "reasoning"
    assert reasoning.summary[0].text == summary
    assert summary.startswith("The user asked: why is the sky blue")
    assert reasoning.encrypted_content
    assert final.usage is not None and final.usage.output_tokens_details.reasoning_tokens > 0


class Answer(BaseModel):
    value: int
    unit: str


def test_structured_output_parse(client: openai.OpenAI) -> None:
    response = client.responses.parse(
        model="gpt-4.1", input="it is 12 'meters'", text_format=Answer
    )
    assert response.output_parsed == Answer(value=12, unit="meters")


def test_max_output_tokens_incomplete(client: openai.OpenAI) -> None:
    words = " ".join(f"w{i}" for i in range(30))
    response = client.responses.create(model="gpt-4.1", input="one two", max_output_tokens=16)
    assert response.status == "completed"
    short = client.responses.create(model="gpt-4.1", input=words, max_output_tokens=16)
    assert short.status == "incomplete"
    assert short.incomplete_details is not None
    assert short.incomplete_details.reason == "max_output_tokens"
    assert short.output_text == "You said: " + " ".join(f"w{i}" for i in range(14))
    assert short.usage is not None and short.usage.output_tokens == 16


def test_missing_model_is_the_responses_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(model="model-does-not-exist", input="x")
    assert info.value.code == "model_not_found"
    assert info.value.param == "model"


def test_input_tokens_count(emu: OpenAIEmulator, client: openai.OpenAI) -> None:
    counted = client.responses.input_tokens.count(model="gpt-4.1", input="one two three")
    assert counted.input_tokens == 4
    assert emu.requests[-1].path == "/v1/responses/input_tokens"
