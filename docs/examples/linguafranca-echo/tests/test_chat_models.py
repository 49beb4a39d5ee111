"""What ChatEcho does beyond the standard suites: its own rules, checked exactly."""

import pytest

from linguafranca.messages import AIMessage, HumanMessage, ToolMessage, merge_chunks
from linguafranca.tools import tool
from linguafranca_echo import ChatEcho


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_echoes_with_prefix_and_counts_words() -> None:
    answer = ChatEcho(prefix="Echo: ").invoke([HumanMessage("one two three")])
    assert answer.text == "Echo: one two three"
    assert answer.usage_metadata == {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}


def test_stream_is_word_by_word_and_merges_to_the_answer() -> None:
    chunks = list(ChatEcho().stream("one two three"))
    assert [c.text for c in chunks] == ["one", " two", " three", ""]
    assert [c.chunk_position for c in chunks] == [None, None, None, "last"]
    assert merge_chunks(chunks).text == "one two three"


def test_stop_and_max_tokens_cut_the_answer() -> None:
    model = ChatEcho()
    assert model.invoke("alpha bravo STOP charlie", stop=["STOP"]).text == "alpha bravo "
    cut = model.invoke("alpha bravo charlie", max_tokens=2)
    assert cut.text == "alpha bravo"
    assert cut.response_metadata["finish_reason"] == "length"


def test_calls_the_named_tools_with_arguments_from_the_message() -> None:
    bound = ChatEcho().bind_tools([get_weather, add])
    answer = bound.invoke("Use add on 2 and 40, then get_weather for 'Paris'.")
    assert [(c["name"], c["args"]) for c in answer.tool_calls] == [
        ("add", {"a": 2, "b": 40}),
        ("get_weather", {"location": "Paris"}),
    ]
    assert answer.response_metadata["finish_reason"] == "tool_calls"


def test_tool_choice_none_and_forced() -> None:
    model = ChatEcho()
    assert model.bind_tools([add], tool_choice="none").invoke("add 1 2").tool_calls == []
    forced = model.bind_tools([get_weather, add], tool_choice="add").invoke("hi")
    assert [c["name"] for c in forced.tool_calls] == ["add"]


def test_repeats_tool_results() -> None:
    call = {"name": "get_weather", "args": {"location": "Oslo"}, "id": "call_1"}
    history = [
        HumanMessage("get_weather for 'Oslo'"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("It's sunny in Oslo.", tool_call_id="call_1"),
    ]
    assert ChatEcho().bind_tools([get_weather]).invoke(history).text == (
        "The tools said: It's sunny in Oslo."
    )


def test_api_key_from_environment_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECHO_API_KEY", "ek-secret-value")
    model = ChatEcho()
    assert model.api_key is not None and model.api_key.get_secret_value() == "ek-secret-value"
    assert "ek-secret-value" not in repr(model)
