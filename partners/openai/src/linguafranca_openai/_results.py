"""A response body (or a bind request) to what the base class expects (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import httpx

from linguafranca.errors import ProviderError
from linguafranca.http import redact_headers
from linguafranca.messages import AIMessage
from linguafranca.outputs import ChatResult
from linguafranca.tools import is_builtin_tool, normalize_tool_choice
from linguafranca_openai._client import CHAT
from linguafranca_openai._common import BUILTIN_TOOL_TYPES
from linguafranca_openai._convert_chat import parse_chat_response
from linguafranca_openai._convert_responses import parse_responses_response
from linguafranca_openai._fast import generation, result, text_response

__all__ = ["chat_result", "tool_choice_for"]


def chat_result(
    api: str,
    data: Any,
    headers: httpx.Headers | None,
    provider: str,
    *,
    output_version: str | None = None,
) -> ChatResult:
    """The ``ChatResult`` of a Chat Completions or Responses body.

    Args:
        api: ``CHAT`` or ``RESPONSES``.
        data: The parsed JSON body.
        headers: Response headers to show in ``response_metadata["headers"]`` (redacted),
            or None.
        provider: ``response_metadata["model_provider"]``.
        output_version: ``"v1"`` turns the content into standard blocks.

    Raises:
        ProviderError: the body is not an answer (not an object, no choice, failed).
    """
    if not isinstance(data, Mapping):
        raise ProviderError(
            f"{provider} answered with {type(data).__name__} instead of a JSON object; "
            "check base_url.",
            provider=provider,
            body=data,
        )
    messages: list[AIMessage]
    if api == CHAT:
        simple = text_response(data, provider)
        if simple is not None:
            messages, llm_output = [simple[0]], simple[1]
        else:
            messages, llm_output = parse_chat_response(data, provider=provider)
        if not messages:
            raise ProviderError(
                f"{provider} answered without any choice.", provider=provider, body=data
            )
    else:
        message, llm_output = parse_responses_response(data, provider=provider)
        messages = [message]
    shown = redact_headers(headers) if headers is not None else None
    generations = []
    for message in messages:
        metadata = message.response_metadata
        info: dict[str, Any] = {"finish_reason": metadata.get("finish_reason")}
        if "logprobs" in metadata:
            info["logprobs"] = metadata["logprobs"]
        if shown is not None:
            metadata["headers"] = shown
        if output_version == "v1":
            message.content = cast(Any, message.content_blocks)
            metadata["output_version"] = "v1"
        generations.append(generation(message, info))
    return result(generations, llm_output)


def tool_choice_for(choice: Any, tools: list[dict[str, Any]]) -> Any:
    """``bind_tools``' ``tool_choice`` in the form the converters take.

    A built-in tool type (``"web_search"``) selects that tool; True with one function
    forces that function; anything else is normalised by ``normalize_tool_choice``.

    Raises:
        ValueError: the choice names a tool that is not bound.
    """
    if isinstance(choice, str) and choice in BUILTIN_TOOL_TYPES:
        return {"type": choice}
    functions = [t for t in tools if not is_builtin_tool(t)]
    if choice is True and len(functions) == 1:
        return {"type": "function", "name": functions[0]["function"]["name"]}
    names = [t["function"]["name"] for t in functions]
    return normalize_tool_choice(choice, names + [t["type"] for t in tools if is_builtin_tool(t)])
