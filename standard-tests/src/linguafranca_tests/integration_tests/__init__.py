"""The integration suite: subclass :class:`ChatModelIntegrationTests`.

Offline it runs against the wire emulator named by the class's ``emulator``; with
``pytest --live`` (and the ``live_env`` variables set) against the real service.
"""

from linguafranca_tests._target import Target
from linguafranca_tests.capabilities import Capabilities
from linguafranca_tests.integration_tests._chat_models import ChatModelIntegrationTests
from linguafranca_tests.integration_tests._events import Recorder

__all__ = ["Capabilities", "ChatModelIntegrationTests", "Recorder", "Target"]
