"""Unit tests of StreamTranslator on synthetic events (the recordings are in test_replay)."""

import pytest

from linguafranca.errors import OverloadedError, RateLimitError, StreamError
from linguafranca.messages import merge_chunks
from linguafranca_anthropic._stream import StreamTranslator, replies_with_text_only


def start(input_tokens=10, cache_read=0, model="claude-haiku-4-5", msg_id="msg_1"):
    usage = {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cache_read,
        "output_tokens": 1,
    }
    return ("message_start", {"message": {"id": msg_id, "model": model, "usage": usage}})


def delta(index, **fields):
    return ("content_block_delta", {"index": index, "delta": fields})


def block(index, **fields):
    return ("content_block_start", {"index": index, "content_block": fields})


def stop(index):
    return ("content_block_stop", {"index": index})


def end(stop_reason="end_turn", output_tokens=5, **usage):
    return [
        (
            "message_delta",
            {
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens, **usage},
            },
        ),
        ("message_stop", {}),
    ]


def feed(translator, kind, data):
    chunk = translator.feed(kind, data)
    assert chunk is not None
    return chunk


def run(events, **kwargs):
    translator = StreamTranslator(**kwargs)
    chunks = [c for kind, data in events if (c := translator.feed(kind, data)) is not None]
    translator.close()
    return merge_chunks(chunks), chunks


def test_text_as_string_content():
    events = [
        start(),
        block(0, type="text", text=""),
        ("ping", {}),
        delta(0, type="text_delta", text="Hel"),
        delta(0, type="text_delta", text="lo"),
        stop(0),
        *end(),
    ]
    message, chunks = run(events, content_as_string=True)
    assert message.content == "Hello"
    assert all(isinstance(c.content, str) for c in chunks)
    assert message.usage_metadata["input_tokens"] == 10
    assert message.usage_metadata["output_tokens"] == 5


def test_event_type_can_come_from_the_data():
    translator = StreamTranslator(content_as_string=True)
    chunk = feed(
        translator,
        "",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}},
    )
    assert chunk.content == "x"


def test_tool_input_given_whole_in_the_start_event():
    events = [
        start(),
        block(0, type="tool_use", id="t1", name="weather", input={"city": "Oslo"}),
        stop(0),
        *end("tool_use"),
    ]
    message, _ = run(events)
    assert message.tool_calls == [
        {"name": "weather", "args": {"city": "Oslo"}, "id": "t1", "type": "tool_call"}
    ]
    assert message.content == [
        {"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Oslo"}, "index": 0}
    ]


def test_tool_without_arguments_gives_empty_args():
    events = [
        start(),
        block(0, type="tool_use", id="t1", name="now", input={}),
        delta(0, type="input_json_delta", partial_json=""),
        stop(0),
        *end("tool_use"),
    ]
    message, _ = run(events)
    assert message.tool_calls[0]["args"] == {}
    assert message.invalid_tool_calls == []


def test_broken_tool_json_gives_an_invalid_tool_call_kept_in_content():
    events = [
        start(),
        block(0, type="tool_use", id="t1", name="weather", input={}),
        delta(0, type="input_json_delta", partial_json='{"city": '),
        stop(0),
        *end("max_tokens"),
    ]
    message, _ = run(events)
    assert message.tool_calls == []
    [bad] = message.invalid_tool_calls
    assert (bad["name"], bad["id"], bad["args"]) == ("weather", "t1", '{"city": ')
    assert message.content[0]["partial_json"] == '{"city": '


def test_mid_stream_chunks_show_tool_call_chunks():
    events = [
        start(),
        block(0, type="tool_use", id="t1", name="weather", input={}),
        delta(0, type="input_json_delta", partial_json='{"city": "Oslo"}'),
    ]
    translator = StreamTranslator()
    chunks = [feed(translator, kind, data) for kind, data in events]
    standard = chunks[1].content_blocks
    assert standard == [
        {"type": "tool_call_chunk", "id": "t1", "name": "weather", "args": "", "index": 0}
    ]
    assert chunks[2].content_blocks == [
        {
            "type": "tool_call_chunk",
            "id": None,
            "name": None,
            "args": '{"city": "Oslo"}',
            "index": 0,
        }
    ]


def test_input_tokens_added_during_the_turn_are_counted_once():
    events = [
        start(input_tokens=100, cache_read=50),
        *end(output_tokens=7, input_tokens=400, cache_read_input_tokens=50),
    ]
    message, chunks = run(events)
    assert [c.usage_metadata["input_tokens"] for c in chunks if c.usage_metadata] == [150, 300]
    assert message.usage_metadata == {
        "input_tokens": 450,
        "output_tokens": 7,
        "total_tokens": 457,
        "input_token_details": {"cache_read": 50, "cache_creation": 0},
    }


def test_thinking_tokens_from_message_delta():
    events = [start(), *end(output_tokens=92, output_tokens_details={"thinking_tokens": 53})]
    message, _ = run(events)
    assert message.usage_metadata["output_token_details"] == {"reasoning": 53}


def test_overloaded_error_event_raises_overloaded_error():
    translator = StreamTranslator()
    translator.feed(*start())
    event = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(OverloadedError, match="Overloaded") as info:
        translator.feed("error", event)
    assert info.value.status_code == 529
    assert info.value.provider == "anthropic"


def test_rate_limit_error_event_and_unknown_error_type():
    translator = StreamTranslator()
    with pytest.raises(RateLimitError):
        translator.feed("error", {"error": {"type": "rate_limit_error", "message": "slow down"}})
    with pytest.raises(StreamError, match="mystery"):
        translator.feed("error", {"error": {"type": "brand_new_error", "message": "mystery"}})


def test_stream_cut_short_raises_stream_error():
    translator = StreamTranslator()
    translator.feed(*start())
    translator.feed(*delta(0, type="text_delta", text="partial"))
    assert not translator.finished
    with pytest.raises(StreamError, match="message_stop"):
        translator.close()


def test_unknown_events_and_deltas_are_not_lost():
    translator = StreamTranslator()
    assert translator.feed("ping", {"type": "ping"}) is None
    assert translator.feed("brand_new_event", {"x": 1}) is None
    chunk = feed(translator, *delta(3, type="compaction_delta", content="summary"))
    assert chunk.content == [{"type": "compaction_delta", "content": "summary", "index": 3}]


def test_text_only_requests():
    messages = [{"role": "user", "content": "hi"}]
    assert replies_with_text_only({"messages": messages})
    assert replies_with_text_only({"messages": messages, "thinking": {"type": "disabled"}})
    assert not replies_with_text_only({"messages": messages, "thinking": {"type": "adaptive"}})
    assert not replies_with_text_only({"messages": messages, "tools": [{"name": "f"}]})
    document = {"type": "document", "source": {"type": "url", "url": "https://a.b/c.pdf"}}
    assert not replies_with_text_only({"messages": [{"role": "user", "content": [document]}]})
