"""Tool binding, API selection and structured output: the requests they produce."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import BaseModel, Field

from linguafranca.errors import ConfigurationError, OutputParserException
from linguafranca.messages import AIMessage, HumanMessage, ToolMessage
from linguafranca.tools import tool
from linguafranca_openai import ChatOpenAI

KEY = "sk-test-0123456789abcdef"


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


@tool
def get_population(city: str) -> int:
    """Get the population of a city."""
    return 1


class Movie(BaseModel):
    """A movie with details."""

    title: str = Field(description="The title of the movie")
    year: int = Field(description="The year the movie was released")


def chat_reply(message):
    return {
        "id": "chatcmpl-9",
        "object": "chat.completion",
        "model": "gpt-4.1",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }


def responses_reply(output):
    return {
        "id": "resp_9",
        "object": "response",
        "status": "completed",
        "model": "gpt-4.1",
        "output": output,
    }


class Server:
    def __init__(self, chat=None, responses=None):
        self.requests: list[httpx.Request] = []
        self.chat = chat or chat_reply({"role": "assistant", "content": "ok"})
        self.responses = responses or responses_reply([])

    def __call__(self, request):
        self.requests.append(request)
        if request.url.path.endswith("/responses"):
            return httpx.Response(200, json=self.responses)
        return httpx.Response(200, json=self.chat)

    @property
    def body(self):
        return json.loads(self.requests[-1].content)

    @property
    def path(self):
        return self.requests[-1].url.path


def make(server, **kwargs):
    kwargs.setdefault("model", "gpt-4.1")
    transport = httpx.MockTransport(server)
    return ChatOpenAI(
        api_key=KEY,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )


# --- bind_tools -------------------------------------------------------------------------


def test_bind_tools_sends_function_tools_and_parses_calls():
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"location": "Boston"}'},
    }
    server = Server(chat=chat_reply({"role": "assistant", "content": None, "tool_calls": [call]}))
    answer = make(server).bind_tools([get_weather]).invoke("Weather in Boston?")
    assert answer.tool_calls == [
        {"name": "get_weather", "args": {"location": "Boston"}, "id": "call_1", "type": "tool_call"}
    ]
    sent = server.body["tools"]
    assert sent[0]["type"] == "function"
    assert sent[0]["function"]["name"] == "get_weather"
    assert sent[0]["function"]["parameters"]["properties"]["location"]["type"] == "string"
    assert "tool_choice" not in server.body


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (True, {"type": "function", "function": {"name": "get_weather"}}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_tool_choice_forms(choice, expected):
    server = Server()
    make(server).bind_tools([get_weather], tool_choice=choice).invoke("hi")
    assert server.body["tool_choice"] == expected


def test_true_with_several_tools_means_any_tool():
    server = Server()
    make(server).bind_tools([get_weather, get_population], tool_choice=True).invoke("hi")
    assert server.body["tool_choice"] == "required"


def test_tool_choice_naming_an_unbound_tool_fails():
    with pytest.raises(ValueError, match="get_time"):
        make(Server()).bind_tools([get_weather], tool_choice="get_time")


def test_parallel_tool_calls_and_strict():
    server = Server()
    model = make(server).bind_tools([get_weather], parallel_tool_calls=False, strict=True)
    model.invoke("hi")
    body = server.body
    assert body["parallel_tool_calls"] is False
    function = body["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False


def test_tool_call_history_round_trips():
    server = Server()
    calls = [{"name": "get_weather", "args": {"location": "Boston"}, "id": "call_1"}]
    history = [
        HumanMessage("Weather?"),
        AIMessage("", tool_calls=calls),
        ToolMessage("sunny", tool_call_id="call_1"),
    ]
    make(server).bind_tools([get_weather]).invoke(history)
    messages = server.body["messages"]
    assert messages[1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"location": "Boston"}',
    }
    assert messages[1]["content"] is None
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}


# --- Responses API selection ------------------------------------------------------------


def test_builtin_tool_selects_the_responses_api():
    output = [
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "news"},
        },
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Good news.", "annotations": []}],
        },
    ]
    server = Server(responses=responses_reply(output))
    answer = make(server).bind_tools([{"type": "web_search"}]).invoke("News today?")
    assert server.path == "/v1/responses"
    assert server.body["tools"] == [{"type": "web_search"}]
    kinds = [b["type"] for b in answer.content_blocks]
    assert kinds == ["server_tool_call", "server_tool_result", "text"]
    assert answer.text == "Good news."


def test_builtin_tool_choice_names_the_tool_type():
    server = Server()
    make(server).bind_tools([{"type": "web_search"}], tool_choice="web_search").invoke("x")
    assert server.body["tool_choice"] == {"type": "web_search"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reasoning": {"effort": "low", "summary": "auto"}},
        {"include": ["reasoning.encrypted_content"]},
        {"previous_response_id": "resp_0"},
        {"truncation": "auto"},
    ],
)
def test_responses_only_arguments_select_the_responses_api(kwargs):
    server = Server()
    make(server).invoke("hi", **kwargs)
    assert server.path == "/v1/responses"
    key = next(iter(kwargs))
    assert server.body[key] == kwargs[key]


@pytest.mark.parametrize(
    "fields",
    [
        {"reasoning": {"effort": "low", "summary": "auto"}},
        {"output_version": "responses/v1"},
        {"include": ["reasoning.encrypted_content"]},
        {"model": "gpt-5-pro"},
        {"use_responses_api": True},
    ],
)
def test_fields_that_select_the_responses_api(fields):
    server = Server()
    make(server, **fields).invoke("hi")
    assert server.path == "/v1/responses"


def test_reasoning_effort_alone_stays_on_chat_completions():
    server = Server()
    make(server, model="o4-mini", reasoning={"effort": "high"}).invoke("hi")
    assert server.path == "/v1/chat/completions"
    assert server.body["reasoning_effort"] == "high"


def test_use_responses_api_false_wins():
    server = Server()
    with pytest.raises(ConfigurationError, match="Responses API"):
        make(server, use_responses_api=False).invoke(
            "hi", reasoning={"effort": "low", "summary": "auto"}
        )
    assert not server.requests


def test_responses_request_shape():
    server = Server(
        responses=responses_reply(
            [
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Hi", "annotations": []}],
                }
            ]
        )
    )
    model = make(server, use_responses_api=True, max_tokens=20, temperature=0.1, store=False)
    answer = model.bind_tools([get_weather], tool_choice="get_weather").invoke("hello")
    body = server.body
    assert body["input"] == [{"role": "user", "content": "hello"}]
    assert body["max_output_tokens"] == 20 and body["temperature"] == 0.1
    assert body["store"] is False
    assert body["tools"][0]["name"] == "get_weather"
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert answer.text == "Hi"
    assert answer.response_metadata["id"] == "resp_9"


def test_use_previous_response_id_sends_only_new_turns():
    server = Server()
    model = make(server, use_previous_response_id=True)
    history = [
        HumanMessage("first"),
        AIMessage("answer", response_metadata={"id": "resp_prev"}),
        HumanMessage("second"),
    ]
    model.invoke(history)
    assert server.body["previous_response_id"] == "resp_prev"
    assert server.body["input"] == [{"role": "user", "content": "second"}]


# --- structured output ------------------------------------------------------------------


def test_structured_output_defaults_to_strict_json_schema():
    server = Server(
        chat=chat_reply({"role": "assistant", "content": '{"title": "Inception", "year": 2010}'})
    )
    movie = make(server).with_structured_output(Movie).invoke("Inception?")
    assert movie == Movie(title="Inception", year=2010)
    fmt = server.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Movie"
    assert fmt["json_schema"]["strict"] is True
    assert set(fmt["json_schema"]["schema"]["required"]) == {"title", "year"}


def test_structured_output_function_calling_and_json_mode():
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "Movie", "arguments": '{"title": "Up", "year": 2009}'},
    }
    server = Server(chat=chat_reply({"role": "assistant", "content": None, "tool_calls": [call]}))
    movie = make(server).with_structured_output(Movie, method="function_calling").invoke("Up?")
    assert movie == Movie(title="Up", year=2009)
    assert server.body["tool_choice"] == {"type": "function", "function": {"name": "Movie"}}

    server = Server(
        chat=chat_reply({"role": "assistant", "content": '{"title": "Up", "year": 2009}'})
    )
    value = (
        make(server)
        .with_structured_output(
            {"title": "Movie", "type": "object", "properties": {"title": {"type": "string"}}},
            method="json_mode",
        )
        .invoke("Answer in JSON")
    )
    assert value == {"title": "Up", "year": 2009}
    assert server.body["response_format"] == {"type": "json_object"}


def test_structured_output_include_raw():
    server = Server(
        chat=chat_reply({"role": "assistant", "content": '{"title": "Up", "year": 2009}'})
    )
    out = make(server).with_structured_output(Movie, include_raw=True).invoke("Up?")
    assert isinstance(out["raw"], AIMessage)
    assert out["parsed"] == Movie(title="Up", year=2009)
    assert out["parsing_error"] is None


def test_refusal_raises_an_error_that_says_the_model_refused():
    refusal = "I'm sorry, I can't help with that."
    server = Server(chat=chat_reply({"role": "assistant", "content": None, "refusal": refusal}))
    model = make(server)
    with pytest.raises(OutputParserException, match="refused") as caught:
        model.with_structured_output(Movie).invoke("Something bad")
    assert refusal in str(caught.value)
    out = model.with_structured_output(Movie, include_raw=True).invoke("Something bad")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert "refused" in str(out["parsing_error"])


def test_presets_default_to_function_calling():
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "Movie", "arguments": '{"title": "Up", "year": 2009}'},
    }
    server = Server(chat=chat_reply({"role": "assistant", "content": None, "tool_calls": [call]}))
    model = make(server, model="llama-3.3-70b-versatile", provider="groq")
    assert model.with_structured_output(Movie).invoke("Up?") == Movie(title="Up", year=2009)
    assert "response_format" not in server.body
    assert server.body["tool_choice"] == {"type": "function", "function": {"name": "Movie"}}
