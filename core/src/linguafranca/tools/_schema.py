"""JSON schemas of tool arguments: from functions, TypedDicts and pydantic models, tidied.

Schemas sent to providers are self-contained: every ``$ref`` is inlined, except references
that are recursive (a model that contains itself), which stay as ``{"$ref": "#/$defs/Name"}``
with the definition kept under the root's ``$defs``. The ``title`` keywords that pydantic adds
to every sub-schema are removed (the root title is the tool's name).
"""

from __future__ import annotations

import copy
import inspect
import sys
import types
import typing
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, TypeGuard

import typing_extensions
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.fields import FieldInfo

from linguafranca.tools._docstring import Docstring, parse_google_docstring

__all__ = [
    "args_model_from_function",
    "is_pydantic_v1_model",
    "make_strict",
    "schema_of_pydantic",
    "schema_of_typeddict",
    "tidy_schema",
]

# Keywords whose value maps names to sub-schemas, and keywords whose value is plain data.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})
_DATA_KEYS = frozenset({"enum", "const", "default", "examples", "required"})
_DEF_PREFIXES = ("#/$defs/", "#/definitions/")
_UNION_ORIGINS: tuple[Any, ...] = (typing.Union, types.UnionType)
# Typed as Any: these are subscripted / called with values built at runtime.
_ANNOTATED: Any = Annotated
_TYPED_DICT: Any = typing_extensions.TypedDict


def _origin(tp: Any) -> Any:
    """``get_origin`` typed loosely (its stub return type defeats comparisons)."""
    return typing_extensions.get_origin(tp)


def _def_name(ref: object) -> str | None:
    if isinstance(ref, str):
        for prefix in _DEF_PREFIXES:
            if ref.startswith(prefix):
                return ref[len(prefix) :]
    return None


class _Tidier:
    def __init__(self, defs: Mapping[str, Any], strip_titles: bool) -> None:
        self.defs = defs
        self.strip_titles = strip_titles
        self.kept: dict[str, Any] = {}

    def walk(self, schema: Any, stack: tuple[str, ...]) -> Any:
        if not isinstance(schema, dict):
            return schema
        name = _def_name(schema.get("$ref"))
        if name is not None and name in self.defs:
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            if name in stack:
                if name not in self.kept:
                    self.kept[name] = None  # reserve: breaks the cycle while walking it
                    self.kept[name] = self.walk(self.defs[name], (name,))
                return {"$ref": f"#/$defs/{name}", **self.walk(siblings, stack)}
            resolved = self.walk(self.defs[name], (*stack, name))
            return {**resolved, **self.walk(siblings, stack)}
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            # pydantic v1 wraps a described reference as {"allOf": [ref], "description": ...}
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return {**self.walk(all_of[0], stack), **self.walk(rest, stack)}
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in ("$defs", "definitions"):
                continue
            if key == "title" and self.strip_titles and isinstance(value, str):
                continue
            if key in _DATA_KEYS:
                out[key] = value
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: self.walk(v, stack) for k, v in value.items()}
            elif isinstance(value, dict):
                out[key] = self.walk(value, stack)
            elif isinstance(value, list):
                out[key] = [self.walk(v, stack) for v in value]
            else:
                out[key] = value
        return out


def tidy_schema(schema: Mapping[str, Any], *, strip_titles: bool = True) -> dict[str, Any]:
    """Inline the references of a JSON schema and drop sub-schema titles.

    Args:
        schema: A JSON schema with optional ``$defs`` (or pydantic v1 ``definitions``).
        strip_titles: Remove ``title`` keywords below the root (the root's is kept).

    Returns:
        A new schema; recursive definitions stay under ``$defs``.
    """
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    tidier = _Tidier(defs, strip_titles)
    root_title = schema.get("title")
    out: dict[str, Any] = tidier.walk(dict(schema), ())
    if isinstance(root_title, str):
        out = {"title": root_title, **out}
    if tidier.kept:
        out["$defs"] = tidier.kept
    return out


def make_strict(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Adapt a tidied schema to OpenAI's strict mode.

    Every object gets ``additionalProperties: false`` and lists all its properties as
    required; ``default`` keywords are removed (strict mode rejects them).
    """

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "default":
                continue
            if key in _DATA_KEYS:
                out[key] = value
            elif key in (*_SCHEMA_MAPS, "$defs") and isinstance(value, dict):
                out[key] = {k: walk(v) for k, v in value.items()}
            else:
                out[key] = walk(value)
        if out.get("type") == "object" or "properties" in out:
            out.setdefault("additionalProperties", False)
            out["required"] = list(out.get("properties", {}))
        return out

    result: dict[str, Any] = walk(schema)
    return result


def is_pydantic_v1_model(obj: object) -> TypeGuard[type[Any]]:
    """Whether ``obj`` is a ``pydantic.v1`` model class (without importing pydantic.v1)."""
    v1 = sys.modules.get("pydantic.v1")
    return v1 is not None and isinstance(obj, type) and issubclass(obj, v1.BaseModel)


# Schema generation dominates bind_tools; models are immutable once defined, so cache per
# class (weakly: dynamically created models may be collected).
_SCHEMA_CACHE: weakref.WeakKeyDictionary[type[Any], dict[str, Any]] = weakref.WeakKeyDictionary()


def schema_of_pydantic(model: type[Any]) -> dict[str, Any]:
    """The tidied JSON schema of a pydantic model class (v2, or the ``pydantic.v1`` namespace).

    Returns:
        A new dict each time (callers may change it).
    """
    cached = _SCHEMA_CACHE.get(model)
    if cached is None:
        raw: dict[str, Any] = (
            model.schema() if is_pydantic_v1_model(model) else model.model_json_schema()
        )
        cached = _SCHEMA_CACHE[model] = tidy_schema(raw)
    return copy.deepcopy(cached)


# --- TypedDict ------------------------------------------------------------------------------


def _description_metadata(metadata: tuple[Any, ...]) -> tuple[Any, str | None, list[Any]]:
    """Split ``Annotated`` metadata into (default, description, other metadata).

    Follows the seeds' convention: ``Annotated[T, "description"]`` and
    ``Annotated[T, default, "description"]`` where ``...`` as default means required.
    """
    strings = [m for m in metadata if isinstance(m, str)]
    others = [m for m in metadata if not isinstance(m, str)]
    description = strings[-1] if strings else None
    default: Any = ...
    if len(metadata) >= 2 and isinstance(metadata[-1], str) and not isinstance(metadata[0], str):
        if not isinstance(metadata[0], FieldInfo) and not callable(metadata[0]):
            default = metadata[0]
            others = [m for m in others if m is not metadata[0]]
    return default, description, others


def _rebuild_type(tp: Any, cache: dict[Any, Any]) -> Any:
    """Rewrite nested TypedDicts inside a type so pydantic can read their descriptions."""
    if typing_extensions.is_typeddict(tp):
        return _rebuild_typeddict(tp, cache)
    origin = _origin(tp)
    args = typing_extensions.get_args(tp)
    if origin is None or not args:
        return tp
    if origin is Annotated:
        params = (_rebuild_type(args[0], cache), *tp.__metadata__)
        return _ANNOTATED[params]
    if origin is typing_extensions.Literal:
        return tp
    new_args = tuple(_rebuild_type(a, cache) for a in args)
    if new_args == args:
        return tp
    if origin in _UNION_ORIGINS:
        return typing.Union[new_args]  # noqa: UP007 (built from a tuple at runtime)
    return origin[new_args if len(new_args) > 1 else new_args[0]]


def _rebuild_typeddict(cls: type[Any], cache: dict[Any, Any]) -> Any:
    if cls in cache:
        return cache[cls]
    own_doc = cls.__dict__.get("__doc__")
    doc = parse_google_docstring(own_doc)
    hints = typing_extensions.get_type_hints(cls, include_extras=True)
    required = getattr(cls, "__required_keys__", frozenset(hints))
    fields: dict[str, Any] = {}
    for name, hint in hints.items():
        tp = hint
        # get_type_hints keeps Required/NotRequired with include_extras; __required_keys__
        # already says which keys are required.
        while _origin(tp) in (
            typing_extensions.Required,
            typing_extensions.NotRequired,
        ):
            tp = typing_extensions.get_args(tp)[0]
        default: Any = ...
        description = doc.args.get(name)
        extra: list[Any] = []
        if _origin(tp) is Annotated:
            inner, *metadata = typing_extensions.get_args(tp)
            default, annotated_description, extra = _description_metadata(tuple(metadata))
            description = annotated_description or description
            tp = inner
        tp = _rebuild_type(tp, cache)
        field_kwargs: dict[str, Any] = {}
        if description:
            field_kwargs["description"] = description
        if default is not ...:
            field_kwargs["default"] = default
        if field_kwargs:
            extra.append(Field(**field_kwargs))
        params = (tp, *extra)
        new_tp = _ANNOTATED[params] if extra else tp
        if name not in required and default is ...:
            new_tp = typing_extensions.NotRequired[new_tp]
        fields[name] = new_tp
    rebuilt = _TYPED_DICT(cls.__name__, fields)
    rebuilt.__doc__ = doc.description or None
    cache[cls] = rebuilt
    return rebuilt


def schema_of_typeddict(cls: type[Any]) -> dict[str, Any]:
    """The tidied JSON schema of a TypedDict.

    Field descriptions come from ``Annotated[T, "description"]`` (or
    ``Annotated[T, default, "description"]``) and from the class docstring's ``Args:``
    section; the class description from the docstring.
    """
    rebuilt = _rebuild_typeddict(cls, {})
    raw = TypeAdapter(rebuilt).json_schema()
    return tidy_schema(raw)


# --- Functions ------------------------------------------------------------------------------


_MODEL_CONFIG = ConfigDict(arbitrary_types_allowed=True)


def _field_name(arg: str) -> str:
    """A pydantic field name for an argument whose name pydantic cannot use as is."""
    if arg.startswith("_") or hasattr(BaseModel, arg):
        return f"{arg.lstrip('_')}_arg_"
    return arg


def args_model_from_function(
    func: Callable[..., Any],
    *,
    model_name: str,
    docstring: Docstring | None = None,
    skip: Iterable[str] = (),
) -> type[BaseModel]:
    """Build the pydantic model of a function's arguments.

    Types come from the annotations (unannotated arguments accept anything), descriptions from
    ``Annotated[T, "description"]`` or the docstring's ``Args:`` section. ``*args`` and
    ``**kwargs`` are not part of the schema. An argument whose name pydantic reserves (such as
    ``schema`` or ``json``) is stored under another field name with its name as alias.

    Args:
        func: The function.
        model_name: Name of the model (the tool's name).
        docstring: The parsed docstring whose argument descriptions to use.
        skip: Arguments to leave out (injected ones such as ``config`` or ``run_manager``).
    """
    signature = inspect.signature(func)
    try:
        hints = typing_extensions.get_type_hints(func, include_extras=True)
    except (NameError, TypeError) as exc:
        raise TypeError(
            f"Cannot resolve the type hints of {model_name!r}: {exc}. Define the types used in "
            "the annotations at module level, or pass args_schema=."
        ) from exc
    arg_docs = docstring.args if docstring else {}
    skipped = set(skip)
    fields: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if name in skipped or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        tp: Any = hints.get(name, Any)
        description = arg_docs.get(name)
        default: Any = ... if param.default is inspect.Parameter.empty else param.default
        if _origin(tp) is Annotated:
            inner, *metadata = typing_extensions.get_args(tp)
            strings = [m for m in metadata if isinstance(m, str)]
            if strings:
                description = strings[-1]
                others = [m for m in metadata if not isinstance(m, str)]
                params = (inner, *others)
                tp = _ANNOTATED[params] if others else inner
        field_name = _field_name(name)
        kwargs: dict[str, Any] = {"default": default}
        if description:
            kwargs["description"] = description
        if field_name != name:
            kwargs["alias"] = name
        fields[field_name] = (tp, Field(**kwargs))
    return create_model(model_name, __config__=_MODEL_CONFIG, **fields)
