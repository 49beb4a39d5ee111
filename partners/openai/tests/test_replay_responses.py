"""Replay of every recorded Responses API interaction (``openai/responses_*`` of shared/wire).

(a) Each recorded request body is mapped back to linguafranca messages and arguments
    (``reverse_map``), rebuilt with ``build_responses_request`` and compared with the
    recording as a JSON value; ``EXCEPTIONS`` names the normalisations (with reasons).
(b) Each recorded response is parsed (JSON -> ``parse_responses_response``; SSE ->
    ``ResponsesStreamTranslator`` folded with ``merge_chunks``; HTTP errors -> typed
    errors) and checked against values computed from the recording itself.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from linguafranca import errors
from linguafranca.http import error_from_response
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    merge_chunks,
)
from linguafranca_openai._convert_responses import (
    build_responses_request,
    parse_input_tokens,
    parse_responses_response,
)
from linguafranca_openai._responses_stream import ResponsesStreamTranslator


def _wire_dir() -> Path | None:
    """``LINGUAFRANCA_WIRE_DIR`` (holding ``openai/``), else a ``shared/wire`` above us."""
    candidates = (
        [Path(os.environ["LINGUAFRANCA_WIRE_DIR"])] if "LINGUAFRANCA_WIRE_DIR" in os.environ else []
    )
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c / "openai" for c in candidates if (c / "openai").is_dir()), None)


WIRE = _wire_dir()
RECORDS = sorted(p.stem for p in WIRE.glob("responses_*.json")) if WIRE else []
pytestmark = pytest.mark.skipif(
    WIRE is None, reason="recorded wire data not found: set LINGUAFRANCA_WIRE_DIR to shared/wire"
)


def load(name: str):
    assert WIRE is not None
    return json.loads((WIRE / f"{name}.json").read_text("utf-8"))


# ----------------------------------------------------------------------------- (a) requests


def _input_part(part: dict[str, Any]) -> dict[str, Any]:
    """Native input parts as the standard blocks a user would write."""
    if part["type"] == "input_text":
        return {"type": "text", "text": part["text"]}
    if part["type"] == "input_image" and "image_url" in part:
        block: dict[str, Any] = {"type": "image", "url": part["image_url"]}
        if part.get("detail", "auto") != "auto":
            block["extras"] = {"detail": part["detail"]}
        return block
    return part


def _content(content: Any) -> Any:
    return content if isinstance(content, str) else [_input_part(p) for p in content]


def _messages_of(items: list[dict[str, Any]]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    turn: AIMessage | None = None  # the assistant turn that output items are gathered into

    def assistant() -> AIMessage:
        nonlocal turn
        if turn is None:
            turn = AIMessage(content=[])
            out.append(turn)
        return turn

    for item in items:
        kind = item.get("type", "message")
        role = item.get("role")
        if kind == "message" and role == "assistant":
            text = (
                item["content"]
                if isinstance(item["content"], str)
                else "".join(p["text"] for p in item["content"])
            )
            out.append(AIMessage(content=text))
            turn = None
            continue
        if kind == "message":
            turn = None
            if role == "user":
                out.append(HumanMessage(content=_content(item["content"])))
            else:
                kwargs = {"__openai_role__": "developer"} if role == "developer" else {}
                out.append(
                    SystemMessage(content=_content(item["content"]), additional_kwargs=kwargs)
                )
        elif kind == "reasoning":
            assistant().content.append(dict(item))  # type: ignore[union-attr]
        elif kind == "function_call":
            message = assistant()
            if "id" in item:  # the client replays the whole output item
                message.content.append(dict(item))  # type: ignore[union-attr]
            message.tool_calls.append(
                {
                    "name": item["name"],
                    "args": json.loads(item["arguments"]),
                    "id": item["call_id"],
                    "type": "tool_call",
                }
            )
        elif kind == "function_call_output":
            turn = None
            out.append(ToolMessage(content=item["output"], tool_call_id=item["call_id"]))
        else:
            raise AssertionError(f"unexpected input item {kind!r}")
    return out


def _tool_choice_of(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return choice["name"]
    return choice


KEYWORDS = ("reasoning", "include", "store", "previous_response_id")


def reverse_map(body: dict[str, Any]) -> dict[str, Any]:
    """The build_responses_request arguments a user would give to produce ``body``."""
    special = {
        "model",
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "text",
        "stream",
        *KEYWORDS,
    }
    params = {k: v for k, v in body.items() if k not in special}
    if "max_output_tokens" in params:
        params["max_tokens"] = params.pop("max_output_tokens")
    messages = _messages_of(body["input"])
    system_mode = "input"
    if "instructions" in body:
        system_mode = "instructions"
        messages.insert(0, SystemMessage(content=body["instructions"]))
    return {
        "messages": messages,
        "model": body["model"],
        "params": params,
        "tools": body.get("tools"),
        "tool_choice": _tool_choice_of(body.get("tool_choice")),
        "text_format": (body.get("text") or {}).get("format"),
        "stream": bool(body.get("stream")),
        "system_mode": system_mode,
        **{k: body[k] for k in KEYWORDS if k in body},
    }


def rebuild(record: dict[str, Any]) -> dict[str, Any]:
    return build_responses_request(**reverse_map(record["request"]["body"]))


def _stream_default(body: dict[str, Any]) -> None:
    body["stream"] = False


def _assistant_output_text(body: dict[str, Any]) -> None:
    for item in body["input"]:
        if item.get("role") == "assistant" and isinstance(item["content"], list):
            item["content"] = "".join(p["text"] for p in item["content"])


def _arguments_as_json(body: dict[str, Any]) -> None:
    for item in body["input"]:
        if item.get("type") == "function_call":
            item["arguments"] = json.loads(item["arguments"])


NORMALISATIONS: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "stream_default": (
        "the client left out the default stream=false; linguafranca always sends it",
        _stream_default,
    ),
    "assistant_output_text": (
        "ruby_llm sends an earlier assistant text as a list of output_text parts; "
        "linguafranca sends it as the string content of an input message",
        _assistant_output_text,
    ),
    "arguments_text": (
        "the client re-serialised tool arguments with other whitespace; compared as JSON",
        _arguments_as_json,
    ),
}

EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "responses_error_400_context_length": ("assistant_output_text",),
    "responses_error_400_model_not_found": ("stream_default",),
    "responses_error_401_invalid_key": ("stream_default",),
    "responses_image_input_url": ("stream_default",),
    "responses_input_tokens_count": ("stream_default",),
    "responses_instructions": ("stream_default",),
    "responses_max_output_tokens_incomplete": ("stream_default",),
    "responses_parallel_tool_calls": ("stream_default",),
    "responses_parallel_tool_results": ("stream_default",),
    "responses_previous_response_id": ("stream_default",),
    "responses_refusal": ("stream_default",),
}


def expected_body(name: str, record: dict[str, Any]):
    body = copy.deepcopy(record["request"]["body"])
    for key in EXCEPTIONS.get(name, ()):
        NORMALISATIONS[key][1](body)
    return body


def test_exceptions_name_known_records_and_normalisations():
    assert set(EXCEPTIONS) <= set(RECORDS)
    assert {n for keys in EXCEPTIONS.values() for n in keys} <= set(NORMALISATIONS)


@pytest.mark.parametrize("name", RECORDS)
def test_request_is_rebuilt_from_messages(name):
    record = load(name)
    assert rebuild(record) == expected_body(name, record)


@pytest.mark.parametrize("name", sorted(EXCEPTIONS))
def test_exception_is_needed(name):
    record = load(name)
    assert rebuild(record) != record["request"]["body"]


# The parsed (or stream-folded) reply of one record is the assistant turn of another.
FOLLOW_UPS = {
    "responses_parallel_tool_results": "responses_parallel_tool_calls",
    "responses_encrypted_reasoning_2": "responses_encrypted_reasoning_1",
    "responses_tool_result": "responses_tool_call",
    "responses_stream_tool_result": "responses_stream_tool_call",
}
# Items the follow-up's client left out of the replayed output items: linguafranca
# sends each item back whole (its id and status too).
_REPLAYED_IN_FULL = ("id", "status")


@pytest.mark.parametrize("name", sorted(FOLLOW_UPS))
def test_parsed_reply_round_trips(name):
    record = load(name)
    previous = load(FOLLOW_UPS[name])
    reply = (
        fold(previous)[0]
        if is_stream(previous)
        else parse_responses_response(previous["response"]["body"])[0]
    )
    args = reverse_map(record["request"]["body"])
    position = next(i for i, m in enumerate(args["messages"]) if isinstance(m, AIMessage))
    args["messages"][position] = reply
    built = build_responses_request(**args)
    expected = expected_body(name, record)
    _arguments_as_json(built)
    _arguments_as_json(expected)
    replayed = {o["id"]: o for o in _outputs(previous)}
    for sent, want in zip(built["input"], expected["input"], strict=True):
        if sent.get("id") in replayed and "id" not in want:
            # The recording's client dropped the item id and status; we send them back.
            assert {k: v for k, v in sent.items() if k not in _REPLAYED_IN_FULL} == want
        else:
            assert _strip_index(sent) == want
    assert {k: v for k, v in built.items() if k != "input"} == {
        k: v for k, v in expected.items() if k != "input"
    }


def _strip_index(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_index(v) for k, v in value.items() if k != "index"}
    if isinstance(value, list):
        return [_strip_index(v) for v in value]
    return value


def _outputs(record: dict[str, Any]):
    if is_stream(record):
        final = json.loads(record["response"]["sse"][-1])
        return final["response"]["output"]
    return record["response"]["body"]["output"]


# ----------------------------------------------------------------------------- (b) responses


def is_stream(record: dict[str, Any]) -> bool:
    return "sse" in record["response"]


def fold(record: dict[str, Any]) -> tuple[AIMessageChunk, list[AIMessageChunk]]:
    translator = ResponsesStreamTranslator()
    response = record["response"]
    chunks = [
        c
        for kind, data in zip(response["sse_event_types"], response["sse"], strict=True)
        if (c := translator.feed_sse(data, kind))
    ]
    translator.finish()
    return merge_chunks(chunks), chunks


def recorded_text(output: list[dict[str, Any]]) -> str:
    return "".join(
        p["text"]
        for o in output
        if o["type"] == "message"
        for p in o["content"]
        if p["type"] == "output_text"
    )


def assert_message_matches_output(
    message: AIMessage, response: dict[str, Any], items: list[dict[str, Any]] | None = None
) -> None:
    """``items``: the finished output items when they differ from ``response["output"]``."""
    output = items if items is not None else response["output"]
    usage_metadata = message.usage_metadata
    assert usage_metadata is not None
    assert message.text == recorded_text(output)
    calls = [
        (o["name"], json.loads(o["arguments"]), o["call_id"])
        for o in output
        if o["type"] == "function_call"
    ]
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == calls
    refusals = [
        p["refusal"]
        for o in output
        if o["type"] == "message"
        for p in o["content"]
        if p["type"] == "refusal"
    ]
    if refusals:
        assert message.additional_kwargs["refusal"] == refusals[0]
    # Reasoning items keep what a later request must send back.
    reasoning = [b for b in message.content if isinstance(b, dict) and b.get("type") == "reasoning"]
    recorded = [o for o in output if o["type"] == "reasoning"]
    assert [(b["id"], b.get("encrypted_content")) for b in reasoning] == [
        (o["id"], o.get("encrypted_content")) for o in recorded
    ]
    summaries = [s["text"] for o in recorded for s in o.get("summary") or ()]
    standard = [
        b["reasoning"]
        for b in message.content_blocks
        if b["type"] == "reasoning" and "reasoning" in b
    ]
    assert standard == summaries
    usage = response["usage"]
    assert usage_metadata["input_tokens"] == usage["input_tokens"]
    assert usage_metadata["output_tokens"] == usage["output_tokens"]
    assert usage_metadata["total_tokens"] == usage["total_tokens"]
    assert (
        usage_metadata["input_token_details"]["cache_read"]
        == (usage["input_tokens_details"]["cached_tokens"])
    )
    assert (
        usage_metadata["output_token_details"]["reasoning"]
        == (usage["output_tokens_details"]["reasoning_tokens"])
    )
    metadata = message.response_metadata
    assert metadata["id"] == response["id"]
    assert metadata["model_name"] == response["model"]
    assert metadata["status"] == response["status"]
    assert metadata["model_provider"] == "openai"
    if response["status"] == "incomplete":
        assert metadata["finish_reason"] == response["incomplete_details"]["reason"]
    assert message.id == response["id"]


STREAMS = [n for n in RECORDS if WIRE and is_stream(load(n))]
JSON_OK = [
    n
    for n in RECORDS
    if WIRE
    and not is_stream(load(n))
    and load(n)["response"]["status"] < 400
    and "output" in load(n)["response"]["body"]
]
ERRORS = [n for n in RECORDS if WIRE and load(n)["response"]["status"] >= 400]


@pytest.mark.parametrize("name", JSON_OK)
def test_json_response_parses_to_the_recorded_message(name):
    body = load(name)["response"]["body"]
    message, llm_output = parse_responses_response(body)
    assert_message_matches_output(message, body)
    assert llm_output["token_usage"] == body["usage"]


@pytest.mark.parametrize("name", STREAMS)
def test_stream_folds_to_the_recorded_message(name):
    record = load(name)
    message, chunks = fold(record)
    final = json.loads(record["response"]["sse"][-1])["response"]
    # Encrypted reasoning is re-encrypted for each event: the item to send back is the one
    # of response.output_item.done (OpenAI's spec), not the copy in response.completed.
    done = [
        json.loads(d)["item"]
        for d in record["response"]["sse"]
        if json.loads(d)["type"] == "response.output_item.done"
    ]
    assert_message_matches_output(message, final, done)
    deltas = "".join(
        json.loads(d).get("delta", "")
        for d in record["response"]["sse"]
        if json.loads(d)["type"] == "response.output_text.delta"
    )
    assert message.text == deltas
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    assert sum(c.usage_metadata is not None for c in chunks) == 1
    assert sum("model_name" in c.response_metadata for c in chunks) == 1
    # The folded message has the content that parsing the finished items gives.
    parsed, _ = parse_responses_response({**final, "output": done})
    assert _strip_index(message.content) == parsed.content


def test_input_tokens_count_parses():
    body = load("responses_input_tokens_count")["response"]["body"]
    assert parse_input_tokens(body) == body["input_tokens"]


ERROR_TYPES = {400: errors.BadRequestError, 401: errors.AuthenticationError}


@pytest.mark.parametrize("name", ERRORS)
def test_error_response_maps_to_typed_error(name):
    response = load(name)["response"]
    recorded = response["body"]["error"]
    error = error_from_response(
        response["status"],
        response.get("headers") or {},
        json.dumps(response["body"]),
        provider="openai",
        api_key_env="OPENAI_API_KEY",
    )
    assert isinstance(error, ERROR_TYPES[response["status"]])
    assert error.status_code == response["status"]
    assert error.code == recorded["code"]
    assert recorded["message"] in str(error)
    if response["status"] == 401:
        assert "OPENAI_API_KEY" in str(error)
