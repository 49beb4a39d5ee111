"""The ``fast`` constructors build exactly what the validating constructors build."""

import copy
import functools
import operator
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import PrivateAttr

from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    ToolCallChunk,
    merge_chunks,
    message_chunk_to_message,
    messages_from_dict,
    messages_to_dict,
)
from linguafranca.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    merge_generation_chunks,
)

# Values are drawn as a trusted converter builds them: right types, TypedDict keys in
# declaration order (the validating constructor reorders keys, ``fast`` keeps them).

_text = st.text(alphabet='ab {}":,1', max_size=5)
_ids = st.sampled_from(["call_1", "call_2", "toolu_9"])

_content = _text | st.lists(
    _text
    | st.builds(lambda t, i: {"type": "text", "text": t, "index": i}, _text, st.integers(0, 2))
    | st.builds(lambda u: {"type": "image", "url": u}, st.sampled_from(["https://e.x/a.png"])),
    max_size=3,
)

_raw_openai_calls = st.lists(
    st.builds(
        lambda i, n, a, idx: {
            "index": idx,
            "id": i,
            "type": "function",
            "function": {"name": n, "arguments": a},
        },
        _ids,
        st.sampled_from(["f", "g"]),
        st.sampled_from(['{"a": 1}', "{bad", "", '{"x": "y']),
        st.integers(0, 1),
    ),
    max_size=2,
)

_additional_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "reasoning_content": _text,
        "refusal": _text,
        "tool_calls": _raw_openai_calls,
    },
)

_metadata = st.fixed_dictionaries(
    {},
    optional={
        "model_provider": st.sampled_from(["openai", "anthropic", "someone"]),
        "model_name": st.just("gpt-x"),
        "finish_reason": st.sampled_from(["stop", "tool_calls"]),
        "created": st.integers(0, 9),
    },
)


def _usage(i, o, details):
    usage = {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}
    if details:
        usage["input_token_details"] = {"cache_read": i}
        usage["output_token_details"] = {"reasoning": o}
    return usage


_usage_metadata = st.builds(_usage, st.integers(0, 9), st.integers(0, 9), st.booleans())

_tool_calls = st.lists(
    st.builds(
        lambda n, a, i: {"name": n, "args": a, "id": i},
        st.sampled_from(["f", "g"]),
        st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2),
        st.none() | _ids,
    ),
    max_size=2,
)

_invalid_tool_calls = st.lists(
    st.builds(
        lambda n, a, i, e: {"name": n, "args": a, "id": i, "error": e},
        st.none() | st.just("f"),
        st.none() | _text,
        st.none() | _ids,
        st.none() | st.just("bad JSON"),
    ),
    max_size=2,
)

_tool_call_chunks = st.lists(
    st.builds(
        lambda n, a, i, idx: {"name": n, "args": a, "id": i, "index": idx},
        st.none() | st.just("f"),
        st.none() | _text | st.sampled_from(['{"a": 1}', '{"a": "b', "[1]"]),
        st.none() | _ids,
        st.none() | st.integers(0, 1),
    ),
    max_size=2,
)

_common = {
    "additional_kwargs": _additional_kwargs,
    "response_metadata": _metadata,
    "tool_calls": _tool_calls,
    "invalid_tool_calls": _invalid_tool_calls,
    "usage_metadata": _usage_metadata,
    "name": st.sampled_from(["bot", ""]),
    "id": st.sampled_from(["chatcmpl-1", "lc_run-1", "lc_x", ""]),
}

ai_kwargs = st.fixed_dictionaries({"content": _content}, optional=_common)
chunk_kwargs = st.fixed_dictionaries(
    {"content": _content},
    optional={
        **_common,
        "tool_call_chunks": _tool_call_chunks,
        "chunk_position": st.just("last"),
    },
)


def _both(cls, kwargs):
    """(normal, fast) instances built from independent copies of ``kwargs``."""
    normal = cls(**copy.deepcopy(kwargs))
    fast_kwargs = copy.deepcopy(kwargs)
    fast = cls.fast(fast_kwargs.pop("content"), **fast_kwargs)
    return normal, fast


def _assert_same(normal, fast):
    assert type(fast) is type(normal)
    # The raw state first: before any read could derive tool calls.
    assert list(fast.__dict__) == list(normal.__dict__)
    assert fast.__dict__ == normal.__dict__
    assert fast.__pydantic_private__ == normal.__pydantic_private__
    assert fast.__pydantic_extra__ == normal.__pydantic_extra__
    assert fast.model_fields_set == normal.model_fields_set
    assert fast == normal
    assert normal == fast
    assert repr(fast) == repr(normal)
    assert fast.model_dump() == normal.model_dump()
    assert fast.model_dump_json() == normal.model_dump_json()
    assert fast.model_dump(exclude_unset=True) == normal.model_dump(exclude_unset=True)
    assert fast.text == normal.text
    assert fast.content_blocks == normal.content_blocks
    assert fast.pretty_repr() == normal.pretty_repr()
    if isinstance(normal, AIMessage):
        assert fast.tool_calls == normal.tool_calls
        assert fast.invalid_tool_calls == normal.invalid_tool_calls
    if isinstance(normal, AIMessageChunk):
        assert fast.unfinished_tool_calls == normal.unfinished_tool_calls
        assert message_chunk_to_message(fast) == message_chunk_to_message(normal)
    assert pickle.loads(pickle.dumps(fast)) == normal
    assert fast.model_copy() == normal
    loaded = messages_from_dict(messages_to_dict([normal]))
    assert messages_from_dict(messages_to_dict([fast])) == loaded


@settings(max_examples=300, deadline=None)
@given(kwargs=ai_kwargs)
def test_ai_message_fast_equals_normal(kwargs):
    _assert_same(*_both(AIMessage, kwargs))


@settings(max_examples=300, deadline=None)
@given(kwargs=chunk_kwargs)
def test_ai_message_chunk_fast_equals_normal(kwargs):
    _assert_same(*_both(AIMessageChunk, kwargs))


@settings(max_examples=150, deadline=None)
@given(stream=st.lists(chunk_kwargs, min_size=1, max_size=6), data=st.data())
def test_merging_fast_chunks_equals_merging_normal_chunks(stream, data):
    pairs = [_both(AIMessageChunk, kwargs) for kwargs in stream]
    normals = [n for n, _ in pairs]
    fasts = [f for _, f in pairs]
    try:
        expected = merge_chunks(normals)
    except (TypeError, ValueError) as exc:
        # Chunks that cannot merge (e.g. str meets list in metadata) fail the same way.
        with pytest.raises(type(exc)):
            merge_chunks(fasts)
        return
    _assert_same(expected, merge_chunks(fasts))
    folded = functools.reduce(operator.add, normals)
    _assert_same(folded, functools.reduce(operator.add, fasts))
    # Mixed streams too: a fast chunk is a chunk like any other.
    mixed = [data.draw(st.sampled_from(pair)) for pair in pairs]
    _assert_same(expected, merge_chunks(mixed))


def test_fast_chunk_derives_tool_calls_lazily_like_the_normal_one():
    fragments: list[ToolCallChunk] = [{"name": "f", "args": '{"a": ', "id": "c1", "index": 0}]
    first = AIMessageChunk.fast("", tool_call_chunks=fragments)
    assert first.__pydantic_private__ == {"_derived": "stale", "_unfinished": []}
    assert first.tool_calls == [{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}]
    assert first.unfinished_tool_calls == first.tool_calls
    last = AIMessageChunk.fast(
        "", tool_call_chunks=[{"name": None, "args": "1}", "id": None, "index": 0}]
    )
    done = merge_chunks([first, last, AIMessageChunk.fast("", chunk_position="last")])
    assert done.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert done.unfinished_tool_calls == []


def test_fast_reads_openai_calls_in_additional_kwargs_like_the_validator():
    raw = [{"id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}}]
    message = AIMessage.fast("", additional_kwargs={"tool_calls": raw})
    assert message.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    chunk = AIMessageChunk.fast("", additional_kwargs={"tool_calls": [{"index": 0, **raw[0]}]})
    assert chunk.tool_call_chunks[0]["args"] == '{"a": 1}'


class _NoValidation:
    def __getattr__(self, name):
        raise AssertionError(f"the fast path used the validator ({name})")


def test_fast_paths_never_validate(monkeypatch):
    for cls in (AIMessage, AIMessageChunk, ChatGeneration, ChatGenerationChunk, ChatResult):
        monkeypatch.setattr(cls, "__pydantic_validator__", _NoValidation())
    fragments: list[ToolCallChunk] = [{"name": "f", "args": "{}", "id": "c1", "index": 0}]
    chunk = AIMessageChunk.fast("x", tool_call_chunks=fragments, chunk_position="last")
    message = AIMessage.fast("x", tool_calls=[{"name": "f", "args": {}, "id": "c1"}])
    result = ChatResult.fast([ChatGeneration.fast(message)])
    assert ChatGenerationChunk.fast(chunk).text == "x"
    assert chunk.tool_calls[0]["name"] == message.tool_calls[0]["name"] == "f"
    assert result.generations[0].message is message


def test_fast_takes_the_given_containers_without_copying():
    metadata = {"model_provider": "openai"}
    chunk = AIMessageChunk.fast("x", response_metadata=metadata)
    assert chunk.response_metadata is metadata
    assert AIMessageChunk.fast("y").response_metadata == {}  # defaults are fresh


def test_subclasses_get_the_validating_constructor():
    class Tagged(AIMessage):
        tag: str = "none"

    class TaggedChunk(AIMessageChunk):
        tag: str = "none"

    tagged = Tagged.fast("hi", id=5)  # type: ignore[arg-type]
    assert type(tagged) is Tagged and tagged.tag == "none" and tagged.id == "5"
    chunk = TaggedChunk.fast(
        "hi", tool_call_chunks=[{"name": "f", "args": "", "id": None, "index": 0}]
    )
    assert chunk.tag == "none" and chunk.tool_calls[0]["name"] == "f"


def test_subclass_private_attributes_live_next_to_the_chunk_state():
    class Traced(AIMessageChunk):
        _trace: list[str] = PrivateAttr(default_factory=list)

    fragments: list[ToolCallChunk] = [{"name": "f", "args": "{}", "id": "c1", "index": 0}]
    for chunk in (
        Traced(content="", tool_call_chunks=fragments),
        Traced.model_construct(content="", tool_call_chunks=fragments),
    ):
        assert chunk._trace == []
        assert chunk.tool_calls == [{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}]


def test_model_construct_sets_up_the_chunk_state():
    built = AIMessageChunk.model_construct(content="x")
    assert built == AIMessageChunk("x")
    fragments: list[ToolCallChunk] = [{"name": "f", "args": "{}", "id": "c1", "index": 0}]
    lazy = AIMessageChunk.model_construct(content="", tool_call_chunks=fragments)
    assert lazy.tool_calls == [{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}]


# Outputs


@pytest.mark.parametrize("info", [None, {"finish_reason": "stop"}])
@pytest.mark.parametrize(
    "message",
    [AIMessage("Hi"), AIMessage([{"type": "text", "text": "a"}, "b"]), HumanMessage("q")],
)
def test_chat_generation_fast_equals_normal(message, info):
    normal = ChatGeneration(message=message, generation_info=info)
    fast = ChatGeneration.fast(message, info)
    assert fast == normal
    assert fast.text == normal.text
    assert list(fast.__dict__) == list(normal.__dict__)
    assert fast.model_dump_json() == normal.model_dump_json()
    assert repr(fast) == repr(normal)


@pytest.mark.parametrize("info", [None, {"logprobs": {"content": []}}])
def test_chat_generation_chunk_fast_equals_normal_and_adds(info):
    parts = [AIMessageChunk.fast("Hel", id="r"), AIMessageChunk.fast("lo", id="r")]
    fasts = [ChatGenerationChunk.fast(p, info) for p in parts]
    normals = [ChatGenerationChunk(message=p, generation_info=info) for p in parts]
    assert fasts == normals
    assert fasts[0].model_dump_json() == normals[0].model_dump_json()
    assert fasts[0] + fasts[1] == normals[0] + normals[1]
    merged = merge_generation_chunks(fasts)
    assert merged.text == "Hello" and merged == merge_generation_chunks(normals)


def test_generation_fast_rejects_the_wrong_message_kind():
    with pytest.raises(TypeError, match="ChatGenerationChunk.fast needs a BaseMessageChunk"):
        ChatGenerationChunk.fast(AIMessage("not a chunk"))
    with pytest.raises(TypeError, match="needs a BaseMessage, got a dict"):
        ChatGeneration.fast({"type": "ai", "content": "x"})  # type: ignore[arg-type]


def test_chat_result_fast_equals_normal():
    generations = [ChatGeneration.fast(AIMessage("Hi"), {"finish_reason": "stop"})]
    for output in (None, {"model_name": "m"}):
        normal = ChatResult(generations=generations, llm_output=output)
        fast = ChatResult.fast(generations, output)
        assert fast == normal
        assert fast.model_dump_json() == normal.model_dump_json()
        assert fast.model_fields_set == normal.model_fields_set - (
            {"llm_output"} if output is None else set()
        )
