"""linguafranca quickstart: what `make demo` runs.

init_chat_model, invoke, stream, batch, tool calling, structured output and token usage,
against OpenAI's wire protocol. By default the model talks to the OpenAI emulator from
linguafranca-tests on a free 127.0.0.1 port (no key, no network); with OPENAI_API_KEY set
and LINGUAFRANCA_LIVE=1 it calls the real service.

Run: python examples/quickstart.py
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from contextlib import ExitStack
from typing import Any

from pydantic import BaseModel, Field

from linguafranca import init_chat_model
from linguafranca.callbacks import get_usage_metadata_callback
from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import BaseMessage, HumanMessage, SystemMessage
from linguafranca.tools import tool

MODEL = "openai:gpt-4.1-mini"


@tool
def get_weather(location: str) -> str:
    """Get the current weather at a location."""
    return f"sunny and 22 degrees in {location}"


class Movie(BaseModel):
    """A movie with details."""

    title: str = Field(description="The title of the movie")
    year: int = Field(description="The year the movie was released")
    director: str = Field(description="The director of the movie")
    rating: float = Field(description="The movie's rating out of 10")


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # the parent package is missing or broken
        return False


def open_model(stack: ExitStack) -> tuple[BaseChatModel, str]:
    """The model to demo and one line saying where it runs."""
    if not installed("linguafranca_openai.chat_models"):
        note = "linguafranca-openai is not installed: using the built-in fake provider instead"
        return init_chat_model("fake:fake-model"), note
    if os.environ.get("LINGUAFRANCA_LIVE") == "1" and os.environ.get("OPENAI_API_KEY"):
        return init_chat_model(MODEL, temperature=0), f"{MODEL} on the real OpenAI API"
    if not installed("linguafranca_tests.emulators"):
        note = "linguafranca-tests (the emulators) is not installed: using the fake provider"
        return init_chat_model("fake:fake-model"), note
    from linguafranca_tests.emulators import OpenAIEmulator  # optional: a test package

    emulator = stack.enter_context(OpenAIEmulator())
    model = init_chat_model(MODEL, base_url=emulator.base_url, api_key="sk-emulator")
    return model, f"{MODEL} on the OpenAI wire emulator at {emulator.base_url} (offline)"


def section(title: str) -> None:
    print(f"\n== {title}")


def call_text(call: dict[str, Any]) -> str:
    args = ", ".join(f"{name}={value!r}" for name, value in call["args"].items())
    return f"{call['name']}({args})"


def demo(model: BaseChatModel) -> None:
    section("invoke")
    print("> Why do parrots talk?")
    print(model.invoke("Why do parrots talk?").text)

    section("stream: tokens as they arrive, separated by |")
    for chunk in model.stream([SystemMessage("Be brief."), HumanMessage("Tell me a joke")]):
        if chunk.text:
            print(chunk.text, end="|", flush=True)
    print()

    section("batch: 3 prompts in parallel")
    prompts = ["How do airplanes fly?", "What is quantum computing?", "Why is the sky blue?"]
    for number, reply in enumerate(model.batch(prompts), start=1):
        print(f"{number}. {reply.text}")

    section("tool calling")
    question = "Use get_weather: what's the weather in Boston?"
    print(f"> {question}")
    model_with_tools = model.bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage(question)]
    ai_msg = model_with_tools.invoke(messages)
    messages.append(ai_msg)
    if not ai_msg.tool_calls:
        raise RuntimeError(f"the model called no tool; it said: {ai_msg.text!r}")
    for tool_call in ai_msg.tool_calls:
        print(f"model calls: {call_text(dict(tool_call))}")
        result = get_weather.invoke(tool_call)
        print(f"tool result: {result.text}")
        messages.append(result)
    print(f"final answer: {model_with_tools.invoke(messages).text}")

    section("structured output")
    prompt = "Tell me about Inception, the 2010 movie by Christopher Nolan, rated 8.8."
    print(f"> {prompt}")
    movie = model.with_structured_output(Movie).invoke(prompt)
    print(repr(movie))


def main() -> int:
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            model, where = open_model(stack)
            print(f"linguafranca quickstart: {where}")
            with get_usage_metadata_callback() as usage:
                demo(model)
            section("token usage (get_usage_metadata_callback)")
            for name, counts in usage.usage_metadata.items():
                print(
                    f"{name}: {counts['input_tokens']} in + {counts['output_tokens']} out"
                    f" = {counts['total_tokens']} tokens"
                )
    except Exception as exc:  # one clear line, no traceback
        print(f"\nquickstart: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"\ndone in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
