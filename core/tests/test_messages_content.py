import copy
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from linguafranca.messages.content import (
    KNOWN_BLOCK_TYPES,
    create_audio_block,
    create_citation,
    create_file_block,
    create_image_block,
    create_non_standard_block,
    create_plaintext_block,
    create_reasoning_block,
    create_text_block,
    create_tool_call,
    create_video_block,
    get_block_translator,
    is_data_content_block,
    register_block_translator,
)


def test_string_content_is_one_text_block():
    assert HumanMessage("hi").content_blocks == [{"type": "text", "text": "hi"}]
    assert HumanMessage("").content_blocks == []


def test_seed_stream_example_content_blocks():
    full = AIMessageChunk("The sky") + AIMessageChunk(" is typically blue...")
    assert full.content_blocks == [{"type": "text", "text": "The sky is typically blue..."}]


def test_openai_chat_completions_parts_translate():
    msg = HumanMessage(
        [
            {"type": "text", "text": "look"},
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high"},
            },
            {"type": "image_url", "image_url": {"url": "https://e.x/a.png"}},
            {"type": "input_audio", "input_audio": {"data": "BBB", "format": "wav"}},
            {
                "type": "file",
                "file": {"file_data": "data:application/pdf;base64,CCC", "filename": "a.pdf"},
            },
            {"type": "file", "file": {"file_id": "file-1"}},
        ]
    )
    assert msg.content_blocks == [
        {"type": "text", "text": "look"},
        {"type": "image", "base64": "AAAA", "mime_type": "image/png", "extras": {"detail": "high"}},
        {"type": "image", "url": "https://e.x/a.png"},
        {"type": "audio", "base64": "BBB", "mime_type": "audio/wav"},
        {
            "type": "file",
            "base64": "CCC",
            "mime_type": "application/pdf",
            "extras": {"filename": "a.pdf"},
        },
        {"type": "file", "file_id": "file-1"},
    ]


def test_legacy_source_type_blocks_translate():
    msg = HumanMessage(
        [
            {
                "type": "image",
                "source_type": "base64",
                "data": "DDD",
                "mime_type": "image/jpeg",
                "cache_control": {"type": "ephemeral"},
            },
            {"type": "image", "source_type": "url", "url": "http://u"},
            {"type": "file", "source_type": "id", "id": "f1"},
            {"type": "file", "source_type": "text", "text": "hello", "mime_type": "text/plain"},
        ]
    )
    assert msg.content_blocks == [
        {
            "type": "image",
            "base64": "DDD",
            "mime_type": "image/jpeg",
            "extras": {"cache_control": {"type": "ephemeral"}},
        },
        {"type": "image", "url": "http://u"},
        {"type": "file", "file_id": "f1"},
        {"type": "text-plain", "mime_type": "text/plain", "text": "hello"},
    ]


def test_unknown_blocks_become_non_standard_and_known_pass_through():
    cited: dict[str, Any] = {
        "type": "text",
        "text": "t",
        "annotations": [{"type": "citation", "url": "u", "start_index": 0, "end_index": 1}],
    }
    msg = AIMessage([{"type": "weird", "x": 1}, cited, {"type": "reasoning", "reasoning": "r"}])
    assert msg.content_blocks == [
        {"type": "non_standard", "value": {"type": "weird", "x": 1}},
        cited,
        {"type": "reasoning", "reasoning": "r"},
    ]


def test_seed_server_tool_blocks_pass_through():
    blocks: list[Any] = [
        {"type": "server_tool_call", "name": "web_search", "args": {"query": "q"}, "id": "ws_1"},
        {"type": "server_tool_result", "tool_call_id": "ws_1", "status": "success"},
    ]
    assert AIMessage(blocks).content_blocks == blocks


def test_content_blocks_never_mutate_the_message():
    content: list[Any] = [
        "a",
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "b"},
    ]
    msg = AIMessage(content, tool_calls=[{"name": "f", "args": {}, "id": "c"}])
    before = msg.model_dump()
    blocks = msg.content_blocks
    cast("dict[str, Any]", blocks[2])["text"] = "changed"
    blocks.append({"type": "text", "text": "more"})
    assert msg.model_dump() == before
    assert msg.content_blocks == msg.content_blocks


def test_tool_message_content_blocks():
    assert ToolMessage("72F", tool_call_id="1").content_blocks == [{"type": "text", "text": "72F"}]


def test_registered_translator_is_used_by_provider(monkeypatch):
    def translate(message):
        return [{"type": "text", "text": f"translated:{message.content}"}]

    register_block_translator("test-provider-x", translate)
    try:
        msg = AIMessage("raw", response_metadata={"model_provider": "test-provider-x"})
        assert msg.content_blocks == [{"type": "text", "text": "translated:raw"}]
        assert get_block_translator("test-provider-x") is translate
        assert AIMessage("raw").content_blocks == [{"type": "text", "text": "raw"}]
    finally:
        from linguafranca.messages import content

        monkeypatch.delitem(content._TRANSLATORS, "test-provider-x")


def test_translator_may_decline(monkeypatch):
    def decline(message):
        raise NotImplementedError

    from linguafranca.messages import content

    monkeypatch.setitem(content._TRANSLATORS, "declines", decline)
    msg = AIMessage("raw", response_metadata={"model_provider": "declines"})
    assert msg.content_blocks == [{"type": "text", "text": "raw"}]


def test_register_needs_a_provider_name():
    with pytest.raises(ValueError, match="provider"):
        register_block_translator("", lambda m: [])


def test_factories_generate_lc_ids_and_extras():
    text = create_text_block("hi", index=0, custom=1)
    assert text["id"].startswith("lc_")
    assert text == {
        "type": "text",
        "text": "hi",
        "id": text["id"],
        "index": 0,
        "extras": {"custom": 1},
    }
    assert create_text_block("hi", id="mine")["id"] == "mine"
    image = create_image_block(url="https://e.x/a.png")
    assert (image["type"], image["url"]) == ("image", "https://e.x/a.png")
    assert create_audio_block(base64="AA", mime_type="audio/wav")["mime_type"] == "audio/wav"
    assert create_video_block(file_id="v1")["file_id"] == "v1"
    assert create_file_block(base64="AA", mime_type="application/pdf")["type"] == "file"
    plain = create_plaintext_block("notes", title="t")
    assert (plain["mime_type"], plain["text"], plain["title"]) == ("text/plain", "notes", "t")
    call = create_tool_call("f", {"a": 1}, id="c1")
    assert call == {"type": "tool_call", "id": "c1", "name": "f", "args": {"a": 1}}
    assert create_reasoning_block("why")["reasoning"] == "why"
    cite = create_citation(url="u", start_index=1, end_index=2)
    assert (cite["type"], cite["start_index"]) == ("citation", 1)
    value = {"type": "x"}
    assert create_non_standard_block(value)["value"] == value


def test_data_factories_validate_their_source():
    with pytest.raises(ValueError, match="url, base64 or file_id"):
        create_image_block()
    with pytest.raises(ValueError, match="mime_type"):
        create_audio_block(base64="AA")
    with pytest.raises(ValueError, match="mime_type"):
        create_file_block(base64="AA")
    assert create_image_block(base64="AA")["base64"] == "AA"


def test_is_data_content_block():
    assert is_data_content_block({"type": "image", "url": "u"})
    assert is_data_content_block({"type": "file", "file_id": "f"})
    assert is_data_content_block({"type": "text-plain", "text": "t", "mime_type": "text/plain"})
    assert is_data_content_block({"type": "image", "source_type": "base64", "data": "AA"})
    assert is_data_content_block({"type": "file", "source_type": "id", "id": "f"})
    assert is_data_content_block({"type": "text", "source_type": "text", "text": "t"})
    assert not is_data_content_block({"type": "text", "text": "t"})
    assert not is_data_content_block({"type": "image"})
    assert not is_data_content_block({"type": "image_url", "image_url": {"url": "u"}})


_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_block_types = st.sampled_from(
    sorted(KNOWN_BLOCK_TYPES) + ["image_url", "input_audio", "refusal", "tool_use", "thinking"]
)
_blocks = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    _block_types,
    st.dictionaries(
        st.sampled_from(
            [
                "text",
                "url",
                "image_url",
                "input_audio",
                "file",
                "source_type",
                "data",
                "id",
                "mime_type",
                "base64",
            ]
        ),
        _values,
        max_size=4,
    ),
)
_content = st.text(max_size=10) | st.lists(st.text(max_size=5) | _blocks, max_size=5)


@settings(max_examples=120, deadline=None)
@given(content=_content)
def test_content_blocks_never_raise_on_valid_content(content):
    for cls in (HumanMessage, AIMessage, AIMessageChunk):
        msg = cls(copy.deepcopy(content))
        before = msg.model_dump()
        blocks = msg.content_blocks
        assert isinstance(blocks, list)
        assert all(isinstance(b, dict) and "type" in b for b in blocks)
        assert msg.model_dump() == before
