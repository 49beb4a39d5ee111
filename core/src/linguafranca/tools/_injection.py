"""Arguments a tool receives from the runtime rather than from the model."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

import typing_extensions
from pydantic import BaseModel, create_model

from linguafranca.runnables import RunnableConfig

__all__ = [
    "InjectedToolArg",
    "InjectedToolCallId",
    "RuntimeParams",
    "injected_fields",
    "runtime_params",
    "without_injected",
]


class InjectedToolArg:
    """Marks a tool argument the caller supplies, hidden from the model.

    Example:
        ```python
        @tool
        def lookup(query: str, user_id: Annotated[str, InjectedToolArg]) -> str:
            \"\"\"Look something up for the current user.\"\"\"
        ```
    """


class InjectedToolCallId(InjectedToolArg):
    """Marks the argument that receives the id of the tool call being answered.

    Example:
        ```python
        @tool
        def record(note: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> str:
            \"\"\"Record a note.\"\"\"
        ```
    """


def _is_injection(marker: object) -> bool:
    return (
        marker is InjectedToolArg
        or (isinstance(marker, type) and issubclass(marker, InjectedToolArg))
        or isinstance(marker, InjectedToolArg)
    )


def _is_call_id(marker: object) -> bool:
    return marker is InjectedToolCallId or isinstance(marker, InjectedToolCallId)


def without_injected(model: type[BaseModel]) -> type[BaseModel]:
    """The model without its injected fields (the schema the model sees), or ``model``."""
    hidden, _ = injected_fields(model)
    if not hidden:
        return model
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in model.model_fields.items()
        if (info.alias or name) not in hidden
    }
    return create_model(model.__name__, __doc__=model.__doc__, **fields)


def injected_fields(model: type[BaseModel]) -> tuple[frozenset[str], str | None]:
    """The injected fields of an argument model, and the one receiving the tool-call id.

    Returns:
        ``(names of injected fields, name of the InjectedToolCallId field or None)``; the
        names are the aliases when fields have one (the keys callers pass).
    """
    names: set[str] = set()
    call_id: str | None = None
    for name, info in model.model_fields.items():
        key = info.alias or name
        for marker in info.metadata:
            if _is_injection(marker):
                names.add(key)
                if _is_call_id(marker):
                    call_id = key
    return frozenset(names), call_id


class RuntimeParams:
    """Which runtime objects a tool function accepts (computed once per function)."""

    __slots__ = ("callbacks", "config", "run_manager")

    def __init__(self, run_manager: bool, callbacks: bool, config: str | None) -> None:
        self.run_manager = run_manager
        self.callbacks = callbacks
        self.config = config

    @property
    def names(self) -> frozenset[str]:
        """The parameter names to leave out of the argument schema."""
        found = {"run_manager"} if self.run_manager else set()
        if self.callbacks:
            found.add("callbacks")
        if self.config:
            found.add(self.config)
        return frozenset(found)


def _is_config_annotation(annotation: Any) -> bool:
    if annotation is RunnableConfig:
        return True
    if isinstance(annotation, str):
        return annotation.replace("Optional[", "").startswith("RunnableConfig")
    if typing_extensions.get_origin(annotation) is Annotated:
        return _is_config_annotation(typing_extensions.get_args(annotation)[0])
    args = typing_extensions.get_args(annotation)
    return bool(args) and any(a is RunnableConfig for a in args)


def runtime_params(func: Callable[..., Any]) -> RuntimeParams:
    """Find a function's ``run_manager``, ``callbacks`` and ``RunnableConfig`` parameters."""
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return RuntimeParams(False, False, None)
    try:
        hints: dict[str, Any] = typing.get_type_hints(func, include_extras=True)
    except Exception:  # unresolvable annotations: fall back to their text
        hints = {name: p.annotation for name, p in parameters.items()}
    config = next(
        (name for name in parameters if _is_config_annotation(hints.get(name))),
        None,
    )
    return RuntimeParams("run_manager" in parameters, "callbacks" in parameters, config)
