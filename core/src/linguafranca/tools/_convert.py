"""Any tool definition -> one OpenAI-format function / tool / JSON schema."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import typing_extensions
from pydantic import BaseModel

from linguafranca.tools._base import BaseTool
from linguafranca.tools._docstring import parse_google_docstring
from linguafranca.tools._injection import runtime_params, without_injected
from linguafranca.tools._schema import (
    args_model_from_function,
    is_pydantic_v1_model,
    make_strict,
    schema_of_pydantic,
    schema_of_typeddict,
    tidy_schema,
)

__all__ = [
    "convert_to_json_schema",
    "convert_to_openai_function",
    "convert_to_openai_tool",
    "is_builtin_tool",
]

_ACCEPTED = (
    "a python function, a BaseTool, a pydantic model class, a TypedDict class, a JSON schema "
    "dict with a 'title', an OpenAI tool or function dict, an Anthropic tool dict "
    "({'name', 'input_schema'}) or a built-in provider tool dict ({'type': 'web_search', ...})"
)


def is_builtin_tool(tool: object) -> bool:
    """Whether ``tool`` is a provider's built-in tool (``{"type": "web_search", ...}``).

    Such dicts have a ``type`` other than ``"function"`` (and are not JSON schemas, whose
    ``type`` is ``"object"``); they are passed to the provider unchanged.
    """
    if not isinstance(tool, Mapping):
        return False
    kind = tool.get("type")
    return (
        isinstance(kind, str)
        and kind not in ("function", "object")
        and "input_schema" not in tool
        and "properties" not in tool
    )


def _function_dict(name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in parameters.items() if k not in ("title", "description")}
    params.setdefault("type", "object")
    params.setdefault("properties", {})
    return {"name": name, "description": description, "parameters": params}


def _from_schema(schema: dict[str, Any], fallback_name: str) -> dict[str, Any]:
    name = schema.get("title") or fallback_name
    return _function_dict(name, schema.get("description") or "", schema)


def _from_callable(func: Callable[..., Any]) -> dict[str, Any]:
    name = getattr(func, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>":
        raise ValueError(
            "Cannot name a tool after a lambda or an object without __name__: use a def, or "
            "wrap it with @tool('name') / StructuredTool.from_function(name=...)."
        )
    doc = parse_google_docstring(inspect.getdoc(func))
    skip = {"self", "cls", *runtime_params(func).names}
    model = args_model_from_function(func, model_name=name, docstring=doc, skip=skip)
    return _function_dict(name, doc.description, schema_of_pydantic(without_injected(model)))


def _from_dict(tool: Mapping[str, Any]) -> dict[str, Any]:
    if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
        return dict(tool["function"])
    if "input_schema" in tool:  # Anthropic
        return _function_dict(
            tool["name"], tool.get("description") or "", tidy_schema(tool["input_schema"])
        )
    if is_builtin_tool(tool):
        raise ValueError(
            f"{dict(tool)!r} is a provider's built-in tool: it has no function schema. Pass it "
            "to bind_tools as it is (convert_to_openai_tool returns it unchanged)."
        )
    if "name" in tool and ("parameters" in tool or "title" not in tool):
        # OpenAI function, or Responses-style {"type": "function", "name": ..., ...}
        return {k: v for k, v in tool.items() if k != "type"}
    if "title" in tool:
        return _from_schema(tidy_schema(tool, strip_titles=False), "")
    raise ValueError(
        f"Cannot read a tool from the dict with keys {sorted(tool)}: a JSON schema needs a "
        f"'title' (the tool's name). Accepted definitions: {_ACCEPTED}."
    )


def convert_to_openai_function(
    function: Mapping[str, Any] | type | Callable[..., Any] | BaseTool,
    *,
    strict: bool | None = None,
) -> dict[str, Any]:
    """Convert a tool definition to an OpenAI function (``{"name", "description", "parameters"}``).

    Accepts a python function (schema from its type hints, descriptions from its Google-style
    docstring), a ``BaseTool``, a pydantic model class (v2 or ``pydantic.v1``), a TypedDict
    class (``Annotated[T, "description"]`` fields), a JSON schema dict with a ``title``, an
    OpenAI tool or function dict, or an Anthropic tool dict. References are inlined (see
    :mod:`linguafranca.tools._schema`).

    Args:
        function: The tool definition.
        strict: When not None, sets ``"strict"``; when True the schema is also adapted to strict
            mode (every property required, ``additionalProperties: false``, no defaults).

    Returns:
        The OpenAI function dict.

    Raises:
        ValueError: The dict is not a tool definition, or is a built-in provider tool.
        TypeError: The object is none of the accepted kinds.
    """
    if isinstance(function, BaseTool):
        call_schema = function.tool_call_schema
        params = (
            tidy_schema(call_schema, strip_titles=False)
            if isinstance(call_schema, dict)
            else schema_of_pydantic(call_schema)
        )
        result = _function_dict(function.name, function.description, params)
    elif isinstance(function, Mapping):
        result = _from_dict(function)
    elif isinstance(function, type) and issubclass(function, BaseModel):
        result = _from_schema(schema_of_pydantic(function), function.__name__)
    elif is_pydantic_v1_model(function):
        result = _from_schema(schema_of_pydantic(function), function.__name__)
    elif isinstance(function, type) and typing_extensions.is_typeddict(function):
        result = _from_schema(schema_of_typeddict(function), function.__name__)
    elif callable(function) and not isinstance(function, type):
        result = _from_callable(function)
    else:
        raise TypeError(f"Cannot make a tool from {function!r}. Accepted definitions: {_ACCEPTED}.")
    if strict is not None:
        result["strict"] = strict
        if strict and "parameters" in result:
            result["parameters"] = make_strict(result["parameters"])
    return result


def convert_to_openai_tool(
    tool: Mapping[str, Any] | type | Callable[..., Any] | BaseTool,
    *,
    strict: bool | None = None,
) -> dict[str, Any]:
    """Convert a tool definition to an OpenAI tool (``{"type": "function", "function": ...}``).

    OpenAI tool dicts (``"type": "function"``) and built-in provider tools
    (``{"type": "web_search", ...}``) are returned unchanged when ``strict`` is None. Other
    definitions are converted as :func:`convert_to_openai_function` does.

    Args:
        tool: The tool definition.
        strict: See :func:`convert_to_openai_function`.

    Returns:
        The OpenAI tool dict.
    """
    if isinstance(tool, Mapping):
        if is_builtin_tool(tool):
            return dict(tool) if not isinstance(tool, dict) else tool
        if tool.get("type") == "function" and strict is None:
            return dict(tool) if not isinstance(tool, dict) else tool
    return {"type": "function", "function": convert_to_openai_function(tool, strict=strict)}


def convert_to_json_schema(
    schema: Mapping[str, Any] | type | Callable[..., Any] | BaseTool,
    *,
    strict: bool | None = None,
) -> dict[str, Any]:
    """Convert a tool definition to a JSON schema: ``{"title", "description", **parameters}``.

    Args:
        schema: Any definition accepted by :func:`convert_to_openai_function`.
        strict: When True, adapt the schema to OpenAI's strict mode.

    Returns:
        The JSON schema of the tool's arguments, titled with the tool's name.
    """
    function = convert_to_openai_function(schema, strict=strict)
    result: dict[str, Any] = {"title": function["name"]}
    if function.get("description"):
        result["description"] = function["description"]
    result.update(function.get("parameters") or {"type": "object", "properties": {}})
    return result


def tool_names(tools: Sequence[Any]) -> list[str]:
    """The names of formatted tools (OpenAI tools or built-in tool dicts)."""
    names: list[str] = []
    for tool in tools:
        if isinstance(tool, Mapping):
            function = tool.get("function")
            if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                names.append(function["name"])
            elif isinstance(tool.get("name"), str):
                names.append(tool["name"])
            elif isinstance(tool.get("type"), str):
                names.append(tool["type"])
    return names
