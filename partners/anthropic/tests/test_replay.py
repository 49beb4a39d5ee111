"""Replay of every recorded Anthropic interaction in shared/wire/anthropic/.

(a) Each recorded request body is mapped back to linguafranca messages and arguments
    (``reverse_map``), rebuilt with ``build_request`` and compared as a JSON value.
(b) Each recorded response is parsed (JSON -> ``parse_response``; SSE ->
    ``StreamTranslator`` folded with ``merge_chunks``; errors -> typed errors) and
    checked against values derived from the recording itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from linguafranca import errors
from linguafranca.http import SSEDecoder
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    merge_chunks,
)
from linguafranca_anthropic._convert_request import build_count_tokens_request, build_request
from linguafranca_anthropic._convert_response import parse_count_tokens, parse_response
from linguafranca_anthropic._errors import error_from_response
from linguafranca_anthropic._stream import StreamTranslator, replies_with_text_only


def _wire_dir() -> Path | None:
    """``LINGUAFRANCA_WIRE_DIR`` (holding ``anthropic/``), else a ``shared/wire`` above us."""
    candidates = (
        [Path(os.environ["LINGUAFRANCA_WIRE_DIR"])] if "LINGUAFRANCA_WIRE_DIR" in os.environ else []
    )
    candidates += [parent / "shared" / "wire" for parent in Path(__file__).resolve().parents]
    return next((c / "anthropic" for c in candidates if (c / "anthropic").is_dir()), None)


WIRE = _wire_dir()
RECORDS = sorted(p.stem for p in WIRE.glob("*.json")) if WIRE else []
pytestmark = pytest.mark.skipif(
    WIRE is None, reason="recorded wire data not found: set LINGUAFRANCA_WIRE_DIR to shared/wire"
)

# Records whose request cannot be rebuilt exactly: name -> reason. None today: all 36
# recorded bodies are rebuilt exactly (compared as JSON values, so key order is free).
# How the less obvious ones are mapped back (see reverse_map):
# * stream_tools_parallel_result (Mirascope): its tool_result blocks carry
#   "cache_control": null and no "is_error", which a ToolMessage never produces; they are
#   given as Anthropic-native blocks in a HumanMessage, which pass through unchanged.
# * error_400_prompt_too_long: "<MASSIVE_TEXT>" placeholders are rebuilt as the text.
# * count_tokens: rebuilt with build_count_tokens_request (no max_tokens).
EXCEPTIONS: dict[str, str] = {}

# Multi-turn records whose assistant turn is the reply recorded in another file: the
# parsed (or stream-folded) reply is sent back as is, proving the round trip.
FOLLOW_UPS = {
    "tools_parallel_result": "tools_parallel_call",
    "thinking_round_trip": "thinking",
    "thinking_tool_result": "thinking_tool_use",
    "stream_tools_parallel_result": "stream_tools_parallel_call",
}


def load(name: str) -> dict[str, Any]:
    assert WIRE is not None
    record: dict[str, Any] = json.loads((WIRE / f"{name}.json").read_text("utf-8"))
    return record


def usage_of(message: AIMessage) -> dict[str, Any]:
    assert message.usage_metadata is not None
    return dict(message.usage_metadata)


def sse_events(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    response = record["response"]
    return [
        (kind, json.loads(data))
        for kind, data in zip(response["sse_event_types"], response["sse"], strict=True)
    ]


def is_stream(record: dict[str, Any]) -> bool:
    return "sse" in record["response"]


def fold(
    record: dict[str, Any], *, as_string: bool = False
) -> tuple[AIMessageChunk, list[AIMessageChunk]]:
    translator = StreamTranslator(content_as_string=as_string)
    chunks = [c for kind, data in sse_events(record) if (c := translator.feed(kind, data))]
    translator.close()
    return merge_chunks(chunks), chunks


def reply_of(name: str) -> AIMessage:
    record = load(name)
    if is_stream(record):
        return fold(record)[0]
    return parse_response(record["response"]["body"])[0]


# --- (a) requests -----------------------------------------------------------------


def _user_block(block: dict[str, Any]) -> Any:
    """A recorded user block as a user would write it (standard / OpenAI forms)."""
    source = block.get("source") or {}
    if block["type"] == "image" and source.get("type") == "base64":
        url = f"data:{source['media_type']};base64,{source['data']}"
        return {"type": "image_url", "image_url": {"url": url}}
    if block["type"] == "image" and source.get("type") == "url":
        return {"type": "image", "url": source["url"]}
    if block["type"] == "document" and source.get("type") == "url":
        return {"type": "file", "url": source["url"]}
    return block


def _user_messages(content: Any) -> list[BaseMessage]:
    if isinstance(content, str):
        return [HumanMessage(content)]
    messages: list[BaseMessage] = []
    rest: list[Any] = []
    for block in content:
        if block["type"] == "tool_result" and set(block) == {
            "type",
            "tool_use_id",
            "content",
            "is_error",
        }:
            status = "error" if block["is_error"] else "success"
            messages.append(
                ToolMessage(block["content"], tool_call_id=block["tool_use_id"], status=status)
            )
        else:
            # Anthropic-native blocks (e.g. a tool_result with extra keys) pass through.
            rest.append(_user_block(block))
    if rest:
        messages.append(HumanMessage(rest))
    return messages


def _ai_message(content: Any) -> AIMessage:
    """Assistant turn in standard form: reasoning blocks + text; tool_use via tool_calls."""
    if isinstance(content, str):
        return AIMessage(content)
    blocks: list[Any] = []
    calls = []
    for block in content:
        if block["type"] == "thinking":
            extras = {"signature": block["signature"]}
            blocks.append({"type": "reasoning", "reasoning": block["thinking"], "extras": extras})
        elif block["type"] == "tool_use":
            calls.append({"name": block["name"], "args": block["input"], "id": block["id"]})
        else:
            blocks.append(block)
    return AIMessage(blocks, tool_calls=calls)


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    if "input_schema" not in tool:
        return tool  # built-in server tool
    function = {"name": tool["name"], "parameters": tool["input_schema"]}
    if "description" in tool:
        function["description"] = tool["description"]
    out: dict[str, Any] = {"type": "function", "function": function}
    out.update({k: v for k, v in tool.items() if k not in ("name", "description", "input_schema")})
    return out


def reverse_map(body: dict[str, Any]) -> tuple[list[BaseMessage], dict[str, Any]]:
    """Recorded request body -> (messages, keyword arguments of build_request)."""
    body = dict(body)
    kwargs: dict[str, Any] = {"model": body.pop("model")}
    if "max_tokens" in body:
        kwargs["max_tokens"] = body.pop("max_tokens")
    messages: list[BaseMessage] = []
    if "system" in body:
        messages.append(SystemMessage(body.pop("system")))
    for turn in body.pop("messages"):
        if turn["role"] == "user":
            messages.extend(_user_messages(turn["content"]))
        else:
            messages.append(_ai_message(turn["content"]))
    if "tools" in body:
        kwargs["tools"] = [_tool(t) for t in body.pop("tools")]
    if "tool_choice" in body:
        choice = body.pop("tool_choice")
        kwargs["tool_choice"] = choice["name"] if choice["type"] == "tool" else choice["type"]
    for key in ("thinking", "stream"):
        if key in body:
            kwargs[key] = body.pop(key)
    params: dict[str, Any] = {}
    if "output_config" in body:
        config = dict(body.pop("output_config"))
        if "format" in config:
            kwargs["output_format"] = config.pop("format")
        if "effort" in config:
            params["effort"] = config.pop("effort")
        assert not config, config
    if "stop_sequences" in body:
        params["stop"] = body.pop("stop_sequences")
    params.update(body)  # temperature, top-level cache_control, ...
    if params:
        kwargs["params"] = params
    return messages, kwargs


@pytest.mark.parametrize("name", RECORDS)
def test_request_rebuilt_from_messages(name):
    record = load(name)
    recorded = record["request"]["body"]
    messages, kwargs = reverse_map(recorded)
    if record["request"]["url_path"].startswith("/v1/messages/count_tokens"):
        built = build_count_tokens_request(messages, **kwargs)
    else:
        built = build_request(messages, **kwargs)
    if name in EXCEPTIONS:
        pytest.xfail(EXCEPTIONS[name])
    assert built == recorded


@pytest.mark.parametrize("name", sorted(FOLLOW_UPS))
def test_follow_up_request_sends_the_parsed_reply_back(name):
    recorded = load(name)["request"]["body"]
    messages, kwargs = reverse_map(recorded)
    ai_positions = [i for i, m in enumerate(messages) if isinstance(m, AIMessage)]
    assert len(ai_positions) == 1
    reply = reply_of(FOLLOW_UPS[name])
    messages[ai_positions[0]] = reply
    assert build_request(messages, **kwargs) == recorded


# --- (b) responses ----------------------------------------------------------------


def _expected_usage(usage: dict[str, Any]) -> int:
    total: int = (
        usage["input_tokens"]
        + usage.get("cache_read_input_tokens", 0)
        + usage.get("cache_creation_input_tokens", 0)
    )
    return total


JSON_REPLIES = [
    n
    for n in RECORDS
    if (r := load(n))["response"]["status"] == 200
    and not is_stream(r)
    and r["response"]["body"].get("type") == "message"
]
STREAMS = [n for n in RECORDS if is_stream(load(n))]
ERRORS = [n for n in RECORDS if load(n)["response"]["status"] >= 400]


@pytest.mark.parametrize("name", JSON_REPLIES)
def test_json_reply_parsed(name):
    body = load(name)["response"]["body"]
    message, llm_output = parse_response(body)
    blocks = body["content"]
    texts = [b["text"] for b in blocks if b["type"] == "text"]
    single_text = len(blocks) == 1 and blocks[0]["type"] == "text"
    assert message.content == (texts[0] if single_text else blocks)
    assert message.text == "".join(texts)
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        (b["name"], b["input"], b["id"]) for b in blocks if b["type"] == "tool_use"
    ]
    standard = message.content_blocks
    assert [
        (b.get("reasoning"), b["extras"].get("signature"), b["extras"].get("data"))
        for b in standard
        if b["type"] == "reasoning"
    ] == [
        (b.get("thinking"), b.get("signature"), b.get("data"))
        for b in blocks
        if b["type"] in ("thinking", "redacted_thinking")
    ]
    usage = body["usage"]
    assert usage_of(message)["input_tokens"] == _expected_usage(usage)
    assert usage_of(message)["output_tokens"] == usage["output_tokens"]
    assert usage_of(message)["input_token_details"] == {
        "cache_read": usage["cache_read_input_tokens"],
        "cache_creation": usage["cache_creation_input_tokens"],
    }
    meta = message.response_metadata
    assert (meta["id"], meta["model_name"], meta["stop_reason"], meta["stop_sequence"]) == (
        body["id"],
        body["model"],
        body["stop_reason"],
        body["stop_sequence"],
    )
    assert meta["model_provider"] == "anthropic"
    assert message.id == body["id"]
    assert llm_output["usage"] == usage


def _stream_expectations(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """What the folded message must hold, computed from the raw events."""
    blocks: dict[int, dict[str, Any]] = {}
    json_parts: dict[int, list[str]] = {}
    start_usage = final_usage = None
    stop = model = message_id = None
    for kind, data in events:
        if kind == "message_start":
            start_usage = data["message"]["usage"]
            model, message_id = data["message"]["model"], data["message"]["id"]
        elif kind == "content_block_start":
            blocks[data["index"]] = dict(data["content_block"])
            json_parts[data["index"]] = []
        elif kind == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "citations_delta":
                block["citations"].append(delta["citation"])
            elif delta["type"] == "input_json_delta":
                json_parts[data["index"]].append(delta["partial_json"])
        elif kind == "message_delta":
            stop, final_usage = data["delta"]["stop_reason"], data["usage"]
    for index, parts in json_parts.items():
        if "".join(parts):
            blocks[index]["input"] = json.loads("".join(parts))
    return {
        "blocks": [blocks[i] for i in sorted(blocks)],
        "start_usage": start_usage,
        "final_usage": final_usage,
        "stop_reason": stop,
        "model": model,
        "id": message_id,
    }


def _strip(block: dict[str, Any]) -> dict[str, Any]:
    """A folded block without the stream index, for comparison with recorded blocks."""
    return {k: v for k, v in block.items() if k != "index"}


@pytest.mark.parametrize("name", STREAMS)
def test_stream_folded(name):
    record = load(name)
    expected = _stream_expectations(sse_events(record))
    message, chunks = fold(record)

    # Content: every recorded block, in order, with its accumulated text / input.
    want = [
        b
        for b in expected["blocks"]
        if not (b["type"] == "text" and not b["text"] and not b.get("citations"))
    ]
    got = [_strip(b) for b in message.content if isinstance(b, dict)]
    assert len(got) == len(message.content)
    assert len(got) == len(want)
    for got_block, want_block in zip(got, want, strict=True):
        want_block = {k: v for k, v in want_block.items() if v is not None}
        if want_block["type"] == "text" and not want_block.get("citations"):
            want_block.pop("citations", None)
        assert got_block == want_block
    assert message.text == "".join(b["text"] for b in want if b["type"] == "text")

    # Tool calls: names, ids and parsed args in order; no arguments gives {}.
    assert [(c["name"], c["id"], c["args"]) for c in message.tool_calls] == [
        (b["name"], b["id"], b.get("input", {})) for b in want if b["type"] == "tool_use"
    ]
    assert message.invalid_tool_calls == []

    # Usage: input total from message_start (plus growth reported by message_delta),
    # output from message_delta only.
    start, final = expected["start_usage"], expected["final_usage"]
    want_input = max(_expected_usage(start), _expected_usage(final))
    assert usage_of(message)["input_tokens"] == want_input
    assert usage_of(message)["output_tokens"] == final["output_tokens"]
    assert usage_of(message)["total_tokens"] == want_input + final["output_tokens"]
    inputs = [usage_of(c)["input_tokens"] for c in chunks if c.usage_metadata is not None]
    with_input = [n for n in inputs if n]
    assert with_input[0] == _expected_usage(start)
    if _expected_usage(final) == _expected_usage(start):
        assert len(with_input) == 1

    # Identifiers on exactly one chunk each, so merging never concatenates them.
    for key in ("model_name", "stop_reason", "id"):
        assert sum(1 for c in chunks if c.response_metadata.get(key)) == 1, key
    meta = message.response_metadata
    assert (meta["model_name"], meta["stop_reason"], meta["id"]) == (
        expected["model"],
        expected["stop_reason"],
        expected["id"],
    )
    assert message.id == expected["id"]
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"


@pytest.mark.parametrize("name", STREAMS)
def test_stream_standard_blocks(name):
    record = load(name)
    expected = _stream_expectations(sse_events(record))
    message, _ = fold(record)
    standard = message.content_blocks
    kinds = {
        "thinking": "reasoning",
        "redacted_thinking": "reasoning",
        "tool_use": "tool_call",
        "server_tool_use": "server_tool_call",
        "web_search_tool_result": "server_tool_result",
    }
    recorded_kinds = [
        kinds.get(b["type"], b["type"])
        for b in expected["blocks"]
        if not (b["type"] == "text" and not b["text"] and not b.get("citations"))
    ]
    assert [b["type"] for b in standard] == recorded_kinds
    signatures = [b.get("signature") for b in expected["blocks"] if b["type"] == "thinking"]
    assert [
        b["extras"]["signature"]
        for b in standard
        if b["type"] == "reasoning" and "signature" in b.get("extras", {})
    ] == signatures
    cited = [c for b in expected["blocks"] if b["type"] == "text" for c in b.get("citations") or []]
    annotations = [a for b in standard if b["type"] == "text" for a in b.get("annotations", [])]
    assert [a.get("url") for a in annotations] == [c["url"] for c in cited]
    assert [a.get("cited_text") for a in annotations] == [c["cited_text"] for c in cited]


@pytest.mark.parametrize("name", STREAMS)
def test_raw_stream_bytes_decode_to_the_recorded_events(name):
    """The exact recorded bytes, cut in awkward pieces, through the core SSE decoder."""
    response = load(name)["response"]
    raw = response["raw_body"].encode("utf-8")
    decoder = SSEDecoder()
    events = []
    for start in range(0, len(raw), 97):
        events += decoder.feed(raw[start : start + 97])
    events += decoder.close()
    assert [e.event for e in events] == response["sse_event_types"]
    assert [e.data for e in events] == response["sse"]
    translator = StreamTranslator()
    chunks = [c for e in events if (c := translator.feed(e.event, e.json())) is not None]
    translator.close()
    assert merge_chunks(chunks).content == fold(load(name))[0].content


TEXT_ONLY_STREAMS = [n for n in STREAMS if replies_with_text_only(load(n)["request"]["body"])]


@pytest.mark.parametrize("name", TEXT_ONLY_STREAMS)
def test_text_only_stream_gives_string_content(name):
    record = load(name)
    events = sse_events(record)
    message, _ = fold(record, as_string=True)
    deltas = [
        d["delta"]["text"] for k, d in events if d.get("delta", {}).get("type") == "text_delta"
    ]
    assert message.content == "".join(deltas)
    assert message.tool_calls == []


def test_some_streams_are_text_only_and_some_are_not():
    assert "stream_text" in TEXT_ONLY_STREAMS
    assert "stream_thinking" not in TEXT_ONLY_STREAMS
    assert "stream_web_search_server_tool" not in TEXT_ONLY_STREAMS


ERROR_CLASSES = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    429: errors.RateLimitError,
    529: errors.OverloadedError,
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_reply_raises_typed_error(name):
    response = load(name)["response"]
    error = error_from_response(response["status"], response["headers"], response["body"])
    assert type(error) is ERROR_CLASSES[response["status"]]
    assert error.status_code == response["status"]
    assert error.provider == "anthropic"
    assert response["body"]["error"]["message"] in str(error)
    assert error.request_id == response["body"]["request_id"]
    assert error.body == response["body"]
    assert error.error_type == response["body"]["error"]["type"]


def test_count_tokens_reply():
    record = load("count_tokens")
    assert (
        parse_count_tokens(record["response"]["body"]) == record["response"]["body"]["input_tokens"]
    )


def test_every_record_is_replayed():
    replayed = set(JSON_REPLIES) | set(STREAMS) | set(ERRORS) | {"count_tokens"}
    assert replayed == set(RECORDS)
    assert len(RECORDS) == 36
