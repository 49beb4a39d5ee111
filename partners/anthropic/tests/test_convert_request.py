"""Unit tests of build_request: edge cases the recordings do not cover."""

from typing import Any

import pytest

from linguafranca.errors import ConfigurationError
from linguafranca.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from linguafranca_anthropic._convert_request import (
    build_count_tokens_request,
    build_request,
    convert_tool,
    convert_tool_choice,
)
from linguafranca_anthropic._convert_response import parse_response

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg=="
)
EPHEMERAL = {"type": "ephemeral"}


def build(messages, **kwargs):
    kwargs.setdefault("model", "claude-sonnet-4-5")
    kwargs.setdefault("max_tokens", 1024)
    return build_request(messages, **kwargs)


def call(call_id, name="get_weather", **args):
    return {"name": name, "args": args, "id": call_id}


# --- turns and roles --------------------------------------------------------------


def test_consecutive_user_messages_merge_into_one_turn():
    body = build([HumanMessage("Hello"), HumanMessage([{"type": "text", "text": "there"}])])
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "there"}],
        }
    ]


def test_consecutive_assistant_messages_merge():
    body = build([HumanMessage("q"), AIMessage("part one"), AIMessage("part two")])
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}],
    }


def test_tool_results_and_following_text_form_one_user_turn_tool_results_first():
    messages = [
        HumanMessage("Weather in Paris and Rome?"),
        AIMessage("", tool_calls=[call("t1", city="Paris"), call("t2", city="Rome")]),
        HumanMessage("Also, be brief."),
        ToolMessage("18C", tool_call_id="t1"),
        ToolMessage("21C", tool_call_id="t2"),
    ]
    body = build(messages)
    assert [t["role"] for t in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "t2", "name": "get_weather", "input": {"city": "Rome"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "18C", "is_error": False},
        {"type": "tool_result", "tool_use_id": "t2", "content": "21C", "is_error": False},
        {"type": "text", "text": "Also, be brief."},
    ]


def test_tool_result_with_image_and_error_status():
    image = {"type": "image", "base64": PNG, "mime_type": "image/png"}
    messages = [
        HumanMessage("Take a screenshot"),
        AIMessage("", tool_calls=[call("t1", name="screenshot")]),
        ToolMessage(
            [{"type": "text", "text": "partial capture"}, image],
            tool_call_id="t1",
            status="error",
        ),
    ]
    result = build(messages)["messages"][2]["content"][0]
    assert result == {
        "type": "tool_result",
        "tool_use_id": "t1",
        "content": [
            {"type": "text", "text": "partial capture"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        ],
        "is_error": True,
    }


def test_cache_control_on_a_tool_result_block_moves_to_the_tool_result():
    messages = [
        HumanMessage("q"),
        AIMessage("", tool_calls=[call("t1")]),
        ToolMessage(
            [{"type": "text", "text": "sunny", "cache_control": EPHEMERAL}], tool_call_id="t1"
        ),
    ]
    result = build(messages)["messages"][2]["content"][0]
    assert result["cache_control"] == EPHEMERAL
    assert result["content"] == [{"type": "text", "text": "sunny"}]


def test_tool_ids_from_other_providers_are_made_valid_consistently():
    messages = [
        HumanMessage("q"),
        AIMessage("", tool_calls=[call("functions.get_weather:0")]),
        ToolMessage("sunny", tool_call_id="functions.get_weather:0"),
    ]
    body = build(messages)
    use_id = body["messages"][1]["content"][0]["id"]
    result_id = body["messages"][2]["content"][0]["tool_use_id"]
    assert use_id == result_id
    assert use_id.startswith("toolu_") and ":" not in use_id and "." not in use_id


def test_chat_message_roles_and_unsupported_kinds():
    body = build([ChatMessage("hi", role="user"), ChatMessage("hello", role="assistant")])
    assert [t["role"] for t in body["messages"]] == ["user", "assistant"]
    with pytest.raises(ValueError, match="FunctionMessage"):
        build([FunctionMessage("42", name="f")])
    with pytest.raises(ValueError, match="role 'critic'"):
        build([ChatMessage("hm", role="critic")])


# --- system -----------------------------------------------------------------------


def test_single_plain_system_message_is_a_string():
    body = build([SystemMessage("Be terse."), HumanMessage("hi")])
    assert body["system"] == "Be terse."


def test_several_system_messages_are_joined_in_order_as_text_blocks():
    messages = [SystemMessage("One."), HumanMessage("hi"), SystemMessage("Two.")]
    body = build(messages, system="Zero.")
    assert body["system"] == [
        {"type": "text", "text": "Zero."},
        {"type": "text", "text": "One."},
        {"type": "text", "text": "Two."},
    ]
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_system_blocks_keep_cache_control():
    system = SystemMessage(
        [
            {"type": "text", "text": "Long rules", "cache_control": EPHEMERAL},
            {"type": "text", "text": "Short", "extras": {"cache_control": EPHEMERAL}, "id": "x"},
        ]
    )
    body = build([system, HumanMessage("hi")])
    assert body["system"] == [
        {"type": "text", "text": "Long rules", "cache_control": EPHEMERAL},
        {"type": "text", "text": "Short", "cache_control": EPHEMERAL},
    ]


def test_system_with_an_image_is_refused():
    image = {"type": "image", "url": "https://example.com/a.png"}
    with pytest.raises(ValueError, match="System content must be text"):
        build([SystemMessage([image]), HumanMessage("hi")])


# --- assistant content ------------------------------------------------------------


def test_empty_assistant_message_is_dropped_and_neighbours_merge():
    body = build([HumanMessage("a"), AIMessage(""), HumanMessage("b")])
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]


def test_empty_text_blocks_are_dropped_from_assistant_content():
    message = AIMessage(
        [{"type": "text", "text": ""}, {"type": "text", "text": "\n\n"}],
        tool_calls=[call("t1", city="Oslo")],
    )
    body = build([HumanMessage("q"), message, ToolMessage("cold", tool_call_id="t1")])
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Oslo"}}
    ]


def test_final_assistant_prefill_loses_trailing_whitespace():
    body = build([HumanMessage("Write JSON"), AIMessage("```json\n")])
    assert body["messages"][-1] == {"role": "assistant", "content": "```json"}


def test_thinking_blocks_round_trip_unchanged():
    reply = {
        "id": "msg_1",
        "type": "message",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Let me think.", "signature": "sig=="},
            {"type": "redacted_thinking", "data": "opaque=="},
            {"type": "text", "text": "Answer."},
            {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 5, "output_tokens": 7},
    }
    message, _ = parse_response(reply)
    body = build([HumanMessage("q"), message, ToolMessage("found", tool_call_id="t1")])
    assert body["messages"][1]["content"] == reply["content"]


def test_standard_reasoning_blocks_become_thinking_blocks():
    message = AIMessage(
        content_blocks=[
            {"type": "reasoning", "reasoning": "Hmm.", "extras": {"signature": "sig=="}},
            {"type": "reasoning", "extras": {"redacted": True, "data": "opaque=="}},
            {"type": "reasoning", "reasoning": "from another provider"},
            {"type": "text", "text": "Done."},
        ]
    )
    body = build([HumanMessage("q"), message, HumanMessage("next")])
    assert body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "Hmm.", "signature": "sig=="},
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "text", "text": "Done."},
    ]


def test_invalid_tool_calls_are_still_sent_so_their_results_pair_up():
    message = AIMessage(
        "",
        invalid_tool_calls=[{"name": "f", "args": "{oops", "id": "t9", "error": "bad JSON"}],
    )
    body = build([HumanMessage("q"), message, ToolMessage("error", tool_call_id="t9")])
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "t9", "name": "f", "input": {}}
    ]


def test_standard_tool_call_and_server_tool_blocks_in_assistant_content():
    message = AIMessage(
        content_blocks=[
            {"type": "server_tool_call", "id": "s1", "name": "web_search", "args": {"query": "x"}},
            {
                "type": "server_tool_result",
                "tool_call_id": "s1",
                "status": "success",
                "output": [{"type": "web_search_result", "url": "https://a.b"}],
                "extras": {"block_type": "web_search_tool_result"},
            },
            {"type": "text", "text": "Found."},
        ]
    )
    body = build([HumanMessage("q"), message, HumanMessage("more")])
    assert body["messages"][1]["content"] == [
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"query": "x"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "s1",
            "content": [{"type": "web_search_result", "url": "https://a.b"}],
        },
        {"type": "text", "text": "Found."},
    ]


# --- multimodal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"type": "image", "url": "https://example.com/cat.png"},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        ),
        (
            {"type": "image", "base64": PNG, "mime_type": "image/png"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        ),
        (
            {"type": "image", "source_type": "base64", "data": PNG, "mime_type": "image/png"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        ),
        (
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        ),
        (
            {"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf"},
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
            },
        ),
        (
            {"type": "file", "url": "https://example.com/a.pdf", "extras": {"title": "A"}},
            {
                "type": "document",
                "source": {"type": "url", "url": "https://example.com/a.pdf"},
                "title": "A",
            },
        ),
        (
            {"type": "text-plain", "text": "plain notes", "mime_type": "text/plain"},
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "plain notes"},
            },
        ),
        (
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0="}},
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
            },
        ),
        (
            {"type": "image", "file_id": "file_123"},
            {"type": "image", "source": {"type": "file", "file_id": "file_123"}},
        ),
    ],
)
def test_multimodal_inputs(block, expected):
    body = build([HumanMessage([{"type": "text", "text": "What is this?"}, block])])
    assert body["messages"][0]["content"][1] == expected


def test_anthropic_native_blocks_pass_through_unchanged():
    native: list[Any] = [
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "x"},
            "citations": {"enabled": True},
            "cache_control": EPHEMERAL,
        },
        {
            "type": "search_result",
            "source": "https://a.b",
            "title": "t",
            "content": [{"type": "text", "text": "c"}],
        },
    ]
    body = build([HumanMessage(native)])
    assert body["messages"][0]["content"] == native


def test_audio_is_refused_with_a_clear_error():
    audio = {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}
    with pytest.raises(ValueError, match="do not accept 'audio'"):
        build([HumanMessage([audio])])


def test_bad_image_url_is_refused():
    with pytest.raises(ValueError, match="http"):
        build([HumanMessage([{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}])])


# --- tools, parameters ------------------------------------------------------------


def test_openai_tool_with_cache_control_and_builtin_tool():
    weather = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            "strict": True,
        },
        "cache_control": EPHEMERAL,
    }
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    body = build([HumanMessage("q")], tools=[weather, search])
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather for a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
            "strict": True,
            "cache_control": EPHEMERAL,
        },
        search,
    ]


def test_tool_without_parameters_gets_an_empty_object_schema():
    tool = convert_tool({"type": "function", "function": {"name": "now"}})
    assert tool == {"name": "now", "input_schema": {"type": "object", "properties": {}}}


def test_unusable_tool_is_refused():
    with pytest.raises(ValueError, match="Cannot use"):
        convert_tool({"description": "no name, no type"})


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        ("auto", None, {"type": "auto"}),
        ("any", None, {"type": "any"}),
        ("required", None, {"type": "any"}),
        ("none", None, {"type": "none"}),
        ("get_weather", None, {"type": "tool", "name": "get_weather"}),
        ({"type": "function", "function": {"name": "f"}}, None, {"type": "tool", "name": "f"}),
        (
            {"type": "tool", "name": "f"},
            False,
            {"type": "tool", "name": "f", "disable_parallel_tool_use": True},
        ),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("none", False, {"type": "none"}),
        (None, None, None),
    ],
)
def test_tool_choice(choice, parallel, expected):
    assert convert_tool_choice(choice, parallel_tool_calls=parallel) == expected


def test_tool_choice_of_wrong_type_is_refused():
    with pytest.raises(ValueError, match="Unsupported tool_choice"):
        convert_tool_choice({"mode": "auto"})


def test_parameters():
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 5,
        "stop": "END",
        "metadata": {"user_id": "u1"},
        "effort": "low",
        "service_tier": None,
    }
    body = build([HumanMessage("q")], params=params, stream=True)
    assert body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "q"}],
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 5,
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u1"},
        "output_config": {"effort": "low"},
        "stream": True,
    }


def test_output_format_from_openai_response_format_and_effort_share_output_config():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    response_format = {"type": "json_schema", "json_schema": {"name": "A", "schema": schema}}
    body = build([HumanMessage("q")], output_format=response_format, params={"effort": "high"})
    assert body["output_config"] == {
        "effort": "high",
        "format": {"type": "json_schema", "schema": schema},
    }


def test_reserved_param_names_are_refused():
    with pytest.raises(ConfigurationError, match="model="):
        build([HumanMessage("q")], params={"model": "other"})


@pytest.mark.parametrize(
    "thinking",
    [{"type": "enabled", "budget_tokens": 2048}, {"type": "adaptive"}, {"type": "disabled"}],
)
def test_thinking_is_sent_as_given(thinking):
    assert build([HumanMessage("q")], thinking=thinking)["thinking"] == thinking


@pytest.mark.parametrize("thinking", [{"type": "enabled"}, {"type": "on"}])
def test_invalid_thinking_is_refused(thinking):
    with pytest.raises(ConfigurationError, match="thinking"):
        build([HumanMessage("q")], thinking=thinking)


@pytest.mark.parametrize("max_tokens", [0, -5, True, "100"])
def test_invalid_max_tokens_is_refused(max_tokens):
    with pytest.raises(ConfigurationError, match="max_tokens"):
        build([HumanMessage("q")], max_tokens=max_tokens)


def test_count_tokens_body_has_no_max_tokens():
    body = build_count_tokens_request(
        [SystemMessage("sys"), HumanMessage("hi")], model="claude-haiku-4-5"
    )
    assert body == {
        "model": "claude-haiku-4-5",
        "messages": [{"role": "user", "content": "hi"}],
        "system": "sys",
    }


def test_input_messages_are_not_mutated():
    block = {"type": "text", "text": "sunny", "cache_control": EPHEMERAL}
    tool_message = ToolMessage([block], tool_call_id="t1")
    build([HumanMessage("q"), AIMessage("", tool_calls=[call("t1")]), tool_message])
    assert tool_message.content == [{"type": "text", "text": "sunny", "cache_control": EPHEMERAL}]


def test_reply_from_another_provider_is_sent_through_its_standard_blocks():
    foreign = AIMessage(
        [
            {"type": "reasoning", "reasoning": "private", "id": "rs_1"},
            {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
            {"type": "text", "text": "Calling f.", "annotations": []},
        ],
        tool_calls=[call("call_1", name="f")],
        response_metadata={"model_provider": "openai"},
    )
    body = build([HumanMessage("q"), foreign, ToolMessage("ok", tool_call_id="call_1")])
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Calling f."},
        {"type": "tool_use", "id": "call_1", "name": "f", "input": {}},
    ]
