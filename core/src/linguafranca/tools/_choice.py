"""Normalisation of ``tool_choice`` and the ``bind_tools`` keyword convention for providers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from linguafranca.tools._convert import convert_to_openai_tool, tool_names

__all__ = ["NormalizedToolChoice", "normalize_tool_choice", "tool_binding_kwargs"]

NormalizedToolChoice = Literal["auto", "none", "required"] | dict[str, Any]
"""``"auto"``, ``"none"``, ``"required"``, ``{"type": "function", "name": ...}``, or a
provider-specific dict passed through unchanged."""

_KEYWORDS: dict[str, Literal["auto", "none", "required"]] = {
    "auto": "auto",
    "none": "none",
    "any": "required",
    "required": "required",
}


def _valid_choices(names: Sequence[str]) -> str:
    keywords = "'auto', 'none', 'any' (or 'required'), True"
    if names:
        return f"{keywords}, or one of the bound tools' names {list(names)}"
    return f"{keywords} (no tools are bound, so no tool name)"


def _named(name: str, names: Sequence[str]) -> dict[str, Any]:
    if name not in names:
        raise ValueError(
            f"tool_choice names the tool {name!r}, which is not bound. "
            f"Valid choices: {_valid_choices(names)}."
        )
    return {"type": "function", "name": name}


def normalize_tool_choice(
    tool_choice: Any, tool_names: Sequence[str]
) -> NormalizedToolChoice | None:
    """Normalise the user's ``tool_choice`` to one provider-neutral form.

    Accepted: None (provider default, returns None); ``"auto"``; ``"none"``; ``"any"``,
    ``"required"`` or True (call at least one tool: ``"required"``); a bound tool's name;
    ``{"type": "function", "function": {"name": ...}}`` (OpenAI Chat Completions),
    ``{"type": "function" | "tool", "name": ...}`` (OpenAI Responses, Anthropic) and
    ``{"type": "auto" | "any" | "none" | "required"}``. Any other dict (for instance one with
    provider options such as ``disable_parallel_tool_use``) is returned unchanged for the
    provider to translate.

    Args:
        tool_choice: What the user passed to ``bind_tools``.
        tool_names: The names of the bound tools.

    Returns:
        ``"auto"``, ``"none"``, ``"required"``, ``{"type": "function", "name": name}``, a
        provider-specific dict, or None.

    Raises:
        ValueError: The choice is not one of the above, names a tool that is not bound, or
            forces a tool call while no tool is bound.
    """
    if tool_choice is None:
        return None
    result: NormalizedToolChoice
    if tool_choice is True:
        result = "required"
    elif isinstance(tool_choice, str):
        keyword = _KEYWORDS.get(tool_choice)
        result = keyword if keyword is not None else _named(tool_choice, tool_names)
    elif isinstance(tool_choice, Mapping):
        kind = tool_choice.get("type")
        function = tool_choice.get("function")
        if not set(tool_choice) <= {"type", "name", "function"}:
            return dict(tool_choice)
        if kind == "function" and isinstance(function, Mapping) and "name" in function:
            result = _named(str(function["name"]), tool_names)
        elif kind in ("function", "tool") and isinstance(tool_choice.get("name"), str):
            result = _named(tool_choice["name"], tool_names)
        elif isinstance(kind, str) and kind in _KEYWORDS and set(tool_choice) == {"type"}:
            result = _KEYWORDS[kind]
        else:
            return dict(tool_choice)
    else:
        raise ValueError(
            f"Invalid tool_choice {tool_choice!r}. Valid choices: {_valid_choices(tool_names)}."
        )
    if result == "required" and not tool_names:
        raise ValueError(f"tool_choice={tool_choice!r} forces a tool call, but no tools are bound.")
    return result


def tool_binding_kwargs(
    tools: Sequence[Any],
    *,
    tool_choice: Any = None,
    parallel_tool_calls: bool | None = None,
    strict: bool | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """The keyword arguments a chat model's ``bind_tools`` binds, in the common convention.

    ``tools`` become OpenAI-format tools (built-in provider tools unchanged), ``tool_choice``
    is normalised with :func:`normalize_tool_choice`, and ``parallel_tool_calls`` is passed
    through only when set (None means the provider's default; providers translate False, e.g.
    Anthropic's ``disable_parallel_tool_use``). Keys whose value is None are left out.

    Args:
        tools: Tool definitions accepted by :func:`convert_to_openai_tool`.
        tool_choice: See :func:`normalize_tool_choice`.
        parallel_tool_calls: Allow several tool calls in one response (None: provider default).
        strict: Passed to :func:`convert_to_openai_tool`.
        **kwargs: Other provider options, passed through.

    Returns:
        ``{"tools": [...], "tool_choice": ..., "parallel_tool_calls": ..., **kwargs}``.
    """
    if parallel_tool_calls is not None and not isinstance(parallel_tool_calls, bool):
        raise TypeError(
            f"parallel_tool_calls must be True, False or None, got {parallel_tool_calls!r}"
        )
    formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]
    bound: dict[str, Any] = {"tools": formatted}
    choice = normalize_tool_choice(tool_choice, tool_names(formatted))
    if choice is not None:
        bound["tool_choice"] = choice
    if parallel_tool_calls is not None:
        bound["parallel_tool_calls"] = parallel_tool_calls
    bound.update({k: v for k, v in kwargs.items() if v is not None})
    return bound
