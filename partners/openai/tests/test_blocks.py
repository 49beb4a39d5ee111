"""OpenAI-native content to standard blocks (``content_blocks``)."""

from __future__ import annotations

from linguafranca_plugins._openai_presets import PRESETS

from linguafranca.messages import AIMessage, AIMessageChunk
from linguafranca.messages.content import get_block_translator
from linguafranca_openai import _blocks


def _ai(content, **kwargs):
    return AIMessage(content=content, response_metadata={"model_provider": "openai"}, **kwargs)


def test_translator_is_registered_for_openai_and_every_preset():
    for name in ("openai", *PRESETS):
        assert get_block_translator(name) is _blocks.to_standard_blocks


def test_reasoning_item_gives_one_block_per_summary_with_encrypted_content_kept():
    item = {
        "type": "reasoning",
        "id": "rs_1",
        "encrypted_content": "enc",
        "summary": [{"type": "summary_text", "text": "a"}, {"type": "summary_text", "text": "b"}],
    }
    assert _ai([item]).content_blocks == [
        {
            "type": "reasoning",
            "reasoning": "a",
            "id": "rs_1",
            "extras": {"encrypted_content": "enc"},
        },
        {"type": "reasoning", "reasoning": "b", "id": "rs_1"},
    ]
    empty = {"type": "reasoning", "id": "rs_2", "summary": []}
    assert _ai([empty]).content_blocks == [{"type": "reasoning", "id": "rs_2"}]


def test_function_call_items_are_listed_once_from_tool_calls():
    item = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "f",
        "arguments": "{}",
    }
    message = _ai([item], tool_calls=[{"name": "f", "args": {}, "id": "call_1"}])
    assert message.content_blocks == [
        {"type": "tool_call", "id": "call_1", "name": "f", "args": {}}
    ]


def test_refusal_file_citation_and_unknown_items():
    text = {
        "type": "text",
        "text": "x",
        "annotations": [
            {"type": "file_citation", "file_id": "file-1", "filename": "a.pdf", "index": 3},
            {"type": "container_file_citation", "container_id": "c", "file_id": "f", "title": "t"},
            {"type": "something_new", "k": 1},
        ],
    }
    image = {"type": "image_generation_call", "id": "ig_1", "result": "AAAA"}
    blocks = _ai([text, {"type": "refusal", "refusal": "No."}, image]).content_blocks
    assert blocks[0]["annotations"] == [
        {
            "type": "citation",
            "title": "a.pdf",
            "extras": {"type": "file_citation", "file_id": "file-1", "index": 3},
        },
        {
            "type": "citation",
            "title": "t",
            "extras": {"type": "container_file_citation", "container_id": "c", "file_id": "f"},
        },
        {"type": "non_standard_annotation", "value": {"type": "something_new", "k": 1}},
    ]
    assert blocks[1] == {"type": "non_standard", "value": {"type": "refusal", "refusal": "No."}}
    assert blocks[2] == {"type": "non_standard", "value": image}


def test_code_interpreter_and_in_progress_server_tools():
    done = {
        "type": "code_interpreter_call",
        "id": "ci_1",
        "status": "completed",
        "code": "print(1)",
        "container_id": "cnt",
        "outputs": [{"type": "logs", "logs": "1"}],
    }
    running = {"type": "file_search_call", "id": "fs_1", "status": "searching", "queries": ["q"]}
    assert _ai([done, running]).content_blocks == [
        {
            "type": "server_tool_call",
            "id": "ci_1",
            "name": "code_interpreter",
            "args": {"code": "print(1)", "container_id": "cnt"},
        },
        {
            "type": "server_tool_result",
            "tool_call_id": "ci_1",
            "status": "success",
            "output": {"outputs": [{"type": "logs", "logs": "1"}]},
        },
        {
            "type": "server_tool_call",
            "id": "fs_1",
            "name": "file_search",
            "args": {"queries": ["q"]},
        },
    ]


def test_standard_and_chat_parts_fall_back_to_the_default_view():
    blocks = _ai(
        [
            {"type": "image", "url": "https://x/a.png"},
            {"type": "image_url", "image_url": {"url": "https://x/b.png"}},
        ]
    ).content_blocks
    assert blocks == [
        {"type": "image", "url": "https://x/a.png"},
        {"type": "image", "url": "https://x/b.png"},
    ]


def test_chunks_show_reasoning_text_while_streaming():
    chunk = AIMessageChunk(
        content="",
        additional_kwargs={"reasoning_content": "hm"},
        response_metadata={"model_provider": "groq"},
    )
    assert chunk.content_blocks == [{"type": "reasoning", "reasoning": "hm"}]
