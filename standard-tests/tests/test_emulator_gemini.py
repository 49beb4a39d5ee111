"""The Gemini emulator, proven with the official ``google-genai`` SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

from linguafranca_tests.emulators import GeminiEmulator

MODEL = "gemini-2.5-flash"
NO_AFC = types.AutomaticFunctionCallingConfig(disable=True)


@pytest.fixture
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: GeminiEmulator) -> Iterator[genai.Client]:
    c = genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=emu.base_url))
    yield c
    c.close()


def get_weather(city: str, days: int) -> str:
    """Weather in a city.

    Args:
        city: The city.
        days: How many days ahead.
    """
    return "sunny"


def get_time(zone: str) -> str:
    """The time in a zone.

    Args:
        zone: The time zone.
    """
    return "noon"


def test_generate_content(emu: GeminiEmulator, client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="Hello Gemini",
        config=types.GenerateContentConfig(system_instruction="Be brief"),
    )
    assert response.text == "You said: Hello Gemini"
    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.STOP
    assert (
        response.usage_metadata is not None and response.usage_metadata.candidates_token_count == 4
    )
    request = emu.requests[-1]
    assert request.path.endswith(f"/models/{MODEL}:generateContent")
    assert request.headers["x-goog-api-key"] == "test-key"


def test_stream_sse(emu: GeminiEmulator, client: genai.Client) -> None:
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="a b c"))
    assert "".join(c.text or "" for c in chunks) == "You said: a b c"
    last = chunks[-1]
    assert last.candidates and last.candidates[0].finish_reason == types.FinishReason.STOP
    assert emu.requests[-1].query == {"alt": "sse"}


def test_stream_json_array_without_alt(emu: GeminiEmulator) -> None:
    response = httpx.post(
        f"{emu.url}/v1beta/models/{MODEL}:streamGenerateContent",
        headers={"x-goog-api-key": "k"},
        json={"contents": [{"role": "user", "parts": [{"text": "x y"}]}]},
    )
    chunks = json.loads(response.text)
    assert isinstance(chunks, list) and len(chunks) == 4
    assert (
        "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
        == "You said: x y"
    )


def test_function_calling_parallel_and_forced(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="Use get_weather for Oslo for 2 days and get_time in 'CET'",
        config=types.GenerateContentConfig(
            tools=[get_weather, get_time], automatic_function_calling=NO_AFC
        ),
    )
    calls = response.function_calls or []
    assert [(c.name, c.args) for c in calls] == [
        ("get_weather", {"city": "Oslo", "days": 2}),
        ("get_time", {"zone": "CET"}),
    ]
    forced = client.models.generate_content(
        model=MODEL,
        contents="nothing named",
        config=types.GenerateContentConfig(
            tools=[get_weather, get_time],
            automatic_function_calling=NO_AFC,
            tool_config=types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(
                    mode=types.FunctionCallingConfigMode.ANY, allowed_function_names=["get_time"]
                )
            ),
        ),
    )
    assert [c.name for c in forced.function_calls or []] == ["get_time"]


def test_function_response_round_trip(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents=[
            types.Content(role="user", parts=[types.Part(text="get_time in UTC")]),
            types.Content(
                role="model",
                parts=[types.Part.from_function_call(name="get_time", args={"zone": "UTC"})],
            ),
            types.Content(
                role="user",
                parts=[
                    types.Part.from_function_response(name="get_time", response={"result": "noon"})
                ],
            ),
        ],
        config=types.GenerateContentConfig(tools=[get_time], automatic_function_calling=NO_AFC),
    )
    assert response.text == "The get_time tool returned noon."


class City(BaseModel):
    name: str
    population: int


def test_response_schema(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="The largest city is Tokyo with 37 million",
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=City
        ),
    )
    assert response.parsed == City(name="Tokyo", population=37)
    json_schema = client.models.generate_content(
        model=MODEL,
        contents="Lima has 10 million",
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_json_schema=City.model_json_schema()
        ),
    )
    assert City.model_validate_json(json_schema.text or "") == City(name="Lima", population=10)


def test_thoughts_and_max_tokens(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="why is it so",
        config=types.GenerateContentConfig(
            thinking_config=types.ThinkingConfig(include_thoughts=True)
        ),
    )
    parts = (
        response.candidates[0].content.parts
        if response.candidates and response.candidates[0].content
        else []
    )
    assert parts and parts[0].thought is True
    assert (parts[0].text or "").startswith("The user asked: why is it so")
    assert response.usage_metadata is not None and response.usage_metadata.thoughts_token_count
    cut = client.models.generate_content(
        model=MODEL,
        contents="one two three",
        config=types.GenerateContentConfig(max_output_tokens=2),
    )
    assert cut.candidates and cut.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert cut.text == "You said:"


def test_inline_image_acknowledged(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=b"\x89PNG\r\n", mime_type="image/png"), "what is it"],
    )
    assert (response.text or "").startswith("I received 1 image.")


def test_errors(emu: GeminiEmulator, client: genai.Client) -> None:
    bad = genai.Client(api_key="invalid", http_options=types.HttpOptions(base_url=emu.base_url))
    with pytest.raises(errors.ClientError) as invalid:
        bad.models.generate_content(model=MODEL, contents="x")
    assert invalid.value.code == 400 and invalid.value.status == "INVALID_ARGUMENT"
    bad.close()
    with pytest.raises(errors.ClientError) as missing:
        client.models.generate_content(model="gemini-does-not-exist", contents="x")
    assert missing.value.code == 404 and missing.value.status == "NOT_FOUND"
    emu.fail_next(429)
    with pytest.raises(errors.ClientError) as limited:
        client.models.generate_content(model=MODEL, contents="x")
    assert limited.value.status == "RESOURCE_EXHAUSTED"
    emu.fail_next(503)
    with pytest.raises(errors.ServerError):
        client.models.generate_content(model=MODEL, contents="x")


def test_count_tokens(client: genai.Client) -> None:
    assert client.models.count_tokens(model=MODEL, contents="one two three").total_tokens == 4


def test_validation_and_missing_key(emu: GeminiEmulator) -> None:
    url = f"{emu.url}/v1beta/models/{MODEL}:generateContent"
    invalid = httpx.post(url, headers={"x-goog-api-key": "k"}, json={"generationConfig": {}})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "contents" in invalid.json()["error"]["message"]
    keyless = httpx.post(url, json={"contents": [{"parts": [{"text": "x"}]}]})
    assert keyless.status_code == 403
    assert keyless.json()["error"]["status"] == "PERMISSION_DENIED"
    by_query = httpx.post(url + "?key=abc", json={"contents": [{"parts": [{"text": "x"}]}]})
    assert by_query.status_code == 200
