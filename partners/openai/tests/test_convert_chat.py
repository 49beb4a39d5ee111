"""Unit tests of the Chat Completions converters (requests, responses, stream events)."""

from __future__ import annotations

import json

import pytest

from linguafranca.errors import BadRequestError, ConfigurationError, StreamError
from linguafranca.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    merge_chunks,
)
from linguafranca_openai._chat_stream import ChatStreamTranslator
from linguafranca_openai._convert_chat import (
    build_chat_request,
    chat_tool_choice,
    convert_message_to_chat,
    is_reasoning_model,
    json_schema_response_format,
    parse_chat_response,
    usage_from_chat,
)

TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


# ------------------------------------------------------------------------------ messages


def test_user_system_and_named_messages():
    body = build_chat_request(
        [SystemMessage("Be brief."), HumanMessage("Hi", name="ann")], model="gpt-4o"
    )
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi", "name": "ann"},
    ]


def test_system_role_can_be_developer_per_call_or_per_message():
    body = build_chat_request([SystemMessage("x")], model="o3", system_role="developer")
    assert body["messages"][0]["role"] == "developer"
    marked = SystemMessage("y", additional_kwargs={"__openai_role__": "developer"})
    assert convert_message_to_chat(marked)["role"] == "developer"


def test_assistant_tool_calls_have_json_arguments_and_null_content():
    message = AIMessage("", tool_calls=[{"name": "f", "args": {"city": "Zürich"}, "id": "c1"}])
    out = convert_message_to_chat(message)
    assert out["content"] is None
    call = out["tool_calls"][0]
    assert call == {
        "id": "c1",
        "type": "function",
        "function": {"name": "f", "arguments": '{"city": "Zürich"}'},
    }
    assert json.loads(call["function"]["arguments"]) == {"city": "Zürich"}


def test_assistant_text_next_to_tool_calls_is_kept():
    message = AIMessage("Let me look.", tool_calls=[{"name": "f", "args": {}, "id": "c1"}])
    assert convert_message_to_chat(message)["content"] == "Let me look."


def test_invalid_tool_calls_are_sent_back_with_their_raw_arguments():
    message = AIMessage(
        "", invalid_tool_calls=[{"name": "f", "args": "{oops", "id": "c2", "error": "bad"}]
    )
    out = convert_message_to_chat(message)
    assert out["tool_calls"][0]["function"] == {"name": "f", "arguments": "{oops"}


def test_assistant_list_content_keeps_text_and_drops_reasoning():
    message = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "thinking..."},
            {"type": "text", "text": "Hello"},
            " world",
        ]
    )
    assert convert_message_to_chat(message)["content"] == "Hello world"


def test_assistant_refusal_part_is_sent_as_part():
    message = AIMessage(content=[{"type": "refusal", "refusal": "No."}])
    assert convert_message_to_chat(message)["content"] == [{"type": "refusal", "refusal": "No."}]


def test_legacy_function_call_and_audio_id_are_sent_back():
    message = AIMessage(
        "",
        additional_kwargs={
            "function_call": {"name": "f", "arguments": "{}"},
            "audio": {"id": "aud_1", "data": "..."},
        },
    )
    out = convert_message_to_chat(message)
    assert out["function_call"] == {"name": "f", "arguments": "{}"}
    assert out["content"] is None
    assert out["audio"] == {"id": "aud_1"}


def test_tool_function_and_chat_messages():
    assert convert_message_to_chat(ToolMessage("42", tool_call_id="c1")) == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "42",
    }
    tool_list = ToolMessage(content=[{"type": "text", "text": "a"}], tool_call_id="c1")
    assert convert_message_to_chat(tool_list)["content"] == [{"type": "text", "text": "a"}]
    assert convert_message_to_chat(FunctionMessage("r", name="f")) == {
        "role": "function",
        "name": "f",
        "content": "r",
    }
    assert convert_message_to_chat(ChatMessage("hi", role="critic")) == {
        "role": "critic",
        "content": "hi",
    }


def test_unsupported_message_kind_is_refused():
    with pytest.raises(ConfigurationError, match="RemoveMessage"):
        convert_message_to_chat(RemoveMessage(id="m1"))


# ------------------------------------------------------------------------------ multimodal


def _user_parts(*blocks):
    return convert_message_to_chat(HumanMessage(content=list(blocks)))["content"]


def test_standard_image_blocks_become_image_url_parts():
    parts = _user_parts(
        {"type": "image", "url": "https://x/a.png", "extras": {"detail": "low"}},
        {"type": "image", "base64": "AAAA", "mime_type": "image/jpeg"},
        {"type": "image", "source_type": "base64", "data": "BBBB", "mime_type": "image/png"},
    )
    assert parts == [
        {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,BBBB"}},
    ]


def test_audio_and_file_blocks():
    parts = _user_parts(
        {"type": "audio", "base64": "UklG", "mime_type": "audio/wav"},
        {"type": "audio", "base64": "SUQz", "mime_type": "audio/mpeg"},
        {
            "type": "file",
            "base64": "JVBE",
            "mime_type": "application/pdf",
            "extras": {"filename": "a.pdf"},
        },
        {"type": "file", "file_id": "file-1"},
        {"type": "text-plain", "text": "plain words", "mime_type": "text/plain"},
    )
    assert parts == [
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        {
            "type": "file",
            "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"},
        },
        {"type": "file", "file": {"file_id": "file-1"}},
        {"type": "text", "text": "plain words"},
    ]


def test_file_without_filename_gets_one_from_its_type():
    part = _user_parts({"type": "file", "base64": "JVBE", "mime_type": "application/pdf"})[0]
    assert part["file"]["filename"] == "document.pdf"


def test_native_parts_pass_through_and_bare_image_url_string_is_wrapped():
    native = {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}
    assert _user_parts(native, {"type": "image_url", "image_url": "https://x/b.png"}) == [
        native,
        {"type": "image_url", "image_url": {"url": "https://x/b.png"}},
    ]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "file_id": "file-1"},
        {"type": "audio", "url": "https://x/a.wav"},
        {"type": "file", "url": "https://x/a.pdf"},
        {"type": "video", "base64": "AAAA", "mime_type": "video/mp4"},
    ],
)
def test_blocks_the_api_cannot_take_are_refused_clearly(block):
    with pytest.raises(ConfigurationError, match="Chat Completions API cannot take"):
        _user_parts(block)


def test_assistant_only_blocks_are_refused_in_user_messages():
    with pytest.raises(ConfigurationError, match="assistant"):
        _user_parts({"type": "tool_call", "id": "c", "name": "f", "args": {}})


# ------------------------------------------------------------------------------ parameters


def test_parameters_none_dropped_extra_body_merged_unknown_kept():
    body = build_chat_request(
        [HumanMessage("x")],
        model="gpt-4o",
        params={
            "temperature": 0.2,
            "seed": None,
            "stop": [],
            "logprobs": True,
            "extra_body": {"reasoning_format": "parsed"},
            "web_search_options": {},
        },
    )
    assert body["temperature"] == 0.2
    assert "seed" not in body and "stop" not in body and "extra_body" not in body
    assert body["reasoning_format"] == "parsed"
    assert body["web_search_options"] == {}
    assert body["logprobs"] is True
    assert body["stream"] is False


@pytest.mark.parametrize("key", ["max_tokens", "max_completion_tokens"])
def test_token_limit_uses_the_configured_field(key):
    body = build_chat_request([HumanMessage("x")], model="m", params={key: 7})
    assert body["max_completion_tokens"] == 7 and "max_tokens" not in body
    legacy = build_chat_request(
        [HumanMessage("x")], model="m", params={key: 7}, max_tokens_key="max_tokens"
    )
    assert legacy["max_tokens"] == 7 and "max_completion_tokens" not in legacy


def test_reasoning_dict_maps_to_reasoning_effort_or_is_refused():
    body = build_chat_request(
        [HumanMessage("x")], model="o3", params={"reasoning": {"effort": "low"}}
    )
    assert body["reasoning_effort"] == "low"
    with pytest.raises(ConfigurationError, match="Responses API"):
        build_chat_request(
            [HumanMessage("x")],
            model="o3",
            params={"reasoning": {"effort": "low", "summary": "auto"}},
        )


def test_streaming_asks_for_usage_unless_told_not_to():
    body = build_chat_request([HumanMessage("x")], model="m", stream=True)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    quiet = build_chat_request([HumanMessage("x")], model="m", stream=True, stream_usage=False)
    assert "stream_options" not in quiet


def test_n_above_one_cannot_stream():
    with pytest.raises(ConfigurationError, match="n > 1"):
        build_chat_request([HumanMessage("x")], model="m", params={"n": 2}, stream=True)


def test_tools_response_format_and_tool_choice():
    fmt = json_schema_response_format({"title": "Person", "type": "object"})
    body = build_chat_request(
        [HumanMessage("x")], model="m", tools=[TOOL], tool_choice="any", response_format=fmt
    )
    assert body["tools"] == [TOOL]
    assert body["tool_choice"] == "required"
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Person",
            "schema": {"title": "Person", "type": "object"},
            "strict": True,
        },
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        (False, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (True, {"type": "function", "function": {"name": "get_weather"}}),
        ({"type": "function", "name": "g"}, {"type": "function", "function": {"name": "g"}}),
        (
            {"type": "function", "function": {"name": "g"}},
            {"type": "function", "function": {"name": "g"}},
        ),
    ],
)
def test_tool_choice_normalisation(choice, expected):
    assert chat_tool_choice(choice, [TOOL]) == expected


def test_true_tool_choice_with_several_tools_means_required():
    assert chat_tool_choice(True, [TOOL, TOOL]) == "required"


def test_bad_tool_choice_is_refused():
    with pytest.raises(ConfigurationError, match="tool_choice"):
        chat_tool_choice(3.5)  # type: ignore[arg-type]


def test_reasoning_model_detection():
    assert [
        is_reasoning_model(m) for m in ("o1", "o4-mini", "gpt-5-nano", "gpt-4.1", "gpt-4o")
    ] == [True, True, True, False, False]


# ------------------------------------------------------------------------------ responses


def _body(message, **extra):
    return {
        "id": "chatcmpl-1",
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        **extra,
    }


def test_malformed_arguments_become_invalid_tool_calls():
    body = _body(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1'}},
                {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "[1]"}},
                {"id": "c3", "type": "function", "function": {"name": "h", "arguments": ""}},
            ],
        }
    )
    message = parse_chat_response(body)[0][0]
    assert [c["id"] for c in message.invalid_tool_calls] == ["c1", "c2"]
    assert "not valid JSON" in str(message.invalid_tool_calls[0]["error"])
    assert message.invalid_tool_calls[0]["args"] == '{"a": 1'
    assert "JSON object" in str(message.invalid_tool_calls[1]["error"])
    assert message.tool_calls == [{"name": "h", "args": {}, "id": "c3", "type": "tool_call"}]


def test_several_choices_give_several_messages_usage_on_the_first():
    body = {
        "id": "x",
        "model": "m",
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": f"c{i}"},
                "finish_reason": "stop",
            }
            for i in range(2)
        ],
    }
    messages, llm_output = parse_chat_response(body)
    assert [m.text for m in messages] == ["c0", "c1"]
    usage = messages[0].usage_metadata
    assert usage is not None and usage["total_tokens"] == 7
    assert messages[1].usage_metadata is None
    assert llm_output["token_usage"]["total_tokens"] == 7


def test_usage_details_and_metadata():
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 1},
        "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": 0},
    }
    assert usage_from_chat(usage) == {
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "input_token_details": {"audio": 1, "cache_read": 4},
        "output_token_details": {"audio": 0, "reasoning": 2},
    }
    assert "input_token_details" not in usage_from_chat(
        {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    )
    assert usage_from_chat(
        {
            "prompt_tokens": 5,
            "completion_tokens": 1,
            "total_tokens": 6,
            "prompt_cache_hit_tokens": 3,
        }
    )["input_token_details"] == {"cache_read": 3}


def test_refusal_audio_logprobs_and_unknown_fields_are_kept():
    logprobs = {"content": [{"token": "No", "logprob": -0.1}]}
    body = _body(
        {
            "role": "assistant",
            "content": None,
            "refusal": "I can't.",
            "audio": {"id": "a1", "transcript": "hi"},
            "extra_content": {"k": 1},
        },
        usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        system_fingerprint="fp_1",
        service_tier="default",
    )
    body["choices"][0]["logprobs"] = logprobs
    message = parse_chat_response(body)[0][0]
    assert message.additional_kwargs["refusal"] == "I can't."
    assert message.additional_kwargs["audio"] == {"id": "a1", "transcript": "hi"}
    assert message.additional_kwargs["extra_content"] == {"k": 1}
    assert message.response_metadata["logprobs"] == logprobs
    assert message.response_metadata["system_fingerprint"] == "fp_1"
    assert message.response_metadata["service_tier"] == "default"


def test_reasoning_fields_become_reasoning_blocks():
    for field in ("reasoning_content", "reasoning"):
        message = parse_chat_response(
            _body({"role": "assistant", "content": "4", field: "2+2"}), provider="deepseek"
        )[0][0]
        assert message.additional_kwargs["reasoning_content"] == "2+2"
        assert message.content_blocks == [
            {"type": "reasoning", "reasoning": "2+2"},
            {"type": "text", "text": "4"},
        ]


def test_url_citations_of_chat_completions_become_citation_annotations():
    annotation = {
        "type": "url_citation",
        "url_citation": {
            "url": "https://a.example",
            "title": "A",
            "start_index": 0,
            "end_index": 2,
        },
    }
    message = parse_chat_response(
        _body({"role": "assistant", "content": "Hi", "annotations": [annotation]})
    )[0][0]
    assert dict(message.content_blocks[0])["annotations"] == [
        {
            "type": "citation",
            "url": "https://a.example",
            "title": "A",
            "start_index": 0,
            "end_index": 2,
        }
    ]


def test_error_body_raises():
    with pytest.raises(BadRequestError, match="quota"):
        parse_chat_response({"error": {"message": "quota exceeded"}})


# ------------------------------------------------------------------------------ streaming


def _event(delta=None, finish=None, **extra):
    choices = (
        []
        if delta is None and finish is None
        else [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    )
    return {"id": "chatcmpl-9", "model": "gpt-4o-mini", "choices": choices, **extra}


def fed(translator, event):
    """Feed an event that must give a chunk."""
    chunk = translator.feed_sse(event) if isinstance(event, str) else translator.feed(event)
    assert chunk is not None
    return chunk


def test_stream_repeated_ids_and_names_are_sent_once():
    t = ChatStreamTranslator()
    call = {
        "index": 0,
        "id": "call_0",
        "type": "function",
        "function": {"name": "f", "arguments": ""},
    }
    first = fed(t, _event({"tool_calls": [call]}))
    again = fed(t, _event({"tool_calls": [{**call, "function": {"name": "f", "arguments": "{}"}}]}))
    assert first.tool_call_chunks[0]["id"] == "call_0"
    assert again.tool_call_chunks[0]["id"] is None and again.tool_call_chunks[0]["name"] is None
    last = fed(t, "[DONE]")
    merged = merge_chunks([first, again, last])
    assert merged.tool_calls == [{"name": "f", "args": {}, "id": "call_0", "type": "tool_call"}]


def test_stream_usage_finish_reason_and_model_arrive_once_at_the_end():
    t = ChatStreamTranslator()
    chunks = [
        t.feed(_event({"role": "assistant", "content": ""})),
        t.feed(_event({"content": "Hi"})),
        t.feed(_event({}, "stop")),
        t.feed(_event(usage={"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3})),
        t.feed_sse("[DONE]"),
    ]
    assert chunks[0] is None and chunks[2] is None and chunks[3] is None
    last, text = chunks[4], chunks[1]
    assert last is not None and text is not None
    assert last.chunk_position == "last"
    assert last.usage_metadata == {"input_tokens": 2, "output_tokens": 1, "total_tokens": 3}
    assert last.response_metadata["finish_reason"] == "stop"
    assert last.response_metadata["model_name"] == "gpt-4o-mini"
    assert text.response_metadata == {"model_provider": "openai"}
    assert t.finish() is None  # only once


def test_stream_cut_short_raises():
    t = ChatStreamTranslator()
    t.feed(_event({"content": "Hel"}))
    with pytest.raises(StreamError, match="ended before"):
        t.finish()


def test_stream_error_event_raises_with_the_message():
    t = ChatStreamTranslator(provider="groq")
    with pytest.raises(StreamError, match="Tool call validation failed"):
        t.feed_sse(json.dumps({"error": {"message": "Tool call validation failed: x"}}))


def test_stream_logprobs_refusal_and_reasoning_deltas():
    t = ChatStreamTranslator()
    lp = {"content": [{"token": "a", "logprob": -1.0}], "refusal": None}
    chunk = fed(
        t, {"id": "c", "choices": [{"index": 0, "delta": {"content": "a"}, "logprobs": lp}]}
    )
    assert chunk.response_metadata["logprobs"] == {"content": [{"token": "a", "logprob": -1.0}]}
    assert fed(t, _event({"refusal": "No"})).additional_kwargs == {"refusal": "No"}
    assert fed(t, _event({"reasoning_content": "hmm"})).additional_kwargs == {
        "reasoning_content": "hmm"
    }


def test_stream_ignores_other_choices():
    t = ChatStreamTranslator()
    assert t.feed({"id": "c", "choices": [{"index": 1, "delta": {"content": "x"}}]}) is None


def test_other_providers_blocks_in_an_assistant_turn_are_not_sent():
    message = AIMessage(
        content=[
            {"type": "thinking", "thinking": "hm", "signature": "s"},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "toolu_1"}],
    )
    out = convert_message_to_chat(message)
    assert out["content"] == "Checking."
    assert [c["id"] for c in out["tool_calls"]] == ["toolu_1"]
