"""StructuredTool (a tool made from a function) and the ``@tool`` decorator."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal, overload

from pydantic import BaseModel

from linguafranca.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from linguafranca.runnables import RunnableConfig, run_in_executor
from linguafranca.tools._base import ArgsSchema, BaseTool, _runtime_of
from linguafranca.tools._docstring import parse_google_docstring
from linguafranca.tools._schema import args_model_from_function

__all__ = ["StructuredTool", "tool"]

ResponseFormat = Literal["content", "content_and_artifact"]


class StructuredTool(BaseTool):
    """A tool that calls a function (and/or a coroutine) with validated arguments.

    Example:
        ```python
        def multiply(a: int, b: int) -> int:
            \"\"\"Multiply two integers.\"\"\"
            return a * b

        product = StructuredTool.from_function(multiply)
        product.invoke({"a": 6, "b": 7})  # 42
        ```
    """

    func: Callable[..., Any] | None = None
    """The function run by ``invoke``."""

    coroutine: Callable[..., Awaitable[Any]] | None = None
    """The coroutine function run by ``ainvoke`` (else ``func`` runs in a thread)."""

    def _call_kwargs(
        self,
        target: Callable[..., Any],
        kwargs: dict[str, Any],
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | AsyncCallbackManagerForToolRun | None,
    ) -> dict[str, Any]:
        runtime = _runtime_of(target)
        if runtime.callbacks:
            kwargs["callbacks"] = run_manager.get_child() if run_manager is not None else None
        if runtime.config:
            kwargs[runtime.config] = config
        return kwargs

    def _run(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        if self.func is None:
            raise NotImplementedError(
                f"Tool {self.name!r} only has a coroutine: call it with ainvoke/arun."
            )
        return self.func(*args, **self._call_kwargs(self.func, kwargs, config, run_manager))

    async def _arun(
        self,
        *args: Any,
        config: RunnableConfig,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> Any:
        if self.coroutine is None:
            # A sync run manager cannot be made from an async one: the function gets none.
            return await run_in_executor(None, self._run, *args, config=config, **kwargs)
        coroutine = self.coroutine
        return await coroutine(*args, **self._call_kwargs(coroutine, kwargs, config, run_manager))

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any] | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        name: str | None = None,
        description: str | None = None,
        return_direct: bool = False,
        args_schema: ArgsSchema | None = None,
        infer_schema: bool = True,
        *,
        response_format: ResponseFormat = "content",
        parse_docstring: bool = False,
        error_on_invalid_docstring: bool = False,
        **kwargs: Any,
    ) -> StructuredTool:
        """Make a tool from a function and/or a coroutine function.

        Args:
            func: The function run by ``invoke``.
            coroutine: The coroutine function run by ``ainvoke``.
            name: The tool's name (default: the function's name).
            description: What the tool does (default: the docstring; with
                ``parse_docstring``, the docstring's text before its sections).
            return_direct: See :attr:`BaseTool.return_direct`.
            args_schema: The argument schema (default: inferred from the signature).
            infer_schema: Infer the schema from the signature when ``args_schema`` is None.
            response_format: ``"content"`` or ``"content_and_artifact"``.
            parse_docstring: Take argument descriptions from the Google-style ``Args:``
                section.
            error_on_invalid_docstring: With ``parse_docstring``, fail when the docstring
                documents arguments the function does not have.
            **kwargs: Other :class:`BaseTool` fields (``handle_tool_error``, ``tags``, ...).

        Raises:
            ValueError: Neither function nor coroutine, no description available, or an
                invalid docstring (see ``error_on_invalid_docstring``).
        """
        source = func if func is not None else coroutine
        if source is None:
            raise ValueError("StructuredTool.from_function needs func= or coroutine=.")
        tool_name = name or getattr(source, "__name__", None)
        if not tool_name or tool_name == "<lambda>":
            raise ValueError("Give the tool a name: name= (lambdas have none).")
        raw_doc = inspect.getdoc(source)
        doc = parse_google_docstring(raw_doc) if parse_docstring else None
        runtime = _runtime_of(source)
        if doc is not None and error_on_invalid_docstring:
            params = set(inspect.signature(source).parameters) - runtime.names
            unknown = sorted(set(doc.args) - params)
            if unknown:
                raise ValueError(
                    f"The docstring of {tool_name!r} documents arguments it does not have: "
                    f"{unknown}. Fix the Args: section or pass parse_docstring=False."
                )
        schema: ArgsSchema | None = args_schema
        if schema is None and infer_schema:
            schema = args_model_from_function(
                source, model_name=tool_name, docstring=doc, skip=runtime.names
            )
        if description is None:
            if doc is not None:
                description = doc.description or None
            elif raw_doc:
                description = raw_doc
            if description is None and args_schema is not None:
                description = _schema_description(args_schema)
        if not description:
            raise ValueError(
                f"Tool {tool_name!r} needs a description: give the function a docstring or "
                "pass description=."
            )
        return cls(
            name=tool_name,
            description=description,
            func=func,
            coroutine=coroutine,
            args_schema=schema,
            return_direct=return_direct,
            response_format=response_format,
            **kwargs,
        )


def _schema_description(schema: ArgsSchema) -> str | None:
    if isinstance(schema, dict):
        found = schema.get("description")
        return found if isinstance(found, str) else None
    own = schema.__dict__.get("__doc__")
    return inspect.cleandoc(own) if own and own is not BaseModel.__doc__ else None


def _make_tool(
    func: Callable[..., Any], name: str | None, options: dict[str, Any]
) -> StructuredTool:
    if inspect.iscoroutinefunction(func):
        return StructuredTool.from_function(coroutine=func, name=name, **options)
    return StructuredTool.from_function(func=func, name=name, **options)


@overload
def tool(
    name_or_callable: Callable[..., Any],
    /,
) -> BaseTool: ...


@overload
def tool(
    name_or_callable: str,
    func: Callable[..., Any],
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    **kwargs: Any,
) -> BaseTool: ...


@overload
def tool(
    name_or_callable: str | None = None,
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], BaseTool]: ...


def tool(
    name_or_callable: str | Callable[..., Any] | None = None,
    func: Callable[..., Any] | None = None,
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    **kwargs: Any,
) -> BaseTool | Callable[[Callable[..., Any]], BaseTool]:
    """Make a tool from a function: ``@tool``, ``@tool("name")`` or ``@tool(**options)``.

    The name is the function's name, the description its docstring (see
    :meth:`StructuredTool.from_function` for ``parse_docstring``), the argument schema its
    type hints. Async functions become tools with a native ``ainvoke``.

    Example:
        ```python
        @tool
        def get_weather(location: str) -> str:
            \"\"\"Get the weather at a location.\"\"\"
            return f"It's sunny in {location}."

        get_weather.invoke({"location": "Boston"})  # "It's sunny in Boston."
        ```

    Args:
        name_or_callable: The function, or the tool's name.
        func: The function, when the name is given first (``tool("name", func)``).
        description: What the tool does (default: from the docstring).
        return_direct: See :attr:`BaseTool.return_direct`.
        args_schema: The argument schema (default: inferred from the signature).
        infer_schema: Infer the schema when ``args_schema`` is None.
        response_format: ``"content"`` or ``"content_and_artifact"``.
        parse_docstring: Take the description and argument descriptions from a
            Google-style docstring.
        error_on_invalid_docstring: With ``parse_docstring``, fail on arguments documented
            but missing from the signature.
        **kwargs: Other :class:`BaseTool` fields (``handle_tool_error``, ``tags``, ...).
    """
    options: dict[str, Any] = {
        "description": description,
        "return_direct": return_direct,
        "args_schema": args_schema,
        "infer_schema": infer_schema,
        "response_format": response_format,
        "parse_docstring": parse_docstring,
        "error_on_invalid_docstring": error_on_invalid_docstring,
        **kwargs,
    }
    if isinstance(name_or_callable, str):
        tool_name = name_or_callable
        if func is not None:
            return _make_tool(func, tool_name, options)

        def named(function: Callable[..., Any]) -> BaseTool:
            return _make_tool(function, tool_name, options)

        return named
    if func is not None:
        raise TypeError("tool(name, func): the name must come first and be a string.")
    if name_or_callable is None:

        def decorator(function: Callable[..., Any]) -> BaseTool:
            return _make_tool(function, None, options)

        return decorator
    if not callable(name_or_callable):
        raise TypeError(
            f"tool() expects a function or a name, got {type(name_or_callable).__name__}."
        )
    return _make_tool(name_or_callable, None, options)
