"""The unit suite: subclass :class:`ChatModelUnitTests` (no network needed)."""

from linguafranca_tests._env import EnvParams
from linguafranca_tests.capabilities import Capabilities
from linguafranca_tests.unit_tests._chat_models import ChatModelUnitTests

__all__ = ["Capabilities", "ChatModelUnitTests", "EnvParams"]
