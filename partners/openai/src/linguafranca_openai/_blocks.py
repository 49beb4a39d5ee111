"""OpenAI-native content to standard content blocks (the ``content_blocks`` view).

Registered for ``model_provider == "openai"`` and every OpenAI-compatible preset when a
converter module is imported. Handles Responses output items kept in ``content``
(reasoning, text with annotations, refusals, built-in tool calls) and the reasoning text
that compatible servers return next to Chat Completions content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from linguafranca_plugins._openai_presets import PRESETS

from linguafranca.messages import BaseMessage, HumanMessage
from linguafranca.messages.content import ContentBlock, register_block_translator

__all__ = ["output_part_block", "to_standard_blocks"]

_SERVER_TOOLS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
}
# Parts of a server tool item that are its result rather than its arguments.
_RESULT_KEYS = {
    "web_search_call": ("sources",),
    "file_search_call": ("results",),
    "code_interpreter_call": ("outputs",),
}


def output_part_block(part: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """The content block for one part of a Responses ``message`` output item."""
    if part.get("type") == "output_text":
        block: dict[str, Any] = {
            "type": "text",
            "text": part.get("text", ""),
            "annotations": list(part.get("annotations") or ()),
        }
    elif part.get("type") == "refusal":
        block = {"type": "refusal", "refusal": part.get("refusal", "")}
    else:
        block = dict(part)
    if item.get("id"):
        block["id"] = item["id"]
    if item.get("phase"):
        block["phase"] = item["phase"]
    return block


def to_standard_blocks(message: BaseMessage) -> list[ContentBlock]:
    """Standard blocks for a message whose content is in OpenAI's own shapes."""
    blocks: list[dict[str, Any]] = []
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        blocks.append({"type": "reasoning", "reasoning": reasoning})
    content = message.content
    if isinstance(content, str):
        if content:
            blocks.append(_text({"text": content}, message.additional_kwargs.get("annotations")))
        return cast("list[ContentBlock]", blocks)
    for item in content:
        if isinstance(item, str):
            blocks.append({"type": "text", "text": item})
        else:
            blocks.extend(_item_blocks(item))
    return cast("list[ContentBlock]", blocks)


def _item_blocks(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    kind = item.get("type")
    if kind == "text":
        return [_text(item, item.get("annotations"))]
    if kind == "refusal":
        return [{"type": "non_standard", "value": dict(item)}]
    if kind == "reasoning":
        return _reasoning(item)
    if kind == "function_call":
        return []  # the standard view lists it from ``tool_calls``
    if kind in _SERVER_TOOLS:
        return _server_tool(item)
    if kind in ("image", "audio", "video", "file", "text-plain") or kind in (
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "non_standard",
        "image_url",
        "input_audio",
    ):
        # Already standard, or a chat-completions part: the default view handles it.
        return cast("list[dict[str, Any]]", HumanMessage(content=[dict(item)]).content_blocks)
    return [{"type": "non_standard", "value": dict(item)}]


def _text(item: Mapping[str, Any], annotations: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": item.get("text", "")}
    if annotations:
        block["annotations"] = [_annotation(a) for a in annotations]
    for key in ("id", "index"):
        if key in item:
            block[key] = item[key]
    return block


def _annotation(annotation: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(annotation.get("type"))
    # Chat Completions nests the fields: {"type": "url_citation", "url_citation": {...}}.
    nested = annotation.get(kind)
    fields: Mapping[str, Any] = nested if isinstance(nested, Mapping) else annotation
    if kind == "url_citation":
        citation: dict[str, Any] = {"type": "citation"}
        for key in ("url", "title", "start_index", "end_index"):
            if fields.get(key) is not None:
                citation[key] = fields[key]
        return citation
    if kind in ("file_citation", "container_file_citation"):
        extras = {k: v for k, v in fields.items() if k not in ("title", "filename")}
        citation = {"type": "citation", "extras": extras}
        if fields.get("filename") or fields.get("title"):
            citation["title"] = fields.get("filename") or fields.get("title")
        return citation
    if kind == "citation":
        return dict(annotation)
    return {"type": "non_standard_annotation", "value": dict(annotation)}


def _reasoning(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    if "summary" not in item and "encrypted_content" not in item:
        return [dict(item)]  # already a standard reasoning block
    texts = [
        part.get("text", "")
        for key in ("summary", "content")
        for part in item.get(key) or ()
        if isinstance(part, Mapping)
    ]
    blocks: list[dict[str, Any]] = [{"type": "reasoning", "reasoning": t} for t in texts] or [
        {"type": "reasoning"}
    ]
    for block in blocks:
        if item.get("id"):
            block["id"] = item["id"]
    extras = {k: item[k] for k in ("encrypted_content", "status") if item.get(k)}
    if extras:
        blocks[0]["extras"] = extras
    return blocks


def _server_tool(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    kind = str(item.get("type"))
    result_keys = _RESULT_KEYS.get(kind, ())
    args: dict[str, Any] = {}
    action = item.get("action")
    if isinstance(action, Mapping):
        args.update(action)
    for key, value in item.items():
        if key not in ("type", "id", "status", "action", *result_keys) and value is not None:
            args[key] = value
    call_id = str(item.get("id", ""))
    call = {"type": "server_tool_call", "id": call_id, "name": _SERVER_TOOLS[kind], "args": args}
    status = item.get("status")
    if status in (None, "in_progress", "searching", "interpreting"):
        return [call]
    result: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": call_id,
        "status": "error" if status in ("failed", "incomplete") else "success",
    }
    outputs = {k: item[k] for k in result_keys if item.get(k) is not None}
    if outputs:
        result["output"] = outputs
    return [call, result]


for _provider in PRESETS:
    register_block_translator(_provider, to_standard_blocks)
