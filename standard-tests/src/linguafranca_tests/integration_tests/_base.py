"""The integration suite's declarations and fixtures: where requests go, how models are built."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import pytest

from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessageChunk
from linguafranca.messages import LanguageModelInput as Input
from linguafranca_tests._options import LIVE_OPTION
from linguafranca_tests._suite import ChatModelTests
from linguafranca_tests._target import Target, emulator_class, missing_env
from linguafranca_tests.emulators import Emulator

__all__ = ["IntegrationBase", "run"]

_T = TypeVar("_T")


def run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run an async test body in a fresh event loop (no pytest-asyncio setup needed)."""
    return asyncio.run(coroutine)


class IntegrationBase(ChatModelTests):
    """Declarations and fixtures of :class:`ChatModelIntegrationTests`.

    Attributes:
        emulator: The wire emulator the model talks to offline: ``"openai"``,
            ``"openai-responses"``, ``"anthropic"``, ``"ollama"``, ``"gemini"``, or None for
            a model that needs no endpoint (wire-level tests are then skipped).
        emulator_options: Keyword arguments for the emulator (e.g. ``require_api_key``).
        live_env: Environment variables that must be set to run with ``--live``.
    """

    emulator: ClassVar[str | None] = None
    emulator_options: ClassVar[Mapping[str, Any]] = {}
    live_env: ClassVar[Sequence[str]] = ()

    pytestmark = [pytest.mark.linguafranca_live]

    def chat_model_params_for(self, base_url: str) -> dict[str, Any]:
        """Arguments that point the model at an emulator (merged over ``chat_model_params``).

        Override when the model names them differently, e.g.
        ``{"host": base_url}`` for a model without ``base_url``.
        """
        return {"base_url": base_url, "api_key": "lf-emulator-key"}

    # --- fixtures ----------------------------------------------------------------------

    @staticmethod
    def _live(config: pytest.Config) -> bool:
        return bool(config.getoption(LIVE_OPTION, default=False))

    @pytest.fixture(scope="class")
    @classmethod
    def emulator_server(cls, request: pytest.FixtureRequest) -> Iterator[Emulator | None]:
        """The class's running emulator (None with ``--live`` or ``emulator = None``)."""
        if cls._live(request.config) or cls.emulator is None:
            yield None
            return
        server = emulator_class(cls.emulator, cls.__name__)(**cls.emulator_options)
        with server:
            yield server

    @pytest.fixture
    def target(self, request: pytest.FixtureRequest, emulator_server: Emulator | None) -> Target:
        """Where this test's requests go, and the model arguments that reach it."""
        if self._live(request.config):
            missing = missing_env(self.live_env)
            if missing:
                pytest.skip(
                    f"linguafranca: {self.owner} needs the environment variable(s) "
                    f"{', '.join(missing)} to run with --live"
                )
            found = Target("live", dict(self.chat_model_params))
        elif emulator_server is not None:
            emulator_server.clear()
            params = {
                **self.chat_model_params,
                **self.chat_model_params_for(emulator_server.base_url),
            }
            found = Target("emulator", params, emulator_server, self.emulator)
        else:
            found = Target("direct", dict(self.chat_model_params))
        if request.node.get_closest_marker("linguafranca_emulator") and found.mode != "emulator":
            pytest.skip(self._needs_emulator(found))
        return found

    def _needs_emulator(self, target: Target) -> str:
        if target.mode == "live":
            return (
                f"linguafranca: {self.owner}: this test needs the wire emulator (request log "
                "or injected faults) and does not run with --live"
            )
        return (
            f"linguafranca: {self.owner} has no emulator (emulator = None); this test needs "
            "the wire"
        )

    @pytest.fixture
    def model(self, target: Target) -> BaseChatModel:
        """The model under test, pointed at the test's target."""
        return self.build_model(target)

    # --- helpers -----------------------------------------------------------------------

    def build_model(self, target: Target, **overrides: Any) -> BaseChatModel:
        """A model for ``target``, with constructor arguments ``overrides`` on top."""
        return self.model_class(**{**target.params, **overrides})

    def forcing_choice(self) -> str | None:
        """The ``tool_choice`` that forces some tool call, or None when there is none."""
        caps = self.capabilities
        if not caps.tool_choice:
            return None
        for value in ("any", "required"):
            if value in caps.tool_choice_values:
                return value
        return None

    @staticmethod
    def collect(model: Any, prompt: Input, /, **kwargs: Any) -> list[AIMessageChunk]:
        """Every chunk of ``model.stream(prompt)``."""
        return list(model.stream(prompt, **kwargs))

    @staticmethod
    async def acollect(model: Any, prompt: Input, /, **kwargs: Any) -> list[AIMessageChunk]:
        """Every chunk of ``model.astream(prompt)``."""
        return [chunk async for chunk in model.astream(prompt, **kwargs)]
