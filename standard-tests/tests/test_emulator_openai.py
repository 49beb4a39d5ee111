"""The OpenAI emulator, proven with the official ``openai`` SDK (a client nobody here wrote)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest
from openai.types.chat import (
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCallUnion,
)
from openai.types.chat.chat_completion_message_function_tool_call import Function
from pydantic import BaseModel

from linguafranca_tests.emulators import Fault, OpenAIEmulator, ScriptedReply

MULTIPLY: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "multiply",
        "description": "Multiply two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}
WEATHER: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}


def fn(call: ChatCompletionMessageToolCallUnion) -> Function:
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    return call.function


@pytest.fixture
def emu() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: OpenAIEmulator) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=emu.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


def test_chat_invoke_echoes_and_reports_usage(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello there, emulator"},
        ],
    )
    choice = result.choices[0]
    assert choice.message.content == "You said: Hello there, emulator"
    assert choice.finish_reason == "stop"
    assert result.model == "gpt-4o-mini"
    assert result.id.startswith("chatcmpl-")
    assert result.usage is not None
    assert result.usage.completion_tokens == 5
    assert result.usage.total_tokens == result.usage.prompt_tokens + 5


def test_chat_stream_with_usage_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "one two three four"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You said: one two three four"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 6
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 6


def test_chat_stream_without_usage_has_no_usage_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


def test_chat_tool_call_with_arguments_from_the_prompt(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Use multiply to compute 1231 * 2331"}],
        tools=[MULTIPLY, WEATHER],
    )
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls or []
    assert [fn(c).name for c in calls] == ["multiply"]
    assert json.loads(fn(calls[0]).arguments) == {"a": 1231, "b": 2331}
    assert calls[0].id.startswith("call_")


def test_chat_parallel_tool_calls_and_forced_choice(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Call get_weather for Paris and multiply 6 by 7"}],
        tools=[MULTIPLY, WEATHER],
    )
    calls = result.choices[0].message.tool_calls or []
    assert [fn(c).name for c in calls] == ["get_weather", "multiply"]
    assert json.loads(fn(calls[0]).arguments) == {"city": "Paris", "unit": "celsius"}
    assert json.loads(fn(calls[1]).arguments) == {"a": 6, "b": 7}
    forced = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "no tool named here"}],
        tools=[MULTIPLY, WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert [fn(c).name for c in forced.choices[0].message.tool_calls or []] == ["get_weather"]
    none = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "multiply 2 by 3"}],
        tools=[MULTIPLY],
        tool_choice="none",
    )
    assert none.choices[0].message.tool_calls is None


def test_chat_stream_tool_call_arguments_reassemble(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "magic_function of 3 please"}],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "magic_function",
                    "parameters": {
                        "type": "object",
                        "properties": {"input": {"type": "integer"}},
                        "required": ["input"],
                    },
                },
            }
        ],
        stream=True,
        stream_options={"include_usage": True},
    )
    arguments = ""
    names = []
    finish = None
    for chunk in stream:
        if not chunk.choices:
            continue
        for call in chunk.choices[0].delta.tool_calls or []:
            if call.function and call.function.name:
                names.append(call.function.name)
            arguments += (call.function.arguments or "") if call.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert names == ["magic_function"]
    assert json.loads(arguments) == {"input": 3}
    assert finish == "tool_calls"


def test_chat_answers_with_tool_results(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "user", "content": "multiply 2 by 3"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "multiply", "arguments": '{"a": 2, "b": 3}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "6"},
        ],
        tools=[MULTIPLY],
    )
    assert result.choices[0].message.content == "The multiply tool returned 6."


class Person(BaseModel):
    name: str
    age: int
    nicknames: list[str]


def test_chat_parse_structured_output(client: openai.OpenAI) -> None:
    result = client.chat.completions.parse(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Extract: Alice is 31"}],
        response_format=Person,
    )
    parsed = result.choices[0].message.parsed
    assert parsed == Person(name="Alice", age=31, nicknames=["example nicknames"])


def test_chat_json_object_mode(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Reply in JSON"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(result.choices[0].message.content or "") == {
        "answer": "You said: Reply in JSON"
    }


def test_chat_max_tokens_and_stop(client: openai.OpenAI) -> None:
    cut = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "a b c d e f g"}],
        max_completion_tokens=3,
    )
    assert cut.choices[0].message.content == "You said: a"
    assert cut.choices[0].finish_reason == "length"
    stopped = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "alpha STOP beta"}], stop=["STOP"]
    )
    assert stopped.choices[0].message.content == "You said: alpha "
    assert stopped.choices[0].finish_reason == "stop"


def test_chat_reasoning_tokens_reported(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "think"}], reasoning_effort="low"
    )
    assert result.usage is not None and result.usage.completion_tokens_details is not None
    assert (result.usage.completion_tokens_details.reasoning_tokens or 0) > 0


def test_chat_multimodal_inputs_are_acknowledged(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Describe these"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                    {
                        "type": "file",
                        "file": {
                            "filename": "a.pdf",
                            "file_data": "data:application/pdf;base64,JVBE",
                        },
                    },
                ],
            }
        ],
    )
    content = result.choices[0].message.content or ""
    assert content.startswith("I received 2 images and 1 PDF.")


def test_scripted_reply_wins(emu: OpenAIEmulator, client: openai.OpenAI) -> None:
    emu.script("Exactly this.", ScriptedReply(tool_calls=[{"name": "multiply", "args": {"a": 1}}]))
    first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    second = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    third = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert first.choices[0].message.content == "Exactly this."
    calls = second.choices[0].message.tool_calls or []
    assert fn(calls[0]).name == "multiply" and json.loads(fn(calls[0]).arguments) == {"a": 1}
    assert third.choices[0].message.content == "You said: x"


def test_models_list(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids


def test_request_log_records_method_path_headers_body(
    emu: OpenAIEmulator, client: openai.OpenAI
) -> None:
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "log me"}])
    (request,) = emu.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {"model": "gpt-4o", "messages": [{"role": "user", "content": "log me"}]}
    assert "sk-test" not in repr(request)


# -- errors --------------------------------------------------------------------------------


def test_invalid_key_gets_the_real_401(emu: OpenAIEmulator) -> None:
    bad = openai.OpenAI(base_url=emu.base_url, api_key="invalid", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert info.value.code == "invalid_api_key"
    assert info.value.status_code == 401


def test_missing_key_gets_401() -> None:
    with OpenAIEmulator() as emu:
        response = httpx.post(
            f"{emu.base_url}/chat/completions", json={"model": "m", "messages": []}
        )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "didn't provide an API key" in response.json()["error"]["message"]


def test_unknown_model_gets_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(
            model="gpt-does-not-exist", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.code == "model_not_found"


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"model": "gpt-4o"}, "messages", "missing_required_parameter"),
        ({"model": "gpt-4o", "messages": []}, "messages", "empty_array"),
        (
            {"model": "gpt-4o", "messages": [{"role": "robot", "content": "x"}]},
            "messages[0].role",
            "invalid_value",
        ),
        (
            {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": 5},
            "temperature",
            "decimal_above_max_value",
        ),
        ({"model": 4, "messages": [{"role": "user", "content": "x"}]}, "model", "invalid_type"),
    ],
)
def test_invalid_bodies_get_400_with_param(
    client: openai.OpenAI, body: dict[str, object], param: str, code: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.post("/chat/completions", body=body, cast_to=httpx.Response)
    error = info.value.body
    assert isinstance(error, dict)
    assert error["param"] == param
    assert error["code"] == code
    assert error["type"] == "invalid_request_error"


# -- faults --------------------------------------------------------------------------------


def test_429_with_retry_after_then_success(emu: OpenAIEmulator) -> None:
    emu.fail_next(429, headers={"retry-after-ms": "5", "retry-after": "0"}, times=2)
    retrying = openai.OpenAI(base_url=emu.base_url, api_key="sk-test", max_retries=2)
    result = retrying.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "ok"}]
    )
    assert result.choices[0].message.content == "You said: ok"
    assert len(emu.requests) == 3


def test_429_body_has_the_openai_shape(emu: OpenAIEmulator, client: openai.OpenAI) -> None:
    emu.fail_next(429, headers={"retry-after": "7"})
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.code == "rate_limit_exceeded"


def test_dropped_stream_raises(emu: OpenAIEmulator, client: openai.OpenAI) -> None:
    emu.enqueue_fault(Fault(drop_after=3))
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "a b c d e f g h"}], stream=True
    )
    received = []
    with pytest.raises((httpx.HTTPError, openai.APIError)):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 3


def test_malformed_event_raises(emu: OpenAIEmulator, client: openai.OpenAI) -> None:
    emu.enqueue_fault(malformed_at=2)
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "a b c"}], stream=True
    )
    with pytest.raises(json.JSONDecodeError):
        list(stream)


def test_delay_triggers_client_timeout(emu: OpenAIEmulator) -> None:
    emu.enqueue_fault(delay=2.0)
    impatient = openai.OpenAI(base_url=emu.base_url, api_key="sk-test", max_retries=0, timeout=0.2)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_fault_keyed_by_path(emu: OpenAIEmulator, client: openai.OpenAI) -> None:
    emu.fail_next(500, path="/responses")
    ok = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert ok.choices[0].message.content == "You said: x"
    with pytest.raises(openai.InternalServerError):
        client.responses.create(model="m", input="x")


# -- Azure -----------------------------------------------------------------------------------


def test_azure_deployment_path_and_api_key_header(emu: OpenAIEmulator) -> None:
    azure = openai.AzureOpenAI(
        azure_endpoint=emu.url,
        azure_deployment="my-gpt",
        api_version="2024-10-21",
        api_key="azure-key",
        max_retries=0,
    )
    result = azure.chat.completions.create(
        model="ignored-by-azure", messages=[{"role": "user", "content": "hi azure"}]
    )
    assert result.choices[0].message.content == "You said: hi azure"
    request = emu.requests[-1]
    assert request.path == "/openai/deployments/my-gpt/chat/completions"
    assert request.query["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "azure-key"


def test_azure_v1_path(emu: OpenAIEmulator) -> None:
    azure_v1 = openai.OpenAI(base_url=f"{emu.url}/openai/v1", api_key="azure-key", max_retries=0)
    result = azure_v1.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "v1 form"}]
    )
    assert result.choices[0].message.content == "You said: v1 form"
    assert emu.requests[-1].path == "/openai/v1/chat/completions"


def test_prompt_caching_reports_cached_tokens_for_a_repeated_long_prefix(
    client: openai.OpenAI,
) -> None:
    system: ChatCompletionMessageParam = {"role": "system", "content": "context " * 1500}
    first = client.chat.completions.create(
        model="m", messages=[system, {"role": "user", "content": "q1"}]
    )
    second = client.chat.completions.create(
        model="m", messages=[system, {"role": "user", "content": "q2"}]
    )
    short = client.chat.completions.create(
        model="m",
        messages=[{"role": "system", "content": "x"}, {"role": "user", "content": "q2"}],
    )
    assert first.usage and first.usage.prompt_tokens_details
    assert second.usage and second.usage.prompt_tokens_details
    assert short.usage and short.usage.prompt_tokens_details
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    cached = second.usage.prompt_tokens_details.cached_tokens or 0
    assert cached >= 1024 and cached % 128 == 0
    assert short.usage.prompt_tokens_details.cached_tokens == 0
