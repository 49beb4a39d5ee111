"""Replay of every recorded Chat Completions interaction (OpenAI and compatible servers).

Records: ``openai/chat_*``, ``openai_compatible/*``, ``groq/*``, ``mistral/*`` of shared/wire.

(a) Each recorded request body is mapped back to linguafranca messages and arguments
    (``reverse_map``), rebuilt with ``build_chat_request`` + the server's preset quirks and
    compared with the recording as a JSON value. Where the recording's client made a
    choice linguafranca makes differently, ``EXCEPTIONS`` names the normalisation applied
    to the recorded body (with the reason); everything else must match.
(b) Each recorded response is parsed (JSON -> ``parse_chat_response``; SSE ->
    ``ChatStreamTranslator`` folded with ``merge_chunks``; HTTP errors -> typed errors)
    and checked against values computed from the recording itself.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from linguafranca_plugins._openai_presets import (
    CompatiblePreset,
    apply_quirks,
    get_preset,
    preset_for_base_url,
)

from linguafranca import errors
from linguafranca.http import error_from_response
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    merge_chunks,
)
from linguafranca_openai._chat_stream import ChatStreamTranslator
from linguafranca_openai._convert_chat import (
    build_chat_request,
    parse_chat_response,
)

FOLDERS = ("openai", "openai_compatible", "groq", "mistral")


def _wire_dir() -> Path | None:
    """``LINGUAFRANCA_WIRE_DIR``, else a ``shared/wire`` above this file."""
    candidates = (
        [Path(os.environ["LINGUAFRANCA_WIRE_DIR"])] if "LINGUAFRANCA_WIRE_DIR" in os.environ else []
    )
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c for c in candidates if (c / "openai").is_dir()), None)


WIRE = _wire_dir()


def _records() -> list[str]:
    if WIRE is None:
        return []
    names = []
    for folder in FOLDERS:
        for path in sorted((WIRE / folder).glob("*.json")):
            if folder != "openai" or path.stem.startswith("chat_"):
                names.append(f"{folder}/{path.stem}")
    return names


RECORDS = _records()
pytestmark = pytest.mark.skipif(
    WIRE is None, reason="recorded wire data not found: set LINGUAFRANCA_WIRE_DIR to shared/wire"
)


def load(name: str):
    assert WIRE is not None
    return json.loads((WIRE / f"{name}.json").read_text("utf-8"))


def preset_of(record: dict[str, Any]) -> CompatiblePreset:
    return preset_for_base_url("https://" + record["request"]["host"]) or get_preset("openai")


# ----------------------------------------------------------------------------- (a) requests


def _messages_of(raw_messages: list[dict[str, Any]]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for raw in raw_messages:
        role = raw["role"]
        content = raw.get("content")
        if role == "user":
            out.append(HumanMessage(content=content, name=raw.get("name")))
        elif role in ("system", "developer"):
            kwargs = {"__openai_role__": "developer"} if role == "developer" else {}
            out.append(SystemMessage(content=content, additional_kwargs=kwargs))
        elif role == "assistant":
            calls, invalid = [], []
            for call in raw.get("tool_calls") or ():
                arguments = call["function"]["arguments"]
                try:
                    args = json.loads(arguments)
                except json.JSONDecodeError:
                    invalid.append(
                        {
                            "name": call["function"]["name"],
                            "args": arguments,
                            "id": call["id"],
                            "error": "bad json",
                        }
                    )
                    continue
                calls.append({"name": call["function"]["name"], "args": args, "id": call["id"]})
            out.append(
                AIMessage(content=content or "", tool_calls=calls, invalid_tool_calls=invalid)
            )
        elif role == "tool":
            out.append(ToolMessage(content=content, tool_call_id=raw["tool_call_id"]))
        elif role == "function":
            out.append(FunctionMessage(content=content, name=raw["name"]))
        else:
            raise AssertionError(f"unexpected role {role!r}")
    return out


def _tool_choice_of(choice: Any) -> Any:
    # A forced function is given by name, as a user would.
    if isinstance(choice, dict) and choice.get("type") == "function" and "function" in choice:
        return choice["function"]["name"]
    return choice


def reverse_map(body: dict[str, Any]) -> dict[str, Any]:
    """The build_chat_request arguments a user would give to produce ``body``."""
    rest = {
        k: v
        for k, v in body.items()
        if k
        not in {
            "model",
            "messages",
            "tools",
            "tool_choice",
            "response_format",
            "stream",
            "stream_options",
        }
    }
    if "max_completion_tokens" in rest:
        rest["max_tokens"] = rest.pop("max_completion_tokens")
    return {
        "messages": _messages_of(body["messages"]),
        "model": body["model"],
        "params": rest,
        "tools": body.get("tools"),
        "tool_choice": _tool_choice_of(body.get("tool_choice")),
        "response_format": body.get("response_format"),
        "stream": bool(body.get("stream")),
        "stream_usage": bool((body.get("stream_options") or {}).get("include_usage")),
    }


def rebuild(record: dict[str, Any]) -> dict[str, Any]:
    preset = preset_of(record)
    body = build_chat_request(
        **reverse_map(record["request"]["body"]), max_tokens_key=preset.max_tokens_param
    )
    adapted, dropped = apply_quirks(preset, body)
    assert dropped == []
    return adapted


# Normalisations of a recorded body: name -> (reason, function mutating the body).
def _stream_default(body: dict[str, Any]) -> None:
    body["stream"] = False


def _tool_call_content(body: dict[str, Any]) -> None:
    for message in body["messages"]:
        if message["role"] == "assistant" and message.get("tool_calls"):
            message.setdefault("content", None)
            message.pop("annotations", None)


def _arguments_as_json(body: dict[str, Any]) -> None:
    for message in body["messages"]:
        for call in message.get("tool_calls") or ():
            call["function"]["arguments"] = json.loads(call["function"]["arguments"])


def _max_tokens_key(body: dict[str, Any]) -> None:
    body["max_completion_tokens"] = body.pop("max_tokens")


def _image_url_object(body: dict[str, Any]) -> None:
    for message in body["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else ():
            if part.get("type") == "image_url" and isinstance(part["image_url"], str):
                part["image_url"] = {"url": part["image_url"]}


def _mistral_thinking_replay(body: dict[str, Any]) -> None:
    for message in body["messages"]:
        if message["role"] == "assistant" and isinstance(message["content"], list):
            message["content"] = "".join(
                p["text"] for p in message["content"] if p["type"] == "text"
            )
            message.pop("prefix")
            message.pop("tool_calls")


NORMALISATIONS: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "stream_default": (
        "the client left out the default stream=false; linguafranca always sends it, like "
        "LangChain's ChatOpenAI",
        _stream_default,
    ),
    "tool_call_content": (
        "the client left out `content` next to tool_calls (or added `annotations: []`); "
        "linguafranca sends content: null, which the API documents",
        _tool_call_content,
    ),
    "arguments_text": (
        "the client re-serialised tool arguments with other whitespace; linguafranca sends "
        "json.dumps of the parsed args, so arguments are compared as decoded JSON",
        _arguments_as_json,
    ),
    "max_tokens_key": (
        "the client sent the deprecated max_tokens to OpenAI; linguafranca sends "
        "max_completion_tokens (accepted by every OpenAI model, required by reasoning models)",
        _max_tokens_key,
    ),
    "image_url_object": (
        "the client sent image_url as a bare string (Mistral's short form); linguafranca sends "
        "the {url} object that OpenAI requires and Mistral also accepts",
        _image_url_object,
    ),
    "mistral_thinking_replay": (
        "pydantic-ai replays Mistral thinking chunks, `prefix: false` and `tool_calls: []`; "
        "Chat Completions has no reasoning input, linguafranca sends the assistant text",
        _mistral_thinking_replay,
    ),
}

EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "openai/chat_basic_text": ("stream_default",),
    "openai/chat_basic_text_gpt4o": ("stream_default",),
    "openai/chat_error_401_invalid_key": ("stream_default",),
    "openai/chat_error_404_model_not_found": ("stream_default",),
    "openai/chat_image_input_url": ("stream_default",),
    "openai/chat_legacy_functions": ("stream_default",),
    "openai/chat_max_tokens_length": ("stream_default", "max_tokens_key"),
    "openai/chat_multi_turn": ("stream_default",),
    "openai/chat_refusal_json_schema": ("stream_default",),
    "openai/chat_response_format_json_object": ("stream_default",),
    "openai/chat_response_format_json_schema": ("stream_default",),
    "openai/chat_stream_tool_result": ("tool_call_content",),
    "openai/chat_tool_chain_2_result_then_call": ("tool_call_content",),
    "openai/chat_tool_chain_3_final": ("tool_call_content",),
    "openai/chat_tools_parallel_call": ("stream_default",),
    "openai/chat_tools_parallel_result": ("stream_default", "tool_call_content"),
    "openai_compatible/openrouter_error_429": ("stream_default",),
    "groq/stream_tool_call": ("arguments_text",),
    "groq/tool_result": ("tool_call_content", "arguments_text"),
    "mistral/image_input_base64": ("image_url_object",),
    "mistral/magistral_thinking": ("mistral_thinking_replay",),
    "mistral/stream_tool_result": ("arguments_text",),
    "mistral/tool_result": ("arguments_text",),
    "mistral/tools_parallel_result": ("arguments_text",),
}


def expected_body(name: str, record: dict[str, Any]):
    body = copy.deepcopy(record["request"]["body"])
    for key in EXCEPTIONS.get(name, ()):
        NORMALISATIONS[key][1](body)
    return body


def comparable(name: str, body: dict[str, Any]):
    body = copy.deepcopy(body)
    if "arguments_text" in EXCEPTIONS.get(name, ()):
        _arguments_as_json(body)
    return body


def test_exceptions_name_known_records_and_normalisations():
    assert set(EXCEPTIONS) <= set(RECORDS)
    assert {n for keys in EXCEPTIONS.values() for n in keys} <= set(NORMALISATIONS)
    assert all(reason for reason, _ in NORMALISATIONS.values())


@pytest.mark.parametrize("name", RECORDS)
def test_request_is_rebuilt_from_messages(name):
    record = load(name)
    assert comparable(name, rebuild(record)) == expected_body(name, record)


@pytest.mark.parametrize("name", sorted(EXCEPTIONS))
def test_exception_is_needed(name):
    # A listed normalisation must change something, or it hides nothing and should go.
    record = load(name)
    assert rebuild(record) != record["request"]["body"]


# Multi-turn records whose assistant turn is the reply recorded in another file: the
# parsed (or stream-folded) reply is sent back as is, proving the round trip.
FOLLOW_UPS = {
    "openai/chat_stream_tools_parallel_result": "openai/chat_stream_tools_parallel_call",
    "openai/chat_tool_chain_2_result_then_call": "openai/chat_tool_chain_1_call",
    "openai/chat_tools_parallel_result": "openai/chat_tools_parallel_call",
    "groq/tool_result": "groq/tool_call_auto",
    "mistral/tool_result": "mistral/tool_call",
    "mistral/tools_parallel_result": "mistral/tools_parallel_call",
    "mistral/stream_tool_result": "mistral/stream_tool_call",
}


@pytest.mark.parametrize("name", sorted(FOLLOW_UPS))
def test_parsed_reply_round_trips(name):
    record = load(name)
    previous = load(FOLLOW_UPS[name])
    reply = (
        fold(previous)[0]
        if is_stream(previous)
        else parse_chat_response(previous["response"]["body"])[0][0]
    )
    args = reverse_map(record["request"]["body"])
    position = next(i for i, m in enumerate(args["messages"]) if isinstance(m, AIMessage))
    args["messages"][position] = reply
    preset = preset_of(record)
    body, _ = apply_quirks(
        preset, build_chat_request(**args, max_tokens_key=preset.max_tokens_param)
    )
    # Arguments are re-serialised from the parsed args, so they compare as JSON values.
    assert decoded(body) == decoded(expected_body(name, record))


def decoded(body: dict[str, Any]):
    body = copy.deepcopy(body)
    for message in body["messages"]:
        for call in message.get("tool_calls") or ():
            arguments = call["function"]["arguments"]
            if isinstance(arguments, str):
                call["function"]["arguments"] = json.loads(arguments)
    return body


# ----------------------------------------------------------------------------- (b) responses


def is_stream(record: dict[str, Any]) -> bool:
    return "sse" in record["response"]


def fold(record: dict[str, Any]) -> tuple[AIMessageChunk, list[AIMessageChunk]]:
    translator = ChatStreamTranslator(provider=preset_of(record).name)
    chunks = [c for data in record["response"]["sse"] if (c := translator.feed_sse(data))]
    if record["response"]["sse"][-1] != "[DONE]":
        last = translator.finish()
        if last is not None:
            chunks.append(last)
    return merge_chunks(chunks), chunks


def recorded_events(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(d) for d in record["response"]["sse"] if d != "[DONE]"]


def recorded_stream_text(events: list[dict[str, Any]]) -> tuple[str, str]:
    """(content text, reasoning text) concatenated straight from the recorded deltas."""
    text: list[str] = []
    reasoning: list[str] = []
    for event in events:
        for choice in event.get("choices") or ():
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str):
                text.append(content)
            for part in content if isinstance(content, list) else ():
                if part["type"] == "text":
                    text.append(part["text"])
                else:
                    reasoning.extend(p["text"] for p in part["thinking"])
            reasoning.append(delta.get("reasoning") or delta.get("reasoning_content") or "")
    return "".join(text), "".join(reasoning)


def recorded_stream_calls(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    by_index: dict[int, dict[str, str]] = {}
    for event in events:
        for choice in event.get("choices") or ():
            for call in (choice.get("delta") or {}).get("tool_calls") or ():
                entry = by_index.setdefault(call["index"], {"name": "", "args": ""})
                entry["name"] = entry["name"] or call["function"].get("name") or ""
                entry["args"] += call["function"].get("arguments") or ""
    return [(e["name"], json.loads(e["args"] or "{}")) for _, e in sorted(by_index.items())]


def recorded_usage(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    found = [e.get("usage") or (e.get("x_groq") or {}).get("usage") for e in events]
    found = [u for u in found if u]
    return found[-1] if found else None


def assert_usage(usage_metadata: Any, usage: dict[str, Any]) -> None:
    assert usage_metadata["input_tokens"] == usage["prompt_tokens"]
    assert usage_metadata["output_tokens"] == usage["completion_tokens"]
    assert usage_metadata["total_tokens"] == usage["total_tokens"]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        assert usage_metadata["input_token_details"]["cache_read"] == cached
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning is not None:
        assert usage_metadata["output_token_details"]["reasoning"] == reasoning


STREAMS = [
    n for n in RECORDS if WIRE and is_stream(load(n)) and load(n)["response"]["status"] < 400
]
JSON_OK = [
    n for n in RECORDS if WIRE and not is_stream(load(n)) and load(n)["response"]["status"] < 400
]
ERRORS = [n for n in RECORDS if WIRE and load(n)["response"]["status"] >= 400]


def _stream_error(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((e["error"] for e in events if e.get("error")), None)


@pytest.mark.parametrize("name", STREAMS)
def test_stream_folds_to_the_recorded_message(name):
    record = load(name)
    events = recorded_events(record)
    error = _stream_error(events)
    if error is not None:
        with pytest.raises(errors.StreamError, match="Tool call validation failed"):
            fold(record)
        assert "Tool call validation failed" in error["message"]
        return
    message, chunks = fold(record)
    text, reasoning = recorded_stream_text(events)
    assert message.text == text
    assert message.additional_kwargs.get("reasoning_content", "") == reasoning
    calls = recorded_stream_calls(events)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == calls
    assert message.invalid_tool_calls == []
    usage = recorded_usage(events)
    assert usage is not None
    assert_usage(message.usage_metadata, usage)
    # Usage, finish reason and model name each arrive on exactly one chunk: the last one.
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    reasons = [
        c["finish_reason"] for e in events for c in e.get("choices") or () if c.get("finish_reason")
    ]
    assert sum("finish_reason" in c.response_metadata for c in chunks) == (1 if reasons else 0)
    assert sum("model_name" in c.response_metadata for c in chunks) == 1
    if reasons:
        assert message.response_metadata["finish_reason"] == reasons[-1]
    assert message.response_metadata["model_name"] == events[0]["model"]
    assert message.id == events[0]["id"]
    # Ids and names are never concatenated by the merge.
    for call in message.tool_calls:
        assert call["id"] in {
            c.get("id")
            for e in events
            for ch in e.get("choices") or ()
            for c in (ch.get("delta") or {}).get("tool_calls") or ()
        }


@pytest.mark.parametrize("name", JSON_OK)
def test_json_response_parses_to_the_recorded_message(name):
    record = load(name)
    body = record["response"]["body"]
    messages, llm_output = parse_chat_response(body, provider=preset_of(record).name)
    assert len(messages) == len(body["choices"])
    message = messages[0]
    raw = body["choices"][0]["message"]
    content = raw.get("content")
    if isinstance(content, list):
        expected_text = "".join(p["text"] for p in content if p["type"] == "text")
        expected_reasoning = "".join(
            t["text"] for p in content if p["type"] == "thinking" for t in p["thinking"]
        )
    else:
        expected_text = content or ""
        expected_reasoning = raw.get("reasoning") or raw.get("reasoning_content") or ""
    assert message.text == expected_text
    assert message.additional_kwargs.get("reasoning_content", "") == expected_reasoning
    if raw.get("refusal"):
        assert message.additional_kwargs["refusal"] == raw["refusal"]
    expected_calls = [
        (c["function"]["name"], json.loads(c["function"]["arguments"]), c["id"])
        for c in raw.get("tool_calls") or ()
    ]
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == expected_calls
    if raw.get("function_call"):
        assert message.additional_kwargs["function_call"] == raw["function_call"]
    assert_usage(message.usage_metadata, body["usage"])
    assert llm_output["token_usage"] == body["usage"]
    metadata = message.response_metadata
    assert metadata["finish_reason"] == body["choices"][0]["finish_reason"]
    assert metadata["model_name"] == body["model"]
    assert metadata["model_provider"] == preset_of(record).name
    assert message.id == body["id"]
    if reasoning_text := expected_reasoning:
        blocks = message.content_blocks
        assert blocks[0] == {"type": "reasoning", "reasoning": reasoning_text}


ERROR_TYPES = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    404: errors.NotFoundError,
    429: errors.RateLimitError,
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_response_maps_to_typed_error(name):
    record = load(name)
    response = record["response"]
    body = response["body"]
    preset = preset_of(record)
    error = error_from_response(
        response["status"],
        response.get("headers") or {},
        json.dumps(body),
        provider=preset.name,
        api_key_env=preset.api_key_env[0],
    )
    assert isinstance(error, ERROR_TYPES[response["status"]])
    assert error.status_code == response["status"]
    assert error.provider == preset.name
    assert error.body == body
    recorded = body.get("error") or body
    message = recorded.get("message") or recorded.get("detail")
    assert message in str(error)
    if isinstance(error, errors.BadRequestError) and recorded.get("param"):
        assert error.param == recorded["param"]
