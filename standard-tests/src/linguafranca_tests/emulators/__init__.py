"""Wire-protocol emulators: real HTTP servers that speak the providers' APIs on 127.0.0.1.

Each emulator serves a deterministic scripted model (text, tool calls, structured output,
reasoning, usage) in the exact shapes and event order of the real service, can replay a
recorded interaction verbatim, and can be told to fail (error statuses, delays, dropped or
malformed streams). They depend on the standard library only::

    with OpenAIEmulator() as emu:
        client = openai.OpenAI(base_url=emu.base_url, api_key="sk-test")
        emu.fail_next(429, headers={"retry-after": "0"})
        client.chat.completions.create(...)  # retried, then answered
        assert len(emu.requests) == 2
"""

from linguafranca_tests.emulators._anthropic import AnthropicEmulator
from linguafranca_tests.emulators._base import Emulator, RecordedRequest
from linguafranca_tests.emulators._faults import ApiError, Fault
from linguafranca_tests.emulators._gemini import GeminiEmulator
from linguafranca_tests.emulators._model import ScriptedReply
from linguafranca_tests.emulators._ollama import OllamaEmulator
from linguafranca_tests.emulators._openai import OpenAIEmulator
from linguafranca_tests.emulators._registry import EMULATORS, create, serve

__all__ = [
    "EMULATORS",
    "AnthropicEmulator",
    "ApiError",
    "Emulator",
    "Fault",
    "GeminiEmulator",
    "OllamaEmulator",
    "OpenAIEmulator",
    "RecordedRequest",
    "ScriptedReply",
    "create",
    "serve",
]
