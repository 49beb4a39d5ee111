"""Unit tests of the Responses API converters and stream translator."""

from __future__ import annotations

from typing import Any

import pytest

from linguafranca.errors import ConfigurationError, ProviderError, StreamError
from linguafranca.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage, merge_chunks
from linguafranca_openai._convert_responses import (
    build_responses_request,
    convert_messages_to_input,
    parse_responses_response,
    responses_text_format,
    responses_tool,
    responses_tool_choice,
)
from linguafranca_openai._responses_stream import ResponsesStreamTranslator

CHAT_TOOL = {
    "type": "function",
    "function": {"name": "f", "description": "d", "parameters": {"type": "object"}, "strict": True},
}


# ------------------------------------------------------------------------------ requests


def test_system_messages_as_instructions_or_input():
    messages = [SystemMessage("Be brief."), SystemMessage("Use French."), HumanMessage("Hi")]
    body = build_responses_request(messages, model="gpt-4o", system_mode="instructions")
    assert body["instructions"] == "Be brief.\n\nUse French."
    assert body["input"] == [{"role": "user", "content": "Hi"}]
    kept = build_responses_request(messages, model="gpt-4o", system_role="developer")
    assert "instructions" not in kept
    assert kept["input"][0] == {"role": "developer", "content": "Be brief."}


def test_multimodal_user_content_becomes_input_parts():
    message = HumanMessage(
        content=[
            "look",
            {"type": "image", "url": "https://x/a.png"},
            {
                "type": "image",
                "base64": "AAAA",
                "mime_type": "image/png",
                "extras": {"detail": "high"},
            },
            {"type": "image", "file_id": "file-1"},
            {"type": "file", "url": "https://x/a.pdf"},
            {
                "type": "file",
                "base64": "JVBE",
                "mime_type": "application/pdf",
                "extras": {"filename": "a.pdf"},
            },
            {"type": "file", "file_id": "file-2"},
            {"type": "image_url", "image_url": {"url": "https://x/b.png", "detail": "low"}},
        ]
    )
    assert convert_messages_to_input([message]) == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "detail": "auto", "image_url": "https://x/a.png"},
                {
                    "type": "input_image",
                    "detail": "high",
                    "image_url": "data:image/png;base64,AAAA",
                },
                {"type": "input_image", "detail": "auto", "file_id": "file-1"},
                {"type": "input_file", "file_url": "https://x/a.pdf"},
                {
                    "type": "input_file",
                    "filename": "a.pdf",
                    "file_data": "data:application/pdf;base64,JVBE",
                },
                {"type": "input_file", "file_id": "file-2"},
                {"type": "input_image", "image_url": "https://x/b.png", "detail": "low"},
            ],
        }
    ]


def test_chat_file_parts_and_pdf_blocks_become_input_files():
    pdf = "data:application/pdf;base64,JVBERi0x"
    message = HumanMessage(
        content=[
            {"type": "file", "file": {"filename": "a.pdf", "file_data": pdf}},
            {"type": "file", "file": {"file_id": "file-9"}},
            {"type": "file", "base64": "JVBERi0x", "mime_type": "application/pdf"},
            {"type": "file", "source_type": "base64", "data": "JVBERi0x"},  # older form
        ]
    )
    parts = convert_messages_to_input([message])[0]["content"]
    assert parts == [
        {"type": "input_file", "filename": "a.pdf", "file_data": pdf},
        {"type": "input_file", "file_id": "file-9"},
        {"type": "input_file", "filename": "document", "file_data": pdf},
        {"type": "input_file", "filename": "document", "file_data": pdf},
    ]
    # the same parts as a tool's output
    tool = ToolMessage(content=message.content[:2], tool_call_id="c1")
    assert convert_messages_to_input([tool])[0]["output"] == parts[:2]


def test_audio_input_is_refused():
    with pytest.raises(ConfigurationError, match="Responses API cannot take 'audio'"):
        convert_messages_to_input(
            [HumanMessage(content=[{"type": "audio", "base64": "UklG", "mime_type": "audio/wav"}])]
        )


def test_tool_calls_and_results_become_items():
    messages = [
        AIMessage(
            "",
            tool_calls=[{"name": "f", "args": {"a": 1}, "id": "call_1"}],
            invalid_tool_calls=[{"name": "g", "args": "{x", "id": "call_2", "error": "e"}],
        ),
        ToolMessage("done", tool_call_id="call_1"),
        ToolMessage(
            content=[{"type": "text", "text": "see "}, {"type": "image", "url": "https://x/c.png"}],
            tool_call_id="call_2",
        ),
    ]
    assert convert_messages_to_input(messages) == [
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": '{"a": 1}'},
        {"type": "function_call", "call_id": "call_2", "name": "g", "arguments": "{x"},
        {"type": "function_call_output", "call_id": "call_1", "output": "done"},
        {
            "type": "function_call_output",
            "call_id": "call_2",
            "output": [
                {"type": "input_text", "text": "see "},
                {"type": "input_image", "detail": "auto", "image_url": "https://x/c.png"},
            ],
        },
    ]


def test_assistant_output_items_are_replayed_in_order_without_stream_indexes():
    reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "index": 0,
        "encrypted_content": "enc",
        "summary": [{"index": 0, "type": "summary_text", "text": "s"}],
    }
    text = {
        "type": "text",
        "text": "Hello",
        "id": "msg_1",
        "annotations": [],
        "index": 1,
        "phase": "final_answer",
    }
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "f",
        "arguments": "{}",
        "status": "completed",
        "index": 2,
    }
    search = {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "q"},
    }
    message = AIMessage(
        content=[reasoning, text, call, search],
        tool_calls=[{"name": "f", "args": {}, "id": "call_1"}],
    )
    assert convert_messages_to_input([message]) == [
        {
            "type": "reasoning",
            "id": "rs_1",
            "encrypted_content": "enc",
            "summary": [{"type": "summary_text", "text": "s"}],
        },
        {
            "type": "message",
            "role": "assistant",
            "id": "msg_1",
            "status": "completed",
            "phase": "final_answer",
            "content": [{"type": "output_text", "text": "Hello", "annotations": []}],
        },
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "f",
            "arguments": "{}",
            "status": "completed",
        },
        search,
    ]


def test_standard_reasoning_blocks_with_openai_ids_are_sent_back():
    message = AIMessage(
        content=[
            {
                "type": "reasoning",
                "id": "rs_9",
                "reasoning": "a",
                "extras": {"encrypted_content": "e"},
            },
            {"type": "reasoning", "id": "rs_9", "reasoning": "b"},
            {"type": "reasoning", "reasoning": "from another provider"},
            {"type": "text", "text": "ok"},
        ]
    )
    assert convert_messages_to_input([message]) == [
        {
            "type": "reasoning",
            "id": "rs_9",
            "encrypted_content": "e",
            "summary": [
                {"type": "summary_text", "text": "a"},
                {"type": "summary_text", "text": "b"},
            ],
        },
        {"role": "assistant", "content": "ok"},
    ]


def test_citations_go_back_in_openai_form():
    citation = {
        "type": "citation",
        "url": "https://a",
        "title": "A",
        "start_index": 0,
        "end_index": 1,
    }
    message = AIMessage(
        content=[{"type": "text", "text": "x", "id": "msg_2", "annotations": [citation]}]
    )
    part = convert_messages_to_input([message])[0]["content"][0]
    assert part["annotations"] == [
        {"type": "url_citation", "url": "https://a", "title": "A", "start_index": 0, "end_index": 1}
    ]


def test_parameters_and_keywords():
    body = build_responses_request(
        [HumanMessage("x")],
        model="gpt-5",
        stream=True,
        params={
            "max_tokens": 9,
            "reasoning_effort": "low",
            "verbosity": "low",
            "temperature": None,
            "extra_body": {"truncation": "auto"},
        },
        reasoning={"summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
        previous_response_id="resp_1",
    )
    assert body["max_output_tokens"] == 9
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["text"] == {"verbosity": "low"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["store"] is False and body["previous_response_id"] == "resp_1"
    assert body["stream"] is True and body["truncation"] == "auto"
    assert "temperature" not in body


def test_reasoning_effort_param_alone_becomes_reasoning():
    body = build_responses_request(
        [HumanMessage("x")], model="o3", params={"reasoning_effort": "high"}
    )
    assert body["reasoning"] == {"effort": "high"}


@pytest.mark.parametrize("params", [{"stop": ["x"]}, {"n": 2}])
def test_parameters_the_api_lacks_are_refused(params):
    with pytest.raises(ConfigurationError, match="Responses API"):
        build_responses_request([HumanMessage("x")], model="m", params=params)


def test_tools_text_format_and_tool_choice():
    fmt = {"type": "json_schema", "json_schema": {"name": "P", "schema": {}, "strict": True}}
    body = build_responses_request(
        [HumanMessage("x")],
        model="m",
        tools=[CHAT_TOOL, {"type": "web_search"}],
        tool_choice="web_search",
        text_format=fmt,
    )
    assert body["tools"] == [
        {
            "type": "function",
            "name": "f",
            "description": "d",
            "parameters": {"type": "object"},
            "strict": True,
        },
        {"type": "web_search"},
    ]
    assert body["tool_choice"] == {"type": "web_search"}
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "P", "schema": {}, "strict": True}
    }
    assert responses_text_format({"type": "json_object"}) == {"type": "json_object"}
    assert responses_tool({"type": "web_search"}) == {"type": "web_search"}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("any", "required"),
        ("none", "none"),
        ("f", {"type": "function", "name": "f"}),
        (True, {"type": "function", "name": "f"}),
        ({"type": "function", "function": {"name": "f"}}, {"type": "function", "name": "f"}),
        (
            {"type": "allowed_tools", "mode": "auto", "tools": []},
            {"type": "allowed_tools", "mode": "auto", "tools": []},
        ),
    ],
)
def test_tool_choice_normalisation(choice, expected):
    assert responses_tool_choice(choice, [CHAT_TOOL]) == expected


# ------------------------------------------------------------------------------ responses


def _response(output, **extra):
    return {
        "id": "resp_1",
        "model": "gpt-4o",
        "status": "completed",
        "output": output,
        "usage": {
            "input_tokens": 5,
            "output_tokens": 3,
            "total_tokens": 8,
            "input_tokens_details": {"cached_tokens": 2},
            "output_tokens_details": {"reasoning_tokens": 1},
        },
        **extra,
    }


def test_web_search_output_gives_server_tool_blocks_and_citations():
    citation = {
        "type": "url_citation",
        "url": "https://n.example",
        "title": "News",
        "start_index": 0,
        "end_index": 4,
    }
    output = [
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "good news"},
        },
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Good", "annotations": [citation]}],
        },
    ]
    message, _ = parse_responses_response(_response(output))
    assert message.content_blocks == [
        {
            "type": "server_tool_call",
            "id": "ws_1",
            "name": "web_search",
            "args": {"type": "search", "query": "good news"},
        },
        {"type": "server_tool_result", "tool_call_id": "ws_1", "status": "success"},
        {
            "type": "text",
            "text": "Good",
            "id": "msg_1",
            "annotations": [
                {
                    "type": "citation",
                    "url": "https://n.example",
                    "title": "News",
                    "start_index": 0,
                    "end_index": 4,
                }
            ],
        },
    ]
    assert message.response_metadata["finish_reason"] == "stop"


def test_bad_function_arguments_become_invalid_tool_calls():
    output = [
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "f",
            "arguments": "{nope",
            "status": "completed",
        }
    ]
    message, _ = parse_responses_response(_response(output))
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["id"] == "call_1"
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_failed_response_raises():
    with pytest.raises(ProviderError, match="server overloaded"):
        parse_responses_response(
            {"id": "r", "status": "failed", "output": [], "error": {"message": "server overloaded"}}
        )


# ------------------------------------------------------------------------------ streaming


def test_stream_error_and_failed_events_raise():
    t = ResponsesStreamTranslator()
    with pytest.raises(StreamError, match="rate limited"):
        t.feed("error", {"type": "error", "message": "rate limited"})
    with pytest.raises(ProviderError, match="boom"):
        t.feed("response.failed", {"response": {"status": "failed", "error": {"message": "boom"}}})


def test_stream_without_completed_event_is_incomplete():
    t = ResponsesStreamTranslator()
    t.feed("response.output_text.delta", {"output_index": 0, "content_index": 0, "delta": "x"})
    with pytest.raises(StreamError, match="response.completed"):
        t.finish()


def test_stream_refusal_annotations_and_incomplete_status():
    t = ResponsesStreamTranslator()
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"response": {"id": "resp_7"}}),
        (
            "response.output_item.added",
            {
                "output_index": 0,
                "item": {"type": "message", "id": "msg_7", "phase": "final_answer"},
            },
        ),
        (
            "response.output_text.delta",
            {"output_index": 0, "content_index": 0, "item_id": "msg_7", "delta": "Hi"},
        ),
        (
            "response.output_text.annotation.added",
            {
                "output_index": 0,
                "content_index": 0,
                "annotation": {"type": "url_citation", "url": "u"},
            },
        ),
        ("response.refusal.delta", {"output_index": 0, "content_index": 1, "delta": "No"}),
        (
            "response.incomplete",
            {
                "response": {
                    "id": "resp_7",
                    "model": "gpt-4o",
                    "status": "incomplete",
                    "incomplete_details": {"reason": "max_output_tokens"},
                }
            },
        ),
    ]
    chunks = [c for kind, data in events if (c := t.feed(kind, data))]
    t.finish()
    message = merge_chunks(chunks)
    assert message.id == "resp_7"
    assert message.content == [
        {
            "type": "text",
            "text": "Hi",
            "index": 0,
            "id": "msg_7",
            "annotations": [{"type": "url_citation", "url": "u"}],
            "phase": "final_answer",
        },
        {"type": "refusal", "refusal": "No", "index": 1},
    ]
    assert message.additional_kwargs["refusal"] == "No"
    assert message.response_metadata["finish_reason"] == "max_output_tokens"
    assert message.chunk_position == "last"


def test_other_providers_blocks_in_an_assistant_turn_are_not_sent():
    message = AIMessage(
        content=[
            {"type": "thinking", "thinking": "hm", "signature": "s"},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
            {"type": "non_standard", "value": {"type": "redacted_thinking", "data": "x"}},
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "toolu_1"}],
    )
    assert convert_messages_to_input([message]) == [
        {"role": "assistant", "content": "Checking."},
        {"type": "function_call", "call_id": "toolu_1", "name": "f", "arguments": "{}"},
    ]
