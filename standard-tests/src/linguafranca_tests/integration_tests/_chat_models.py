"""``ChatModelIntegrationTests``: the whole integration suite in one class."""

from __future__ import annotations

from linguafranca_tests.integration_tests._basic import BasicTests
from linguafranca_tests.integration_tests._events import EventTests
from linguafranca_tests.integration_tests._failures import FailureTests
from linguafranca_tests.integration_tests._multimodal import MultimodalTests
from linguafranca_tests.integration_tests._structured import StructuredOutputTests
from linguafranca_tests.integration_tests._tools import ToolTests
from linguafranca_tests.integration_tests._usage import UsageTests

__all__ = ["ChatModelIntegrationTests"]


class ChatModelIntegrationTests(
    BasicTests,
    EventTests,
    UsageTests,
    ToolTests,
    StructuredOutputTests,
    MultimodalTests,
    FailureTests,
):
    """The integration suite: real calls, against an emulator offline or the service live.

    Example:
        ```python
        from linguafranca_tests import Capabilities
        from linguafranca_tests.integration_tests import ChatModelIntegrationTests

        class TestChatEchoIntegration(ChatModelIntegrationTests):
            chat_model_class = ChatEcho
            chat_model_params = {"model": "echo-1"}
            capabilities = Capabilities(tool_calling=True, tool_choice=True)
            emulator = "openai"  # the wire protocol ChatEcho speaks
            live_env = ("ECHO_API_KEY",)
        ```

    Run offline with ``pytest``; against the real service with ``pytest --live``.
    """
