"""Tools: ``@tool``, ``BaseTool``, ``StructuredTool`` and tool-schema conversion.

Any tool definition (function, ``BaseTool``, pydantic model, TypedDict, JSON schema, OpenAI or
Anthropic tool dict) converts to one OpenAI-format schema with ``convert_to_openai_tool``;
built-in provider tools (``{"type": "web_search"}``) pass through unchanged.
"""

from linguafranca.tools._base import ArgsSchema, BaseTool, ToolInput
from linguafranca.tools._choice import (
    NormalizedToolChoice,
    normalize_tool_choice,
    tool_binding_kwargs,
)
from linguafranca.tools._convert import (
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
    is_builtin_tool,
)
from linguafranca.tools._injection import InjectedToolArg, InjectedToolCallId
from linguafranca.tools._output import ToolException, ToolInputValidationError
from linguafranca.tools._structured import StructuredTool, tool

__all__ = [
    "ArgsSchema",
    "BaseTool",
    "InjectedToolArg",
    "InjectedToolCallId",
    "NormalizedToolChoice",
    "StructuredTool",
    "ToolException",
    "ToolInput",
    "ToolInputValidationError",
    "convert_to_json_schema",
    "convert_to_openai_function",
    "convert_to_openai_tool",
    "is_builtin_tool",
    "normalize_tool_choice",
    "tool",
    "tool_binding_kwargs",
]
