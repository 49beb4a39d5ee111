"""ChatOpenAI against the OpenAI emulator (a real HTTP server on 127.0.0.1): Chat Completions."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Generator
from pathlib import Path

import pytest
from linguafranca_plugins._openai_presets import _WARNED
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from linguafranca import errors
from linguafranca.chat_models import init_chat_model
from linguafranca.messages import AIMessageChunk, HumanMessage, merge_chunks
from linguafranca.tools import tool
from linguafranca_openai import ChatOpenAI
from linguafranca_tests.emulators import OpenAIEmulator, ScriptedReply

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
    """A movie with details."""

    title: str = Field(description="The title of the movie")
    year: int = Field(description="The year the movie was released")


class MovieDict(TypedDict):
    """A movie with details."""

    title: str
    year: int


@pytest.fixture
def emu():
    with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def model(emu):
    chat = ChatOpenAI(model="gpt-4.1", base_url=emu.base_url, api_key=KEY)
    yield chat
    chat.close()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settle(expected: int, timeout: float = 2.0) -> int:
    """Open fds once the emulator thread has closed its side (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while open_fds() != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return open_fds()


def test_invoke(model, emu):
    answer = model.invoke("Hello emulator")
    assert answer.text == "You said: Hello emulator"
    assert answer.usage_metadata is not None and answer.usage_metadata["output_tokens"] == 4
    assert answer.response_metadata["finish_reason"] == "stop"
    assert answer.response_metadata["system_fingerprint"] == "fp_emulator01"
    assert emu.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_stream_gives_text_pieces_and_usage_once(model, emu):
    chunks = list(model.stream("one two three"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(c.text for c in chunks) == "You said: one two three"
    assert len([c for c in chunks if c.text]) == 5
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    assert chunks[-1].chunk_position == "last"
    assert len({c.id for c in chunks}) == 1
    full = merge_chunks(chunks)
    assert full.usage_metadata is not None and full.usage_metadata["total_tokens"] > 0
    assert emu.requests[-1].body["stream_options"] == {"include_usage": True}


async def test_ainvoke_and_astream(model):
    assert (await model.ainvoke("async hello")).text == "You said: async hello"
    chunks = [c async for c in model.astream("async stream")]
    assert "".join(c.text for c in chunks) == "You said: async stream"
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    await model.aclose()


def test_batch_and_abatch(model):
    answers = model.batch(["a", "b", "c"], config={"max_concurrency": 2})
    assert [a.text for a in answers] == ["You said: a", "You said: b", "You said: c"]


async def test_abatch(model):
    answers = await model.abatch([f"n{i}" for i in range(20)], config={"max_concurrency": 5})
    assert [a.text for a in answers] == [f"You said: n{i}" for i in range(20)]
    await model.aclose()


def test_tool_calling_parallel(model, emu):
    with_tools = model.bind_tools([get_weather, get_population])
    answer = with_tools.invoke("Use get_weather for 'Boston' and get_population for 'Tokyo'")
    assert [c["name"] for c in answer.tool_calls] == ["get_weather", "get_population"]
    assert answer.tool_calls[0]["args"] == {"location": "Boston"}
    assert answer.tool_calls[1]["args"] == {"city": "Tokyo"}
    assert answer.response_metadata["finish_reason"] == "tool_calls"
    messages = [HumanMessage("get_weather for 'Boston'"), answer]
    messages += [
        get_weather.invoke(answer.tool_calls[0]),
        get_population.invoke(answer.tool_calls[1]),
    ]
    final = with_tools.invoke(messages)
    assert "get_weather tool returned It's sunny in Boston" in final.text


def test_parallel_tool_calls_false_is_sent(model, emu):
    answer = model.bind_tools([get_weather, get_population], parallel_tool_calls=False).invoke(
        "get_weather and get_population please"
    )
    assert emu.requests[-1].body["parallel_tool_calls"] is False
    assert len(answer.tool_calls) == 1


def test_streamed_tool_call_chunks(model):
    with_tools = model.bind_tools([get_weather, get_population])
    chunks = list(with_tools.stream("get_weather in 'Boston' and get_population of 'Tokyo'"))
    pieces = [tc for c in chunks for tc in c.tool_call_chunks]
    assert {p["index"] for p in pieces} == {0, 1}
    assert [p["name"] for p in pieces if p["name"]] == ["get_weather", "get_population"]
    assert sum(1 for p in pieces if p["id"]) == 2  # ids only on the first fragment
    assert len(pieces) > 4  # arguments arrive in several fragments
    gathered = merge_chunks(chunks)
    assert [c["args"] for c in gathered.tool_calls] == [{"location": "Boston"}, {"city": "Tokyo"}]


def test_forced_tool_choice(model, emu):
    answer = model.bind_tools([get_weather], tool_choice="any").invoke("hello there")
    assert emu.requests[-1].body["tool_choice"] == "required"
    assert answer.tool_calls[0]["name"] == "get_weather"


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_structured_output_pydantic(model, method):
    movie = model.with_structured_output(Movie, method=method).invoke("'Inception' (2010)")
    assert isinstance(movie, Movie)
    assert movie.title == "Inception" and movie.year == 2010


def test_structured_output_typeddict_json_schema_and_json_mode(model, emu):
    value = model.with_structured_output(MovieDict).invoke("The movie 'Up' from 2009")
    assert value == {"title": "Up", "year": 2009}
    schema = {
        "title": "Movie",
        "description": "A movie",
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "year"],
    }
    assert model.with_structured_output(schema, method="json_schema").invoke(
        "The movie 'Up' from 2009"
    ) == {"title": "Up", "year": 2009}
    raw = model.with_structured_output(schema, method="json_mode").invoke("Answer in JSON: hi")
    assert isinstance(raw, dict) and "answer" in raw
    assert emu.requests[-1].body["response_format"] == {"type": "json_object"}


def test_structured_output_include_raw(model):
    out = model.with_structured_output(Movie, include_raw=True).invoke("'Up' 2009")
    assert out["parsed"] == Movie(title="Up", year=2009)
    assert out["raw"].response_metadata["model_provider"] == "openai"
    assert out["parsing_error"] is None


def _refusal_record() -> Path | None:
    roots = (
        [Path(os.environ["LINGUAFRANCA_WIRE_DIR"])] if "LINGUAFRANCA_WIRE_DIR" in os.environ else []
    )
    roots += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    found = [r / "openai" / "chat_refusal_json_schema.json" for r in roots]
    return next((path for path in found if path.is_file()), None)


@pytest.mark.skipif(_refusal_record() is None, reason="shared/wire recordings not found")
def test_structured_output_refusal_replayed(model, emu):
    emu.replay(str(_refusal_record()))
    with pytest.raises(errors.OutputParserException, match="refused"):
        model.with_structured_output(Movie).invoke("something the model declines")


def test_logprobs_are_requested(model, emu):
    answer = model.bind(logprobs=True, top_logprobs=3).invoke("hi")
    assert emu.requests[-1].body["logprobs"] is True
    assert emu.requests[-1].body["top_logprobs"] == 3
    assert answer.text == "You said: hi"


def test_stop_and_max_tokens(model, emu):
    answer = model.invoke("alpha beta gamma delta", stop=["gamma"])
    assert answer.text == "You said: alpha beta "
    short = model.invoke("alpha beta gamma delta", max_tokens=2)
    assert short.text == "You said:"
    assert short.response_metadata["finish_reason"] == "length"
    assert emu.requests[-1].body["max_completion_tokens"] == 2


# --- failures ---------------------------------------------------------------------------


def test_429_then_success(model, emu):
    emu.fail_next(429, headers={"retry-after": "0"})
    assert model.invoke("after a rate limit").text == "You said: after a rate limit"
    assert len(emu.requests) == 2


def test_429_then_success_when_streaming(model, emu):
    emu.fail_next(429, headers={"retry-after": "0"})
    text = "".join(c.text for c in model.stream("after a rate limit"))
    assert text == "You said: after a rate limit"
    assert len(emu.requests) == 2


def test_401_names_the_key_variable(emu):
    model = ChatOpenAI(model="gpt-4.1", base_url=emu.base_url, api_key="invalid")
    with pytest.raises(errors.AuthenticationError, match="OPENAI_API_KEY") as caught:
        model.invoke("hi")
    assert caught.value.status_code == 401
    assert caught.value.request_id is not None and caught.value.request_id.startswith("req_")
    model.close()


def test_400_with_param(model):
    with pytest.raises(errors.BadRequestError) as caught:
        model.invoke("hi", temperature=5)
    assert caught.value.param == "temperature"
    assert "temperature" in str(caught.value)


def test_404_unknown_model(emu):
    model = ChatOpenAI(model="gpt-does-not-exist", base_url=emu.base_url, api_key=KEY)
    with pytest.raises(errors.NotFoundError, match="does not exist"):
        model.invoke("hi")
    model.close()


def test_500s_exhaust_the_retries(model, emu):
    emu.fail_next(500, headers={"retry-after": "0"}, times=3)
    with pytest.raises(errors.InternalServerError):
        model.invoke("hi")
    assert len(emu.requests) == 3


def test_dropped_stream_raises(model, emu):
    emu.enqueue_fault(drop_after=3)
    received = []
    with pytest.raises(errors.StreamError):
        for chunk in model.stream("one two three four five six"):
            received.append(chunk.text)
    assert "".join(received) != "You said: one two three four five six"
    assert len(emu.requests) == 1  # never retried once chunks reached the caller


def test_malformed_event_raises(model, emu):
    emu.enqueue_fault(malformed_at=2)
    with pytest.raises((errors.StreamError, ValueError)):
        list(model.stream("one two three"))


def test_timeout_follows_the_timeout_field(emu):
    model = ChatOpenAI(
        model="gpt-4.1", base_url=emu.base_url, api_key=KEY, timeout=0.3, max_retries=0
    )
    emu.enqueue_fault(delay=3.0)
    started = time.monotonic()
    with pytest.raises(errors.TimeoutError):
        model.invoke("slow")
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 1.5
    model.close()


def test_early_stream_close_closes_the_connection(emu):
    emu.stream_delay = 0.05
    model = ChatOpenAI(model="gpt-4.1", base_url=emu.base_url, api_key=KEY)
    before = open_fds()
    stream = model.stream(" ".join(f"w{i}" for i in range(40)))
    assert isinstance(stream, Generator)
    next(stream)
    assert open_fds() == before + 2  # the connection: our socket and the emulator's
    started = time.monotonic()
    stream.close()
    assert time.monotonic() - started < 0.5  # not waiting for the rest of the stream
    assert settle(before) == before  # closed, not kept for the rest of the stream
    model.close()


def test_a_thousand_sequential_calls_keep_one_connection(emu):
    model = ChatOpenAI(model="gpt-4.1", base_url=emu.base_url, api_key=KEY)
    model.invoke("warm up")
    before = open_fds()
    for i in range(1000):
        model.invoke(f"call {i}")
    assert settle(before) - before <= 0  # the one kept-alive connection is reused
    assert len(emu.requests) == 1001
    model.close()


# --- a preset and init_chat_model -------------------------------------------------------


def test_groq_preset_against_the_emulator(emu):
    _WARNED.clear()
    model = ChatOpenAI(
        model="llama-3.3-70b-versatile",
        provider="groq",
        base_url=emu.base_url,
        api_key="gsk_emulator0123456789",
        logprobs=True,
        max_tokens=50,
    )
    with pytest.warns(UserWarning, match="logprobs"):
        answer = model.invoke("hello groq")
    assert answer.text == "You said: hello groq"
    assert answer.response_metadata["model_provider"] == "groq"
    body = emu.requests[-1].body
    assert "logprobs" not in body and body["max_completion_tokens"] == 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunks = list(model.stream("hello stream"))
    assert "stream_options" not in emu.requests[-1].body
    assert "".join(c.text for c in chunks) == "You said: hello stream"
    model.close()


def test_init_chat_model_resolves_to_chat_openai(monkeypatch, emu):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("GROQ_API_KEY", "gsk_x0123456789")
    for name, base, provider in (
        ("openai:gpt-4.1", "https://api.openai.com/v1", "openai"),
        ("gpt-4.1", "https://api.openai.com/v1", "openai"),
        ("o4-mini", "https://api.openai.com/v1", "openai"),
        ("groq:llama-3.3-70b-versatile", "https://api.groq.com/openai/v1", "groq"),
    ):
        built = init_chat_model(name)
        assert type(built) is ChatOpenAI, name
        assert built.base_url == base and built.provider == provider
    pointed = init_chat_model("openai:gpt-4.1", base_url=emu.base_url, temperature=0)
    assert pointed.invoke("via init_chat_model").text == "You said: via init_chat_model"
    assert emu.requests[-1].body["temperature"] == 0


def test_scripted_reasoning_text_stays_out_of_chat_content(model, emu):
    emu.script(ScriptedReply(text="42"))
    assert model.invoke("What is the answer?").text == "42"
