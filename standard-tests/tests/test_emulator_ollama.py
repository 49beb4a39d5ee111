"""The Ollama emulator, proven with the official ``ollama`` client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import ollama
import pytest
from pydantic import BaseModel

from linguafranca_tests.emulators import OllamaEmulator


@pytest.fixture
def emu() -> Iterator[OllamaEmulator]:
    with OllamaEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: OllamaEmulator) -> Iterator[ollama.Client]:
    c = ollama.Client(host=emu.url)
    yield c
    c.close()  # type: ignore[no-untyped-call]


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first.
        b: The second.
    """
    return a + b


def test_chat(client: ollama.Client) -> None:
    response = client.chat(model="llama3.2", messages=[{"role": "user", "content": "Hi llama"}])
    assert response.message.content == "You said: Hi llama"
    assert response.done and response.done_reason == "stop"
    assert response.eval_count == 4
    assert response.prompt_eval_count and response.prompt_eval_count > 0


def test_chat_stream_ndjson(emu: OllamaEmulator, client: ollama.Client) -> None:
    chunks = list(
        client.chat(model="llama3.2", messages=[{"role": "user", "content": "a b"}], stream=True)
    )
    assert "".join(c.message.content or "" for c in chunks) == "You said: a b"
    assert [c.done for c in chunks] == [False] * (len(chunks) - 1) + [True]
    raw = httpx.post(
        f"{emu.url}/api/chat", json={"model": "m", "messages": [{"role": "user", "content": "x"}]}
    )
    assert raw.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in raw.text.splitlines()]
    assert lines[-1]["done"] is True and lines[-1]["done_reason"] == "stop"


def test_tools(client: ollama.Client) -> None:
    response = client.chat(
        model="llama3.2", messages=[{"role": "user", "content": "use add on 2 and 40"}], tools=[add]
    )
    calls = response.message.tool_calls or []
    assert [(c.function.name, dict(c.function.arguments)) for c in calls] == [
        ("add", {"a": 2, "b": 40})
    ]
    answer = client.chat(
        model="llama3.2",
        messages=[
            {"role": "user", "content": "use add on 2 and 40"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"name": "add", "arguments": {"a": 2, "b": 40}}}],
            },
            {"role": "tool", "content": "42", "tool_name": "add"},
        ],
        tools=[add],
    )
    assert answer.message.content == "The add tool returned 42."


def test_streamed_tool_calls(client: ollama.Client) -> None:
    chunks = list(
        client.chat(
            model="llama3.2",
            messages=[{"role": "user", "content": "add 1 and 2"}],
            tools=[add],
            stream=True,
        )
    )
    calls = [c for chunk in chunks for c in chunk.message.tool_calls or []]
    assert [c.function.name for c in calls] == ["add"]


class Pet(BaseModel):
    name: str
    legs: int


def test_format_schema_and_json(client: ollama.Client) -> None:
    response = client.chat(
        model="llama3.2",
        messages=[{"role": "user", "content": "A cat called Tom with 4 legs"}],
        format=Pet.model_json_schema(),
    )
    assert Pet.model_validate_json(response.message.content or "") == Pet(name="Tom", legs=4)
    json_mode = client.chat(
        model="llama3.2", messages=[{"role": "user", "content": "hi"}], format="json"
    )
    assert json.loads(json_mode.message.content or "") == {"answer": "You said: hi"}


def test_thinking(client: ollama.Client) -> None:
    response = client.chat(model="qwen3", messages=[{"role": "user", "content": "why"}], think=True)
    assert (response.message.thinking or "").startswith("The user asked: why")
    streamed = list(
        client.chat(
            model="qwen3", messages=[{"role": "user", "content": "why"}], think=True, stream=True
        )
    )
    assert "".join(c.message.thinking or "" for c in streamed) == response.message.thinking


def test_num_predict_length(client: ollama.Client) -> None:
    response = client.chat(
        model="llama3.2",
        messages=[{"role": "user", "content": "one two three"}],
        options={"num_predict": 2},
    )
    assert response.done_reason == "length"
    assert response.message.content == "You said:"


def test_images_acknowledged(client: ollama.Client) -> None:
    response = client.chat(
        model="llava",
        messages=[{"role": "user", "content": "what is this", "images": ["iVBORw0KGgo="]}],
    )
    assert (response.message.content or "").startswith("I received 1 image.")


def test_generate_list_show_embed(client: ollama.Client) -> None:
    assert client.generate(model="llama3.2", prompt="hey").response == "You said: hey"
    assert "llama3.2:latest" in [m.model for m in client.list().models]
    assert client.show("llama3.2").capabilities is not None
    vectors = client.embed(model="nomic-embed-text", input=["a", "b"]).embeddings
    assert len(vectors) == 2 and vectors[0] != vectors[1]


def test_missing_model_and_errors(emu: OllamaEmulator, client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as info:
        client.chat(model="llama-does-not-exist", messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 404
    assert info.value.error == "model 'llama-does-not-exist' not found"
    emu.fail_next(500, message="boom")
    with pytest.raises(ollama.ResponseError) as failed:
        client.chat(model="llama3.2", messages=[{"role": "user", "content": "x"}])
    assert failed.value.error == "boom"


def test_openai_compatible_endpoint(emu: OllamaEmulator) -> None:
    response = httpx.post(
        f"{emu.url}/v1/chat/completions",
        json={"model": "llama3.2", "messages": [{"role": "user", "content": "compat"}]},
    )
    assert response.json()["choices"][0]["message"]["content"] == "You said: compat"


def test_validation_errors(emu: OllamaEmulator) -> None:
    missing = httpx.post(f"{emu.url}/api/chat", json={"messages": []})
    assert missing.status_code == 400
    assert missing.json() == {"error": "model is required"}
    wrong = httpx.post(f"{emu.url}/api/chat", json={"model": "m", "messages": "hi"})
    assert wrong.status_code == 400
    assert "messages" in wrong.json()["error"]
