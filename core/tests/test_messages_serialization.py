import pickle

import pytest
from pydantic import TypeAdapter

from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    ChatMessage,
    ChatMessageChunk,
    ChatPromptValue,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    RemoveMessage,
    StringPromptValue,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
    get_buffer_string,
    message_to_dict,
    messages_from_dict,
    messages_to_dict,
)
from linguafranca.messages.content import (
    create_citation,
    create_file_block,
    create_image_block,
    create_reasoning_block,
    create_text_block,
)

BLOCKS = [
    create_text_block("t", annotations=[create_citation(url="u", start_index=0, end_index=1)]),
    create_image_block(base64="AAAA", mime_type="image/png"),
    create_file_block(file_id="f1"),
    create_reasoning_block("why"),
    {"type": "non_standard", "value": {"type": "x"}},
]

MESSAGES = [
    HumanMessage("hi", name="bob", id="h1"),
    HumanMessage(BLOCKS),
    SystemMessage("rules"),
    AIMessage(
        "hello",
        tool_calls=[{"name": "f", "args": {"a": [1, {"b": None}]}, "id": "c1"}],
        invalid_tool_calls=[{"name": "g", "args": "{", "id": "c2", "error": "bad"}],
        usage_metadata={
            "input_tokens": 1,
            "output_tokens": 2,
            "total_tokens": 3,
            "input_token_details": {"cache_read": 1},
        },
        response_metadata={"model_name": "m", "model_provider": "p"},
        id="a1",
    ),
    ToolMessage("r", tool_call_id="c1", artifact={"raw": [1, 2]}, status="error"),
    ChatMessage("c", role="critic"),
    FunctionMessage("f", name="fn"),
    RemoveMessage(id="gone"),
    AIMessageChunk(
        "partial",
        tool_call_chunks=[{"name": "f", "args": '{"a": ', "id": "c1", "index": 0}],
        usage_metadata={"input_tokens": 1, "output_tokens": 0, "total_tokens": 1},
    ),
    AIMessageChunk(
        "end",
        chunk_position="last",
        tool_call_chunks=[{"name": "f", "args": "", "id": "c", "index": 0}],
    ),
    HumanMessageChunk("h"),
    SystemMessageChunk("s"),
    ChatMessageChunk("c", role="x"),
    FunctionMessageChunk("f", name="fn"),
    ToolMessageChunk("t", tool_call_id="1"),
]

_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_model_dump_round_trip(message):
    again = type(message).model_validate(message.model_dump())
    assert again == message
    assert again.model_dump() == message.model_dump()


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_json_round_trip_through_any_message(message):
    data = message.model_dump_json()
    again = _ADAPTER.validate_json(data)
    assert type(again) is type(message)
    assert again == message


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_message_to_dict_round_trip(message):
    stored = message_to_dict(message)
    assert stored["type"] == message.type
    assert messages_from_dict([stored]) == [message]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_pickle_round_trip(message):
    assert pickle.loads(pickle.dumps(message)) == message


def test_messages_to_dict_shape():
    assert messages_to_dict([HumanMessage("hi")]) == [
        {
            "type": "human",
            "data": {
                "content": "hi",
                "additional_kwargs": {},
                "response_metadata": {},
                "type": "human",
                "name": None,
                "id": None,
            },
        }
    ]


def test_messages_from_dict_errors_name_the_position():
    with pytest.raises(ValueError, match="Message dict 1"):
        messages_from_dict([message_to_dict(HumanMessage("a")), {"type": "human"}])
    with pytest.raises(ValueError, match="Message dict 0: Unknown message type 'alien'"):
        messages_from_dict([{"type": "alien", "data": {"content": "x"}}])


def test_lazily_derived_tool_calls_are_serialized():
    merged = AIMessageChunk(
        "", tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "c", "index": 0}]
    ) + AIMessageChunk(
        "", tool_call_chunks=[{"name": None, "args": ": 1}", "id": None, "index": 0}]
    )
    assert merged.model_dump()["tool_calls"] == [
        {"name": "f", "args": {"a": 1}, "id": "c", "type": "tool_call"}
    ]
    assert '"args":{"a":1}' in merged.model_dump_json()
    assert dict(merged)["tool_calls"][0]["args"] == {"a": 1}


def test_chunk_nested_in_a_model_serializes_derived_calls():
    from pydantic import BaseModel, SerializeAsAny

    from linguafranca.messages import BaseMessage

    class Holder(BaseModel):
        message: SerializeAsAny[BaseMessage]
        plain: AIMessage

    merged = AIMessageChunk(
        "", tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "c", "index": 0}]
    ) + AIMessageChunk(
        "", tool_call_chunks=[{"name": None, "args": ": 1}", "id": None, "index": 0}]
    )
    copy = merged.model_copy()
    dumped = Holder(message=merged, plain=copy).model_dump()
    assert dumped["message"]["tool_calls"][0]["args"] == {"a": 1}
    assert dumped["plain"]["tool_calls"][0]["args"] == {"a": 1}


def test_get_buffer_string():
    messages = [
        SystemMessage("s"),
        HumanMessage("h"),
        AIMessage("a", additional_kwargs={"function_call": {"name": "f"}}),
        ToolMessage("t", tool_call_id="1"),
        FunctionMessage("f", name="fn"),
        ChatMessage("c", role="critic"),
        HumanMessage([{"type": "text", "text": "x"}, {"type": "image", "url": "u"}]),
    ]
    assert get_buffer_string(messages) == (
        "System: s\nHuman: h\nAI: a{'name': 'f'}\nTool: t\nFunction: f\ncritic: c\nHuman: x"
    )
    assert (
        get_buffer_string([HumanMessage("h"), AIMessage("a")], "User", "Bot") == "User: h\nBot: a"
    )
    with pytest.raises(ValueError, match="message 0 is a RemoveMessage"):
        get_buffer_string([RemoveMessage(id="x")])


def test_prompt_values():
    text = StringPromptValue(text="hi")
    assert text.to_string() == "hi"
    assert text.to_messages() == [HumanMessage("hi")]
    chat = ChatPromptValue(messages=[SystemMessage("s"), HumanMessage("h")])
    assert chat.to_string() == "System: s\nHuman: h"
    assert chat.to_messages() == [SystemMessage("s"), HumanMessage("h")]
    again = ChatPromptValue.model_validate_json(chat.model_dump_json())
    assert again.to_messages() == chat.to_messages()
