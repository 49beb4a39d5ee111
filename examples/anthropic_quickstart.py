"""The quickstart with Claude: the same code, another provider (offline).

Runs against the Anthropic Messages emulator; with ANTHROPIC_API_KEY set and
LINGUAFRANCA_LIVE=1 it calls the real service.
Requires: linguafranca_anthropic.chat_models, linguafranca_tests.emulators
"""

import os
from contextlib import ExitStack

from pydantic import BaseModel

from linguafranca import init_chat_model
from linguafranca.tools import tool
from linguafranca_tests.emulators import AnthropicEmulator


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"sunny in {location}"


class Movie(BaseModel):
    """A movie."""

    title: str
    year: int


with ExitStack() as stack:
    if os.environ.get("LINGUAFRANCA_LIVE") == "1" and os.environ.get("ANTHROPIC_API_KEY"):
        model = init_chat_model("claude-sonnet-4-5", temperature=0)
    else:
        emulator = stack.enter_context(AnthropicEmulator())
        model = init_chat_model("claude-sonnet-4-5", base_url=emulator.base_url, api_key="sk-ant")
    print(f"== {type(model).__name__} ({model.model}), provider inferred from the name")
    print(model.invoke("Why do parrots talk?").text)

    print("\n== stream")
    for chunk in model.stream("Tell me a joke"):
        if chunk.text:
            print(chunk.text, end="|", flush=True)
    print()

    print("\n== tool calling")
    ai_msg = model.bind_tools([get_weather]).invoke("Use get_weather for Paris.")
    for call in ai_msg.tool_calls:
        args = ", ".join(f"{key}={value!r}" for key, value in call["args"].items())
        print(f"{call['name']}({args})")
    print(f"usage: {ai_msg.usage_metadata}")

    print("\n== structured output")
    print(repr(model.with_structured_output(Movie).invoke("Tell me about Inception, 2010.")))
