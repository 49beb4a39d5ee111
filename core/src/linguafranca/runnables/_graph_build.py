"""The graph of each kind of runnable (``Runnable.get_graph``), chosen by type.

A runnable is ``Input -> runnable -> Output`` unless it is made of other runnables:
a sequence chains its steps' graphs, a parallel fans out to its steps and back in, an
assign adds a passthrough beside its mapper, a binding, retry, ``map()`` or configurable
runnable shows what it wraps (the configured choice), and a function that calls
runnables (found among the names it uses) fans out to them. Nothing is built until
``get_graph()`` is called.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._binding import RunnableBinding
from linguafranca.runnables._config import RunnableConfig, merge_configs
from linguafranca.runnables._configurable import DynamicRunnable
from linguafranca.runnables._each import RunnableEach
from linguafranca.runnables._graph import Graph
from linguafranca.runnables._graph_types import Node
from linguafranca.runnables._lambda import RunnableLambda
from linguafranca.runnables._parallel import RunnableParallel
from linguafranca.runnables._passthrough import RunnableAssign, RunnablePassthrough
from linguafranca.runnables._retry import RunnableRetry
from linguafranca.runnables._schema_models import Schema, fields_schema
from linguafranca.runnables._schema_types import lambda_func
from linguafranca.runnables._sequence import RunnableSequence


def _schema(runnable: Runnable[Any, Any], config: RunnableConfig | None, output: bool) -> Schema:
    try:
        if output:
            return runnable.get_output_schema(config)
        return runnable.get_input_schema(config)
    except TypeError:  # a type pydantic cannot model: keep the node, without fields
        return fields_schema(runnable.get_name("Output" if output else "Input"), {})


def _delegated(config: RunnableConfig | None, *more: RunnableConfig | None) -> RunnableConfig:
    # As in the reference, a wrapper hands on a merged config, whose metadata is a dict.
    merged = merge_configs(*more, config)
    return {"metadata": {}, **merged}


@functools.singledispatch
def build_graph(runnable: Runnable[Any, Any], config: RunnableConfig | None) -> Graph:
    """The graph of ``runnable``; by default ``Input -> runnable -> Output``."""
    graph = Graph()
    given = graph.add_node(_schema(runnable, config, output=False))
    node = graph.add_node(runnable, metadata=config.get("metadata") if config else None)
    returned = graph.add_node(_schema(runnable, config, output=True))
    graph.add_edge(given, node)
    graph.add_edge(node, returned)
    return graph


def _fan(
    runnable: Runnable[Any, Any], parts: Iterable[Runnable[Any, Any]], config: RunnableConfig | None
) -> Graph:
    """``Input`` to each part's graph (trimmed of its own input and output) to ``Output``."""
    graph = Graph()
    given = graph.add_node(_schema(runnable, config, output=False))
    returned = graph.add_node(_schema(runnable, config, output=True))
    for part in parts:
        part_graph = part.get_graph(config)
        part_graph.trim_first_node()
        part_graph.trim_last_node()
        if not part_graph:
            graph.add_edge(given, returned)
            continue
        first, last = graph.extend(part_graph)
        if first is None or last is None:
            end = "first" if first is None else "last"
            raise ValueError(f"The graph of {part!r} has no single {end} node to link.")
        graph.add_edge(given, first)
        graph.add_edge(last, returned)
    return graph


@build_graph.register(RunnableSequence)
def _(runnable: RunnableSequence[Any, Any], config: RunnableConfig | None) -> Graph:
    graph = Graph()
    last: Node | None = None
    final = len(runnable.steps) - 1
    for index, step in enumerate(runnable.steps):
        step_graph = step.get_graph(config)
        # Inner steps lose their own input and output nodes: the neighbours stand for them.
        if index > 0:
            step_graph.trim_first_node()
        if index < final:
            step_graph.trim_last_node()
        first, step_last = graph.extend(step_graph)
        if first is None:
            raise ValueError(f"The graph of step {step!r} has no single first node to link.")
        if last is not None:
            graph.add_edge(last, first)
        last = step_last
    return graph


@build_graph.register(RunnableParallel)
def _(runnable: RunnableParallel, config: RunnableConfig | None) -> Graph:
    return _fan(runnable, runnable.steps__.values(), config)


@build_graph.register(RunnableAssign)
def _(runnable: RunnableAssign, config: RunnableConfig | None) -> Graph:
    graph = runnable.mapper.get_graph(config)
    first, last = graph.first_node(), graph.last_node()
    if first is not None and last is not None:
        passthrough = graph.add_node(RunnablePassthrough())
        graph.add_edge(first, passthrough)
        graph.add_edge(passthrough, last)
    return graph


@build_graph.register(RunnableBinding)
def _(runnable: RunnableBinding[Any, Any], config: RunnableConfig | None) -> Graph:
    return runnable.bound.get_graph(_delegated(config, runnable.config))


@build_graph.register(RunnableRetry)
def _(runnable: RunnableRetry[Any, Any], config: RunnableConfig | None) -> Graph:
    return runnable.bound.get_graph(_delegated(config))


@build_graph.register(RunnableEach)
def _(runnable: RunnableEach[Any, Any], config: RunnableConfig | None) -> Graph:
    return runnable.bound.get_graph(config)


@build_graph.register(DynamicRunnable)
def _(runnable: DynamicRunnable[Any, Any], config: RunnableConfig | None) -> Graph:
    return runnable.prepare(config).get_graph(_delegated(config))


# Functions being expanded in this context: one that calls a chain holding itself would
# otherwise recurse forever.
_expanding: ContextVar[frozenset[int]] = ContextVar("_expanding", default=frozenset())


def _called_runnables(func: Callable[..., Any] | None) -> list[Runnable[Any, Any]]:
    """The runnables (or their bound methods) a function names, globals first, each once."""
    wrapped = getattr(func, "__wrapped__", None)
    target = wrapped if callable(wrapped) else func
    try:
        names = inspect.getclosurevars(target)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    found: dict[int, Runnable[Any, Any]] = {}
    for value in {**names.globals, **names.nonlocals}.values():
        if not isinstance(value, Runnable):
            value = getattr(value, "__self__", None)  # a bound method such as model.invoke
        if isinstance(value, Runnable):
            found.setdefault(id(value), value)
    return list(found.values())


@build_graph.register(RunnableLambda)
def _(runnable: RunnableLambda[Any, Any], config: RunnableConfig | None) -> Graph:
    seen = _expanding.get()
    if id(runnable) in seen:
        return build_graph.dispatch(Runnable)(runnable, config)
    token = _expanding.set(seen | {id(runnable)})
    try:
        if called := _called_runnables(lambda_func(runnable)):
            return _fan(runnable, called, config)
    finally:
        _expanding.reset(token)
    return build_graph.dispatch(Runnable)(runnable, config)
