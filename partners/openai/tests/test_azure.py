"""AzureChatOpenAI: URL forms, credentials (key, Entra ID token, token providers), env vars."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from linguafranca import errors
from linguafranca.chat_models import init_chat_model
from linguafranca_openai import AzureChatOpenAI, ChatOpenAI
from linguafranca_openai._azure import azure_urls
from linguafranca_openai._client import CHAT, RESPONSES
from linguafranca_tests.emulators import OpenAIEmulator

ENDPOINT = "https://my-resource.openai.azure.com"
AZURE_KEY = "azure-key-0123456789abcdef"
REPLY = {
    "id": "chatcmpl-az",
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi from azure"},
            "finish_reason": "stop",
        }
    ],
}
ENV = (
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_AD_TOKEN",
    "OPENAI_API_KEY",
    "AZURE_OPENAI_DEPLOYMENT_NAME",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


class Recorder:
    def __init__(self):
        self.requests: list[httpx.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        return httpx.Response(200, json=REPLY)


def make(**kwargs):
    recorder = Recorder()
    transport = httpx.MockTransport(recorder)
    kwargs.setdefault("azure_endpoint", ENDPOINT)
    model = AzureChatOpenAI(
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )
    return model, recorder


# --- URL forms --------------------------------------------------------------------------


def test_dated_api_version_uses_the_deployment_url():
    model, recorder = make(
        api_key=AZURE_KEY, azure_deployment="my-gpt41", api_version="2024-10-21", model="gpt-4.1"
    )
    answer = model.invoke("hi")
    assert answer.text == "hi from azure"
    assert answer.response_metadata["model_provider"] == "openai"  # OpenAI's wire format
    request = recorder.requests[0]
    assert str(request.url) == (
        f"{ENDPOINT}/openai/deployments/my-gpt41/chat/completions?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == AZURE_KEY
    assert "authorization" not in request.headers
    assert json.loads(request.content)["model"] == "gpt-4.1"


@pytest.mark.parametrize("version", [None, "v1"])
def test_v1_api_puts_the_deployment_in_the_body(version):
    model, recorder = make(api_key=AZURE_KEY, azure_deployment="my-gpt41", api_version=version)
    model.invoke("hi")
    request = recorder.requests[0]
    assert str(request.url) == f"{ENDPOINT}/openai/v1/chat/completions"
    assert json.loads(request.content)["model"] == "my-gpt41"


def test_preview_version_is_sent_as_a_query():
    urls = azure_urls(endpoint=ENDPOINT + "/", deployment="d", api_version="preview")
    assert urls[CHAT] == f"{ENDPOINT}/openai/v1/chat/completions?api-version=preview"
    assert urls[RESPONSES] == f"{ENDPOINT}/openai/v1/responses?api-version=preview"


def test_responses_url_of_the_dated_form():
    urls = azure_urls(endpoint=ENDPOINT, deployment="d", api_version="2025-03-01-preview")
    assert urls[RESPONSES] == f"{ENDPOINT}/openai/responses?api-version=2025-03-01-preview"


def test_endpoint_given_with_the_openai_suffix_is_normalised():
    urls = azure_urls(endpoint=ENDPOINT + "/openai/v1/", deployment="d", api_version=None)
    assert urls[CHAT] == f"{ENDPOINT}/openai/v1/chat/completions"


def test_base_url_replaces_the_computed_url():
    urls = azure_urls(
        endpoint=None,
        deployment=None,
        api_version="2024-10-21",
        base_url="https://gateway.example.com/openai/deployments/x",
    )
    assert urls[CHAT] == (
        "https://gateway.example.com/openai/deployments/x/chat/completions?api-version=2024-10-21"
    )


def test_missing_endpoint_and_deployment_are_explained():
    with pytest.raises(errors.ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        azure_urls(endpoint=None, deployment="d", api_version=None)
    with pytest.raises(errors.ConfigurationError, match="azure_deployment"):
        azure_urls(endpoint=ENDPOINT, deployment=None, api_version="2024-10-21")


def test_reasoning_deployments_get_max_completion_tokens():
    model, recorder = make(api_key=AZURE_KEY, azure_deployment="o3", model="o3-mini", max_tokens=10)
    model.invoke("hi")
    assert json.loads(recorder.requests[0].content)["max_completion_tokens"] == 10
    model, recorder = make(api_key=AZURE_KEY, azure_deployment="g", model="gpt-4o", max_tokens=10)
    model.invoke("hi")
    assert json.loads(recorder.requests[0].content)["max_tokens"] == 10


# --- credentials ------------------------------------------------------------------------


def test_ad_token_is_sent_as_bearer():
    model, recorder = make(azure_ad_token="entra-token-123456789", azure_deployment="d")
    model.invoke("hi")
    assert recorder.requests[0].headers["authorization"] == "Bearer entra-token-123456789"
    assert "api-key" not in recorder.requests[0].headers


def test_sync_token_provider_is_called_per_request():
    tokens = iter(["tok-1", "tok-2"])
    model, recorder = make(azure_ad_token_provider=lambda: next(tokens), azure_deployment="d")
    model.invoke("hi")
    model.invoke("again")
    assert [r.headers["authorization"] for r in recorder.requests] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]


async def test_async_token_provider_is_used_by_async_calls():
    calls = []

    async def provider():
        calls.append(1)
        return "async-tok"

    model, recorder = make(
        azure_ad_token_provider=lambda: "sync-tok",
        azure_ad_async_token_provider=provider,
        azure_deployment="d",
    )
    await model.ainvoke("hi")
    assert recorder.requests[-1].headers["authorization"] == "Bearer async-tok"
    model.invoke("hi")
    assert recorder.requests[-1].headers["authorization"] == "Bearer sync-tok"
    assert calls == [1]


async def test_sync_token_provider_also_serves_async_calls():
    model, recorder = make(azure_ad_token_provider=lambda: "only-sync", azure_deployment="d")
    await model.ainvoke("hi")
    assert recorder.requests[-1].headers["authorization"] == "Bearer only-sync"


def test_no_credentials_is_explained():
    model, _ = make(azure_deployment="d")
    with pytest.raises(errors.ConfigurationError, match="AZURE_OPENAI_API_KEY"):
        model.invoke("hi")


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-03-01-preview")
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "entra-env-token")
    model = AzureChatOpenAI(model="gpt-4.1", azure_deployment="dep")
    assert model.azure_endpoint == ENDPOINT
    assert model.api_version == "2025-03-01-preview"
    assert model.api_key is not None and model.api_key.get_secret_value() == AZURE_KEY
    assert model.azure_ad_token is not None
    assert model.provider == "azure_openai"
    assert model.profile is not None and model.profile["max_input_tokens"] > 1_000_000


def test_langchain_aliases():
    aliases: dict[str, Any] = {"deployment_name": "dep", "openai_api_version": "2024-10-21"}
    model = AzureChatOpenAI(azure_endpoint=ENDPOINT, api_key=SecretStr(AZURE_KEY), **aliases)
    assert model.azure_deployment == "dep" and model.api_version == "2024-10-21"


def test_secrets_never_in_repr_or_serialized_output():
    model = AzureChatOpenAI(
        azure_endpoint=ENDPOINT,
        azure_deployment="d",
        api_key=SecretStr(AZURE_KEY),
        azure_ad_token=SecretStr("entra-secret-token-xyz"),
    )
    for text in (repr(model), model.model_dump_json(), str(model.model_dump())):
        assert AZURE_KEY not in text and "entra-secret-token-xyz" not in text


def test_is_a_chat_openai_with_its_own_identity():
    model = AzureChatOpenAI(
        azure_endpoint=ENDPOINT, azure_deployment="d", api_key=SecretStr(AZURE_KEY)
    )
    assert isinstance(model, ChatOpenAI)
    assert model._llm_type == "azure-openai-chat"
    assert model._get_ls_params()["ls_provider"] == "azure"


# --- against the emulator's Azure paths -------------------------------------------------


def test_seed_example_with_environment_variables(monkeypatch):
    with OpenAIEmulator() as emu:
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", emu.url)
        monkeypatch.setenv("OPENAI_API_VERSION", "2025-03-01-preview")
        monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT_NAME", "gpt-4.1")
        import os

        model = AzureChatOpenAI(
            model="gpt-4.1", azure_deployment=os.environ["AZURE_OPENAI_DEPLOYMENT_NAME"]
        )
        answer = model.invoke("Hello Azure")
        assert answer.text == "You said: Hello Azure"
        request = emu.requests[-1]
        assert request.path == "/openai/deployments/gpt-4.1/chat/completions"
        assert request.query == {"api-version": "2025-03-01-preview"}
        assert request.headers["api-key"] == AZURE_KEY
        streamed = list(model.stream("Stream please"))
        assert "".join(c.text for c in streamed) == "You said: Stream please"
        assert sum(c.usage_metadata is not None for c in streamed) == 1


def test_init_chat_model_azure_with_the_emulator(monkeypatch):
    with OpenAIEmulator() as emu:
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", emu.url)
        model = init_chat_model("azure_openai:gpt-4.1", azure_deployment="prod-41")
        assert isinstance(model, AzureChatOpenAI)
        assert model.invoke("v1 form").text == "You said: v1 form"
        request = emu.requests[-1]
        assert request.path == "/openai/v1/chat/completions"
        assert request.body["model"] == "prod-41"


async def test_v1_responses_and_token_provider_with_the_emulator():
    with OpenAIEmulator() as emu:

        async def token():
            return "entra-async"

        model = AzureChatOpenAI(
            azure_endpoint=emu.url,
            azure_deployment="gpt-4.1",
            azure_ad_async_token_provider=token,
            use_responses_api=True,
        )
        answer = await model.ainvoke("Responses on Azure")
        assert answer.text == "You said: Responses on Azure"
        request = emu.requests[-1]
        assert request.path == "/openai/v1/responses"
        assert request.headers["authorization"] == "Bearer entra-async"
        await model.aclose()
