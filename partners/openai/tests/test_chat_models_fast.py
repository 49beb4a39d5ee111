"""The fast paths give exactly what the general converters give (recorded answers and streams)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from linguafranca.http import ServerSentEvent
from linguafranca.messages import merge_chunks
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk
from linguafranca_openai._chat_stream import ChatStreamTranslator
from linguafranca_openai._convert_chat import parse_chat_response
from linguafranca_openai._fast import (
    generation,
    generation_chunk,
    plain_text,
    text_chunk,
    text_response,
)
from linguafranca_openai._streaming import ChatEvents


def _wire_dir() -> Path | None:
    candidates = (
        [Path(os.environ["LINGUAFRANCA_WIRE_DIR"])] if "LINGUAFRANCA_WIRE_DIR" in os.environ else []
    )
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c for c in candidates if (c / "openai").is_dir()), None)


WIRE = _wire_dir()
pytestmark = pytest.mark.skipif(WIRE is None, reason="shared/wire recordings not found")


def _records(kind: str) -> list[Path]:
    if WIRE is None:
        return []
    found = []
    for folder in ("openai", "openai_compatible", "groq", "mistral"):
        for path in sorted((WIRE / folder).glob("*.json")):
            record = json.loads(path.read_text("utf-8"))
            response = record["response"]
            if (
                record["request"]["url_path"].endswith("/chat/completions")
                and response["status"] == 200
            ):
                if kind == "json" and "body" in response:
                    found.append(path)
                if kind == "sse" and "sse" in response:
                    found.append(path)
    return found


@pytest.mark.parametrize("path", _records("json"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_text_response_matches_the_converter(path):
    body = json.loads(path.read_text("utf-8"))["response"]["body"]
    expected_messages, expected_output = parse_chat_response(body, provider="openai")
    fast = text_response(body, "openai")
    if fast is None:
        message = expected_messages[0] if expected_messages else None
        simple = (
            message is not None
            and len(expected_messages) == 1
            and isinstance(message.content, str)
            and not message.tool_calls
            and not message.invalid_tool_calls
            and not message.additional_kwargs
            and "logprobs" not in message.response_metadata
        )
        assert not simple or body["choices"][0]["message"].get("content") is None
        return
    message, output = fast
    assert message == expected_messages[0]
    assert message.model_dump() == expected_messages[0].model_dump()
    assert output == expected_output


def _events(path: Path) -> list[ServerSentEvent]:
    return [
        ServerSentEvent(data=data)
        for data in json.loads(path.read_text("utf-8"))["response"]["sse"]
    ]


@pytest.mark.parametrize("path", _records("sse"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_chat_events_match_the_translator(path):
    events = _events(path)
    translator = ChatStreamTranslator(provider="openai")
    expected: list[Any] = []
    try:
        for event in events:
            chunk = translator.feed_sse(event.data)
            if chunk is not None:
                expected.append(chunk)
        last = translator.finish()
        if last is not None:
            expected.append(last)
    except Exception as error:  # an in-band error event: both paths must raise it
        with pytest.raises(type(error)):
            adapter = ChatEvents("openai")
            for event in events:
                adapter.feed(event)
            adapter.finish()
        return
    adapter = ChatEvents("openai")
    got = [g for g in (adapter.feed(e) for e in events) if g is not None]
    tail = adapter.finish()
    if tail is not None:
        got.append(tail)
    assert [g.message for g in got] == expected
    assert merge_chunks([g.message for g in got]) == merge_chunks(expected)
    assert adapter.done


def test_plain_text_recognises_only_text_events():
    text = {"id": "c", "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]}
    assert plain_text(text) == "Hi"
    assert plain_text({**text, "usage": {"prompt_tokens": 1}}) is None
    with_role = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]}
    assert plain_text(with_role) == "Hi"
    for delta in (
        {"content": ""},
        {"content": "Hi", "tool_calls": [{"index": 0}]},
        {"content": "Hi", "reasoning_content": "thinking"},
        {"content": ["a"]},
    ):
        assert plain_text({"choices": [{"index": 0, "delta": delta}]}) is None
    finishing = {"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"}]}
    assert plain_text(finishing) is None
    logprobs = {"choices": [{"index": 0, "delta": {"content": "x"}, "logprobs": {"content": []}}]}
    assert plain_text(logprobs) is None
    groq = {"choices": [{"index": 0, "delta": {"content": "x"}}], "x_groq": {"usage": {"a": 1}}}
    assert plain_text(groq) is None
    assert plain_text({"choices": [{"index": 1, "delta": {"content": "x"}}]}) is None


def test_fast_objects_equal_validated_ones():
    chunk = text_chunk("Hi", "chatcmpl-1", "openai")
    from linguafranca.messages import AIMessageChunk

    assert chunk == AIMessageChunk(
        content="Hi", id="chatcmpl-1", response_metadata={"model_provider": "openai"}
    )
    assert generation_chunk(chunk) == ChatGenerationChunk(message=chunk)
    assert generation_chunk(chunk).text == "Hi"
    assert (chunk + text_chunk(" there", "chatcmpl-1", "openai")).content == "Hi there"
    message = parse_chat_response(
        {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}]}
    )[0][0]
    info = {"finish_reason": "stop"}
    assert generation(message, info) == ChatGeneration(message=message, generation_info=info)
