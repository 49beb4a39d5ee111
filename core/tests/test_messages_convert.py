import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linguafranca.errors import ConfigurationError
from linguafranca.messages import (
    AIMessage,
    ChatMessage,
    ChatPromptValue,
    FunctionMessage,
    HumanMessage,
    RemoveMessage,
    StringPromptValue,
    SystemMessage,
    ToolMessage,
    convert_to_messages,
    convert_to_openai_messages,
)


def test_seed_dictionary_format():
    conversation = [
        {"role": "system", "content": "You translate English to French."},
        {"role": "user", "content": "Translate: I love programming."},
        {"role": "assistant", "content": "J'adore la programmation."},
        {"role": "user", "content": "Translate: I love building applications."},
    ]
    assert convert_to_messages(conversation) == [
        SystemMessage("You translate English to French."),
        HumanMessage("Translate: I love programming."),
        AIMessage("J'adore la programmation."),
        HumanMessage("Translate: I love building applications."),
    ]


def test_strings_tuples_messages_and_type_dicts():
    msg = AIMessage("kept")
    out = convert_to_messages(
        [
            "hi",
            ("ai", "hello"),
            ("system", "s"),
            ["human", "h"],
            msg,
            {"type": "human", "content": "t"},
        ]
    )
    assert out == [
        HumanMessage("hi"),
        AIMessage("hello"),
        SystemMessage("s"),
        HumanMessage("h"),
        msg,
        HumanMessage("t"),
    ]
    assert out[4] is msg


def test_all_roles():
    out = convert_to_messages(
        [
            {"role": "developer", "content": "d"},
            {"role": "human", "content": "h"},
            {"role": "ai", "content": "a"},
            {"role": "tool", "content": "r", "tool_call_id": "c1", "name": "f"},
            {"role": "function", "content": "x", "name": "fn"},
            {"type": "chat", "role": "critic", "content": "c"},
        ]
    )
    assert out[0] == SystemMessage("d", additional_kwargs={"__openai_role__": "developer"})
    assert out[1] == HumanMessage("h")
    assert out[2] == AIMessage("a")
    assert out[3] == ToolMessage("r", tool_call_id="c1", name="f")
    assert out[4] == FunctionMessage("x", name="fn")
    assert out[5] == ChatMessage("c", role="critic")


def test_openai_tool_calls_are_parsed():
    raw = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{bad"}},
        ],
    }
    (msg,) = convert_to_messages([raw])
    assert isinstance(msg, AIMessage)
    assert msg.content == ""
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert msg.invalid_tool_calls[0]["args"] == "{bad"


def test_langchain_tool_calls_in_dicts():
    (msg,) = convert_to_messages(
        [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"name": "f", "args": {"a": 1}, "id": "c"}],
            }
        ]
    )
    assert isinstance(msg, AIMessage)
    assert msg.tool_calls[0]["args"] == {"a": 1}


def test_unknown_keys_go_to_additional_kwargs_and_known_fields_are_used():
    (msg,) = convert_to_messages(
        [
            {
                "role": "assistant",
                "content": "x",
                "refusal": None,
                "id": "m1",
                "response_metadata": {"a": 1},
            }
        ]
    )
    assert msg.id == "m1"
    assert msg.response_metadata == {"a": 1}
    assert msg.additional_kwargs == {"refusal": None}


def test_prompt_values_are_accepted():
    assert convert_to_messages(StringPromptValue(text="hi")) == [HumanMessage("hi")]
    value = ChatPromptValue(messages=[SystemMessage("s"), HumanMessage("h")])
    assert convert_to_messages(value) == [SystemMessage("s"), HumanMessage("h")]


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ([{"role": "wizard", "content": "x"}], ValueError, r"Message 0: unknown role 'wizard'"),
        (["ok", {"role": "user"}], ValueError, r"Message 1: .*no 'content'"),
        (["ok", "ok", 42], TypeError, r"Message 2: cannot make a message from a int"),
        ([{"content": "x"}], ValueError, r"Message 0: .*'role'"),
        ([("user", "x", "extra")], TypeError, r"Message 0"),
        ([{"role": "tool", "content": "x"}], ValueError, r"Message 0: .*tool_call_id"),
        ([{"role": "user", "content": 5}], TypeError, r"Message 0: 'content' must be"),
        ([("pirate", "arr")], ValueError, r"Message 0: unknown role 'pirate'"),
        ([{"type": "chat", "content": "x"}], ValueError, r"Message 0: .*'role'"),
        (
            [{"role": "assistant", "tool_calls": [{"id": "x"}]}],
            ValueError,
            r"Message 0: a tool call",
        ),
        ([{"role": "assistant", "tool_calls": "x"}], TypeError, r"Message 0: 'tool_calls'"),
    ],
)
def test_bad_input_names_the_position(bad, error, match):
    with pytest.raises(error, match=match):
        convert_to_messages(bad)


def test_value_errors_are_configuration_errors():
    with pytest.raises(ConfigurationError):
        convert_to_messages([{"role": "wizard", "content": "x"}])


def test_single_message_like_must_be_wrapped():
    with pytest.raises(TypeError, match="wrap it in a list"):
        convert_to_messages("hi")


def test_remove_message_dict():
    (msg,) = convert_to_messages([{"type": "remove", "id": "m1", "content": ""}])
    assert msg == RemoveMessage(id="m1")


def test_convert_to_openai_messages():
    messages = [
        SystemMessage("s"),
        HumanMessage("h", name="bob"),
        AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}]),
        ToolMessage("r", tool_call_id="c1"),
        AIMessage([{"type": "text", "text": "x"}, {"type": "text", "text": "y"}]),
        ChatMessage("c", role="critic"),
        FunctionMessage("f", name="fn"),
        SystemMessage("d", additional_kwargs={"__openai_role__": "developer"}),
    ]
    assert convert_to_openai_messages(messages) == [
        {"role": "system", "content": "s"},
        {"role": "user", "name": "bob", "content": "h"},
        {
            "role": "assistant",
            "tool_calls": [
                {"type": "function", "id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}}
            ],
            "content": "",
        },
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
        {"role": "assistant", "content": "x\ny"},
        {"role": "critic", "content": "c"},
        {"role": "function", "name": "fn", "content": "f"},
        {"role": "developer", "content": "d"},
    ]


def test_convert_to_openai_single_and_options():
    assert convert_to_openai_messages(HumanMessage("h")) == {"role": "user", "content": "h"}
    assert convert_to_openai_messages({"role": "user", "content": "x"}) == {
        "role": "user",
        "content": "x",
    }
    assert convert_to_openai_messages(HumanMessage("h"), text_format="block") == {
        "role": "user",
        "content": [{"type": "text", "text": "h"}],
    }
    assert convert_to_openai_messages(AIMessage("a", id="m1"), include_id=True) == {
        "role": "assistant",
        "id": "m1",
        "content": "a",
    }
    with pytest.raises(ValueError, match="text_format"):
        convert_to_openai_messages(HumanMessage("h"), text_format="xml")


def test_standard_blocks_become_openai_parts():
    msg = HumanMessage(
        [
            {"type": "text", "text": "a"},
            {"type": "image", "url": "http://i", "extras": {"detail": "low"}},
            {"type": "image", "base64": "AAA", "mime_type": "image/png"},
            {"type": "file", "base64": "CCC", "mime_type": "application/pdf", "filename": "a.pdf"},
            {"type": "file", "file_id": "file-1"},
            {"type": "audio", "base64": "BBB", "mime_type": "audio/wav"},
            {"type": "image_url", "image_url": {"url": "http://j"}},
            {"type": "text-plain", "text": "doc", "mime_type": "text/plain"},
            {"type": "image", "source_type": "url", "url": "http://legacy"},
        ]
    )
    assert convert_to_openai_messages(msg)["content"] == [  # type: ignore[call-overload]
        {"type": "text", "text": "a"},
        {"type": "image_url", "image_url": {"url": "http://i", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}},
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,CCC", "filename": "a.pdf"},
        },
        {"type": "file", "file": {"file_id": "file-1"}},
        {"type": "input_audio", "input_audio": {"data": "BBB", "format": "wav"}},
        {"type": "image_url", "image_url": {"url": "http://j"}},
        {"type": "text", "text": "doc"},
        {"type": "image_url", "image_url": {"url": "http://legacy"}},
    ]


def test_blocks_openai_cannot_take_raise_clearly():
    with pytest.raises(ValueError, match="video"):
        convert_to_openai_messages(HumanMessage([{"type": "video", "url": "http://v"}]))


def test_tool_call_and_reasoning_blocks_are_not_repeated_in_content():
    msg = AIMessage(
        [
            {"type": "reasoning", "reasoning": "r"},
            {"type": "text", "text": "t"},
            {"type": "tool_call", "id": "c1", "name": "f", "args": {}},
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "c1"}],
    )
    out = convert_to_openai_messages(msg)
    assert out["content"] == "t"  # type: ignore[call-overload]
    assert out["tool_calls"][0]["id"] == "c1"  # type: ignore[call-overload]


# Property: OpenAI-format dicts survive a round trip through messages.

_text = st.text(max_size=12)
_name = st.none() | st.from_regex(r"[a-z]{1,8}", fullmatch=True)
_args = st.dictionaries(
    st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.integers() | _text | st.booleans(), max_size=3
)


def _with_name(message, name):
    if name is not None:
        message["name"] = name
    return message


_system = st.builds(lambda c, n: _with_name({"role": "system", "content": c}, n), _text, _name)
_user = st.builds(lambda c, n: _with_name({"role": "user", "content": c}, n), _text, _name)
_tool = st.builds(
    lambda c, i: {"role": "tool", "content": c, "tool_call_id": i},
    _text,
    st.from_regex(r"call_[a-z0-9]{1,8}", fullmatch=True),
)
_call = st.builds(
    lambda i, n, a: {
        "type": "function",
        "id": i,
        "function": {"name": n, "arguments": json.dumps(a)},
    },
    st.from_regex(r"call_[a-z0-9]{1,8}", fullmatch=True),
    st.from_regex(r"[a-z_]{1,10}", fullmatch=True),
    _args,
)


def _assistant(content, name, calls):
    message = _with_name({"role": "assistant", "content": content}, name)
    if calls:
        message["tool_calls"] = calls
    return message


_assistant_messages = st.builds(_assistant, _text, _name, st.lists(_call, max_size=3))
_openai_messages = st.lists(st.one_of(_system, _user, _tool, _assistant_messages), max_size=6)


@settings(max_examples=150, deadline=None)
@given(messages=_openai_messages)
def test_openai_round_trip(messages):
    assert convert_to_openai_messages(convert_to_messages(messages)) == messages
