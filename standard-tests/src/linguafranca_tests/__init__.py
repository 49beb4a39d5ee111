"""linguafranca-tests: the conformance suite and wire emulators for chat-model providers.

The suites live in :mod:`linguafranca_tests.unit_tests` and
:mod:`linguafranca_tests.integration_tests`; the pytest plugin (loaded automatically) adds
``--live``, the markers and assertion rewriting for them.
"""

from linguafranca_tests._env import EnvParams
from linguafranca_tests.capabilities import Capabilities

__all__ = ["Capabilities", "EnvParams"]
