"""Where an integration test sends its requests: an emulator, the real service, or nowhere."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from linguafranca_tests.emulators import (
    AnthropicEmulator,
    Emulator,
    GeminiEmulator,
    OllamaEmulator,
    OpenAIEmulator,
    RecordedRequest,
)

__all__ = ["EMULATOR_CLASSES", "Mode", "Target", "emulator_class", "missing_env"]

Mode = Literal["emulator", "live", "direct"]
"""``emulator``: a wire emulator on 127.0.0.1; ``live``: the real service (``--live``);
``direct``: a model that needs no endpoint (fake models, ``emulator = None``)."""

EMULATOR_CLASSES: Mapping[str, type[Emulator]] = {
    "anthropic": AnthropicEmulator,
    "gemini": GeminiEmulator,
    "ollama": OllamaEmulator,
    "openai": OpenAIEmulator,
    "openai-responses": OpenAIEmulator,
}
"""The values of a suite's ``emulator`` attribute and the emulator each one starts."""


def emulator_class(name: str, owner: str) -> type[Emulator]:
    """The emulator class for ``name``, or a clear error naming the valid values."""
    try:
        return EMULATOR_CLASSES[name]
    except KeyError:
        valid = ", ".join(repr(n) for n in sorted(EMULATOR_CLASSES))
        raise ValueError(
            f"linguafranca: {owner}.emulator = {name!r} is not an emulator; use one of "
            f"{valid}, or None for a model that needs no endpoint."
        ) from None


def missing_env(names: Sequence[str]) -> list[str]:
    """The variables of ``names`` that are unset or empty."""
    return [name for name in names if not os.environ.get(name)]


@dataclass
class Target:
    """The endpoint of one integration test and the model parameters that reach it.

    Attributes:
        mode: ``emulator``, ``live`` or ``direct``.
        params: Constructor arguments of the model under test.
        emulator: The running emulator (``emulator`` mode only).
        wire: The emulator's wire format name (``"openai"``, ``"anthropic"``, ...).
    """

    mode: Mode
    params: dict[str, Any] = field(default_factory=dict)
    emulator: Emulator | None = None
    wire: str | None = None

    @property
    def deterministic(self) -> bool:
        """Whether answers are scripted (emulator or fake), so exact values can be checked."""
        return self.mode != "live"

    @property
    def requests(self) -> list[RecordedRequest]:
        """The emulator's request log (empty when there is no emulator)."""
        return self.emulator.requests if self.emulator is not None else []

    def last_request(self) -> RecordedRequest:
        """The last request the emulator received."""
        assert self.emulator is not None, "only in emulator mode"
        assert self.emulator.requests, "the emulator received no request"
        return self.emulator.requests[-1]

    def model_requests(self) -> list[RecordedRequest]:
        """The logged POST requests (model calls, not model listings)."""
        return [r for r in self.requests if r.method == "POST"]
