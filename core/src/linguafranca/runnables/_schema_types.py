"""The types runnables declare: ``InputType`` and ``OutputType`` of each kind.

Read from a class's ``Runnable[In, Out]`` parameters, a function's annotations and the
keys a function reads from its dict argument; only when those members are read.
"""

from __future__ import annotations

import ast
import collections.abc
import functools
import inspect
import linecache
import textwrap
from collections.abc import Callable
from types import GenericAlias
from typing import Any, TypeVar, get_args, get_origin

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._binding import RunnableBinding
from linguafranca.runnables._configurable import DynamicRunnable
from linguafranca.runnables._each import RunnableEach
from linguafranca.runnables._fallbacks import RunnableWithFallbacks
from linguafranca.runnables._generator import RunnableGenerator
from linguafranca.runnables._lambda import RunnableLambda
from linguafranca.runnables._parallel import RunnableParallel
from linguafranca.runnables._retry import RunnableRetry
from linguafranca.runnables._sequence import RunnableSequence

# --- declared types from the generic parameters --------------------------------------

_INPUT, _OUTPUT = getattr(Runnable, "__parameters__")  # noqa: B009 (unknown to mypy)


def _unalias(base: Any) -> tuple[type | None, tuple[Any, ...]]:
    """``(class, type arguments)`` of a base: ``Runnable[int, str]`` or a pydantic ``M[int]``."""
    origin = get_origin(base)
    if origin is not None:
        return (origin if isinstance(origin, type) else None), get_args(base)
    meta = base.__dict__.get("__pydantic_generic_metadata__") if isinstance(base, type) else None
    if meta and meta.get("origin") is not None:
        return meta["origin"], tuple(meta["args"])
    return (base if isinstance(base, type) else None), ()


def _parameters(cls: type) -> tuple[Any, ...]:
    meta = cls.__dict__.get("__pydantic_generic_metadata__")
    if meta and meta.get("parameters"):
        return tuple(meta["parameters"])
    return tuple(getattr(cls, "__parameters__", ()))


def _substitute(value: Any, bound: dict[Any, Any]) -> Any:
    if isinstance(value, TypeVar):
        return bound.get(value, value)
    params = getattr(value, "__parameters__", None)
    if isinstance(params, tuple) and any(p in bound for p in params):
        try:
            return value[tuple(bound.get(p, p) for p in params)]
        except TypeError:
            return value
    return value


def _concrete(value: Any) -> Any:
    """``value`` with the type variables left unbound replaced by ``Any``."""
    if isinstance(value, TypeVar):
        return Any
    params = getattr(value, "__parameters__", None)
    if isinstance(params, tuple) and params and not isinstance(value, type):
        try:
            return value[tuple(Any for _ in params)]
        except TypeError:
            return value
    return value


def _visit(cls: type, bound: dict[Any, Any]) -> tuple[Any, Any] | None:
    if cls is Runnable:
        return bound.get(_INPUT, Any), bound.get(_OUTPUT, Any)
    for base in cls.__dict__.get("__orig_bases__", cls.__bases__):
        origin, args = _unalias(base)
        if origin is None or not issubclass(origin, Runnable):
            continue
        params = _parameters(origin)
        if args:
            inner = dict(zip(params, (_substitute(a, bound) for a in args), strict=False))
        else:
            # Pydantic turns ``Base[T]`` back into ``Base`` itself: T stays bound as is.
            inner = {p: bound[p] for p in params if p in bound}
        found = _visit(origin, inner)
        if found is not None:
            return found
    return None


@functools.lru_cache(maxsize=512)
def declared_types(cls: type) -> tuple[Any, Any]:
    """``(Input, Output)`` of a runnable class, from its ``Runnable[In, Out]`` ancestry.

    Type variables are followed through generic subclasses (``BaseOutputParser[str]``)
    and pydantic generic models; one left unbound is ``Any``.
    """
    origin, args = _unalias(cls)
    if origin is not None and args:
        found = _visit(origin, dict(zip(_parameters(origin), args, strict=False)))
    else:
        found = _visit(cls, {})
    if found is None:
        return Any, Any
    return _concrete(found[0]), _concrete(found[1])


# --- types of functions -------------------------------------------------------------

_STREAMS = {
    collections.abc.Iterator,
    collections.abc.AsyncIterator,
    collections.abc.Generator,
    collections.abc.AsyncGenerator,
    collections.abc.Iterable,
    collections.abc.AsyncIterable,
}


def _signature(func: Callable[..., Any] | None) -> inspect.Signature | None:
    if func is None:
        return None
    try:
        # Resolves string annotations (``from __future__ import annotations``).
        return inspect.signature(func, eval_str=True)
    except Exception:  # noqa: BLE001 (any error evaluating an annotation)
        pass
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _first_parameter(func: Callable[..., Any] | None) -> Any:
    signature = _signature(func)
    first = next(iter(signature.parameters.values()), None) if signature else None
    if first is None or first.annotation is inspect.Parameter.empty:
        return Any
    return first.annotation


def _returns(func: Callable[..., Any] | None) -> Any:
    signature = _signature(func)
    if signature is None or signature.return_annotation is inspect.Signature.empty:
        return Any
    return signature.return_annotation


def _item_type(annotation: Any) -> Any:
    """``X`` of ``Iterator[X]`` and the like (``Any`` when not given)."""
    return next(iter(get_args(annotation)), Any)


def lambda_func(runnable: RunnableLambda[Any, Any]) -> Callable[..., Any] | None:
    """The function a ``RunnableLambda`` describes itself by (the sync one if given)."""
    return runnable.func if runnable.func is not None else runnable.afunc


def generator_func(runnable: RunnableGenerator[Any, Any]) -> Callable[..., Any] | None:
    """The function a ``RunnableGenerator`` describes itself by (the sync one if given)."""
    return runnable._func if runnable._func is not None else runnable._afunc


# --- InputType / OutputType ---------------------------------------------------------


@functools.singledispatch
def input_type(runnable: Runnable[Any, Any]) -> Any:
    """The type a runnable accepts (``Runnable.InputType``)."""
    return declared_types(type(runnable))[0]


@functools.singledispatch
def output_type(runnable: Runnable[Any, Any]) -> Any:
    """The type a runnable produces (``Runnable.OutputType``)."""
    return declared_types(type(runnable))[1]


@input_type.register(RunnableLambda)
def _(runnable: RunnableLambda[Any, Any]) -> Any:
    return _first_parameter(lambda_func(runnable))


@output_type.register(RunnableLambda)
def _(runnable: RunnableLambda[Any, Any]) -> Any:
    returns = _returns(lambda_func(runnable))
    origin = get_origin(returns)
    streams = runnable._func_gen if runnable.func is not None else runnable._afunc_gen
    if streams and origin in _STREAMS:
        return _item_type(returns)
    if runnable.func is None and origin in (collections.abc.Awaitable, collections.abc.Coroutine):
        # A plain function given as ``afunc`` that returns an awaitable.
        args = get_args(returns)
        return args[-1] if args else Any
    return returns


@input_type.register(RunnableGenerator)
def _(runnable: RunnableGenerator[Any, Any]) -> Any:
    return _item_type(_first_parameter(generator_func(runnable)))


@output_type.register(RunnableGenerator)
def _(runnable: RunnableGenerator[Any, Any]) -> Any:
    return _item_type(_returns(generator_func(runnable)))


@input_type.register(RunnableSequence)
def _(runnable: RunnableSequence[Any, Any]) -> Any:
    return runnable.steps[0].InputType


@output_type.register(RunnableSequence)
def _(runnable: RunnableSequence[Any, Any]) -> Any:
    return runnable.steps[-1].OutputType


@input_type.register(RunnableParallel)
def _(runnable: RunnableParallel) -> Any:
    first = next(iter(runnable.steps__.values()), None)
    return Any if first is None else first.InputType


@input_type.register(RunnableBinding)
@input_type.register(RunnableRetry)
@input_type.register(RunnableEach)
def _(runnable: Any) -> Any:
    inner = runnable.bound.InputType
    return GenericAlias(list, (inner,)) if isinstance(runnable, RunnableEach) else inner


@output_type.register(RunnableBinding)
@output_type.register(RunnableRetry)
@output_type.register(RunnableEach)
def _(runnable: Any) -> Any:
    inner = runnable.bound.OutputType
    return GenericAlias(list, (inner,)) if isinstance(runnable, RunnableEach) else inner


@input_type.register(RunnableWithFallbacks)
def _(runnable: RunnableWithFallbacks[Any, Any]) -> Any:
    return runnable.runnable.InputType


@output_type.register(RunnableWithFallbacks)
def _(runnable: RunnableWithFallbacks[Any, Any]) -> Any:
    return runnable.runnable.OutputType


@input_type.register(DynamicRunnable)
def _(runnable: DynamicRunnable[Any, Any]) -> Any:
    return runnable.default.InputType


@output_type.register(DynamicRunnable)
def _(runnable: DynamicRunnable[Any, Any]) -> Any:
    return runnable.default.OutputType


# --- keys a function reads from its dict argument -----------------------------------


def _arg_name(arguments: ast.arguments, index: int) -> str | None:
    found = [*arguments.posonlyargs, *arguments.args]
    return found[index].arg if len(found) > index else None


def _keys_read(node: ast.AST, name: str) -> set[str]:
    """Constant keys read as ``name["key"]`` or ``name.get("key"[, default])`` in ``node``."""
    keys: set[str] = set()
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Subscript)
            and isinstance(child.ctx, ast.Load)
            and isinstance(child.value, ast.Name)
            and child.value.id == name
            and isinstance(child.slice, ast.Constant)
            and isinstance(child.slice.value, str)
        ):
            keys.add(child.slice.value)
        elif (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and isinstance(child.func.value, ast.Name)
            and child.func.value.id == name
            and child.func.attr == "get"
            and len(child.args) in (1, 2)
            and isinstance(child.args[0], ast.Constant)
            and isinstance(child.args[0].value, str)
        ):
            keys.add(child.args[0].value)
    return keys


def _lambda_nodes(code: Any) -> list[ast.Lambda]:
    # A lambda's own source lines are rarely valid alone (``f(a=lambda x: ...,``): parse
    # its whole file and find it by the position of its body.
    lines = linecache.getlines(code.co_filename)
    try:
        tree = ast.parse("".join(lines)) if lines else None
    except (SyntaxError, ValueError):
        tree = None
    if tree is None:
        return []
    lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    if hasattr(code, "co_positions"):  # Python 3.11+
        where = {(line, col) for line, _, col, _ in code.co_positions() if line and col is not None}
        return [node for node in lambdas if (node.body.lineno, node.body.col_offset) in where]
    return [node for node in lambdas if node.lineno == code.co_firstlineno]


def _function_nodes(func: Callable[..., Any]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, ValueError):
        return []
    return [
        node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ][:1]


def dict_keys_read(func: Callable[..., Any] | None) -> list[str] | None:
    """The keys ``func`` reads from its first argument, sorted; None when it reads none.

    Read from the source (``x["key"]``, ``x.get("key")``), so None when the source is
    not available.
    """
    code = getattr(func, "__code__", None)
    index = 1 if inspect.ismethod(func) else 0  # a bound method's input follows ``self``
    if func is None or code is None or code.co_argcount <= index:
        return None
    name = code.co_varnames[index]
    nodes: list[ast.Lambda] | list[ast.FunctionDef | ast.AsyncFunctionDef] = (
        _lambda_nodes(code) if code.co_name == "<lambda>" else _function_nodes(func)
    )
    keys: set[str] = set()
    for node in nodes:
        if _arg_name(node.args, index) == name:
            keys |= _keys_read(node, name)
    return sorted(keys) or None
