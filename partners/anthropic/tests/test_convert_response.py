"""Unit tests of parse_response, make_usage and the standard-block translator."""

from typing import Any, cast

import pytest

from linguafranca.messages import AIMessage
from linguafranca_anthropic._convert_response import make_usage, parse_response


def std(message: AIMessage) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], message.content_blocks)


def reply(content, **extra):
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 3},
    }
    body.update(extra)
    return body


def test_single_text_block_becomes_a_string():
    message, llm_output = parse_response(reply([{"type": "text", "text": "Hi!"}]))
    assert message.content == "Hi!"
    assert message.response_metadata == {
        "id": "msg_1",
        "model_name": "claude-sonnet-4-5-20250929",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "model_provider": "anthropic",
    }
    assert llm_output["model"] == "claude-sonnet-4-5-20250929"
    assert llm_output["usage"] == {"input_tokens": 10, "output_tokens": 3}


def test_empty_reply_is_an_empty_string():
    message, _ = parse_response(reply([]))
    assert message.content == ""
    assert std(message) == []


def test_text_with_citations_stays_a_list_and_gives_annotations():
    citation = {
        "type": "char_location",
        "cited_text": "The sky is blue.",
        "document_index": 0,
        "document_title": "Facts",
        "start_char_index": 0,
        "end_char_index": 16,
    }
    block = {"type": "text", "text": "It is blue.", "citations": [citation]}
    message, _ = parse_response(reply([block]))
    assert message.content == [block]
    [text] = std(message)
    assert text["text"] == "It is blue."
    assert text["annotations"] == [
        {
            "type": "citation",
            "cited_text": "The sky is blue.",
            "title": "Facts",
            "extras": {"document_index": 0, "start_char_index": 0, "end_char_index": 16},
        }
    ]


def test_usage_counts_cache_reads_and_writes_as_input():
    usage = {
        "input_tokens": 3,
        "cache_creation_input_tokens": 418,
        "cache_read_input_tokens": 1111,
        "output_tokens": 33,
        "output_tokens_details": {"thinking_tokens": 20},
    }
    assert make_usage(usage) == {
        "input_tokens": 1532,
        "output_tokens": 33,
        "total_tokens": 1565,
        "input_token_details": {"cache_read": 1111, "cache_creation": 418},
        "output_token_details": {"reasoning": 20},
    }
    assert make_usage(usage, include_input=False)["input_tokens"] == 0
    assert make_usage(usage, include_output=False)["output_tokens"] == 0


def test_tool_use_becomes_tool_calls_in_order():
    content = [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Oslo"}},
        {"type": "tool_use", "id": "t2", "name": "clock", "input": {}},
    ]
    message, _ = parse_response(reply(content, stop_reason="tool_use"))
    assert message.tool_calls == [
        {"name": "weather", "args": {"city": "Oslo"}, "id": "t1", "type": "tool_call"},
        {"name": "clock", "args": {}, "id": "t2", "type": "tool_call"},
    ]
    assert [b["type"] for b in std(message)] == ["text", "tool_call", "tool_call"]
    assert message.response_metadata["stop_reason"] == "tool_use"


def test_server_tools_become_standard_blocks():
    content: list[Any] = [
        {"type": "server_tool_use", "id": "s1", "name": "code_execution", "input": {"code": "1+1"}},
        {
            "type": "code_execution_tool_result",
            "tool_use_id": "s1",
            "content": {"type": "code_execution_tool_result_error", "error_code": "unavailable"},
        },
        {
            "type": "web_search_tool_result",
            "tool_use_id": "s2",
            "content": [{"type": "web_search_result", "url": "https://a.b", "title": "A"}],
        },
    ]
    message, _ = parse_response(
        reply(
            content,
            usage={
                "input_tokens": 1,
                "output_tokens": 1,
                "server_tool_use": {"web_search_requests": 1},
            },
        )
    )
    call, failed, found = std(message)
    assert call == {
        "type": "server_tool_call",
        "id": "s1",
        "name": "code_interpreter",
        "args": {"code": "1+1"},
    }
    assert failed["status"] == "error"
    assert failed["extras"] == {"block_type": "code_execution_tool_result"}
    assert found["status"] == "success"
    assert found["output"] == content[2]["content"]
    assert message.tool_calls == []
    assert message.response_metadata["server_tool_use"] == {"web_search_requests": 1}


def test_thinking_becomes_reasoning_with_signature():
    content = [
        {"type": "thinking", "thinking": "Plan.", "signature": "sig=="},
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "text", "text": "Done."},
    ]
    message, _ = parse_response(reply(content))
    assert std(message) == [
        {"type": "reasoning", "reasoning": "Plan.", "extras": {"signature": "sig=="}},
        {"type": "reasoning", "extras": {"redacted": True, "data": "opaque=="}},
        {"type": "text", "text": "Done."},
    ]
    assert message.text == "Done."


def test_unknown_blocks_are_non_standard():
    block = {"type": "container_upload", "file_id": "f1"}
    message, _ = parse_response(reply([block, {"type": "text", "text": "x"}]))
    assert std(message)[0] == {"type": "non_standard", "value": block}


def test_error_body_is_not_a_message():
    with pytest.raises(ValueError, match="Not an Anthropic message"):
        parse_response({"type": "error", "error": {"type": "api_error", "message": "boom"}})


def test_translator_is_used_only_for_anthropic_messages():
    content: list[Any] = [{"type": "thinking", "thinking": "x", "signature": "s"}]
    other = AIMessage(content, response_metadata={"model_provider": "someone-else"})
    assert std(other)[0]["type"] == "non_standard"
    ours = AIMessage(content, response_metadata={"model_provider": "anthropic"})
    assert std(ours)[0]["type"] == "reasoning"
