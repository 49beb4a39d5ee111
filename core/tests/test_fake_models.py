"""The fake chat models: generic, list, messages-list and the scripted provider ``fake``."""

import itertools
import json
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from linguafranca.chat_models._script import fill_schema
from linguafranca.chat_models.fake import (
    FakeListChatModel,
    FakeListChatModelError,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
    ScriptedFakeChatModel,
)
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
    merge_chunks,
)
from linguafranca.tools import tool

# --- GenericFakeChatModel --------------------------------------------------------------


def test_generic_answers_in_order_and_accepts_strings():
    model = GenericFakeChatModel(messages=iter([AIMessage("first"), "second"]))
    assert model.invoke("x").content == "first"
    assert model.invoke("x").content == "second"
    with pytest.raises(ValueError, match="ran out of messages"):
        model.invoke("x")


def test_generic_does_not_change_the_callers_message():
    given = AIMessage("same")
    model = GenericFakeChatModel(messages=itertools.repeat(given))
    first, second = model.invoke("x"), model.invoke("x")
    assert given.id is None
    assert first.id != second.id


def test_generic_streams_word_by_word_keeping_whitespace():
    model = GenericFakeChatModel(messages=iter(["hello  big world"]))
    chunks = list(model.stream("x"))
    assert [c.content for c in chunks] == ["hello", " ", " ", "big", " ", "world"]
    assert chunks[-1].chunk_position == "last"
    assert merge_chunks(chunks).content == "hello  big world"


def test_generic_streams_tool_calls_and_usage_once():
    answer = AIMessage(
        "ok",
        tool_calls=[
            {"name": "a", "args": {"x": 1}, "id": "c1"},
            {"name": "b", "args": {"y": "two"}, "id": "c2"},
        ],
        usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
        response_metadata={"finish_reason": "tool_calls"},
    )
    chunks = list(GenericFakeChatModel(messages=iter([answer])).stream("x"))
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    assert sum(bool(c.tool_call_chunks) for c in chunks) == 4  # two fragments per call
    merged = merge_chunks(chunks)
    assert merged.tool_calls == answer.tool_calls
    assert merged.usage_metadata == answer.usage_metadata
    assert merged.response_metadata["finish_reason"] == "tool_calls"


async def test_generic_async_paths():
    model = GenericFakeChatModel(messages=iter(["a b", "c"]))
    assert (await model.ainvoke("x")).content == "a b"
    chunks = [c async for c in model.astream("x")]
    assert [c.content for c in chunks] == ["c"] and chunks[0].chunk_position == "last"


# --- FakeListChatModel / FakeMessagesListChatModel ----------------------------------------


def test_fake_list_cycles():
    model = FakeListChatModel(responses=["a", "b"])
    assert [model.invoke("x").content for _ in range(3)] == ["a", "b", "a"]
    assert [r.content for r in model.batch(["x", "y", "z"])] == ["b", "a", "b"]


def test_fake_list_batch_keeps_response_order():
    model = FakeListChatModel(responses=["1", "2", "3"])
    assert [r.content for r in model.batch(["x", "y", "z"])] == ["1", "2", "3"]


async def test_fake_list_abatch_keeps_response_order():
    model = FakeListChatModel(responses=["1", "2", "3"])
    assert [r.content for r in await model.abatch(["x", "y", "z"])] == ["1", "2", "3"]


def test_fake_list_streams_characters():
    chunks = list(FakeListChatModel(responses=["abc"]).stream("x"))
    assert [c.content for c in chunks] == ["a", "b", "c"]
    assert chunks[-1].chunk_position == "last"


def test_fake_list_error_on_chunk():
    model = FakeListChatModel(responses=["abcdef"], error_on_chunk_number=2)
    seen = []
    with pytest.raises(FakeListChatModelError):
        for chunk in model.stream("x"):
            seen.append(chunk.content)
    assert seen == ["a", "b"]


async def test_fake_list_async_stream():
    chunks = [c async for c in FakeListChatModel(responses=["hi"]).astream("x")]
    assert [c.content for c in chunks] == ["h", "i"]


def test_fake_messages_list_cycles_messages():
    answers: list[BaseMessage] = [
        AIMessage("one"),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "1"}]),
    ]
    model = FakeMessagesListChatModel(responses=answers)
    assert model.invoke("x").content == "one"
    assert model.invoke("x").tool_calls[0]["name"] == "f"
    assert model.invoke("x").content == "one"
    assert answers[0].id is None


# --- ScriptedFakeChatModel: text ---------------------------------------------------------


def test_scripted_text_reply_usage_and_metadata():
    model = ScriptedFakeChatModel()
    result = model.invoke(
        [HumanMessage("first message"), AIMessage("ok"), HumanMessage("hi there")]
    )
    assert result.content == "You said: hi there"
    assert result.usage_metadata == {"input_tokens": 5, "output_tokens": 4, "total_tokens": 9}
    assert result.response_metadata["model_provider"] == "fake"
    assert result.response_metadata["model_name"] == "fake-model"
    assert result.response_metadata["finish_reason"] == "stop"


def test_scripted_is_deterministic():
    model = ScriptedFakeChatModel()
    assert model.invoke("same").content == ScriptedFakeChatModel().invoke("same").content


def test_scripted_stop_and_max_tokens():
    model = ScriptedFakeChatModel()
    assert model.invoke("alpha beta", stop=["beta"]).content == "You said: alpha "
    cut = ScriptedFakeChatModel(max_tokens=3).invoke("one two three four")
    assert cut.content == "You said: one"
    assert cut.response_metadata["finish_reason"] == "length"


def test_scripted_streams_word_by_word_with_usage_on_the_last_chunk():
    chunks = list(ScriptedFakeChatModel().stream("a b"))
    assert [c.content for c in chunks] == ["You", " ", "said:", " ", "a", " ", "b"]
    assert [c.usage_metadata is not None for c in chunks] == [False] * 6 + [True]
    assert chunks[-1].chunk_position == "last"
    assert merge_chunks(chunks).content == ScriptedFakeChatModel().invoke("a b").content


def test_scripted_has_a_profile():
    profile = ScriptedFakeChatModel().profile
    assert profile is not None
    assert profile["tool_calling"] is True and profile["structured_output"] is True


# --- ScriptedFakeChatModel: tools --------------------------------------------------------


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


class GetPopulation(BaseModel):
    """Get the current population in a given location."""

    location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


class SearchArgs(TypedDict):
    """Search the web."""

    query: Annotated[str, "What to search for"]


def lookup_stock(symbol: str, exchange: Literal["NYSE", "NASDAQ"] = "NYSE") -> float:
    """Look up a stock price.

    Args:
        symbol: The ticker.
        exchange: Where it trades.
    """
    return 1.0


JSON_SCHEMA_TOOL = {
    "title": "convert_currency",
    "description": "Convert money.",
    "type": "object",
    "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
    "required": ["amount", "to"],
}
OPENAI_TOOL = {
    "type": "function",
    "function": {
        "name": "book_flight",
        "description": "Book a flight.",
        "parameters": {
            "type": "object",
            "properties": {"seats": {"type": "integer"}, "window": {"type": "boolean"}},
            "required": ["seats"],
        },
    },
}
ANTHROPIC_TOOL = {
    "name": "send_email",
    "description": "Send an email.",
    "input_schema": {
        "type": "object",
        "properties": {"to": {"type": "string", "format": "email"}},
        "required": ["to"],
    },
}


@pytest.mark.parametrize(
    ("definition", "name", "prompt"),
    [
        (get_weather, "get_weather", "What's the weather like in Boston?"),
        (GetPopulation, "GetPopulation", "What is the population of Tokyo?"),
        (SearchArgs, "SearchArgs", "Use SearchArgs for Paris"),
        (lookup_stock, "lookup_stock", "lookup_stock for ACME please"),
        (JSON_SCHEMA_TOOL, "convert_currency", "convert currency: 12 USD to EUR"),
        (OPENAI_TOOL, "book_flight", "Please book a flight for 2"),
        (ANTHROPIC_TOOL, "send_email", "send an email to Bob"),
    ],
)
def test_every_tool_definition_kind_can_be_bound_and_called(definition, name, prompt):
    result = ScriptedFakeChatModel().bind_tools([definition]).invoke(prompt)
    assert [c["name"] for c in result.tool_calls] == [name]
    assert result.response_metadata["finish_reason"] == "tool_calls"
    assert str(result.tool_calls[0]["id"]).startswith("call_")


def test_tool_arguments_follow_the_schema():
    model = ScriptedFakeChatModel()
    assert model.bind_tools([get_weather]).invoke("Weather in New York?").tool_calls[0]["args"] == {
        "location": "New York"
    }
    stock = model.bind_tools([lookup_stock]).invoke("lookup stock of Apple").tool_calls[0]
    assert stock["args"] == {"symbol": "Apple", "exchange": "NYSE"}
    money = model.bind_tools([JSON_SCHEMA_TOOL]).invoke("convert currency 12.5 to Yen")
    assert money.tool_calls[0]["args"] == {"amount": 12.5, "to": "Yen"}
    flight = model.bind_tools([OPENAI_TOOL]).invoke("book flight for 3")
    assert flight.tool_calls[0]["args"] == {"seats": 3, "window": True}
    email = model.bind_tools([ANTHROPIC_TOOL]).invoke("send email now")
    assert email.tool_calls[0]["args"] == {"to": "user@example.com"}


def test_no_tool_named_means_a_text_answer():
    result = ScriptedFakeChatModel().bind_tools([get_weather]).invoke("Tell me a joke")
    assert result.tool_calls == [] and result.content == "You said: Tell me a joke"


@pytest.mark.parametrize(
    "choice",
    [
        "any",
        "required",
        True,
        "get_weather",
        {"type": "function", "function": {"name": "get_weather"}},
        {"type": "tool", "name": "get_weather"},
    ],
)
def test_forced_tool_choice_calls_a_tool(choice):
    result = ScriptedFakeChatModel().bind_tools([get_weather], tool_choice=choice).invoke("joke?")
    assert [c["name"] for c in result.tool_calls] == ["get_weather"]


def test_tool_choice_names_one_of_several():
    model = ScriptedFakeChatModel().bind_tools(
        [get_weather, GetPopulation], tool_choice="GetPopulation"
    )
    assert [c["name"] for c in model.invoke("weather please").tool_calls] == ["GetPopulation"]


def test_tool_choice_none_never_calls():
    model = ScriptedFakeChatModel().bind_tools([get_weather], tool_choice="none")
    assert model.invoke("weather in Paris").tool_calls == []


def test_several_named_tools_are_called_in_parallel():
    model = ScriptedFakeChatModel().bind_tools([get_weather, GetPopulation])
    result = model.invoke("Weather and population of Lyon?")
    assert [c["name"] for c in result.tool_calls] == ["get_weather", "GetPopulation"]
    assert len({c["id"] for c in result.tool_calls}) == 2
    single = ScriptedFakeChatModel().bind_tools(
        [get_weather, GetPopulation], parallel_tool_calls=False
    )
    assert len(single.invoke("Weather and population of Lyon?").tool_calls) == 1


def test_after_tool_messages_it_answers_with_their_content():
    model = ScriptedFakeChatModel().bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage("Weather in Boston?")]
    call = model.invoke(messages)
    answer = get_weather.invoke(call.tool_calls[0])
    assert isinstance(answer, ToolMessage)
    messages += [call, answer]
    final = model.invoke(messages)
    assert final.tool_calls == []
    assert final.content == "Here is what the tools returned: It's sunny in Boston."


def test_tool_calls_stream_as_chunks():
    model = ScriptedFakeChatModel().bind_tools([get_weather])
    chunks = [c for c in model.stream("Weather in Oslo?") if isinstance(c, AIMessageChunk)]
    assert [c.tool_call_chunks[0]["name"] for c in chunks if c.tool_call_chunks][0] == (
        "get_weather"
    )
    assert merge_chunks(chunks).tool_calls == model.invoke("Weather in Oslo?").tool_calls


# --- ScriptedFakeChatModel: response_format ----------------------------------------------


def test_json_schema_response_format_is_filled():
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "year": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "rating": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        },
        "required": ["title", "year"],
    }
    result = ScriptedFakeChatModel().invoke(
        "the movie Inception from 2010",
        response_format={"type": "json_schema", "json_schema": {"name": "M", "schema": schema}},
    )
    assert json.loads(result.text) == {
        "title": "Inception",
        "year": 2010,
        "tags": ["Inception"],
        "rating": 2010.0,
    }


def test_json_object_uses_a_schema_written_in_the_prompt():
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    prompt = f"Where is the Louvre? Reply with this schema: {json.dumps(schema)}"
    result = ScriptedFakeChatModel().invoke(prompt, response_format={"type": "json_object"})
    assert json.loads(result.text) == {"city": "Louvre"}


def test_json_object_uses_quoted_keys_else_an_answer_key():
    model = ScriptedFakeChatModel()
    joke = model.invoke(
        "Tell me a joke about Cats. Use 'setup' and 'punchline' keys.",
        response_format={"type": "json_object"},
    )
    assert set(json.loads(joke.text)) == {"setup", "punchline"}
    plain = model.invoke("hello", response_format={"type": "json_object"})
    assert json.loads(plain.text) == {"answer": "You said: hello"}


# --- schema filling ----------------------------------------------------------------------


def test_fill_schema_covers_every_kind():
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer", "minimum": 5},
            "ratio": {"type": "number", "maximum": 0.5},
            "ok": {"type": "boolean"},
            "color": {"enum": ["red", "blue"]},
            "kind": {"const": "fixed"},
            "when": {"type": "string", "format": "date"},
            "maybe": {"type": ["string", "null"]},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 2},
            "nested": {"type": "object", "properties": {"deep": {"type": "integer"}}},
            "map": {"type": "object", "additionalProperties": {"type": "integer"}},
            "nothing": {"type": "null"},
            "both": {"allOf": [{"type": "object", "properties": {"a": {"type": "boolean"}}}]},
        },
        "$defs": {"Item": {"type": "object", "properties": {"label": {"type": "string"}}}},
    }
    value = fill_schema(schema, "find Rome 3")
    assert value == {
        "name": "Rome",
        "count": 5,
        "ratio": 0.5,
        "ok": True,
        "color": "red",
        "kind": "fixed",
        "when": "2024-01-01",
        "maybe": "Rome",
        "items": [{"label": "Rome"}, {"label": "Rome"}],
        "nested": {"deep": 3},
        "map": {"key": 3},
        "nothing": None,
        "both": {"a": True},
    }


def test_fill_schema_without_context_words():
    assert fill_schema({"type": "string"}, "") == "example"
    assert fill_schema({"type": "string", "minLength": 10}, "") == "examplexxx"


# --- arguments from the prompt: quoted strings, numbers, named fields, enums, defaults ----


class FilmReview(BaseModel):
    """A movie."""

    title: str
    year: int
    director: str
    rating: float


MOVIE_PROMPT = "Tell me about Inception, the 2010 movie by Christopher Nolan, rated 8.8."


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output_fills_each_field_from_the_prompt(method):
    structured = ScriptedFakeChatModel().with_structured_output(FilmReview, method=method)
    assert structured.invoke(MOVIE_PROMPT) == FilmReview(
        title="Inception", year=2010, director="Christopher Nolan", rating=8.8
    )


def test_numbers_fill_in_order_integers_and_decimals_apart():
    schema = {
        "type": "object",
        "properties": {"score": {"type": "number"}, "count": {"type": "integer"}},
    }
    # The number field takes the decimal, the integer field the integer, whatever the order.
    assert fill_schema(schema, "It had 12 goals and a 4.5 average") == {"score": 4.5, "count": 12}
    both = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    assert fill_schema(both, "Add 3 and 12") == {"a": 3, "b": 12}


def create_customer(customer_name: str, description: str) -> str:
    """Create a customer."""
    return customer_name


def test_quoted_unicode_strings_fill_the_fields_they_follow():
    model = ScriptedFakeChatModel().bind_tools([create_customer], tool_choice="any")
    prompt = 'Create a customer with the description "一家中国公司" named "你好啊集团".'
    call = model.invoke(prompt).tool_calls[0]
    # Each value goes to the field the prompt names, not merely in order.
    assert call["args"] == {"customer_name": "你好啊集团", "description": "一家中国公司"}
    in_order = model.invoke('Create one: "Zoë Ltd" and "Überall GmbH".').tool_calls[0]
    assert in_order["args"] == {"customer_name": "Zoë Ltd", "description": "Überall GmbH"}


def test_a_place_field_takes_the_name_after_in():
    model = ScriptedFakeChatModel().bind_tools([get_weather])
    call = model.invoke("Ask Maria about the weather in Boston").tool_calls[0]
    assert call["args"] == {"location": "Boston"}


def search_stocks(
    symbol: str, exchange: Literal["NYSE", "NASDAQ"] = "NYSE", limit: int = 10
) -> str:
    """Search stocks."""
    return symbol


def test_enums_pick_the_member_mentioned_and_defaults_are_kept():
    model = ScriptedFakeChatModel().bind_tools([search_stocks], tool_choice="any")
    mentioned = model.invoke("Find Apple on the nasdaq").tool_calls[0]["args"]
    assert mentioned == {"symbol": "Apple", "exchange": "NASDAQ", "limit": 10}
    given = model.invoke("Find the top 5 for Apple").tool_calls[0]["args"]
    assert given == {"symbol": "Apple", "exchange": "NYSE", "limit": 5}


def test_tool_names_json_schemas_and_emails_in_the_prompt():
    search = ScriptedFakeChatModel().bind_tools([SearchArgs]).invoke("Use SearchArgs for Paris")
    assert search.tool_calls[0]["args"] == {"query": "Paris"}  # the tool's name is no value
    email = ScriptedFakeChatModel().bind_tools([ANTHROPIC_TOOL])
    assert email.invoke("send email to bob@example.org").tool_calls[0]["args"] == {
        "to": "bob@example.org"
    }
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    assert fill_schema(schema, f'Name it. Schema: {json.dumps(schema)} "Rex"') == {"name": "Rex"}
