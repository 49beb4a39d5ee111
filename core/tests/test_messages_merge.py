import functools
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linguafranca.messages import (
    AIMessageChunk,
    ChatMessageChunk,
    FunctionMessageChunk,
    HumanMessageChunk,
    SystemMessageChunk,
    ToolMessageChunk,
    merge_chunks,
    merge_content,
    merge_dicts,
    merge_lists,
    merge_obj,
)


def test_text_content_concatenates():
    assert (AIMessageChunk("Hel") + AIMessageChunk("lo")).content == "Hello"


def test_str_plus_list_puts_the_str_first():
    block = {"type": "text", "text": "x", "index": 0}
    assert (AIMessageChunk("a") + AIMessageChunk([block])).content == ["a", block]
    assert (AIMessageChunk("") + AIMessageChunk([block])).content == [block]


def test_list_plus_str_appends():
    block = {"type": "text", "text": "x", "index": 0}
    assert (AIMessageChunk([block]) + AIMessageChunk("b")).content == [block, "b"]
    assert (AIMessageChunk([block, "a"]) + AIMessageChunk("b")).content == [block, "ab"]
    assert (AIMessageChunk([]) + AIMessageChunk("b")).content == ["b"]


def test_list_content_merges_blocks_by_index():
    left = AIMessageChunk([{"type": "text", "text": "x", "index": 0}])
    right = AIMessageChunk(
        [{"type": "text", "text": "y", "index": 0}, {"type": "text", "text": "z", "index": 1}]
    )
    assert (left + right).content == [
        {"type": "text", "text": "xy", "index": 0},
        {"type": "text", "text": "z", "index": 1},
    ]


def test_block_type_of_first_fragment_stands():
    left = AIMessageChunk([{"type": "tool_use", "id": "t1", "name": "f", "input": {}, "index": 1}])
    right = AIMessageChunk([{"type": "input_json_delta", "partial_json": '{"a"', "index": 1}])
    merged = (left + right).content
    assert merged == [
        {
            "type": "tool_use",
            "id": "t1",
            "name": "f",
            "input": {},
            "index": 1,
            "partial_json": '{"a"',
        }
    ]


def test_merging_never_mutates_inputs():
    block = {"type": "text", "text": "x", "index": 0}
    left = AIMessageChunk([block], response_metadata={"a": {"b": "c"}})
    right = AIMessageChunk(
        [{"type": "text", "text": "y", "index": 0}], response_metadata={"a": {"b": "d"}}
    )
    merged = left + right
    assert block == {"type": "text", "text": "x", "index": 0}
    assert left.response_metadata == {"a": {"b": "c"}}
    assert merged.response_metadata == {"a": {"b": "cd"}}


def test_verified_tool_call_chunk_merge():
    # Verified on the reference (section 8 of the reference notes).
    a = AIMessageChunk(
        "", tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "call1", "index": 0}]
    )
    b = AIMessageChunk(
        "", tool_call_chunks=[{"name": None, "args": ": 1}", "id": None, "index": 0}]
    )
    c = AIMessageChunk(
        "", tool_call_chunks=[{"name": "g", "args": "{}", "id": "call2", "index": 1}]
    )
    merged = a + b + c
    assert merged.tool_call_chunks == [
        {"name": "f", "args": '{"a": 1}', "id": "call1", "index": 0, "type": "tool_call_chunk"},
        {"name": "g", "args": "{}", "id": "call2", "index": 1, "type": "tool_call_chunk"},
    ]
    assert merged.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "call1", "type": "tool_call"},
        {"name": "g", "args": {}, "id": "call2", "type": "tool_call"},
    ]


def test_same_index_different_ids_stay_apart():
    a = AIMessageChunk("", tool_call_chunks=[{"name": "f", "args": "{}", "id": "c1", "index": 0}])
    b = AIMessageChunk("", tool_call_chunks=[{"name": "h", "args": "{}", "id": "c2", "index": 0}])
    assert [c["id"] for c in (a + b).tool_call_chunks] == ["c1", "c2"]


def test_continuation_goes_to_the_most_recent_call_with_that_index():
    chunks = [
        AIMessageChunk(
            "", tool_call_chunks=[{"name": "f", "args": '{"x"', "id": "c1", "index": 0}]
        ),
        AIMessageChunk(
            "", tool_call_chunks=[{"name": None, "args": ": 1}", "id": None, "index": 0}]
        ),
        AIMessageChunk(
            "", tool_call_chunks=[{"name": "g", "args": '{"y"', "id": "c2", "index": 0}]
        ),
        AIMessageChunk(
            "", tool_call_chunks=[{"name": None, "args": ": 2}", "id": None, "index": 0}]
        ),
    ]
    assert [c["args"] for c in merge_chunks(chunks).tool_call_chunks] == ['{"x": 1}', '{"y": 2}']


def test_repeated_tool_names_and_ids_are_kept_once():
    a = AIMessageChunk("", tool_call_chunks=[{"name": "f", "args": "{", "id": "c1", "index": 0}])
    b = AIMessageChunk("", tool_call_chunks=[{"name": "f", "args": "}", "id": "c1", "index": 0}])
    assert (a + b).tool_call_chunks[0] == {
        "name": "f",
        "args": "{}",
        "id": "c1",
        "index": 0,
        "type": "tool_call_chunk",
    }


def test_verified_usage_sum():
    a = AIMessageChunk(
        "",
        usage_metadata={
            "input_tokens": 5,
            "output_tokens": 0,
            "total_tokens": 5,
            "input_token_details": {"cache_read": 3},
        },
    )
    b = AIMessageChunk(
        "",
        usage_metadata={
            "input_tokens": 0,
            "output_tokens": 7,
            "total_tokens": 7,
            "output_token_details": {"reasoning": 2},
        },
    )
    assert (a + b + AIMessageChunk("")).usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_token_details": {"cache_read": 3},
        "output_token_details": {"reasoning": 2},
    }
    assert (AIMessageChunk("") + AIMessageChunk("")).usage_metadata is None


def test_response_metadata_identifiers_are_kept_once():
    a = AIMessageChunk("", response_metadata={"model_name": "gpt", "id": "x", "n": 1, "created": 5})
    b = AIMessageChunk(
        "",
        response_metadata={
            "model_name": "gpt",
            "id": "x",
            "n": 2,
            "created": 7,
            "finish_reason": "stop",
        },
    )
    assert (a + b).response_metadata == {
        "model_name": "gpt",
        "id": "x",
        "n": 3,
        "created": 7,
        "finish_reason": "stop",
    }
    for key in ("model", "model_provider", "system_fingerprint", "service_tier", "output_version"):
        merged = AIMessageChunk("", response_metadata={key: "v"}) + AIMessageChunk(
            "", response_metadata={key: "v"}
        )
        assert merged.response_metadata == {key: "v"}


def test_first_non_empty_identifier_wins():
    a = AIMessageChunk("", response_metadata={"model_name": ""})
    b = AIMessageChunk("", response_metadata={"model_name": "gpt-4o"})
    c = AIMessageChunk("", response_metadata={"model_name": "other"})
    assert merge_chunks([a, b, c]).response_metadata == {"model_name": "gpt-4o"}


def test_other_strings_concatenate_and_none_never_overrides():
    merged = merge_dicts({"a": "x", "b": None, "c": 1}, {"a": "y", "b": "z", "c": None})
    assert merged == {"a": "xy", "b": "z", "c": 1}


def test_type_mismatch_in_metadata_raises():
    with pytest.raises(TypeError, match="'a'"):
        merge_dicts({"a": "x"}, {"a": 1})


def test_differing_scalars_take_the_later_value():
    assert merge_dicts({"p": 0.5, "ok": True}, {"p": 0.7, "ok": False}) == {"p": 0.7, "ok": False}


def test_chunk_position_is_last_if_any_is_last():
    assert (
        AIMessageChunk("a") + AIMessageChunk("b", chunk_position="last")
    ).chunk_position == "last"
    assert (
        AIMessageChunk("a", chunk_position="last") + AIMessageChunk("b")
    ).chunk_position == "last"
    assert (AIMessageChunk("a") + AIMessageChunk("b")).chunk_position is None


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["lc_abc", "run-1", "lc_run-1"], "run-1"),
        (["lc_run-1", "chatcmpl-1"], "chatcmpl-1"),
        (["lc_abc", "lc_run-2"], "lc_run-2"),
        ([None, "lc_abc"], "lc_abc"),
        (["p1", "p2"], "p1"),
    ],
)
def test_id_prefers_provider_then_run_then_auto(ids, expected):
    chunks = [AIMessageChunk("x", id=i) for i in ids]
    assert functools.reduce(operator.add, chunks).id == expected
    assert merge_chunks(chunks).id == expected


def test_adding_different_kinds_raises_type_error():
    with pytest.raises(TypeError, match="HumanMessageChunk.*AIMessageChunk"):
        AIMessageChunk("a") + HumanMessageChunk("b")
    with pytest.raises(TypeError):
        AIMessageChunk("a") + "b"


def test_variadic_add():
    merged = AIMessageChunk("a") + [AIMessageChunk("b"), AIMessageChunk("c")]
    assert merged.content == "abc"


def test_merge_chunks_rejects_empty_and_mixed():
    with pytest.raises(ValueError, match="at least one"):
        merge_chunks([])
    with pytest.raises(TypeError):
        merge_chunks([AIMessageChunk("a"), SystemMessageChunk("b")])
    with pytest.raises(TypeError, match="message chunks"):
        merge_chunks(["a"])  # type: ignore[type-var]


def test_merge_chunks_accepts_generators():
    assert merge_chunks(AIMessageChunk(t) for t in "abc").content == "abc"


def test_merged_chunk_has_every_field():
    merged = AIMessageChunk("a") + AIMessageChunk("b")
    assert set(merged.__dict__) == set(AIMessageChunk.model_fields)
    tool = ToolMessageChunk("a", tool_call_id="1") + ToolMessageChunk("b", tool_call_id="1")
    assert set(tool.__dict__) == set(ToolMessageChunk.model_fields)
    assert merged.model_dump()["content"] == "ab"


def test_other_chunk_kinds_merge():
    assert (HumanMessageChunk("a") + HumanMessageChunk("b")).content == "ab"
    assert (SystemMessageChunk("a") + SystemMessageChunk("b")).content == "ab"
    chat = ChatMessageChunk("a", role="x") + ChatMessageChunk("b", role="x")
    assert (chat.content, chat.role) == ("ab", "x")
    with pytest.raises(ValueError, match="role"):
        ChatMessageChunk("a", role="x") + ChatMessageChunk("b", role="y")
    func = FunctionMessageChunk("a", name="f") + FunctionMessageChunk("b", name="f")
    assert (func.content, func.name) == ("ab", "f")
    with pytest.raises(ValueError, match="name"):
        FunctionMessageChunk("a", name="f") + FunctionMessageChunk("b", name="g")


def test_tool_message_chunks_merge_artifact_and_status():
    merged = ToolMessageChunk(
        "a", tool_call_id="1", artifact=[1], status="error"
    ) + ToolMessageChunk("b", tool_call_id="1", artifact=[2])
    assert (merged.content, merged.artifact, merged.status) == ("ab", [1, 2], "error")
    with pytest.raises(ValueError, match="tool_call_id"):
        ToolMessageChunk("a", tool_call_id="1") + ToolMessageChunk("b", tool_call_id="2")


def test_extra_fields_survive_merge():
    merged = AIMessageChunk("a", foo=1) + AIMessageChunk("b", bar=2)
    assert merged.model_dump()["foo"] == 1
    assert merged.model_dump()["bar"] == 2


def test_merge_helpers():
    assert merge_content("a", "b", ["c"]) == ["ab", "c"]
    assert merge_lists(None, None) is None
    assert merge_lists([1], None, [2]) == [1, 2]
    assert merge_obj(None, "x") == "x"
    assert merge_obj({"a": "x"}, {"a": "y"}) == {"a": "xy"}
    assert merge_obj(1, 1) == 1
    with pytest.raises(TypeError):
        merge_obj("a", 1)
    with pytest.raises(ValueError):
        merge_obj(1, 2)


# Property: every grouping of `+` equals the linear `merge_chunks`.

_text = st.text(alphabet='ab {}":,', max_size=4)


@st.composite
def ai_streams(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    list_content = draw(st.booleans())
    calls = draw(st.integers(min_value=0, max_value=2))
    started = set()
    chunks = []
    for position in range(n):
        if list_content:
            content = [
                {"type": "text", "text": draw(_text), "index": draw(st.integers(0, 2))}
                for _ in range(draw(st.integers(0, 2)))
            ]
        else:
            content = draw(_text)
        fragments = []
        if calls:
            index = draw(st.integers(0, calls - 1))
            first = index not in started
            started.add(index)
            fragments.append(
                {
                    "name": f"tool{index}" if first else None,
                    "args": draw(_text),
                    "id": f"call{index}" if first else None,
                    "index": index,
                }
            )
        metadata = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "model_name": st.just("gpt-x"),
                    "finish_reason": st.sampled_from(["stop", "length"]),
                    "n": st.integers(0, 3),
                    "created": st.integers(0, 9),
                    "logs": _text,
                },
            )
        )
        usage = draw(
            st.none()
            | st.builds(
                lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
                st.integers(0, 5),
                st.integers(0, 5),
            )
        )
        chunks.append(
            AIMessageChunk(
                content,
                tool_call_chunks=fragments,
                response_metadata=metadata,
                usage_metadata=usage,
                id=draw(st.sampled_from([None, "lc_a", "lc_run-1", "chatcmpl-1"])),
                chunk_position="last" if position == n - 1 and draw(st.booleans()) else None,
            )
        )
    return chunks


def _tree_fold(chunks, draw):
    if len(chunks) == 1:
        return chunks[0]
    split = draw(st.integers(1, len(chunks) - 1))
    return _tree_fold(chunks[:split], draw) + _tree_fold(chunks[split:], draw)


def _same(a, b):
    assert a == b
    assert a.model_dump() == b.model_dump()
    assert a.unfinished_tool_calls == b.unfinished_tool_calls


@settings(max_examples=150, deadline=None)
@given(chunks=ai_streams(), data=st.data())
def test_any_grouping_of_plus_equals_merge_chunks(chunks, data):
    expected = merge_chunks(chunks)
    for chunk in chunks:
        _same(merge_chunks([chunk]), chunk)
    _same(functools.reduce(operator.add, chunks), expected)
    _same(functools.reduce(lambda acc, c: c + acc, reversed(chunks)), expected)
    _same(_tree_fold(chunks, data.draw), expected)
    if len(chunks) > 1:
        _same(chunks[0] + chunks[1:], expected)
