"""Tool inputs and outputs: tool-call detection, errors, and results as ``ToolMessage``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

from linguafranca.errors import LinguaFrancaError
from linguafranca.messages import ToolMessage
from linguafranca.messages._tool_message import ToolOutputMixin

__all__ = [
    "ToolException",
    "ToolInputValidationError",
    "format_tool_output",
    "is_tool_call",
    "stringify_output",
]

# Block types a tool may return as message content (others are serialized to JSON text).
_CONTENT_BLOCK_TYPES = frozenset(
    {
        "text",
        "image",
        "image_url",
        "audio",
        "video",
        "file",
        "text-plain",
        "json",
        "document",
        "search_result",
        "custom_tool_call_output",
    }
)


class ToolException(Exception):  # noqa: N818 (the name users know)
    """Raise this from a tool to report a failure the model should see.

    With ``handle_tool_error`` set on the tool, the error becomes the tool's result (a
    ``ToolMessage`` with ``status="error"``) instead of propagating.
    """


class ToolInputValidationError(LinguaFrancaError, ValueError):
    """The arguments given to a tool do not match its schema.

    The message names the tool and every wrong argument with the reason; ``errors`` holds
    pydantic's error dicts and the pydantic ``ValidationError`` is the ``__cause__``.
    """

    def __init__(self, tool_name: str, error: Exception) -> None:
        self.tool_name = tool_name
        self.errors: list[dict[str, Any]] = _error_dicts(error)
        problems = []
        for item in self.errors:
            where = ".".join(str(part) for part in item.get("loc", ())) or "(arguments)"
            problem = f"{where!r}: {item.get('msg', 'invalid')}"
            if "input" in item and item.get("type") != "missing":
                problem += f" (got {item['input']!r})"
            problems.append(problem)
        count = len(problems)
        super().__init__(
            f"Invalid arguments for tool {tool_name!r} ({count} error{'s' * (count != 1)}): "
            + "; ".join(problems)
        )


def _error_dicts(error: Exception) -> list[dict[str, Any]]:
    if isinstance(error, ValidationError):
        return [dict(e) for e in error.errors(include_url=False, include_context=False)]
    errors = getattr(error, "errors", None)  # pydantic.v1's ValidationError
    found = errors() if callable(errors) else None
    if isinstance(found, list):
        return [dict(e) for e in found if isinstance(e, Mapping)]
    return [{"loc": (), "msg": str(error)}]


def is_tool_call(value: object) -> bool:
    """Whether ``value`` is a tool call dict (``{"type": "tool_call", "name", "args", "id"}``)."""
    return isinstance(value, Mapping) and value.get("type") == "tool_call" and "args" in value


def _is_content(value: object) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(item, str)
        or (isinstance(item, Mapping) and item.get("type") in _CONTENT_BLOCK_TYPES)
        for item in value
    )


def stringify_output(value: Any) -> str:
    """Turn a tool's output into text: JSON when possible, ``str()`` otherwise."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        pass
    try:
        return json.dumps(to_jsonable_python(value), ensure_ascii=False)
    except (TypeError, ValueError, PydanticSerializationError):
        return str(value)


def format_tool_output(
    content: Any,
    artifact: Any,
    *,
    tool_call_id: str | None,
    name: str,
    status: Literal["success", "error"],
) -> Any:
    """Wrap a tool's output in a ``ToolMessage`` when it answers a tool call.

    Outputs that already are messages (``ToolMessage`` or other ``ToolOutputMixin``) and
    outputs of calls made without a tool call are returned unchanged. String content and lists
    of content blocks are kept; anything else becomes JSON text.
    """
    if isinstance(content, ToolOutputMixin) or tool_call_id is None:
        return content
    if not _is_content(content):
        content = stringify_output(content)
    return ToolMessage(
        content=content, artifact=artifact, tool_call_id=tool_call_id, name=name, status=status
    )
