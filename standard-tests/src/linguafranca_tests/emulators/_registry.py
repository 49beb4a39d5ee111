"""The emulator registry and ``serve``, the blocking entry point behind the CLI."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from linguafranca_tests.emulators._anthropic import AnthropicEmulator
from linguafranca_tests.emulators._base import Emulator
from linguafranca_tests.emulators._gemini import GeminiEmulator
from linguafranca_tests.emulators._ollama import OllamaEmulator
from linguafranca_tests.emulators._openai import OpenAIEmulator

__all__ = ["EMULATORS", "create", "serve"]

EMULATORS: Mapping[str, type[Emulator]] = {
    "anthropic": AnthropicEmulator,
    "gemini": GeminiEmulator,
    "ollama": OllamaEmulator,
    "openai": OpenAIEmulator,
}


def create(provider: str, **options: Any) -> Emulator:
    """Build (without starting) the emulator of ``provider`` (a key of ``EMULATORS``)."""
    try:
        cls = EMULATORS[provider.lower()]
    except KeyError:
        known = ", ".join(sorted(EMULATORS))
        raise ValueError(
            f"unknown provider {provider!r} for an emulator; choose one of {known}"
        ) from None
    return cls(**options)


def serve(
    provider: str,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    announce: TextIO | None = sys.stdout,
    **options: Any,
) -> None:
    """Run the emulator of ``provider`` until interrupted (Ctrl-C) or ``max_requests``.

    Args:
        provider: ``openai``, ``anthropic``, ``ollama`` or ``gemini``.
        host: The interface to bind.
        port: The port (0: a free one, printed on start).
        announce: Where to print the base URL once listening (``None``: silent).
        **options: Passed to the emulator (e.g. ``max_requests``, ``require_api_key``).
    """
    emulator = create(provider, host=host, port=port, **options)
    emulator.start()
    if announce is not None:
        print(f"{provider} emulator listening on {emulator.base_url}", file=announce, flush=True)
    try:
        while not emulator.wait(timeout=0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
