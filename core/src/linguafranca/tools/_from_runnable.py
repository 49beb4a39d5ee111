"""``Runnable.as_tool``: a tool whose calls invoke a runnable with the tool's arguments."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model, model_validator

from linguafranca.runnables import Runnable, RunnableConfig
from linguafranca.tools._base import BaseTool
from linguafranca.tools._structured import StructuredTool

__all__ = ["runnable_as_tool"]

# The reference's single-input tools show their one argument to models as "__arg1".
_STRING_ARG = "__arg1"


class _StringInput(BaseModel):
    """The argument of a tool over a runnable that takes a string."""

    model_config = ConfigDict(populate_by_name=True)

    tool_input: str = Field(alias=_STRING_ARG)

    @model_validator(mode="before")
    @classmethod
    def _any_single_key(cls, data: Any) -> Any:
        # As the reference's single-input tool: one argument, whatever its key.
        if isinstance(data, Mapping) and len(data) == 1 and _STRING_ARG not in data:
            return {_STRING_ARG: next(iter(data.values()))}
        return data


class _Caller:
    """Invokes the runnable with the tool's arguments.

    The tool's func is a bound method of this class, not a closure: the tool caches what
    parameters its func takes per function, so that stays one entry, not one per tool.
    """

    __slots__ = ("runnable", "single")

    def __init__(self, runnable: Runnable[Any, Any], single: bool) -> None:
        self.runnable = runnable
        self.single = single

    def _input(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.single:
            return kwargs
        return args[0] if args else next(iter(kwargs.values()))

    # The tool finds the config parameter by its annotation, whatever its name.
    def invoke(self, *args: Any, lf_tool_child_config: RunnableConfig, **kwargs: Any) -> Any:
        """Run the runnable as a child of the tool run."""
        return self.runnable.invoke(self._input(args, kwargs), lf_tool_child_config)

    async def ainvoke(self, *args: Any, lf_tool_child_config: RunnableConfig, **kwargs: Any) -> Any:
        """Async :meth:`invoke`."""
        return await self.runnable.ainvoke(self._input(args, kwargs), lf_tool_child_config)


def runnable_as_tool(
    runnable: Runnable[Any, Any],
    args_schema: type[BaseModel] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    arg_types: Mapping[str, Any] | None = None,
) -> BaseTool:
    """Make a tool that invokes ``runnable`` (see :meth:`Runnable.as_tool`).

    Args:
        runnable: The runnable the tool calls.
        args_schema: The arguments' pydantic model (the runnable's input type then).
        name: The tool's name (default: ``runnable.get_name()``).
        description: What the tool does (default: ``"Takes {input JSON schema}."``).
        arg_types: Argument names and types, all required (used when ``args_schema`` is
            None and the runnable's input schema lists no arguments).

    Returns:
        A ``StructuredTool``: invoked with a dict of arguments (or a tool call), it invokes
        the runnable with that dict; over a runnable taking a string, with the string.

    Raises:
        TypeError: No argument schema can be found: the runnable takes a dict (or anything)
            without saying which keys.
    """
    if args_schema is not None:
        runnable = runnable.with_types(input_type=args_schema)
    input_json = runnable.get_input_jsonschema()
    name = name or runnable.get_name()
    description = description or f"Takes {input_json}."
    if input_json.get("type") == "string":
        schema: type[BaseModel] = _StringInput
        caller = _Caller(runnable, single=True)
    else:
        schema = args_schema or _arguments_model(runnable, name, input_json, arg_types)
        caller = _Caller(runnable, single=False)
    return StructuredTool(
        name=name,
        description=description,
        func=caller.invoke,
        coroutine=caller.ainvoke,
        args_schema=schema,
    )


def _arguments_model(
    runnable: Runnable[Any, Any],
    name: str,
    input_json: Mapping[str, Any],
    arg_types: Mapping[str, Any] | None,
) -> type[BaseModel]:
    if arg_types is None:
        model = runnable.get_input_schema()
        if (
            input_json.get("type") == "object"
            and input_json.get("properties")
            and not issubclass(model, RootModel)
        ):
            return model
        arg_types = _annotated_keys(runnable)
        if not arg_types:
            raise TypeError(
                f"Cannot make a tool from {runnable.get_name()!r}: its input "
                f"({_type_name(runnable.InputType)}) does not say which arguments it takes. "
                "Pass arg_types={'name': type, ...} or args_schema=<a pydantic model> to "
                "as_tool(), or type the input with a TypedDict or a pydantic model."
            )
    fields: dict[str, Any] = {key: (kind, ...) for key, kind in arg_types.items()}
    return create_model(name, **fields)


def _annotated_keys(runnable: Runnable[Any, Any]) -> dict[str, Any]:
    """The annotated fields of the input type (a class such as a TypedDict), else none."""
    input_type = runnable.InputType
    # A model reaching here has no fields, or one root: its class annotations are not keys.
    if (
        not isinstance(input_type, type)
        or input_type.__module__ == "builtins"
        or issubclass(input_type, BaseModel)
    ):
        return {}
    try:
        return typing.get_type_hints(input_type)
    except (NameError, TypeError):
        return {}


def _type_name(kind: Any) -> str:
    return kind.__name__ if isinstance(kind, type) else str(kind).replace("typing.", "")
