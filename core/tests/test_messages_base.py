import pytest
from pydantic import ValidationError

from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    HumanMessageChunk,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
    get_msg_title_repr,
)
from linguafranca.messages.content import ContentBlock


def test_positional_and_keyword_construction_are_equal():
    assert HumanMessage("hi") == HumanMessage(content="hi")
    assert SystemMessage("be brief").content == "be brief"
    assert AIMessage("x", id="1").id == "1"


def test_content_blocks_argument_becomes_content():
    blocks: list[ContentBlock] = [
        {"type": "text", "text": "hi"},
        {"type": "image", "url": "https://e.x/a.png"},
    ]
    msg = HumanMessage(content_blocks=blocks)
    assert msg.content == blocks
    assert msg.text == "hi"


def test_ai_message_content_blocks_tool_calls_fill_tool_calls():
    msg = AIMessage(
        content_blocks=[{"type": "tool_call", "id": "c1", "name": "f", "args": {"a": 1}}]
    )
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]


def test_missing_content_defaults_to_empty_string():
    assert AIMessage(tool_calls=[]).content == ""


def test_invalid_content_type_is_rejected():
    with pytest.raises(ValidationError):
        HumanMessage(content=5)  # type: ignore[arg-type]


def test_type_discriminators():
    assert HumanMessage("a").type == "human"
    assert AIMessage("a").type == "ai"
    assert SystemMessage("a").type == "system"
    assert ToolMessage("a", tool_call_id="1").type == "tool"
    assert ChatMessage("a", role="x").type == "chat"
    assert FunctionMessage("a", name="f").type == "function"
    assert RemoveMessage(id="1").type == "remove"
    assert AIMessageChunk("a").type == "AIMessageChunk"
    assert HumanMessageChunk("a").type == "HumanMessageChunk"


def test_equality_is_by_value_and_kind():
    assert HumanMessage("a") == HumanMessage("a")
    assert HumanMessage("a") != HumanMessage("a", id="1")
    system: BaseMessage = SystemMessage("a")
    assert HumanMessage("a") != system
    assert AIMessage("a") != AIMessageChunk("a")


def test_id_coerces_numbers():
    assert AIMessage("x", id=5).id == "5"


def test_extra_fields_are_kept():
    msg = AIMessage("a", foo=1)
    assert msg.foo == 1  # type: ignore[attr-defined]
    assert msg.model_dump()["foo"] == 1


def test_repr_is_short_and_shows_set_fields():
    assert repr(AIMessage("Hi")) == "AIMessage(content='Hi')"
    assert repr(AIMessageChunk(content="The")) == "AIMessageChunk(content='The')"
    text = repr(AIMessage("Hi", id="x", tool_calls=[{"name": "f", "args": {}, "id": "1"}]))
    assert text.startswith("AIMessage(content='Hi', id='x', tool_calls=[")
    assert "invalid_tool_calls" not in text
    assert repr(AIMessage("a", foo=1)) == "AIMessage(content='a', foo=1)"


def test_text_property_is_a_string():
    assert isinstance(AIMessage("x").text, str)
    msg = AIMessage(
        ["a", {"type": "text", "text": "b"}, {"type": "image", "url": "u"}, {"type": "text"}]
    )
    assert msg.text == "ab"
    assert AIMessage([]).text == ""


def test_tool_message_coerces_content_and_id():
    msg = ToolMessage(42, tool_call_id=7)  # type: ignore[arg-type]
    assert msg.content == "42"
    assert msg.tool_call_id == "7"
    listed = ToolMessage(["a", 1, {"type": "text", "text": "t"}], tool_call_id="x")  # type: ignore[list-item]
    assert listed.content == ["a", "1", {"type": "text", "text": "t"}]
    assert ToolMessage("r", tool_call_id="1", status="error", artifact={"k": 1}).artifact == {
        "k": 1
    }


def test_tool_message_requires_tool_call_id():
    with pytest.raises(ValidationError):
        ToolMessage("r")


def test_remove_message_rejects_content():
    assert RemoveMessage(id="m1").content == ""
    with pytest.raises(ValueError, match="only an id"):
        RemoveMessage(id="m1", content="x")


def test_chat_and_function_messages_require_their_field():
    with pytest.raises(ValidationError):
        ChatMessage("x")
    with pytest.raises(ValidationError):
        FunctionMessage("x")


def test_title_bar_is_80_columns():
    bar = get_msg_title_repr("Ai Message")
    assert len(bar) == 80
    assert bar == "=" * 34 + " Ai Message " + "=" * 34
    assert len(get_msg_title_repr("Human Message")) == 80


def test_pretty_repr_of_human_message():
    text = HumanMessage("What is the capital of France?", name="bob").pretty_repr()
    assert text.splitlines() == [
        "=" * 32 + " Human Message " + "=" * 33,
        "Name: bob",
        "",
        "What is the capital of France?",
    ]


def test_pretty_repr_lists_tool_calls():
    msg = AIMessage(
        "Let me check the weather.",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "1"}],
        invalid_tool_calls=[{"name": "g", "args": "{x", "id": "2", "error": "bad"}],
    )
    assert msg.pretty_repr().splitlines() == [
        "=" * 34 + " Ai Message " + "=" * 34,
        "",
        "Let me check the weather.",
        "Tool Calls:",
        "  get_weather (1)",
        " Call ID: 1",
        "  Args:",
        "    city: Paris",
        "Invalid Tool Calls:",
        "  g (2)",
        " Call ID: 2",
        "  Error: bad",
        "  Args:",
        "    {x",
    ]


def test_pretty_print_prints(capsys):
    SystemMessage("rules").pretty_print()
    assert "System Message" in capsys.readouterr().out


def test_pretty_repr_html_bolds_title():
    assert "<b> Ai Message </b>" in AIMessage("x").pretty_repr(html=True)


def test_base_message_is_a_pydantic_model():
    assert issubclass(HumanMessage, BaseMessage)
    assert set(BaseMessage.model_fields) >= {
        "content",
        "additional_kwargs",
        "response_metadata",
        "type",
        "name",
        "id",
    }
