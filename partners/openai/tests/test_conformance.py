"""The linguafranca conformance suites, run against ChatOpenAI and AzureChatOpenAI.

Offline they talk to the OpenAI emulator (Chat Completions, the Responses API and Azure's
paths); with ``--live`` and ``OPENAI_API_KEY`` set, to the real service.
"""

import dataclasses
from pathlib import Path
from typing import Any

from linguafranca_openai import AzureChatOpenAI, ChatOpenAI
from linguafranca_tests import Capabilities, EnvParams
from linguafranca_tests.integration_tests import ChatModelIntegrationTests
from linguafranca_tests.unit_tests import ChatModelUnitTests

CAPABILITIES = Capabilities(
    tool_calling=True,
    tool_choice=True,
    parallel_tool_calls=True,
    streaming_tool_calls=True,
    structured_output_methods={"function_calling", "json_schema", "json_mode"},
    image_inputs=True,
    image_urls=True,
    pdf_inputs=True,
    reasoning_output=True,
    usage_input_details={"cache_read"},
    usage_output_details={"reasoning"},
    model_override="gpt-4o-mini",
)
# A reasoning model: its profile declares what the capabilities above claim.
PARAMS = {"model": "gpt-5-mini"}
REASONING: dict[str, dict[str, Any]] = {
    "reasoning_output": {"reasoning": {"effort": "low", "summary": "auto"}},
    "usage_output_details.reasoning": {"reasoning_effort": "low"},
}
# The Responses API has no stop sequences (a stop argument is refused with a clear error).
RESPONSES_CAPABILITIES = dataclasses.replace(CAPABILITIES, stop_sequences=False)


class TestChatOpenAIUnit(ChatModelUnitTests):
    chat_model_class = ChatOpenAI
    chat_model_params = PARAMS
    provider = "openai"
    capabilities = CAPABILITIES
    capability_params = REASONING
    env_params = EnvParams(
        env={"OPENAI_API_KEY": "sk-from-env-0123456789", "OPENAI_BASE_URL": "http://127.0.0.1:1"},
        expected={"api_key": "sk-from-env-0123456789", "base_url": "http://127.0.0.1:1"},
    )


class TestChatOpenAIIntegration(ChatModelIntegrationTests):
    chat_model_class = ChatOpenAI
    chat_model_params = PARAMS
    capabilities = CAPABILITIES
    capability_params = REASONING
    emulator = "openai"
    live_env = ("OPENAI_API_KEY",)


class TestChatOpenAIResponsesIntegration(ChatModelIntegrationTests):
    chat_model_class = ChatOpenAI
    chat_model_params = {**PARAMS, "use_responses_api": True}
    capabilities = RESPONSES_CAPABILITIES
    capability_params = REASONING
    emulator = "openai-responses"
    live_env = ("OPENAI_API_KEY",)


class TestAzureChatOpenAIUnit(ChatModelUnitTests):
    chat_model_class = AzureChatOpenAI
    chat_model_params = {"model": "gpt-5-mini", "azure_deployment": "gpt-5-mini"}
    provider = "azure_openai"
    capabilities = CAPABILITIES
    capability_params = REASONING
    env_params = EnvParams(
        env={
            "AZURE_OPENAI_API_KEY": "azure-from-env-0123456789",
            "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com",
            "OPENAI_API_VERSION": "2024-10-21",
        },
        expected={
            "api_key": "azure-from-env-0123456789",
            "azure_endpoint": "https://r.openai.azure.com",
            "api_version": "2024-10-21",
        },
    )


class TestAzureChatOpenAIIntegration(ChatModelIntegrationTests):
    chat_model_class = AzureChatOpenAI
    chat_model_params = {"model": "gpt-5-mini", "azure_deployment": "gpt-5-mini"}
    capabilities = CAPABILITIES
    capability_params = REASONING
    emulator = "openai"
    live_env = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT")

    def chat_model_params_for(self, base_url: str) -> dict[str, Any]:
        return {"azure_endpoint": base_url.removesuffix("/v1"), "api_key": "lf-emulator-key"}


def test_readme_shows_the_declared_capabilities():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    assert CAPABILITIES.markdown_table() in readme
