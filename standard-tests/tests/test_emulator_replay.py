"""Replay mode: every recorded interaction of shared/wire/ is served verbatim by an emulator and
parsed by the matching official SDK without error (the same bytes the real service sent)."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import ollama
import openai
import pytest
from google import genai
from google.genai import types as genai_types
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses import ResponseStreamState

from linguafranca_tests.emulators import (
    AnthropicEmulator,
    Emulator,
    GeminiEmulator,
    OllamaEmulator,
    OpenAIEmulator,
)


def _wire_dir() -> Path | None:
    """``LINGUAFRANCA_WIRE_DIR``, else a ``shared/wire`` above this file."""
    env = os.environ.get("LINGUAFRANCA_WIRE_DIR")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c for c in candidates if (c / "index.json").is_file()), None)


WIRE = _wire_dir()
PROVIDERS = ("openai", "anthropic", "gemini", "ollama")
RECORDS = sorted(
    f"{provider}/{path.stem}"
    for provider in PROVIDERS
    if WIRE is not None
    for path in (WIRE / provider).glob("*.json")
)
pytestmark = pytest.mark.skipif(
    WIRE is None, reason="recorded wire data not found: set LINGUAFRANCA_WIRE_DIR to shared/wire"
)

# Records an official SDK cannot consume as recorded: name -> why. None at present: every
# record parses (Gemini JSON-array streams, which google-genai never requests because it
# always asks for ?alt=sse, are fetched raw and parsed with the SDK's response type).
SKIPPED: dict[str, str] = {}

# A current model name for requests whose recorded one makes the SDK warn it is deprecated
# (the emulator replays the record whatever the request says).
ANTHROPIC_MODEL = "claude-haiku-4-5"


def _load(name: str) -> dict[str, Any]:
    assert WIRE is not None
    return dict(json.loads((WIRE / f"{name}.json").read_text(encoding="utf-8")))


def _split(method: Callable[..., Any], body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for an SDK method: known parameters, the rest as ``extra_body``."""
    known = inspect.signature(method).parameters
    kwargs = {k: v for k, v in body.items() if k in known}
    extra = {k: v for k, v in body.items() if k not in known}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


@pytest.fixture(params=RECORDS)
def record(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    name = str(request.param)
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    return name, _load(name)


class Clients:
    """One started emulator per provider and the official clients pointed at it, per module."""

    def __init__(self) -> None:
        self.emulators: dict[str, Emulator] = {
            "openai": OpenAIEmulator().start(),
            "anthropic": AnthropicEmulator().start(),
            "gemini": GeminiEmulator().start(),
            "ollama": OllamaEmulator().start(),
        }
        self.openai = openai.OpenAI(
            base_url=self.emulators["openai"].base_url, api_key="sk-test", max_retries=0
        )
        self.ollama_openai = openai.OpenAI(
            base_url=self.emulators["ollama"].url + "/v1", api_key="ollama", max_retries=0
        )
        self.anthropic = anthropic.Anthropic(
            base_url=self.emulators["anthropic"].base_url, api_key="sk-ant-test", max_retries=0
        )
        self.gemini = genai.Client(
            api_key="test-key",
            http_options=genai_types.HttpOptions(base_url=self.emulators["gemini"].base_url),
        )
        self.ollama = ollama.Client(host=self.emulators["ollama"].url)
        self.http = httpx.Client()

    def close(self) -> None:
        for client in (self.openai, self.ollama_openai, self.anthropic, self.gemini, self.http):
            client.close()
        self.ollama.close()  # type: ignore[no-untyped-call]
        for emu in self.emulators.values():
            emu.stop()


@pytest.fixture(scope="module")
def clients() -> Iterator[Clients]:
    shared = Clients()
    yield shared
    shared.close()


@pytest.fixture
def served(record: tuple[str, dict[str, Any]], clients: Clients) -> Emulator:
    name, data = record
    emu = clients.emulators[name.split("/", 1)[0]]
    emu.clear()
    emu.replay(data)
    return emu


def test_replayed_record_parses_with_the_official_sdk(
    record: tuple[str, dict[str, Any]], served: Emulator, clients: Clients
) -> None:
    name, data = record
    provider = name.split("/", 1)[0]
    status = int(data["response"]["status"])
    call = {
        "openai": _openai,
        "anthropic": _anthropic,
        "gemini": _gemini,
        "ollama": _ollama,
    }[provider]
    if status >= 400:
        with pytest.raises(Exception) as info:
            call(clients, data)
        assert getattr(info.value, "status_code", getattr(info.value, "code", None)) == status
    else:
        result = call(clients, data)
        assert result
    assert len(served.requests) == 1


# -- per provider: send the recorded request, consume the whole answer ------------------------


def _openai(clients: Clients, data: dict[str, Any], client: openai.OpenAI | None = None) -> Any:
    request = data["request"]
    body = dict(request["body"])
    path = str(request["url_path"])
    streamed = "sse" in data["response"]
    client = client or clients.openai
    if path.endswith("/responses/input_tokens"):
        counted = client.responses.input_tokens.count(
            **_split(client.responses.input_tokens.count, body)
        )
        return counted.input_tokens
    if "/responses" in path:
        result = client.responses.create(**_split(client.responses.create, body))
        if not streamed:
            return result.id
        state = ResponseStreamState(input_tools=openai.omit, text_format=openai.omit)
        events = [e for event in result for e in state.handle_event(event)]
        assert events[-1].type in ("response.completed", "response.incomplete")
        return events
    completion = client.chat.completions.create(**_split(client.chat.completions.create, body))
    if not streamed:
        assert completion.choices
        return completion.id
    chat_state = ChatCompletionStreamState()
    chunks = list(completion)
    for chunk in chunks:
        chat_state.handle_chunk(chunk)
    try:
        final_id = chat_state.get_final_completion().id
    except openai.LengthFinishReasonError as cut:  # the helper refuses a truncated answer
        assert cut.completion.choices[0].finish_reason == "length"
        final_id = cut.completion.id
    assert final_id == chunks[0].id
    return chunks


def _anthropic(clients: Clients, data: dict[str, Any]) -> Any:
    request = data["request"]
    body = {**request["body"], "model": ANTHROPIC_MODEL}
    path = str(request["url_path"])
    # The SDK refuses a non-streamed request whose max_tokens could take over 10 minutes.
    body["max_tokens"] = min(int(body.get("max_tokens", 1024)), 1024)
    client = clients.anthropic
    if "/count_tokens" in path:
        body.pop("max_tokens", None)
        return client.messages.count_tokens(
            **_split(client.messages.count_tokens, body)
        ).input_tokens
    if "sse" not in data["response"]:
        body.pop("stream", None)
        return client.messages.create(**_split(client.messages.create, body)).id
    body.pop("stream", None)
    with client.messages.stream(**_split(client.messages.stream, body)) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[-1] == "message_stop"
    return final.id


def _gemini(clients: Clients, data: dict[str, Any]) -> Any:
    path = str(data["request"]["url_path"])
    model = path.split("/models/", 1)[1].split(":", 1)[0]
    client = clients.gemini
    if ":streamGenerateContent" in path and "alt=sse" not in path:
        return _gemini_json_array(clients, path)
    if ":streamGenerateContent" in path:
        chunks = list(client.models.generate_content_stream(model=model, contents="replay"))
        assert all(c.candidates or c.usage_metadata for c in chunks)
        return chunks
    response = client.models.generate_content(model=model, contents="replay")
    return response.response_id or response.candidates


def _gemini_json_array(clients: Clients, path: str) -> Any:
    # google-genai always streams with ?alt=sse; the JSON-array form (no alt) is what other
    # clients get, so fetch it raw and parse every element with the SDK's own response parser
    # (_from_response, which drops fields newer than the SDK, as its SSE path does).
    response = clients.http.post(
        clients.emulators["gemini"].url + path,
        headers={"x-goog-api-key": "k"},
        json={"contents": [{"parts": [{"text": "x"}]}]},
    )
    elements = json.loads(response.text)
    assert isinstance(elements, list)
    parsed = [
        genai_types.GenerateContentResponse._from_response(response=e, kwargs={}) for e in elements
    ]
    assert all(p.candidates or p.usage_metadata for p in parsed)
    return parsed


def _ollama(clients: Clients, data: dict[str, Any]) -> Any:
    request = data["request"]
    path = str(request["url_path"])
    body = dict(request["body"])
    if path.endswith("/chat/completions"):
        return _openai(clients, data, client=clients.ollama_openai)
    streamed = "ndjson" in data["response"]
    client = clients.ollama
    if path == "/api/embed":
        return client.embed(**body).embeddings
    body["stream"] = streamed
    method = client.generate if path == "/api/generate" else client.chat
    kwargs = {k: v for k, v in body.items() if k in inspect.signature(method).parameters}
    result = method(**kwargs)
    if not streamed:
        return result
    parts = list(result)
    assert parts[-1].done
    return parts


def test_replay_is_byte_exact(
    record: tuple[str, dict[str, Any]], served: Emulator, clients: Clients
) -> None:
    _, data = record
    recorded = data["response"]
    response = clients.http.post(served.url + "/anything", json={})
    assert response.status_code == recorded["status"]
    assert response.headers.get("content-type") == recorded["headers"].get(
        "content-type", "application/json"
    )
    for header, value in recorded["headers"].items():
        assert response.headers[header] == value
    if "raw_body" in recorded:
        assert response.text == recorded["raw_body"]
    elif "body" in recorded:
        assert response.json() == recorded["body"]
