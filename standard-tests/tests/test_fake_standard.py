"""Both suites, run against the scripted fake model (provider ``fake``, no endpoint)."""

from linguafranca.chat_models.fake import ScriptedFakeChatModel
from linguafranca_tests import Capabilities
from linguafranca_tests.integration_tests import ChatModelIntegrationTests
from linguafranca_tests.unit_tests import ChatModelUnitTests

FAKE_CAPABILITIES = Capabilities(
    tool_calling=True,
    tool_choice=True,
    parallel_tool_calls=True,
    streaming_tool_calls=True,
    structured_output_methods=frozenset({"function_calling", "json_schema", "json_mode"}),
    model_override="fake-model-2",
)


class TestScriptedFakeUnit(ChatModelUnitTests):
    chat_model_class = ScriptedFakeChatModel
    chat_model_params = {"model": "fake-model"}
    provider = "fake"
    capabilities = FAKE_CAPABILITIES


class TestScriptedFakeIntegration(ChatModelIntegrationTests):
    chat_model_class = ScriptedFakeChatModel
    chat_model_params = {"model": "fake-model"}
    capabilities = FAKE_CAPABILITIES
