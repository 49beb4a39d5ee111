"""ChatOpenAI construction, environment, and the request each parameter produces.

Requests go to an ``httpx.MockTransport`` that records them and answers with a canned
Chat Completions or Responses body.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx
import pytest
from linguafranca_plugins._openai_presets import _WARNED
from pydantic import BaseModel, SecretStr
from typing_extensions import assert_type

from linguafranca.errors import ConfigurationError
from linguafranca.messages import AIMessage, HumanMessage, LanguageModelInput, SystemMessage
from linguafranca.runnables import Runnable
from linguafranca_openai import ChatOpenAI

KEY = "sk-test-0123456789abcdef"
CHAT_REPLY: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello!", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    "system_fingerprint": "fp_1",
}
RESPONSES_REPLY = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "gpt-4.1",
    "output": [
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Hi from responses", "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 4, "output_tokens": 3, "total_tokens": 7},
}
ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_PROXY",
    "GROQ_API_KEY",
    "GROQ_BASE_URL",
    "GROQ_API_BASE",
    "MISTRAL_API_KEY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


class Recorder:
    """A MockTransport handler that records requests and answers by path."""

    def __init__(self):
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = RESPONSES_REPLY if request.url.path.endswith("/responses") else CHAT_REPLY
        return httpx.Response(200, json=body, headers={"x-request-id": "req_1"})

    @property
    def body(self):
        return json.loads(self.requests[-1].content)


def make(**kwargs):
    recorder = Recorder()
    transport = httpx.MockTransport(recorder)
    kwargs.setdefault("model", "gpt-4.1")
    kwargs.setdefault("api_key", KEY)
    model = ChatOpenAI(
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )
    return model, recorder


# --- construction and environment -------------------------------------------------------


def test_constructs_without_a_key_and_fails_clearly_on_first_call():
    model = ChatOpenAI(model="gpt-4.1", temperature=0)
    assert model.api_key is None
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        model.invoke("hi")


def test_key_endpoint_and_ids_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example.com/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-1")
    monkeypatch.setenv("OPENAI_PROXY", "http://proxy.local:8080")
    model = ChatOpenAI(model="gpt-4.1")
    assert model.api_key is not None and model.api_key.get_secret_value() == KEY
    assert model.base_url == "https://proxy.example.com/v1"
    assert model.organization == "org-1" and model.project == "proj-1"
    assert model.openai_proxy == "http://proxy.local:8080"
    assert model.provider == "openai"


def test_openai_api_base_is_read_too(monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", "https://gateway.example.com/v1")
    assert ChatOpenAI(model="gpt-4.1").base_url == "https://gateway.example.com/v1"


def test_langchain_aliases_are_accepted():
    model = ChatOpenAI(
        model_name="gpt-4o",
        openai_api_key=KEY,
        openai_api_base="https://example.com/v1",
        openai_organization="org-x",
        max_completion_tokens=33,
        request_timeout=12.5,
    )
    assert model.model == "gpt-4o" and model.model_name == "gpt-4o"
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == KEY
    assert model.openai_api_base == "https://example.com/v1"
    assert model.openai_organization == "org-x"
    assert model.max_tokens == 33
    assert model.timeout == 12.5


def test_unknown_argument_is_rejected_with_a_suggestion():
    with pytest.raises(ConfigurationError, match="temperature"):
        ChatOpenAI(model="gpt-4.1", temprature=0.5)


def test_profile_comes_from_the_openai_data():
    model = ChatOpenAI(model="gpt-4o-2024-08-06", api_key=KEY)
    assert model.profile is not None
    assert model.profile["max_input_tokens"] == 128_000
    assert ChatOpenAI(model="my-finetune", api_key=KEY).profile is None


def test_preset_by_name_reads_its_own_environment(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_groqkey0123456789")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    model = ChatOpenAI(model="llama-3.3-70b-versatile", provider="groq")
    assert model.base_url == "https://api.groq.com/openai/v1"
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "gsk_groqkey0123456789"
    assert model.profile is None


def test_preset_without_its_key_names_its_variable():
    model = ChatOpenAI(model="llama-3.3-70b-versatile", provider="groq")
    with pytest.raises(ConfigurationError, match="GROQ_API_KEY"):
        model.invoke("hi")


def test_preset_is_inferred_from_base_url(monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "mistral-key")
    model = ChatOpenAI(model="mistral-small-latest", base_url="https://api.mistral.ai/v1")
    assert model.provider == "mistralai"
    assert model.api_key is not None and model.api_key.get_secret_value() == "mistral-key"


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigurationError, match="groq"):
        ChatOpenAI(model="x", provider="not-a-provider")


def test_default_model_comes_from_the_preset():
    assert ChatOpenAI(api_key=KEY).model == "gpt-4.1-mini"
    assert ChatOpenAI(provider="groq", api_key=KEY).model == "llama-3.3-70b-versatile"


def test_local_server_without_model_says_what_to_pass():
    model = ChatOpenAI(provider="vllm")
    with pytest.raises(ConfigurationError, match="model"):
        model.invoke("hi")


# --- requests ---------------------------------------------------------------------------


def test_invoke_sends_one_chat_completions_request():
    model, recorder = make()
    answer = model.invoke("Hello")
    assert answer.content == "Hello!"
    assert answer.usage_metadata == {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}
    assert answer.response_metadata["finish_reason"] == "stop"
    assert answer.response_metadata["model_name"] == "gpt-4.1-2025-04-14"
    assert answer.response_metadata["model_provider"] == "openai"
    request = recorder.requests[0]
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert recorder.body == {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "Hello"}],
        "stream": False,
    }


def test_every_parameter_reaches_the_body():
    model, recorder = make(
        temperature=0.2,
        top_p=0.9,
        presence_penalty=0.1,
        frequency_penalty=0.3,
        seed=7,
        logprobs=True,
        top_logprobs=2,
        logit_bias={50256: -100},
        n=2,
        max_tokens=40,
        reasoning_effort="low",
        service_tier="flex",
        store=True,
        prompt_cache_key="cache-1",
        verbosity="low",
        stop=["END"],
        model_kwargs={"user": "u-1", "metadata": {"a": "b"}},
        extra_body={"custom_field": 1},
    )
    model.invoke("Hi")
    body = recorder.body
    expected = {
        "temperature": 0.2,
        "top_p": 0.9,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.3,
        "seed": 7,
        "logprobs": True,
        "top_logprobs": 2,
        "logit_bias": {"50256": -100},
        "n": 2,
        "max_completion_tokens": 40,
        "reasoning_effort": "low",
        "service_tier": "flex",
        "store": True,
        "prompt_cache_key": "cache-1",
        "verbosity": "low",
        "stop": ["END"],
        "user": "u-1",
        "metadata": {"a": "b"},
        "custom_field": 1,
    }
    assert {k: body[k] for k in expected} == expected
    assert "max_tokens" not in body


def test_call_arguments_override_fields():
    model, recorder = make(temperature=0.2, max_tokens=10)
    model.invoke("Hi", temperature=0.9, max_tokens=5, stop=["x"])
    body = recorder.body
    assert body["temperature"] == 0.9
    assert body["max_completion_tokens"] == 5
    assert body["stop"] == ["x"]
    model.invoke("Hi")
    assert recorder.body["temperature"] == 0.2 and "stop" not in recorder.body


def test_bind_logprobs_gives_response_metadata_logprobs():
    logprobs = {"content": [{"token": "Hello", "logprob": -0.1, "bytes": None, "top_logprobs": []}]}
    reply = {**CHAT_REPLY, "choices": [{**CHAT_REPLY["choices"][0], "logprobs": logprobs}]}
    requests = []

    def handler(request):
        requests.append(json.loads(request.content))
        return httpx.Response(200, json=reply)

    model = ChatOpenAI(
        model="gpt-4o",
        api_key=KEY,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    answer = model.bind(logprobs=True).invoke("Why do parrots talk?")
    assert requests[0]["logprobs"] is True
    assert answer.response_metadata["logprobs"] == logprobs


def test_system_message_becomes_developer_for_o_series():
    model, recorder = make(model="o3-mini")
    model.invoke([SystemMessage("Be brief."), HumanMessage("Hi")])
    assert recorder.body["messages"][0] == {"role": "developer", "content": "Be brief."}
    model, recorder = make(model="gpt-4.1")
    model.invoke([SystemMessage("Be brief."), HumanMessage("Hi")])
    assert recorder.body["messages"][0]["role"] == "system"


def test_organization_project_default_headers_and_query():
    model, recorder = make(
        organization="org-9",
        project="proj-9",
        default_headers={"x-custom": "1"},
        default_query={"tenant": "t1"},
        base_url="https://gateway.example.com/openai/v1/",
    )
    model.invoke("Hi")
    request = recorder.requests[0]
    assert str(request.url) == "https://gateway.example.com/openai/v1/chat/completions?tenant=t1"
    assert request.headers["openai-organization"] == "org-9"
    assert request.headers["openai-project"] == "proj-9"
    assert request.headers["x-custom"] == "1"


def test_include_response_headers_puts_redacted_headers_in_metadata():
    model, _ = make(include_response_headers=True)
    answer = model.invoke("Hi")
    assert answer.response_metadata["headers"]["x-request-id"] == "req_1"
    model, _ = make()
    assert "headers" not in model.invoke("Hi").response_metadata


def test_disabled_params_are_not_sent():
    model, recorder = make(disabled_params={"parallel_tool_calls": None, "temperature": [0.5]})
    model.invoke("Hi", parallel_tool_calls=False, temperature=0.5)
    assert "parallel_tool_calls" not in recorder.body and "temperature" not in recorder.body
    model.invoke("Hi", temperature=0.7)
    assert recorder.body["temperature"] == 0.7


def test_response_format_pydantic_class_becomes_a_strict_schema():
    from pydantic import BaseModel

    class Answer(BaseModel):
        value: int

    model, recorder = make()
    model.invoke("Hi", response_format=Answer)
    fmt = recorder.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Answer" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False


def test_changing_a_field_after_a_call_changes_the_next_request():
    model, recorder = make(temperature=0.1)
    model.invoke("Hi")
    model.temperature = 0.6
    model.invoke("Hi")
    assert recorder.body["temperature"] == 0.6
    copy = model.model_copy(update={"temperature": 0.3})
    copy.invoke("Hi")
    assert recorder.body["temperature"] == 0.3
    model.invoke("Hi")
    assert recorder.body["temperature"] == 0.6


def test_copies_and_bindings_share_the_http_clients():
    model, _ = make()
    model.invoke("Hi")
    http = model._http
    assert http is not None
    bound = model.bind(temperature=0)
    bound.invoke("Hi")
    assert model._http is http
    copy = model.model_copy(update={"temperature": 0.5})
    copy.invoke("Hi")
    assert copy._http is http
    rebased = model.model_copy(update={"base_url": "https://other.example.com/v1"})
    rebased.invoke("Hi")
    assert rebased._http is not http
    assert model.model_copy(deep=True)._http is http


def test_equal_settings_share_one_client_and_the_client_is_built_once():
    first = ChatOpenAI(model="gpt-4.1", api_key=KEY)
    second = ChatOpenAI(model="gpt-4o", api_key=KEY, temperature=0)
    other_key = ChatOpenAI(model="gpt-4.1", api_key="sk-other-0123456789")
    http = first._load_http()
    assert second._load_http() is http
    assert other_key._load_http() is not http
    assert http.clients.client() is http.clients.client()


def test_n_choices_give_several_generations():
    reply = {
        **CHAT_REPLY,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "A"}, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "content": "B"}, "finish_reason": "stop"},
        ],
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=reply))
    model = ChatOpenAI(
        model="gpt-4.1", api_key=KEY, n=2, http_client=httpx.Client(transport=transport)
    )
    result = model.generate([[HumanMessage("Hi")]])
    assert [g.text for g in result.generations[0]] == ["A", "B"]
    assert result.generations[0][0].generation_info == {"finish_reason": "stop"}


def test_output_version_v1_gives_standard_blocks():
    model, _ = make(output_version="v1")
    answer = model.invoke("Hi")
    assert answer.content == [{"type": "text", "text": "Hello!"}]


async def test_ainvoke_sends_the_same_request():
    model, recorder = make(temperature=0)
    answer = await model.ainvoke("Hello")
    assert answer.text == "Hello!"
    assert recorder.body["temperature"] == 0
    assert recorder.requests[0].headers["authorization"] == f"Bearer {KEY}"


# --- presets ----------------------------------------------------------------------------


def test_preset_quirks_are_applied_with_one_warning():
    _WARNED.clear()
    model, recorder = make(model="llama-3.3-70b-versatile", provider="groq", logprobs=True)
    with pytest.warns(UserWarning, match="logprobs") as caught:
        model.invoke([SystemMessage("sys"), HumanMessage("Hi")], max_tokens=9)
    body = recorder.body
    assert str(recorder.requests[0].url) == "https://api.groq.com/openai/v1/chat/completions"
    assert "logprobs" not in body
    assert body["max_completion_tokens"] == 9
    assert len([w for w in caught if "logprobs" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.invoke("again")  # warned once per process
    assert "logprobs" not in recorder.body


def test_mistral_preset_renames_and_drops():
    _WARNED.clear()
    model, recorder = make(model="mistral-small-latest", provider="mistralai", seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # seed is renamed, not dropped: no warning
        model.invoke("Hi", max_tokens=8)
    body = recorder.body
    assert body["random_seed"] == 3 and "seed" not in body
    assert body["max_tokens"] == 8 and "max_completion_tokens" not in body


def test_preset_never_gets_stream_options_when_unsupported():
    events = (
        b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
        b'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
        b'"x_groq":{"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}}\n\n'
        b"data: [DONE]\n\n"
    )
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, content=events, headers={"content-type": "text/event-stream"})

    model = ChatOpenAI(
        model="llama-3.3-70b-versatile",
        provider="groq",
        api_key="gsk_x",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    chunks = list(model.stream("Hi"))
    assert "stream_options" not in bodies[0] and bodies[0]["stream"] is True
    assert "".join(c.text for c in chunks) == "Hi"
    assert [c.usage_metadata for c in chunks if c.usage_metadata] == [
        {"input_tokens": 2, "output_tokens": 1, "total_tokens": 3}
    ]


def test_preset_system_message_rule_is_enforced():
    model, _ = make(model="sonar", provider="perplexity")
    with pytest.raises(ConfigurationError, match="system"):
        model.invoke([HumanMessage("Hi"), SystemMessage("late")])


# --- secrets ----------------------------------------------------------------------------


def test_key_never_in_repr_str_or_serialized_output():
    model = ChatOpenAI(
        model="gpt-4.1", api_key=KEY, default_headers={"x-api-key": "hdr-secret-value"}
    )
    for text in (repr(model), str(model), model.model_dump_json(), repr(model.model_dump())):
        assert KEY not in text
        assert "hdr-secret-value" not in text
    assert isinstance(model.api_key, SecretStr)


def test_key_never_in_logs(caplog):
    model, _ = make()
    with caplog.at_level("DEBUG", logger="linguafranca"):
        model.invoke("Hi")
    assert caplog.records, "the request should be logged at DEBUG"
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_answer_is_an_ai_message_with_the_response_id():
    model, _ = make()
    answer = model.invoke("Hi")
    assert isinstance(answer, AIMessage)
    assert answer.id == "chatcmpl-1"


def test_proxy_and_timeout_reach_the_built_client():
    model = ChatOpenAI(
        model="gpt-4.1", api_key=KEY, openai_proxy="http://proxy.local:8080", timeout=(2.0, 30.0)
    )
    settings = model._load_http().clients.settings
    assert settings.proxy == "http://proxy.local:8080"
    assert settings.timeout == httpx.Timeout(30.0, connect=2.0)
    assert settings.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(settings)


def test_stream_options_in_model_kwargs_steer_stream_usage():
    events = b'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, content=events + b"data: [DONE]\n\n")

    model = ChatOpenAI(
        model="gpt-4.1",
        api_key=KEY,
        model_kwargs={"stream_options": {"include_usage": False}},
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    list(model.stream("hi"))
    assert "stream_options" not in bodies[0]


class _Answer(BaseModel):
    value: int


def test_structured_output_keeps_the_schema_type_for_type_checkers() -> None:
    # The typed overloads live in BaseChatModel; ChatOpenAI only picks the method.
    model = ChatOpenAI(model="gpt-4.1", api_key=SecretStr("sk-test"))
    typed = model.with_structured_output(_Answer)
    assert_type(typed, Runnable[LanguageModelInput, _Answer])
    assert isinstance(typed, Runnable)
