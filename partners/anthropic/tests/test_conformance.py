"""The linguafranca conformance suites, run against ChatAnthropic (emulator offline)."""

from linguafranca_anthropic import ChatAnthropic
from linguafranca_tests import Capabilities, EnvParams
from linguafranca_tests.integration_tests import ChatModelIntegrationTests
from linguafranca_tests.unit_tests import ChatModelUnitTests

CAPABILITIES = Capabilities(
    tool_calling=True,
    tool_choice=True,
    parallel_tool_calls=True,
    streaming_tool_calls=True,
    structured_output_methods={"function_calling", "json_schema"},
    image_inputs=True,
    image_urls=True,
    pdf_inputs=True,
    image_tool_message=True,
    pdf_tool_message=True,
    reasoning_output=True,
    usage_input_details={"cache_read", "cache_creation"},
    model_override="claude-haiku-4-5",
    anthropic_inputs=True,
)
PARAMS = {"model": "claude-sonnet-4-5", "max_tokens": 1024}
REASONING = {"reasoning_output": {"thinking": {"type": "enabled", "budget_tokens": 1024}}}


class TestChatAnthropicUnit(ChatModelUnitTests):
    chat_model_class = ChatAnthropic
    chat_model_params = PARAMS
    provider = "anthropic"
    capabilities = CAPABILITIES
    capability_params = REASONING
    env_params = EnvParams(
        env={"ANTHROPIC_API_KEY": "sk-ant-from-env", "ANTHROPIC_BASE_URL": "http://127.0.0.1:1"},
        expected={"api_key": "sk-ant-from-env", "base_url": "http://127.0.0.1:1"},
    )


class TestChatAnthropicIntegration(ChatModelIntegrationTests):
    chat_model_class = ChatAnthropic
    chat_model_params = PARAMS
    capabilities = CAPABILITIES
    capability_params = REASONING
    emulator = "anthropic"
    live_env = ("ANTHROPIC_API_KEY",)
