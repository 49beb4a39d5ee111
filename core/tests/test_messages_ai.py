import pytest
from pydantic_core import from_json

from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    merge_chunks,
    message_chunk_to_message,
)


def _chunk(args, *, index=0, name=None, id=None, last=False):
    return AIMessageChunk(
        "",
        tool_call_chunks=[{"name": name, "args": args, "id": id, "index": index}],
        chunk_position="last" if last else None,
    )


def test_openai_tool_calls_in_additional_kwargs_are_parsed():
    raw = [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
        {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{bad"}},
    ]
    msg = AIMessage("", additional_kwargs={"tool_calls": raw})
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert msg.invalid_tool_calls[0]["name"] == "g"
    assert msg.invalid_tool_calls[0]["args"] == "{bad"
    assert msg.invalid_tool_calls[0]["error"]


def test_explicit_tool_calls_win_over_additional_kwargs():
    raw = [{"id": "c1", "function": {"name": "f", "arguments": "{}"}}]
    mine = [{"name": "mine", "args": {}, "id": "x"}]
    msg = AIMessage("", additional_kwargs={"tool_calls": raw}, tool_calls=mine)
    assert [c["name"] for c in msg.tool_calls] == ["mine"]


def test_chunk_parses_openai_deltas_into_tool_call_chunks():
    raw = [{"index": 0, "id": "c", "function": {"name": "g", "arguments": "{"}}]
    chunk = AIMessageChunk("", additional_kwargs={"tool_calls": raw})
    assert chunk.tool_call_chunks == [
        {"name": "g", "args": "{", "id": "c", "index": 0, "type": "tool_call_chunk"}
    ]


def test_chunk_built_from_tool_calls_gets_fragments():
    chunk = AIMessageChunk("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "x"}])
    assert chunk.tool_call_chunks == [
        {"name": "f", "args": '{"a": 1}', "id": "x", "index": None, "type": "tool_call_chunk"}
    ]
    assert chunk.tool_calls[0]["args"] == {"a": 1}


def test_partial_arguments_are_provisional_before_the_last_chunk():
    chunk = _chunk('{"location": "Bos', name="get_weather", id="c1")
    assert chunk.tool_calls == [
        {"name": "get_weather", "args": {"location": "Bos"}, "id": "c1", "type": "tool_call"}
    ]
    assert chunk.unfinished_tool_calls == chunk.tool_calls
    assert chunk.invalid_tool_calls == []


def test_empty_first_fragment_is_not_reported_finished():
    chunk = _chunk("", name="f", id="c1")
    assert chunk.tool_calls[0]["args"] == {}
    assert [c["id"] for c in chunk.unfinished_tool_calls] == ["c1"]


def test_complete_arguments_are_finished_even_before_last():
    chunk = _chunk('{"a": 1}', name="f", id="c1")
    assert chunk.tool_calls[0]["args"] == {"a": 1}
    assert chunk.unfinished_tool_calls == []


def test_last_chunk_applies_final_rules():
    empty = _chunk("", name="f", id="c1", last=True)
    assert empty.tool_calls == [{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}]
    assert empty.unfinished_tool_calls == []
    cut = _chunk('{"a": "unterminated', name="f", id="c2", last=True)
    assert cut.tool_calls == []
    assert cut.invalid_tool_calls[0]["id"] == "c2"
    assert "complete JSON" in (cut.invalid_tool_calls[0]["error"] or "")


def test_stream_cut_short_never_looks_finished():
    stream = [
        _chunk('{"city": ', name="f", id="c1"),
        _chunk('"Par', last=False),
        AIMessageChunk("", chunk_position="last"),
    ]
    full = merge_chunks(stream)
    assert full.chunk_position == "last"
    assert full.tool_calls == []
    assert full.invalid_tool_calls[0]["args"] == '{"city": "Par'
    folded = stream[0] + stream[1] + stream[2]
    assert folded == full


def test_non_object_arguments_are_invalid():
    chunk = _chunk("[1, 2]", name="f", id="c1")
    assert chunk.tool_calls == []
    assert "JSON object" in (chunk.invalid_tool_calls[0]["error"] or "")
    partial = _chunk("[1,", name="f", id="c1")
    assert "JSON object" in (partial.invalid_tool_calls[0]["error"] or "")


def test_garbage_arguments_are_invalid_not_dropped():
    chunk = _chunk("not json", name="f", id="c1")
    assert chunk.invalid_tool_calls[0]["args"] == "not json"


def test_setting_chunk_position_after_the_fact_re_derives():
    chunk = _chunk("", name="f", id="c1")
    assert chunk.unfinished_tool_calls
    chunk.chunk_position = "last"
    assert chunk.unfinished_tool_calls == []
    assert chunk.tool_calls[0]["args"] == {}


def test_assigning_tool_calls_by_hand_sticks():
    chunk = _chunk('{"a": 1}', name="f", id="c1")
    chunk.tool_calls = [{"name": "other", "args": {}, "id": "z", "type": "tool_call"}]
    assert chunk.tool_calls[0]["name"] == "other"
    assert chunk.model_dump()["tool_calls"][0]["name"] == "other"


def test_message_chunk_to_message_finalizes_tool_calls():
    chunk = _chunk('{"a"', name="f", id="c1")
    message = message_chunk_to_message(chunk)
    assert type(message) is AIMessage
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["args"] == '{"a"'
    done = message_chunk_to_message(_chunk('{"a": 1}', name="f", id="c1"))
    assert isinstance(done, AIMessage)
    assert done.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert "tool_call_chunks" not in done.model_dump()


def test_message_chunk_to_message_keeps_fields():
    chunk = AIMessageChunk(
        "hi",
        id="r1",
        response_metadata={"model_name": "m"},
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    )
    message = message_chunk_to_message(chunk)
    assert message == AIMessage(
        "hi",
        id="r1",
        response_metadata={"model_name": "m"},
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    )
    plain = AIMessage("x")
    assert message_chunk_to_message(plain) is plain


def _count_parses(monkeypatch):
    calls = {"n": 0}

    def counting(*args, **kwargs):
        calls["n"] += 1
        return from_json(*args, **kwargs)

    # Every parse of tool arguments goes through one of these two module globals.
    monkeypatch.setattr("linguafranca.messages._tool_parse.from_json", counting)
    monkeypatch.setattr("linguafranca.messages._tool.from_json", counting)
    return calls


def _fragments(n):
    first = _chunk('{"text": "', name="f", id="c1")
    middle = [_chunk("x") for _ in range(n - 2)]
    return [first, *middle, _chunk('"}', last=True)]


@pytest.mark.parametrize("n", [10, 1000])
def test_merge_chunks_parses_a_bounded_number_of_times(monkeypatch, n):
    chunks = _fragments(n)
    calls = _count_parses(monkeypatch)
    full = merge_chunks(chunks)
    assert full.tool_calls[0]["args"] == {"text": "x" * (n - 2)}
    assert calls["n"] <= 2


@pytest.mark.parametrize("n", [10, 1000])
def test_plus_loop_does_not_parse_per_chunk(monkeypatch, n):
    chunks = _fragments(n)
    calls = _count_parses(monkeypatch)
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert calls["n"] == 0
    assert full.tool_calls[0]["args"] == {"text": "x" * (n - 2)}
    assert calls["n"] <= 2


def test_reading_tool_calls_twice_parses_once(monkeypatch):
    chunk = _chunk('{"a": 1}', name="f", id="c1")
    calls = _count_parses(monkeypatch)
    assert chunk.tool_calls == chunk.tool_calls
    assert calls["n"] == 1


def test_chunk_content_blocks_show_tool_call_chunks_until_last():
    chunk = _chunk('{"a"', name="f", id="c1")
    assert chunk.content_blocks == [
        {"type": "tool_call_chunk", "id": "c1", "name": "f", "args": '{"a"', "index": 0}
    ]
    last = _chunk('{"a": 1}', name="f", id="c1", last=True)
    assert last.content_blocks == [{"type": "tool_call", "id": "c1", "name": "f", "args": {"a": 1}}]


def test_ai_content_blocks_include_tool_calls_and_invalid_ones():
    msg = AIMessage(
        "Checking.",
        tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}],
        invalid_tool_calls=[{"name": "g", "args": "{", "id": "c2", "error": "bad"}],
    )
    assert msg.content_blocks == [
        {"type": "text", "text": "Checking."},
        {"type": "tool_call", "id": "c1", "name": "f", "args": {"a": 1}},
        {"type": "invalid_tool_call", "name": "g", "args": "{", "id": "c2", "error": "bad"},
    ]


def test_ai_content_blocks_do_not_repeat_tool_calls_in_content():
    block = {"type": "tool_call", "id": "c1", "name": "f", "args": {}}
    msg = AIMessage([block], tool_calls=[{"name": "f", "args": {}, "id": "c1"}])
    assert [b["type"] for b in msg.content_blocks] == ["tool_call"]


def test_reasoning_content_in_additional_kwargs_becomes_a_block():
    msg = AIMessage("answer", additional_kwargs={"reasoning_content": "thinking"})
    assert msg.content_blocks == [
        {"type": "reasoning", "reasoning": "thinking"},
        {"type": "text", "text": "answer"},
    ]


def test_message_chunk_to_message_for_other_kinds():
    from linguafranca.messages import (
        ChatMessage,
        ChatMessageChunk,
        HumanMessage,
        HumanMessageChunk,
        ToolMessage,
        ToolMessageChunk,
    )

    assert message_chunk_to_message(HumanMessageChunk("h", id="1")) == HumanMessage("h", id="1")
    assert message_chunk_to_message(ChatMessageChunk("c", role="r")) == ChatMessage("c", role="r")
    tool = message_chunk_to_message(ToolMessageChunk("t", tool_call_id="9", status="error"))
    assert tool == ToolMessage("t", tool_call_id="9", status="error")
