"""The pytest plugin of the conformance suite (``pytest11`` entry point ``linguafranca``).

pytest loads it automatically once ``linguafranca-tests`` is installed; nothing goes in a
``conftest.py``. It adds:

- ``--live``: run the integration suites against the real services (when the variables in a
  suite's ``live_env`` are set); without it they run against the wire emulators.
- the markers ``linguafranca_capability``, ``linguafranca_emulator`` and ``linguafranca_live``;
- assertion rewriting for the suite modules, so a failing standard test shows the values it
  compared. It is registered here, before any suite module is imported.

The suites' async tests run their coroutines with ``asyncio.run`` inside plain test
functions, so they need no pytest-asyncio configuration (strict or auto mode both work).
"""

from __future__ import annotations

import pytest

from linguafranca_tests._options import LIVE_OPTION

# Before anything imports the suites: pytest only rewrites modules it has not imported yet.
pytest.register_assert_rewrite(
    "linguafranca_tests.unit_tests",
    "linguafranca_tests.integration_tests",
    "linguafranca_tests._checks",
    "linguafranca_tests._suite",
)

__all__ = [
    "LIVE_OPTION",
    "MARKERS",
    "pytest_addoption",
    "pytest_configure",
    "pytest_report_header",
]

MARKERS = {
    "linguafranca_capability": (
        "linguafranca_capability(*names): the test needs these capabilities; it is skipped "
        "when the test class's Capabilities do not declare them."
    ),
    "linguafranca_emulator": (
        "linguafranca_emulator: the test needs a wire emulator (request log or injected "
        "faults); skipped with --live and for models without an emulator."
    ),
    "linguafranca_live": (
        "linguafranca_live: an integration test; it calls the real service under --live."
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--live``."""
    group = parser.getgroup("linguafranca", "linguafranca conformance suite")
    group.addoption(
        "--live",
        action="store_true",
        dest=LIVE_OPTION,
        default=False,
        help=(
            "Run linguafranca integration suites against the real services (their live_env "
            "variables must be set; otherwise those tests are skipped). Default: emulators."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (so ``--strict-markers`` accepts them)."""
    for line in MARKERS.values():
        config.addinivalue_line("markers", line)


def pytest_report_header(config: pytest.Config) -> str:
    """Say where the integration suites send their requests."""
    if config.getoption(LIVE_OPTION, default=False):
        return "linguafranca: --live (integration suites call the real services)"
    return "linguafranca: integration suites run against the wire emulators (--live to change)"
