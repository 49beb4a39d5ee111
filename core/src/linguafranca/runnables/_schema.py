"""Introspection of runnables: pydantic schemas of inputs and outputs, configurable fields.

``Runnable.get_input_schema``, ``config_specs`` and friends call the functions here;
``InputType`` / ``OutputType`` come from ``_schema_types.py`` and the pydantic models
are built by ``_schema_models.py``. Nothing is computed when a runnable is built or
called: only when one of those members is read.
"""

from __future__ import annotations

import enum
import functools
import inspect
import operator
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from itertools import groupby
from types import GenericAlias
from typing import Any, NamedTuple, get_type_hints

from pydantic import Field

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._binding import RunnableBinding
from linguafranca.runnables._branch import RunnableBranch
from linguafranca.runnables._config import RunnableConfig, merge_configs
from linguafranca.runnables._configurable import (
    DynamicRunnable,
    RunnableConfigurableAlternatives,
    RunnableConfigurableFields,
)
from linguafranca.runnables._each import RunnableEach
from linguafranca.runnables._fallbacks import RunnableWithFallbacks
from linguafranca.runnables._generator import RunnableGenerator
from linguafranca.runnables._lambda import RunnableLambda
from linguafranca.runnables._parallel import RunnableParallel
from linguafranca.runnables._passthrough import RunnableAssign
from linguafranca.runnables._pick import RunnablePick
from linguafranca.runnables._retry import RunnableRetry
from linguafranca.runnables._schema_models import (
    FieldDefinitions,
    Schema,
    build_fields,
    definitions,
    fields_schema,
    is_root,
    type_schema,
)
from linguafranca.runnables._schema_types import dict_keys_read, generator_func, lambda_func
from linguafranca.runnables._sequence import RunnableSequence
from linguafranca.runnables._typed import TypedBinding


class ConfigurableFieldSpec(NamedTuple):
    """A value callers can set through ``config["configurable"][id]`` (see ``config_specs``).

    Example:
        ```python
        spec = model.configurable_fields(temperature=ConfigurableField(id="t")).config_specs[0]
        spec.id, spec.annotation, spec.default  # ("t", float, 0.7)
        ```
    """

    id: str
    annotation: Any
    name: str | None = None
    description: str | None = None
    default: Any = None
    is_shared: bool = False
    dependencies: list[str] | None = None


# --- input and output schemas -------------------------------------------------------


def _default_input(runnable: Runnable[Any, Any], module: str | None = None) -> Schema:
    return type_schema(
        runnable.get_name("Input"), runnable.InputType, module or type(runnable).__module__
    )


def _default_output(runnable: Runnable[Any, Any], module: str | None = None) -> Schema:
    return type_schema(
        runnable.get_name("Output"), runnable.OutputType, module or type(runnable).__module__
    )


@functools.singledispatch
def input_schema(runnable: Runnable[Any, Any], config: RunnableConfig | None) -> Schema:
    """The model of a runnable's input (``Runnable.get_input_schema``)."""
    return _default_input(runnable)


@functools.singledispatch
def output_schema(runnable: Runnable[Any, Any], config: RunnableConfig | None) -> Schema:
    """The model of a runnable's output (``Runnable.get_output_schema``)."""
    return _default_output(runnable)


@input_schema.register(RunnableLambda)
def _(runnable: RunnableLambda[Any, Any], config: RunnableConfig | None) -> Schema:
    func = lambda_func(runnable)
    name = runnable.get_name("Input")
    if isinstance(func, operator.itemgetter):
        items = func.__reduce__()[1]
        if all(isinstance(item, str) and item for item in items):
            return fields_schema(name, {item: (Any, ...) for item in items})
        return type_schema(name, list[Any], func.__module__)
    if runnable.InputType is Any and (keys := dict_keys_read(func)):
        return fields_schema(name, {key: (Any, ...) for key in keys})
    return _default_input(runnable, getattr(func, "__module__", None))


@output_schema.register(RunnableLambda)
def _(runnable: RunnableLambda[Any, Any], config: RunnableConfig | None) -> Schema:
    return _default_output(runnable, getattr(lambda_func(runnable), "__module__", None))


@input_schema.register(RunnableGenerator)
def _(runnable: RunnableGenerator[Any, Any], config: RunnableConfig | None) -> Schema:
    return _default_input(runnable, getattr(generator_func(runnable), "__module__", None))


@output_schema.register(RunnableGenerator)
def _(runnable: RunnableGenerator[Any, Any], config: RunnableConfig | None) -> Schema:
    return _default_output(runnable, getattr(generator_func(runnable), "__module__", None))


def _sequence_input(steps: Sequence[Runnable[Any, Any]], config: RunnableConfig | None) -> Schema:
    first = steps[0]
    if len(steps) > 1 and isinstance(first, RunnablePick):
        return _sequence_input(steps[1:], config)
    if len(steps) > 1 and isinstance(first, RunnableAssign):
        # The input needs what the rest reads, minus the keys the assign adds.
        rest = _sequence_input(steps[1:], config)
        if not is_root(rest):
            return fields_schema(
                "RunnableSequenceInput",
                {
                    key: definition
                    for key, definition in definitions(rest).items()
                    if key not in first.mapper.steps__
                },
            )
    return first.get_input_schema(config)


def _sequence_output(steps: Sequence[Runnable[Any, Any]], config: RunnableConfig | None) -> Schema:
    last = steps[-1]
    if len(steps) > 1 and isinstance(last, (RunnableAssign, RunnablePick)):
        before = _sequence_output(steps[:-1], config)
        if not is_root(before):
            fields = definitions(before)
            if isinstance(last, RunnableAssign):
                added = definitions(last.mapper.get_output_schema(config))
                return fields_schema("RunnableSequenceOutput", {**fields, **added})
            if isinstance(last.keys, list):
                kept = {key: fields[key] for key in fields if key in last.keys}
                return fields_schema("RunnableSequenceOutput", kept)
            if last.keys in fields:
                return type_schema("RunnableSequenceOutput", fields[last.keys][0])
    return last.get_output_schema(config)


@input_schema.register(RunnableSequence)
def _(runnable: RunnableSequence[Any, Any], config: RunnableConfig | None) -> Schema:
    return _sequence_input(runnable.steps, config)


@output_schema.register(RunnableSequence)
def _(runnable: RunnableSequence[Any, Any], config: RunnableConfig | None) -> Schema:
    return _sequence_output(runnable.steps, config)


@input_schema.register(RunnableParallel)
def _(runnable: RunnableParallel, config: RunnableConfig | None) -> Schema:
    steps = list(runnable.steps__.values())
    fields: FieldDefinitions = {}
    for step in steps:
        schema = step.get_input_schema(config)
        if not is_root(schema):
            fields.update(definitions(schema))
        elif schema.model_fields["root"].annotation is not Any:
            return _default_input(runnable)  # a step takes a typed value, not a dict
    if fields or not steps:
        return fields_schema(runnable.get_name("Input"), fields)
    return _default_input(runnable)


@output_schema.register(RunnableParallel)
def _(runnable: RunnableParallel, config: RunnableConfig | None) -> Schema:
    return fields_schema(
        runnable.get_name("Output"),
        {key: (step.OutputType, ...) for key, step in runnable.steps__.items()},
    )


@input_schema.register(RunnableBinding)
def _(runnable: RunnableBinding[Any, Any], config: RunnableConfig | None) -> Schema:
    if isinstance(runnable, TypedBinding) and runnable.custom_input_type is not None:
        return _default_input(runnable)
    return runnable.bound.get_input_schema(merge_configs(runnable.config, config))


@output_schema.register(RunnableBinding)
def _(runnable: RunnableBinding[Any, Any], config: RunnableConfig | None) -> Schema:
    if isinstance(runnable, TypedBinding) and runnable.custom_output_type is not None:
        return _default_output(runnable)
    return runnable.bound.get_output_schema(merge_configs(runnable.config, config))


@input_schema.register(RunnableRetry)
def _(runnable: RunnableRetry[Any, Any], config: RunnableConfig | None) -> Schema:
    return runnable.bound.get_input_schema(config)


@output_schema.register(RunnableRetry)
def _(runnable: RunnableRetry[Any, Any], config: RunnableConfig | None) -> Schema:
    return runnable.bound.get_output_schema(config)


@input_schema.register(RunnableWithFallbacks)
def _(runnable: RunnableWithFallbacks[Any, Any], config: RunnableConfig | None) -> Schema:
    return runnable.runnable.get_input_schema(config)


@output_schema.register(RunnableWithFallbacks)
def _(runnable: RunnableWithFallbacks[Any, Any], config: RunnableConfig | None) -> Schema:
    return runnable.runnable.get_output_schema(config)


@input_schema.register(RunnableEach)
def _(runnable: RunnableEach[Any, Any], config: RunnableConfig | None) -> Schema:
    item = runnable.bound.get_input_schema(config)
    return type_schema(runnable.get_name("Input"), GenericAlias(list, (item,)), None, None)


@output_schema.register(RunnableEach)
def _(runnable: RunnableEach[Any, Any], config: RunnableConfig | None) -> Schema:
    item = runnable.bound.get_output_schema(config)
    return type_schema(runnable.get_name("Output"), GenericAlias(list, (item,)))


@input_schema.register(DynamicRunnable)
def _(runnable: DynamicRunnable[Any, Any], config: RunnableConfig | None) -> Schema:
    return runnable.prepare(config).get_input_schema(config)


@output_schema.register(DynamicRunnable)
def _(runnable: DynamicRunnable[Any, Any], config: RunnableConfig | None) -> Schema:
    return runnable.prepare(config).get_output_schema(config)


@input_schema.register(RunnableAssign)
def _(runnable: RunnableAssign, config: RunnableConfig | None) -> Schema:
    mapped = runnable.mapper.get_input_schema(config)
    return _default_input(runnable) if is_root(mapped) else mapped


@output_schema.register(RunnableAssign)
def _(runnable: RunnableAssign, config: RunnableConfig | None) -> Schema:
    given = runnable.mapper.get_input_schema(config)
    added = runnable.mapper.get_output_schema(config)
    if is_root(added):
        return _default_output(runnable)
    if is_root(given):
        return added  # what the input holds is unknown
    return fields_schema("RunnableAssignOutput", {**definitions(given), **definitions(added)})


@input_schema.register(RunnableBranch)
def _(runnable: RunnableBranch[Any, Any], config: RunnableConfig | None) -> Schema:
    candidates = [
        runnable.default,
        *(branch for _, branch in runnable.branches),
        *(condition for condition, _ in runnable.branches),
    ]
    for candidate in candidates:
        if candidate.get_input_jsonschema(config).get("type") is not None:
            return candidate.get_input_schema(config)
    return _default_input(runnable)


# --- configurable fields ------------------------------------------------------------


def unique_config_specs(specs: Iterable[ConfigurableFieldSpec]) -> list[ConfigurableFieldSpec]:
    """``specs`` sorted by id, each id once.

    Raises:
        ValueError: if two different specs share an id.
    """
    unique: list[ConfigurableFieldSpec] = []
    ordered = sorted(specs, key=lambda spec: (spec.id, *(spec.dependencies or [])))
    for spec_id, group in groupby(ordered, key=lambda spec: spec.id):
        first, *others = group
        if any(other != first for other in others):
            raise ValueError(
                f"Conflicting configurable fields with the id {spec_id!r}: "
                f"{[first, *others]}. Give each a distinct id, or define them alike."
            )
        unique.append(first)
    return unique


def _gathered(runnables: Iterable[Runnable[Any, Any]]) -> list[ConfigurableFieldSpec]:
    return unique_config_specs(spec for runnable in runnables for spec in runnable.config_specs)


# Runnables whose specs are being gathered in this context: a function that refers to
# a chain holding the function itself would otherwise recurse forever.
_gathering: ContextVar[frozenset[int]] = ContextVar("_gathering", default=frozenset())


def _referenced_runnables(func: Callable[..., Any] | None) -> list[Runnable[Any, Any]]:
    """The runnables a function refers to by name (globals and closure variables)."""
    target = getattr(func, "__wrapped__", func)
    try:
        names = inspect.getclosurevars(target)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    found: list[Runnable[Any, Any]] = []
    for value in (*names.nonlocals.values(), *names.globals.values()):
        if isinstance(value, Runnable):
            found.append(value)
        elif isinstance(getattr(value, "__self__", None), Runnable):
            found.append(value.__self__)  # a bound method such as ``model.invoke``
    return found


@functools.singledispatch
def config_specs(runnable: Runnable[Any, Any]) -> list[ConfigurableFieldSpec]:
    """The configurable fields of a runnable and those inside it (``Runnable.config_specs``)."""
    return []


@config_specs.register(RunnableSequence)
def _(runnable: RunnableSequence[Any, Any]) -> list[ConfigurableFieldSpec]:
    return _gathered(runnable.steps)


@config_specs.register(RunnableParallel)
def _(runnable: RunnableParallel) -> list[ConfigurableFieldSpec]:
    return _gathered(runnable.steps__.values())


@config_specs.register(RunnableBinding)
@config_specs.register(RunnableRetry)
@config_specs.register(RunnableEach)
def _(runnable: Any) -> list[ConfigurableFieldSpec]:
    found: list[ConfigurableFieldSpec] = runnable.bound.config_specs
    return found


@config_specs.register(RunnableWithFallbacks)
def _(runnable: RunnableWithFallbacks[Any, Any]) -> list[ConfigurableFieldSpec]:
    return _gathered([runnable.runnable, *runnable.fallbacks])


@config_specs.register(RunnableAssign)
def _(runnable: RunnableAssign) -> list[ConfigurableFieldSpec]:
    return runnable.mapper.config_specs


@config_specs.register(RunnableBranch)
def _(runnable: RunnableBranch[Any, Any]) -> list[ConfigurableFieldSpec]:
    return _gathered([runnable.default, *(r for pair in runnable.branches for r in pair)])


@config_specs.register(RunnableLambda)
def _(runnable: RunnableLambda[Any, Any]) -> list[ConfigurableFieldSpec]:
    seen = _gathering.get()
    if id(runnable) in seen:
        return []
    token = _gathering.set(seen | {id(runnable)})
    try:
        return _gathered(_referenced_runnables(lambda_func(runnable)))
    finally:
        _gathering.reset(token)


@config_specs.register(RunnableConfigurableFields)
def _(runnable: RunnableConfigurableFields[Any, Any]) -> list[ConfigurableFieldSpec]:
    model_fields = type(runnable.default).model_fields  # type: ignore[attr-defined]
    specs = [
        ConfigurableFieldSpec(
            id=field.id,
            name=field.name,
            description=field.description or model_fields[key].description,
            annotation=field.annotation or model_fields[key].annotation,
            default=getattr(runnable.default, key),
            is_shared=field.is_shared,
        )
        for key, field in runnable.fields.items()
    ]
    return unique_config_specs([*specs, *runnable.default.config_specs])


@functools.lru_cache(maxsize=256)
def _choices(name: str, keys: tuple[str, ...]) -> type[enum.Enum]:
    # Cached: specs compare equal only if they hold the same enum class.
    choices: type[enum.Enum] = enum.Enum(name, [(key, key) for key in keys], type=str)  # type: ignore[misc]
    return choices


@config_specs.register(RunnableConfigurableAlternatives)
def _(runnable: RunnableConfigurableAlternatives[Any, Any]) -> list[ConfigurableFieldSpec]:
    which = runnable.which
    keys = (*runnable.alternatives, runnable.default_key)
    chosen = ConfigurableFieldSpec(
        id=which.id,
        name=which.name,
        description=which.description,
        annotation=_choices(which.name or which.id, keys),
        default=runnable.default_key,
        is_shared=which.is_shared,
    )
    # Alternatives given as factories are not built just to list their fields.
    built = [alt for alt in runnable.alternatives.values() if isinstance(alt, Runnable)]
    return unique_config_specs(
        [chosen, *runnable.default.config_specs, *(s for alt in built for s in alt.config_specs)]
    )


@functools.cache
def _config_hints() -> dict[str, Any]:
    return get_type_hints(RunnableConfig)


def config_schema(runnable: Runnable[Any, Any], include: Sequence[str] | None) -> Schema:
    """The model of a runnable's config (``Runnable.config_schema``).

    It has a ``configurable`` field listing ``config_specs`` (if any) and the
    ``RunnableConfig`` keys named in ``include``.
    """
    wanted = set(include or ()) - {"configurable"}
    fields: FieldDefinitions = {}
    specs = runnable.config_specs
    if specs:
        configurable = build_fields(
            "Configurable",
            tuple(
                (
                    spec.id,
                    (
                        spec.annotation,
                        Field(spec.default, title=spec.name, description=spec.description),
                    ),
                )
                for spec in specs
            ),
        )
        fields["configurable"] = (configurable, None)
    for key, hint in _config_hints().items():
        if key in wanted:
            fields[key] = (hint, None)
    return build_fields(runnable.get_name("Config"), tuple(fields.items()))
