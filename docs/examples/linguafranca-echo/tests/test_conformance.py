"""The standard conformance suites, run against ChatEcho.

Declare what the model can do, honestly: a declared capability is tested, an undeclared
one is skipped with one uniform message (and the unit suite checks that undeclared
structured-output methods are refused).
"""

from linguafranca_echo import ChatEcho
from linguafranca_tests import Capabilities, EnvParams
from linguafranca_tests.integration_tests import ChatModelIntegrationTests
from linguafranca_tests.unit_tests import ChatModelUnitTests

CAPABILITIES = Capabilities(
    tool_calling=True,
    tool_choice=True,
    parallel_tool_calls=True,
    structured_output_methods=frozenset({"function_calling"}),
    model_override="echo-2",
)


class TestChatEchoUnit(ChatModelUnitTests):
    chat_model_class = ChatEcho
    chat_model_params = {"model": "echo-1"}
    capabilities = CAPABILITIES
    provider = "echo"  # enables the discovery tests (entry point, init_chat_model)
    env_params = EnvParams(env={"ECHO_API_KEY": "ek-from-env"}, expected={"api_key": "ek-from-env"})


class TestChatEchoIntegration(ChatModelIntegrationTests):
    chat_model_class = ChatEcho
    chat_model_params = {"model": "echo-1"}
    capabilities = CAPABILITIES
    # ChatEcho needs no server. An HTTP provider names the wire emulator it speaks
    # ("openai", "anthropic", ...) and sets live_env = ("MY_API_KEY",) for `pytest --live`.
    emulator = None
