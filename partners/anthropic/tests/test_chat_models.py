"""ChatAnthropic over httpx.MockTransport: arguments, request bodies, headers, tools, secrets."""

from __future__ import annotations

import copy
import json
import logging
import pickle
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field

from linguafranca.chat_models import init_chat_model
from linguafranca.errors import AuthenticationError, ConfigurationError
from linguafranca.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from linguafranca.tools import tool
from linguafranca_anthropic import ChatAnthropic
from linguafranca_anthropic.chat_models import STRUCTURED_OUTPUTS_BETA
from linguafranca_anthropic.profiles import get_profile

KEY = "sk-ant-api03-model-test-key-111111"


def reply(content: list[dict[str, Any]] | None = None, **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content if content is not None else [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 3, **usage},
    }


class Recorder:
    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers) or [httpx.Response(200, json=reply())]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.requests[-1].content)  # type: ignore[no-any-return]

    @property
    def headers(self) -> httpx.Headers:
        return self.requests[-1].headers


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


def model_for(rec: Recorder, **kwargs: Any) -> ChatAnthropic:
    kwargs.setdefault("model", "claude-sonnet-4-5")
    kwargs.setdefault("api_key", KEY)
    return ChatAnthropic(
        http_client=httpx.Client(transport=httpx.MockTransport(rec)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(rec)),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_URL"):
        monkeypatch.delenv(name, raising=False)


# --- construction ----------------------------------------------------------------------


def test_key_and_endpoint_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/")
    model = ChatAnthropic(model="claude-sonnet-4-5")
    assert model.api_key.get_secret_value() == KEY
    assert model.base_url == "http://127.0.0.1:9/"


def test_default_endpoint():
    assert ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY).base_url == (
        "https://api.anthropic.com"
    )


def test_missing_key_names_the_environment_variable():
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
        ChatAnthropic(model="claude-sonnet-4-5")


def test_missing_model_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="model="):
        ChatAnthropic(api_key=KEY)


def test_langchain_aliases_are_accepted():
    model = ChatAnthropic(
        model_name="claude-haiku-4-5",
        anthropic_api_key=KEY,
        anthropic_api_url="http://127.0.0.1:9",
        max_tokens_to_sample=77,
        stop_sequences=["END"],
        timeout=12.0,
    )
    assert model.model == "claude-haiku-4-5" and model.model_name == "claude-haiku-4-5"
    assert model.base_url == "http://127.0.0.1:9"
    assert model.max_tokens == 77
    assert model.stop == ["END"]
    assert model.timeout == 12.0
    assert ChatAnthropic(model="m", api_key=KEY, base_url="http://x:1").base_url == "http://x:1"
    assert ChatAnthropic(model="m", api_key=KEY, default_request_timeout=3.0).timeout == 3.0


def test_misspelled_argument_is_rejected_with_a_suggestion():
    with pytest.raises(ConfigurationError, match="top_k"):
        ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY, topk=3)


def test_max_tokens_defaults_to_the_models_output_limit():
    assert ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY).max_tokens == 64000
    assert ChatAnthropic(model="claude-3-5-haiku-20241022", api_key=KEY).max_tokens == 8192
    assert ChatAnthropic(model="claude-unknown-9", api_key=KEY).max_tokens == 4096
    assert ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY, max_tokens=5).max_tokens == 5


def test_profile_comes_from_the_package_data():
    model = ChatAnthropic(model="claude-sonnet-4-5-20250929", api_key=KEY)
    assert model.profile == get_profile("claude-sonnet-4-5")
    assert model.profile is not None and model.profile["tool_calling"] is True
    custom = ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY, profile={"tool_calling": False})
    assert custom.profile == {"tool_calling": False}


def test_max_retries_defaults_to_two_and_llm_type():
    model = ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY)
    assert model.max_retries == 2
    assert model._llm_type == "anthropic-chat"


@pytest.mark.parametrize(
    "name", ["claude-sonnet-4-5", "anthropic:claude-sonnet-4-5", "claude-haiku-4-5-20251001"]
)
def test_init_chat_model_resolves_to_chat_anthropic(monkeypatch, name):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    model = init_chat_model(name, temperature=0.7, timeout=30, max_tokens=1000)
    assert isinstance(model, ChatAnthropic)
    assert model.model == name.split(":")[-1]
    assert (model.temperature, model.timeout, model.max_tokens) == (0.7, 30, 1000)
    explicit = init_chat_model("claude-sonnet-4-5", model_provider="anthropic")
    assert isinstance(explicit, ChatAnthropic)


# --- secrets ---------------------------------------------------------------------------


def test_key_is_never_in_repr_or_serialized_output():
    model = ChatAnthropic(
        model="claude-sonnet-4-5", api_key=KEY, default_headers={"x-proxy-key": "hdr-secret"}
    )
    for text in (repr(model), str(model), model.model_dump_json(), str(model.model_dump())):
        assert KEY not in text
        assert "hdr-secret" not in text


def test_key_is_not_in_logs_or_errors(rec, caplog):
    rec.answers = [
        httpx.Response(
            401,
            json={
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            },
        )
    ]
    model = model_for(rec)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        model.invoke("hi")
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert KEY not in caplog.text


# --- request bodies and headers --------------------------------------------------------


def test_invoke_sends_parameters_headers_and_parses_the_reply(rec):
    model = model_for(
        rec,
        temperature=0.2,
        top_k=5,
        top_p=0.9,
        stop=["END"],
        max_tokens=100,
        model_kwargs={"metadata": {"user_id": "u1"}},
        betas=["context-1m-2025-08-07"],
        default_headers={"x-trace": "t1"},
    )
    message = model.invoke([SystemMessage("Be brief."), HumanMessage("hi")])
    assert rec.body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
        "top_k": 5,
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u1"},
    }
    assert str(rec.requests[-1].url) == "https://api.anthropic.com/v1/messages"
    assert rec.headers["x-api-key"] == KEY
    assert rec.headers["anthropic-version"] == "2023-06-01"
    assert rec.headers["anthropic-beta"] == "context-1m-2025-08-07"
    assert rec.headers["x-trace"] == "t1"
    assert message.content == "Hi!"
    assert message.id == "msg_01"
    assert message.response_metadata["model_provider"] == "anthropic"
    assert message.response_metadata["stop_reason"] == "end_turn"
    assert message.usage_metadata == {"input_tokens": 10, "output_tokens": 3, "total_tokens": 13}


def test_call_options_override_the_model_fields(rec):
    model = model_for(rec, temperature=0.2, stop=["END"])
    model.invoke("hi", stop=["STOP"], temperature=0.9, max_tokens=9, metadata={"user_id": "u"})
    body = rec.body
    assert (body["stop_sequences"], body["temperature"], body["max_tokens"]) == (["STOP"], 0.9, 9)
    assert body["metadata"] == {"user_id": "u"}
    model.bind(model="claude-haiku-4-5").invoke("hi")
    assert rec.body["model"] == "claude-haiku-4-5"


@pytest.mark.parametrize(
    "thinking", [{"type": "enabled", "budget_tokens": 2048}, {"type": "adaptive"}]
)
def test_thinking_goes_into_the_body(rec, thinking):
    model_for(rec, thinking=thinking).invoke("hi")
    assert rec.body["thinking"] == thinking


def test_invalid_thinking_is_a_configuration_error(rec):
    with pytest.raises(ConfigurationError, match="budget_tokens"):
        model_for(rec, thinking={"type": "enabled"}).invoke("hi")
    assert rec.requests == []


def test_effort_goes_to_output_config(rec):
    model_for(rec, effort="low").invoke("hi")
    assert rec.body["output_config"] == {"effort": "low"}


def test_thinking_round_trip_sends_the_signed_block_back(rec):
    thought = {"type": "thinking", "thinking": "Let me see.", "signature": "c2lnbmF0dXJl"}
    rec.answers = [httpx.Response(200, json=reply([thought, {"type": "text", "text": "4"}]))]
    model = model_for(rec, thinking={"type": "enabled", "budget_tokens": 1024})
    first = model.invoke("2+2?")
    reasoning = [b for b in first.content_blocks if b["type"] == "reasoning"]
    assert reasoning and reasoning[0]["reasoning"] == "Let me see."
    model.invoke([HumanMessage("2+2?"), first, HumanMessage("and 3+3?")])
    assistant = rec.body["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"][0] == thought


def test_prompt_caching_from_additional_kwargs_and_blocks(rec):
    rec.answers = [
        httpx.Response(200, json=reply(cache_read_input_tokens=100, cache_creation_input_tokens=20))
    ]
    marker = {"type": "ephemeral"}
    messages = [
        SystemMessage([{"type": "text", "text": "Long rules", "cache_control": marker}]),
        HumanMessage("Question one", additional_kwargs={"cache_control": marker}),
        AIMessage("Answer one"),
        HumanMessage(
            ["part a", {"type": "text", "text": "part b"}],
            additional_kwargs={"cache_control": marker},
        ),
    ]
    message = model_for(rec).invoke(messages)
    body = rec.body
    assert body["system"] == [{"type": "text", "text": "Long rules", "cache_control": marker}]
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Question one", "cache_control": marker}
    ]
    assert body["messages"][2]["content"][-1] == {
        "type": "text",
        "text": "part b",
        "cache_control": marker,
    }
    assert messages[1].content == "Question one"  # the caller's message is not changed
    # input_tokens is the total read: uncached + cache reads + cache writes.
    assert message.usage_metadata == {
        "input_tokens": 130,
        "output_tokens": 3,
        "total_tokens": 133,
        "input_token_details": {"cache_read": 100, "cache_creation": 20},
    }


def test_cache_control_on_a_tool_message_moves_to_the_tool_result(rec):
    marker = {"type": "ephemeral"}
    ai = AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "toolu_1"}])
    tool_message = ToolMessage(
        "42", tool_call_id="toolu_1", additional_kwargs={"cache_control": marker}
    )
    model_for(rec).invoke([HumanMessage("go"), ai, tool_message])
    (result,) = rec.body["messages"][2]["content"]
    assert result["type"] == "tool_result" and result["cache_control"] == marker


def test_top_level_cache_control_passes_through(rec):
    model_for(rec).invoke("hi", cache_control={"type": "ephemeral"})
    assert rec.body["cache_control"] == {"type": "ephemeral"}


def test_empty_message_with_cache_control_is_refused(rec):
    with pytest.raises(ConfigurationError, match="cache_control"):
        model_for(rec).invoke([HumanMessage("", additional_kwargs={"cache_control": {}})])


async def test_ainvoke_uses_the_async_client(rec):
    message = await model_for(rec, temperature=0).ainvoke("hi")
    assert message.content == "Hi!"
    assert rec.body["temperature"] == 0


def test_count_tokens(rec):
    rec.answers = [httpx.Response(200, json={"input_tokens": 14})]
    model = model_for(rec)
    assert model.get_num_tokens_from_messages([HumanMessage("hello")]) == 14
    assert rec.requests[-1].url.path == "/v1/messages/count_tokens"
    assert "max_tokens" not in rec.body


# --- tools -----------------------------------------------------------------------------


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"sunny in {location}"


def _tool_reply() -> httpx.Response:
    block = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "X"}}
    return httpx.Response(200, json=reply([block]))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("any", {"type": "any"}),
        ("required", {"type": "any"}),
        (True, {"type": "any"}),
        ("none", {"type": "none"}),
        ("get_weather", {"type": "tool", "name": "get_weather"}),
        ({"type": "tool", "name": "get_weather"}, {"type": "tool", "name": "get_weather"}),
        (None, None),
    ],
)
def test_bind_tools_tool_choice(rec, choice, expected):
    rec.answers = [_tool_reply()]
    message = model_for(rec).bind_tools([get_weather], tool_choice=choice).invoke("weather?")
    body = rec.body
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Get the weather at a location.",
            "input_schema": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        }
    ]
    assert body.get("tool_choice") == expected
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"location": "X"}, "id": "toolu_1", "type": "tool_call"}
    ]


def test_parallel_tool_calls_false_disables_parallel_tool_use(rec):
    model_for(rec).bind_tools([get_weather], parallel_tool_calls=False).invoke("hi")
    assert rec.body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    model_for(rec).bind_tools([get_weather], tool_choice="any", parallel_tool_calls=False).invoke(
        "hi"
    )
    assert rec.body["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}


def test_native_tools_keep_cache_control_and_server_tools_pass_through(rec):
    native = {
        "name": "lookup",
        "description": "Look something up.",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        "cache_control": {"type": "ephemeral"},
    }
    openai_style = {
        "type": "function",
        "function": {"name": "calc", "parameters": {"type": "object", "properties": {}}},
        "cache_control": {"type": "ephemeral"},
    }
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    model_for(rec).bind_tools([native, openai_style, search]).invoke("hi")
    tools = rec.body["tools"]
    assert tools[0] == native
    assert tools[1]["name"] == "calc" and tools[1]["cache_control"] == {"type": "ephemeral"}
    assert tools[2] == search


def test_tool_choice_naming_an_unbound_tool_is_refused(rec):
    with pytest.raises(ValueError, match="not bound"):
        model_for(rec).bind_tools([get_weather], tool_choice="get_time")


def test_forced_tool_with_thinking_warns_and_lets_the_model_choose(rec):
    model = model_for(rec, thinking={"type": "enabled", "budget_tokens": 1024})
    with pytest.warns(UserWarning, match="thinking"):
        bound = model.bind_tools([get_weather], tool_choice="any")
    bound.invoke("hi")
    assert "tool_choice" not in rec.body


def test_tool_results_round_trip(rec):
    rec.answers = [_tool_reply()]
    model = model_for(rec).bind_tools([get_weather])
    first = model.invoke("weather in X?")
    result = get_weather.invoke(first.tool_calls[0])
    model.invoke([HumanMessage("weather in X?"), first, result])
    messages = rec.body["messages"]
    assert messages[1]["content"][0]["type"] == "tool_use"
    assert messages[2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "sunny in X",
        "is_error": False,
    }


# --- structured output ------------------------------------------------------------------


class Movie(BaseModel):
    """A movie."""

    title: str = Field(description="The title")
    year: int = Field(ge=1888, description="Release year")


def test_structured_output_function_calling_forces_the_tool(rec):
    block = {
        "type": "tool_use",
        "id": "toolu_9",
        "name": "Movie",
        "input": {"title": "Inception", "year": 2010},
    }
    rec.answers = [httpx.Response(200, json=reply([block]))]
    result = model_for(rec).with_structured_output(Movie).invoke("Inception?")
    assert result == Movie(title="Inception", year=2010)
    assert rec.body["tool_choice"] == {"type": "tool", "name": "Movie"}
    assert rec.body["tools"][0]["name"] == "Movie"


def test_structured_output_json_schema_uses_output_config_and_beta(rec):
    text = json.dumps({"title": "Inception", "year": 2010})
    rec.answers = [httpx.Response(200, json=reply([{"type": "text", "text": text}]))]
    runnable = model_for(rec).with_structured_output(Movie, method="json_schema", include_raw=True)
    result = runnable.invoke("Inception?")
    assert result["parsed"] == Movie(title="Inception", year=2010)
    assert result["parsing_error"] is None
    assert isinstance(result["raw"], AIMessage)
    fmt = rec.body["output_config"]["format"]
    assert fmt["type"] == "json_schema"
    schema = fmt["schema"]
    assert schema["additionalProperties"] is False
    assert "minimum" not in schema["properties"]["year"]
    assert "minimum: 1888" in schema["properties"]["year"]["description"]
    assert STRUCTURED_OUTPUTS_BETA in rec.headers["anthropic-beta"]
    assert "tools" not in rec.body


def test_json_schema_is_refused_for_models_without_native_structured_output(rec):
    model = model_for(rec, model="claude-3-5-haiku-20241022")
    with pytest.raises(ConfigurationError, match="function_calling"):
        model.with_structured_output(Movie, method="json_schema")


def test_json_mode_is_refused(rec):
    with pytest.raises(ConfigurationError, match="json_mode"):
        model_for(rec).with_structured_output(Movie, method="json_mode")


def test_response_format_json_object_is_refused(rec):
    with pytest.raises(ConfigurationError, match="JSON"):
        model_for(rec).invoke("hi", response_format={"type": "json_object"})
    assert rec.requests == []


# --- copies ----------------------------------------------------------------------------


def test_bound_copies_share_the_http_client(rec):
    model = model_for(rec)
    model.bind(temperature=0).with_config(tags=["x"]).invoke("hi")
    model.invoke("hi")
    assert model._http() is model.model_copy()._http()


def test_model_copy_with_a_new_key_builds_a_new_client(rec):
    model = model_for(rec)
    model.invoke("hi")
    other = model.model_copy(update={"api_key": "sk-ant-other"})
    assert other._http() is not model._http()
    other.invoke("hi")
    assert rec.headers["x-api-key"] == "sk-ant-other"
    assert "sk-ant-other" not in repr(other)


def test_deepcopy_and_pickle_work_after_a_call(rec):
    model = ChatAnthropic(model="claude-sonnet-4-5", api_key=KEY)
    model._http()
    assert copy.deepcopy(model).model == "claude-sonnet-4-5"
    restored = pickle.loads(pickle.dumps(model))
    assert restored.api_key.get_secret_value() == KEY
    assert restored._http() is not model._http()
