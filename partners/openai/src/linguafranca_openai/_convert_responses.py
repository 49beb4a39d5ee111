"""Responses API wire format, both ways (pure functions, no I/O).

Messages, tools and parameters become a ``POST /responses`` body; response bodies become
messages.

An ``AIMessage`` from this API keeps the output items in its content, in OpenAI's own
shape (``text`` blocks with their annotations and message id, ``reasoning`` items with
their encrypted content, ``function_call`` and built-in tool items), so that the next
request can send them back unchanged; ``content_blocks`` gives the standard view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from linguafranca.errors import ConfigurationError, ProviderError
from linguafranca.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolMessage,
    UsageMetadata,
)
from linguafranca_openai import _blocks
from linguafranca_openai._common import (
    BUILTIN_TOOL_TYPES,
    block_source,
    data_url,
    drop_none,
    dumps_args,
    error_message,
    parse_tool_arguments,
    usage_from_counts,
)

__all__ = [
    "build_responses_request",
    "convert_messages_to_input",
    "parse_input_tokens",
    "parse_responses_response",
    "responses_text_format",
    "responses_tool",
    "responses_tool_choice",
    "usage_from_responses",
]

SystemMode = Literal["input", "instructions"]

# Output items of the Responses API that a later request takes back as input.
_OUTPUT_ITEMS = frozenset(
    {
        "reasoning",
        "function_call",
        "custom_tool_call",
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "computer_call",
        "image_generation_call",
        "local_shell_call",
        "shell_call",
        "apply_patch_call",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
        "compaction",
    }
)
# Keys that only a reasoning item in OpenAI's own shape has (a standard block has none).
_NATIVE_REASONING_KEYS = frozenset({"summary", "encrypted_content", "content"})
# Standard blocks describing the model's own turn that have no Responses input form.
_SKIPPED_BLOCKS = frozenset(
    {
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "thinking",
    }
)


# --------------------------------------------------------------------------- request


def build_responses_request(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    params: Mapping[str, Any] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | bool | Mapping[str, Any] | None = None,
    text_format: Mapping[str, Any] | None = None,
    stream: bool = False,
    reasoning: Mapping[str, Any] | None = None,
    include: Sequence[str] | None = None,
    store: bool | None = None,
    previous_response_id: str | None = None,
    system_mode: SystemMode = "input",
    system_role: Literal["system", "developer"] = "system",
) -> dict[str, Any]:
    """Build the JSON body of a ``POST /responses`` request.

    Args:
        messages: The conversation (only the new turns when ``previous_response_id`` is set).
        model: Model name.
        params: API parameters (``temperature``, ``max_tokens`` / ``max_output_tokens``,
            ``reasoning_effort``, ``truncation``, ...); ``None`` values are left out,
            ``extra_body`` is merged into the top level, unknown keys are sent as given.
        tools: Tools in OpenAI chat format (flattened here) or Responses format, including
            built-in tools such as ``{"type": "web_search"}``.
        tool_choice: See :func:`responses_tool_choice`.
        text_format: Output format (``json_schema`` in chat or Responses shape, ``text``).
        stream: Ask for a server-sent-event stream (``"stream"`` is always sent).
        reasoning: ``{"effort": ..., "summary": ...}``.
        include: Extra output to include, e.g. ``["reasoning.encrypted_content"]``.
        store: Whether OpenAI keeps the response (needed for ``previous_response_id``).
        previous_response_id: Continue from a stored response.
        system_mode: ``"instructions"`` sends the leading system messages as
            ``instructions``; ``"input"`` keeps them as input messages.
        system_role: Role of system messages sent as input (``"developer"`` or ``"system"``).

    Raises:
        ConfigurationError: for a message, block or parameter the API cannot take.
    """
    params = params or {}
    messages = list(messages)
    body: dict[str, Any] = {"model": model}
    if system_mode == "instructions":
        leading = 0
        while leading < len(messages) and isinstance(messages[leading], SystemMessage):
            leading += 1
        if leading:
            body["instructions"] = "\n\n".join(m.text for m in messages[:leading])
            messages = messages[leading:]
    body["input"] = convert_messages_to_input(messages, system_role=system_role)
    body.update(_responses_params(params))
    keyword = {
        # Merged: reasoning_effort in params and a summary setting here both count.
        "reasoning": {**body.get("reasoning", {}), **reasoning} if reasoning is not None else None,
        "include": list(include) if include is not None else None,
        "store": store,
        "previous_response_id": previous_response_id,
    }
    body.update(drop_none(keyword))
    if tools:
        body["tools"] = [responses_tool(t) for t in tools]
    choice = responses_tool_choice(tool_choice, tools)
    if choice is not None:
        body["tool_choice"] = choice
    if text_format is not None:
        body["text"] = {**body.get("text", {}), "format": responses_text_format(text_format)}
    body["stream"] = stream
    if params.get("extra_body"):
        body.update(params["extra_body"])
    return body


def _responses_params(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None or key == "extra_body":
            continue
        if key in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            out["max_output_tokens"] = value
        elif key == "reasoning_effort":
            out["reasoning"] = {**out.get("reasoning", {}), "effort": value}
        elif key == "reasoning":
            out["reasoning"] = {**out.get("reasoning", {}), **value}
        elif key == "verbosity":
            out["text"] = {**out.get("text", {}), "verbosity": value}
        elif key == "n":
            if value != 1:
                raise ConfigurationError(
                    "The Responses API returns one completion per request: use n=1, or the "
                    "Chat Completions API (use_responses_api=False) for several."
                )
        elif key == "stop":
            if value:
                raise ConfigurationError(
                    "The Responses API has no stop sequences: remove stop=, or use the "
                    "Chat Completions API (use_responses_api=False)."
                )
        else:
            out[key] = value
    return out


def responses_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a chat-format function tool to the Responses shape; others pass through.

    Example:
        >>> responses_tool({"type": "function", "function": {"name": "f", "parameters": {}}})
        {'type': 'function', 'name': 'f', 'parameters': {}}
    """
    function = tool.get("function")
    if tool.get("type") == "function" and isinstance(function, Mapping):
        return {"type": "function", **function}
    return dict(tool)


def responses_tool_choice(
    tool_choice: str | bool | Mapping[str, Any] | None,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> str | dict[str, Any] | None:
    """Normalise a tool choice to the Responses form.

    ``"any"`` becomes ``"required"``; a built-in tool type selects that tool; another string
    names a function; ``True`` forces the only tool (or any tool when there are several).

    Example:
        >>> responses_tool_choice("get_weather")
        {'type': 'function', 'name': 'get_weather'}
    """
    if tool_choice is None or tool_choice is False:
        return None
    if tool_choice is True:
        flat = [responses_tool(t) for t in tools or ()]
        if len(flat) == 1 and flat[0].get("type") == "function":
            return {"type": "function", "name": flat[0].get("name")}
        return "required"
    if isinstance(tool_choice, str):
        if tool_choice in ("auto", "none", "required"):
            return tool_choice
        if tool_choice == "any":
            return "required"
        if tool_choice in BUILTIN_TOOL_TYPES:
            return {"type": tool_choice}
        return {"type": "function", "name": tool_choice}
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        if tool_choice.get("type") == "function" and isinstance(function, Mapping):
            return {"type": "function", "name": function.get("name")}
        return dict(tool_choice)
    raise ConfigurationError(
        f"tool_choice={tool_choice!r} is not understood: use 'auto', 'none', 'required', "
        "a tool name, True, or an OpenAI tool_choice dict."
    )


def responses_text_format(fmt: Mapping[str, Any]) -> dict[str, Any]:
    """The ``text.format`` value for a response format in chat or Responses shape."""
    spec = fmt.get("json_schema")
    if fmt.get("type") == "json_schema" and isinstance(spec, Mapping):
        return {"type": "json_schema", **spec}
    return dict(fmt)


def convert_messages_to_input(
    messages: Iterable[BaseMessage], *, system_role: Literal["system", "developer"] = "system"
) -> list[dict[str, Any]]:
    """Convert messages to Responses ``input`` items.

    Raises:
        ConfigurationError: for a message kind or content block the API cannot take.
    """
    items: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, AIMessage):
            items.extend(_assistant_items(message))
        elif isinstance(message, ToolMessage):
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.tool_call_id,
                    "output": _tool_output(message.content),
                }
            )
        elif isinstance(message, (HumanMessage, SystemMessage, ChatMessage)):
            if isinstance(message, HumanMessage):
                role = "user"
            elif isinstance(message, SystemMessage):
                role = message.additional_kwargs.get("__openai_role__") or system_role
            else:
                role = message.role
            items.append(_input_message(role, message.content))
        else:
            raise ConfigurationError(
                f"Cannot send a {type(message).__name__} to the Responses API; use "
                "HumanMessage, AIMessage, SystemMessage, ToolMessage or ChatMessage."
            )
    return items


def _input_message(role: str, content: str | list[Any]) -> dict[str, Any]:
    if isinstance(content, str):
        return {"role": role, "content": content}
    return {"type": "message", "role": role, "content": [_input_part(p) for p in content]}


def _tool_output(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts = [_input_part(p) for p in content]
    if all(p["type"] == "input_text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _input_part(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"type": "input_text", "text": item}
    block_type = item.get("type")
    if block_type == "text":
        return {"type": "input_text", "text": item.get("text", "")}
    if block_type == "file" and isinstance(item.get("file"), Mapping):
        # A Chat Completions file part ({"file": {"filename", "file_data" | "file_id"}}),
        # not a standard file block: the same fields make an input_file.
        return {"type": "input_file", **item["file"]}
    if block_type in ("image", "file", "text-plain", "audio", "video"):
        return _data_input(item)
    if block_type == "image_url":
        image = item["image_url"]
        url = image if isinstance(image, str) else image.get("url")
        detail = "auto" if isinstance(image, str) else image.get("detail", "auto")
        return {"type": "input_image", "image_url": url, "detail": detail}
    if block_type == "non_standard" and isinstance(item.get("value"), Mapping):
        return dict(item["value"])
    if block_type in _SKIPPED_BLOCKS or block_type in ("reasoning", "refusal"):
        raise ConfigurationError(
            f"A {block_type!r} block cannot be sent in this message; such blocks belong "
            "to the model's own (assistant) turn."
        )
    return dict(item)  # native input_text / input_image / input_file / input_audio


def _extra(item: Mapping[str, Any], key: str) -> Any:
    extras = item.get("extras")
    if isinstance(extras, Mapping) and key in extras:
        return extras[key]
    return item.get(key)


def _data_input(item: Mapping[str, Any]) -> dict[str, Any]:
    block_type = item["type"]
    source = block_source(item)
    mime = item.get("mime_type")
    if block_type == "text-plain" and source is None:
        return {"type": "input_text", "text": item.get("text", "")}
    if source is None:
        raise ConfigurationError(f"The {block_type!r} block has no url, base64 or file_id.")
    kind, value = source
    if block_type == "image":
        out: dict[str, Any] = {"type": "input_image", "detail": _extra(item, "detail") or "auto"}
        if kind == "file_id":
            out["file_id"] = value
        else:
            out["image_url"] = value if kind == "url" else data_url(mime or "image/png", value)
        return out
    if block_type in ("file", "text-plain"):
        if kind == "file_id":
            return {"type": "input_file", "file_id": value}
        if kind == "url":
            return {"type": "input_file", "file_url": value}
        mime = mime or ("text/plain" if block_type == "text-plain" else "application/pdf")
        filename = _extra(item, "filename") or _extra(item, "title") or "document"
        return {"type": "input_file", "filename": filename, "file_data": data_url(mime, value)}
    raise ConfigurationError(
        f"The Responses API cannot take {block_type!r} input; send images and files, or "
        "use the Chat Completions API for audio."
    )


def _assistant_items(message: AIMessage) -> list[dict[str, Any]]:
    content = message.content
    if isinstance(content, str):
        items = [{"role": "assistant", "content": content}] if content else []
    else:
        items = _replay_blocks(content)
    sent_calls = {i.get("call_id") for i in items if i.get("type") == "function_call"}
    for call in message.tool_calls:
        if call["id"] not in sent_calls:
            items.append(_function_call_item(call["id"], call["name"], dumps_args(call["args"])))
    for bad in message.invalid_tool_calls:
        if bad["id"] not in sent_calls:
            items.append(_function_call_item(bad["id"], bad["name"], bad["args"] or ""))
    return items


def _function_call_item(call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}


def _replay_blocks(content: list[Any]) -> list[dict[str, Any]]:
    """Output items to send back for the blocks of an earlier assistant turn, in order."""
    items: list[dict[str, Any]] = []
    reasoning_by_id: dict[str, dict[str, Any]] = {}
    for block in content:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        block_type = block.get("type")
        if block_type in ("text", "refusal"):
            _add_output_part(items, block)
        elif block_type == "reasoning" and not _NATIVE_REASONING_KEYS & block.keys():
            _add_standard_reasoning(items, reasoning_by_id, block)
        elif block_type == "non_standard":
            value = block.get("value")
            if isinstance(value, Mapping) and value.get("type") in _OUTPUT_ITEMS:
                items.append(_strip_index(value))
        elif block_type in _OUTPUT_ITEMS:
            items.append(_strip_index(block))
        # Anything else has no input form for an assistant turn: tool calls are sent from
        # ``tool_calls``, media the model produced and other providers' blocks (such as
        # ``tool_use`` or ``thinking``) cannot be given back to OpenAI.
    return items


def _add_output_part(items: list[dict[str, Any]], block: Mapping[str, Any]) -> None:
    if block["type"] == "text":
        part: dict[str, Any] = {
            "type": "output_text",
            "text": block.get("text", ""),
            "annotations": [_native_annotation(a) for a in block.get("annotations") or ()],
        }
    else:
        part = {"type": "refusal", "refusal": block.get("refusal", "")}
    item_id = block.get("id")
    if not isinstance(item_id, str) or not item_id.startswith("msg_"):
        if part["type"] == "output_text":
            items.append({"role": "assistant", "content": part["text"]})
            return
        item_id = None
    last = items[-1] if items else None
    if last is not None and last.get("type") == "message" and last.get("id") == item_id:
        last["content"].append(part)
        return
    message: dict[str, Any] = {
        "type": "message",
        "role": "assistant",
        "content": [part],
        "status": "completed",
    }
    if item_id:
        message["id"] = item_id
    if block.get("phase"):
        message["phase"] = block["phase"]
    items.append(message)


def _native_annotation(annotation: Mapping[str, Any]) -> dict[str, Any]:
    if annotation.get("type") == "citation":
        extras = annotation.get("extras") or {}
        return drop_none(
            {
                "type": extras.get("type", "url_citation"),
                "url": annotation.get("url"),
                "title": annotation.get("title"),
                "start_index": annotation.get("start_index"),
                "end_index": annotation.get("end_index"),
                **{k: v for k, v in extras.items() if k != "type"},
            }
        )
    if annotation.get("type") == "non_standard_annotation":
        return dict(annotation.get("value") or {})
    return {k: _strip_index(v) for k, v in annotation.items() if k != "index"}


def _add_standard_reasoning(
    items: list[dict[str, Any]], by_id: dict[str, dict[str, Any]], block: Mapping[str, Any]
) -> None:
    item_id = block.get("id")
    if not isinstance(item_id, str) or not item_id.startswith("rs_"):
        return  # reasoning from another provider: OpenAI cannot take it back
    item = by_id.get(item_id)
    if item is None:
        item = {"type": "reasoning", "id": item_id, "summary": []}
        by_id[item_id] = item
        items.append(item)
    if block.get("reasoning"):
        item["summary"].append({"type": "summary_text", "text": block["reasoning"]})
    extras = block.get("extras") or {}
    if extras.get("encrypted_content"):
        item["encrypted_content"] = extras["encrypted_content"]


def _strip_index(value: Any) -> Any:
    """Drop the ``index`` keys that stream merging adds (the API rejects them)."""
    if isinstance(value, Mapping):
        return {k: _strip_index(v) for k, v in value.items() if k != "index"}
    if isinstance(value, list):
        return [_strip_index(v) for v in value]
    return value


# --------------------------------------------------------------------------- response


def usage_from_responses(usage: Mapping[str, Any]) -> UsageMetadata:
    """Convert a Responses ``usage`` object to ``UsageMetadata``."""
    input_details = usage.get("input_tokens_details") or {}
    output_details = usage.get("output_tokens_details") or {}
    return usage_from_counts(
        input_tokens=usage.get("input_tokens"),
        output_tokens=usage.get("output_tokens"),
        total_tokens=usage.get("total_tokens"),
        cache_read=input_details.get("cached_tokens"),
        reasoning=output_details.get("reasoning_tokens"),
    )


def response_metadata(response: Mapping[str, Any], provider: str) -> dict[str, Any]:
    """``response_metadata`` of a finished response (also used by the stream translator)."""
    status = response.get("status")
    incomplete = response.get("incomplete_details") or {}
    if status == "incomplete":
        finish_reason = incomplete.get("reason") or "incomplete"
    elif any(o.get("type") == "function_call" for o in response.get("output") or ()):
        finish_reason = "tool_calls"
    else:
        finish_reason = "stop"
    return drop_none(
        {
            "id": response.get("id"),
            "model_name": response.get("model"),
            "status": status,
            "finish_reason": finish_reason,
            "incomplete_details": response.get("incomplete_details"),
            "service_tier": response.get("service_tier"),
            "created_at": response.get("created_at"),
            "model_provider": provider,
        }
    )


def raise_for_failed(response: Mapping[str, Any], *, provider: str) -> None:
    """Raise when a response object reports ``status: failed`` or carries an error."""
    error = response.get("error")
    if error or response.get("status") == "failed":
        raise ProviderError(
            f"The response failed: {error_message(error or 'no error detail')}",
            provider=provider,
            body=dict(response),
        )


def parse_responses_response(
    body: Mapping[str, Any], *, provider: str = "openai"
) -> tuple[AIMessage, dict[str, Any]]:
    """Convert a Responses API response body to a message.

    Returns:
        The message and the ``llm_output`` dict (token usage, model name, ...).

    Raises:
        ProviderError: if the response failed.
    """
    raise_for_failed(body, provider=provider)
    content: list[dict[str, Any]] = []
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    kwargs: dict[str, Any] = {}
    for item in body.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or ():
                block = _blocks.output_part_block(part, item)
                content.append(block)
                if block["type"] == "refusal":
                    kwargs["refusal"] = block["refusal"]
            continue
        content.append(dict(item))
        if kind == "function_call":
            parsed = parse_tool_arguments(
                item.get("arguments"), name=item.get("name"), call_id=item.get("call_id")
            )
            if parsed.get("type") == "invalid_tool_call":
                invalid.append(parsed)  # type: ignore[arg-type]
            else:
                calls.append(parsed)  # type: ignore[arg-type]
    usage = body.get("usage")
    message = AIMessage(
        content=content,
        id=body.get("id"),
        tool_calls=calls,
        invalid_tool_calls=invalid,
        additional_kwargs=kwargs,
        usage_metadata=usage_from_responses(usage) if usage else None,
        response_metadata=response_metadata(body, provider),
    )
    llm_output = drop_none(
        {
            "token_usage": usage,
            "model_name": body.get("model"),
            "id": body.get("id"),
            "service_tier": body.get("service_tier"),
            "model_provider": provider,
        }
    )
    return message, llm_output


def parse_input_tokens(body: Mapping[str, Any]) -> int:
    """The token count of a ``POST /responses/input_tokens`` response."""
    return int(body["input_tokens"])
