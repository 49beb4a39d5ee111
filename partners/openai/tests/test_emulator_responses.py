"""ChatOpenAI against the OpenAI emulator: the Responses API."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from linguafranca import errors
from linguafranca.messages import HumanMessage, merge_chunks
from linguafranca.tools import tool
from linguafranca_openai import ChatOpenAI
from linguafranca_tests.emulators import OpenAIEmulator

KEY = "sk-emulator-0123456789abcdef"


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


@tool
def get_population(city: str) -> int:
    """Get the population of a city."""
    return 1_000_000


class Movie(BaseModel):
    """A movie."""

    title: str
    year: int


@pytest.fixture
def emu():
    with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def model(emu):
    chat = ChatOpenAI(model="gpt-4.1", base_url=emu.base_url, api_key=KEY, use_responses_api=True)
    yield chat
    chat.close()


def test_invoke(model, emu):
    answer = model.invoke("Hello responses")
    assert answer.text == "You said: Hello responses"
    assert emu.requests[-1].path == "/v1/responses"
    assert answer.response_metadata["id"].startswith("resp_")
    assert answer.response_metadata["status"] == "completed"
    assert answer.usage_metadata is not None and answer.usage_metadata["output_tokens"] == 4
    assert [b["type"] for b in answer.content_blocks] == ["text"]


def test_stream_and_usage_on_one_chunk(model):
    chunks = list(model.stream("one two three"))
    assert "".join(c.text for c in chunks) == "You said: one two three"
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    assert chunks[-1].chunk_position == "last"
    full = merge_chunks(chunks)
    assert full.text == "You said: one two three"
    assert full.response_metadata["status"] == "completed"


async def test_astream(model):
    chunks = [c async for c in model.astream("async responses")]
    assert "".join(c.text for c in chunks) == "You said: async responses"
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    await model.aclose()


def test_parallel_tool_calls_and_results(model, emu):
    with_tools = model.bind_tools([get_weather, get_population])
    answer = with_tools.invoke("get_weather for 'Paris' and get_population for 'Lima'")
    assert [(c["name"], c["args"]) for c in answer.tool_calls] == [
        ("get_weather", {"location": "Paris"}),
        ("get_population", {"city": "Lima"}),
    ]
    assert emu.requests[-1].body["tools"][0]["name"] == "get_weather"
    history = [HumanMessage("get_weather for 'Paris'"), answer]
    history += [
        get_weather.invoke(answer.tool_calls[0]),
        get_population.invoke(answer.tool_calls[1]),
    ]
    final = with_tools.invoke(history)
    assert "It's sunny in Paris" in final.text
    sent = emu.requests[-1].body["input"]
    assert [item.get("type") for item in sent[-2:]] == ["function_call_output"] * 2


def test_streamed_tool_call_chunks(model):
    with_tools = model.bind_tools([get_weather, get_population])
    chunks = list(with_tools.stream("get_weather for 'Paris' and get_population for 'Lima'"))
    pieces = [p for c in chunks for p in c.tool_call_chunks]
    assert len({p["index"] for p in pieces}) == 2
    assert sum(1 for p in pieces if p["id"]) == 2
    full = merge_chunks(chunks)
    assert [c["args"] for c in full.tool_calls] == [{"location": "Paris"}, {"city": "Lima"}]


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_structured_output(model, emu, method):
    movie = model.with_structured_output(Movie, method=method).invoke("'Up' (2009)")
    assert movie == Movie(title="Up", year=2009)
    body = emu.requests[-1].body
    if method == "json_schema":
        assert body["text"]["format"]["type"] == "json_schema"
        assert body["text"]["format"]["strict"] is True
    else:
        assert body["tool_choice"] == {"type": "function", "name": "Movie"}


def test_structured_output_json_mode(model, emu):
    value = model.with_structured_output(
        {"title": "Answer", "type": "object", "properties": {}}, method="json_mode"
    ).invoke("Reply in JSON: hi")
    assert "answer" in value
    assert emu.requests[-1].body["text"]["format"] == {"type": "json_object"}


def test_reasoning_summary_selects_responses_and_shows_reasoning(emu):
    model = ChatOpenAI(
        model="o4-mini",
        base_url=emu.base_url,
        api_key=KEY,
        reasoning={"effort": "low", "summary": "auto"},
    )
    answer = model.invoke("Why do parrots have colorful feathers?")
    assert emu.requests[-1].path == "/v1/responses"
    steps = [b for b in answer.content_blocks if b["type"] == "reasoning"]
    assert steps and "parrots" in " ".join(s["reasoning"] for s in steps)
    chunks = list(model.stream("Why is the sky blue?"))
    streamed = [b for c in chunks for b in c.content_blocks if b["type"] == "reasoning"]
    assert streamed
    full = merge_chunks(chunks)
    text = " ".join(b["reasoning"] for b in full.content_blocks if b["type"] == "reasoning")
    assert "sky" in text
    model.close()


def test_previous_response_id_continues_a_stored_conversation(emu):
    model = ChatOpenAI(
        model="gpt-4.1", base_url=emu.base_url, api_key=KEY, use_previous_response_id=True
    )
    first = model.invoke("My name is Ada")
    history = [HumanMessage("My name is Ada"), first, HumanMessage("And again")]
    second = model.invoke(history)
    body = emu.requests[-1].body
    assert body["previous_response_id"] == first.response_metadata["id"]
    assert body["input"] == [{"role": "user", "content": "And again"}]
    assert second.text == "You said: And again"
    model.close()


def test_400_with_param(emu):
    model = ChatOpenAI(
        model="gpt-does-not-exist", base_url=emu.base_url, api_key=KEY, use_responses_api=True
    )
    with pytest.raises(errors.BadRequestError) as caught:
        model.invoke("hi")
    assert caught.value.param == "model"
    model.close()


def test_unknown_previous_response_is_a_bad_request(model):
    with pytest.raises(errors.BadRequestError) as caught:
        model.invoke("hi", previous_response_id="resp_missing")
    assert caught.value.param == "previous_response_id"


def test_429_then_success_and_dropped_stream(model, emu):
    emu.fail_next(429, headers={"retry-after": "0"})
    assert model.invoke("retry me").text == "You said: retry me"
    emu.enqueue_fault(drop_after=4)
    with pytest.raises(errors.StreamError):
        list(model.stream("one two three four five six"))
