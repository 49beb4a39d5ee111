"""LangChain's own chat models against the emulators (clients nobody here wrote)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_anthropic import ChatAnthropic
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from linguafranca_tests.emulators import AnthropicEmulator, OllamaEmulator, OpenAIEmulator


@tool
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


class Joke(BaseModel):
    """A joke."""

    setup: str = Field(description="The question")
    punchline: str = Field(description="The answer")
    rating: int = Field(description="From 1 to 10")


@pytest.fixture
def openai_emu() -> Iterator[OpenAIEmulator]:
    with OpenAIEmulator() as emu:
        yield emu


@pytest.fixture
def anthropic_emu() -> Iterator[AnthropicEmulator]:
    with AnthropicEmulator() as emu:
        yield emu


@pytest.fixture
def ollama_emu() -> Iterator[OllamaEmulator]:
    with OllamaEmulator() as emu:
        yield emu


# Keyword arguments in dicts: LangChain's models take aliases (model=, api_key=) that the
# pydantic mypy plugin does not see as constructor arguments.
def _openai_options(emu: OpenAIEmulator) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "base_url": emu.base_url,
        "api_key": "sk-test",
        "max_retries": 0,
    }


def _anthropic_options(emu: AnthropicEmulator) -> dict[str, Any]:
    return {
        "model": "claude-haiku-4-5",
        "base_url": emu.base_url,
        "api_key": "sk-ant-test",
        "max_retries": 0,
    }


def _models(request: pytest.FixtureRequest, name: str) -> ChatOpenAI | ChatAnthropic | ChatOllama:
    if name == "openai":
        emu = request.getfixturevalue("openai_emu")
        return ChatOpenAI(**_openai_options(emu), stream_usage=True)
    if name == "openai-responses":
        emu = request.getfixturevalue("openai_emu")
        return ChatOpenAI(**_openai_options(emu), use_responses_api=True)
    if name == "anthropic":
        emu = request.getfixturevalue("anthropic_emu")
        return ChatAnthropic(**_anthropic_options(emu))
    emu = request.getfixturevalue("ollama_emu")
    model = ChatOllama(model="llama3.2", base_url=emu.url)
    request.addfinalizer(lambda: _close_ollama(model))
    return model


def _close_ollama(model: ChatOllama) -> None:
    # ChatOllama keeps an ollama.Client (an httpx.Client) it never closes; close it here so
    # no socket is left to the garbage collector (a ResourceWarning under -W error).
    model._client.close()  # type: ignore[no-untyped-call]


PROVIDERS = ["openai", "openai-responses", "anthropic", "ollama"]


@pytest.mark.parametrize("name", PROVIDERS)
def test_invoke(request: pytest.FixtureRequest, name: str) -> None:
    model = _models(request, name)
    result = model.invoke("Hello LangChain")
    assert isinstance(result, AIMessage)
    assert result.text == "You said: Hello LangChain"
    assert result.usage_metadata is not None
    assert result.usage_metadata["output_tokens"] == 4


@pytest.mark.parametrize("name", PROVIDERS)
def test_stream(request: pytest.FixtureRequest, name: str) -> None:
    model = _models(request, name)
    chunks = list(model.stream("one two three"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert full.text == "You said: one two three"
    assert len([c for c in chunks if c.text]) >= 3
    assert full.usage_metadata is not None and full.usage_metadata["output_tokens"] == 5


@pytest.mark.parametrize("name", PROVIDERS)
def test_bind_tools_round_trip(request: pytest.FixtureRequest, name: str) -> None:
    model = _models(request, name).bind_tools([magic_function])
    question = HumanMessage("What is the value of magic_function(3)? Use the tool.")
    first = model.invoke([question])
    assert isinstance(first, AIMessage)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [("magic_function", {"input": 3})]
    call = first.tool_calls[0]
    result = ToolMessage(content="5", tool_call_id=call["id"] or "", name="magic_function")
    second = model.invoke([question, first, result])
    assert second.text == "The magic_function tool returned 5."


@pytest.mark.parametrize("name", PROVIDERS)
def test_stream_tool_calls(request: pytest.FixtureRequest, name: str) -> None:
    model = _models(request, name).bind_tools([magic_function])
    chunks = list(model.stream("call magic_function with 7"))
    full: Any = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk)
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [("magic_function", {"input": 7})]


@pytest.mark.parametrize("name", PROVIDERS)
def test_with_structured_output(request: pytest.FixtureRequest, name: str) -> None:
    model = _models(request, name).with_structured_output(Joke)
    joke = model.invoke("Tell me a joke about cats, rated 8")
    assert isinstance(joke, Joke)
    assert joke.rating == 8
    assert joke.setup and joke.punchline


def test_openai_json_schema_method(openai_emu: OpenAIEmulator) -> None:
    model = ChatOpenAI(**_openai_options(openai_emu))
    joke = model.with_structured_output(Joke, method="json_schema").invoke("A joke rated 3")
    assert isinstance(joke, Joke) and joke.rating == 3
    assert openai_emu.requests[-1].body["response_format"]["type"] == "json_schema"


def test_anthropic_thinking(anthropic_emu: AnthropicEmulator) -> None:
    model = ChatAnthropic(
        **_anthropic_options(anthropic_emu),
        max_tokens=4000,
        thinking={"type": "enabled", "budget_tokens": 2000},
    )
    result = model.invoke("think first")
    assert isinstance(result.content, list)
    kinds = [block["type"] for block in result.content if isinstance(block, dict)]
    assert kinds == ["thinking", "text"]
    assert result.text == "You said: think first"


def test_ollama_reasoning(ollama_emu: OllamaEmulator) -> None:
    model = ChatOllama(model="qwen3", base_url=ollama_emu.url, reasoning=True)
    result = model.invoke("why")
    _close_ollama(model)
    assert result.additional_kwargs["reasoning_content"].startswith("The user asked: why")
    assert result.text == "You said: why"
