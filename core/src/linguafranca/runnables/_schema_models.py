"""Pydantic models for schemas: root models of a type, models of named fields.

Models are cached by name and definition, never stored on runnables (which stay
picklable and copyable).
"""

from __future__ import annotations

import functools
import inspect
from types import GenericAlias
from typing import Any, get_type_hints

import pydantic
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo
from typing_extensions import is_typeddict

Schema = type[BaseModel]
FieldDefinitions = dict[str, tuple[Any, Any]]

_FIELDS_CONFIG = ConfigDict(arbitrary_types_allowed=True, frozen=True, protected_namespaces=())
_RESERVED = frozenset(name for name in dir(BaseModel) if not name.startswith("_"))


@functools.cache
def _root_base() -> type[pydantic.RootModel[Any]]:
    # Built on first use: importing pydantic's RootModel (it loads pydantic's plugins and
    # importlib.metadata) costs tens of milliseconds, which importing runnables must not.
    class RootSchema(pydantic.RootModel[Any]):
        model_config = ConfigDict(arbitrary_types_allowed=True)

    return RootSchema


def _remap(fields: FieldDefinitions) -> dict[str, Any]:
    """Field definitions for ``create_model``, renaming those pydantic would reject.

    A name starting with ``_`` or naming a ``BaseModel`` attribute becomes
    ``private_<name>`` with ``<name>`` as its alias (so the JSON schema keeps it).
    """
    remapped: dict[str, Any] = {}
    for key, (annotation, default) in fields.items():
        if not (key.startswith("_") or key in _RESERVED):
            remapped[key] = (annotation, default)
            continue
        info = default if isinstance(default, FieldInfo) else None
        remapped[f"private_{key}"] = (
            annotation,
            Field(
                default=info.default if info is not None else default,
                alias=key,
                serialization_alias=key,
                title=(info.title if info is not None else None)
                or key.lstrip("_").replace("_", " ").title(),
                description=info.description if info is not None else None,
            ),
        )
    return remapped


def build_fields(name: str, fields: tuple[tuple[str, tuple[Any, Any]], ...]) -> Schema:
    """A new model named ``name`` with ``(field, (annotation, default or FieldInfo))``."""
    model: Schema = create_model(name, __config__=_FIELDS_CONFIG, **_remap(dict(fields)))
    return model


_cached_fields = functools.lru_cache(maxsize=256)(build_fields)


def fields_schema(name: str, fields: FieldDefinitions) -> Schema:
    """A model named ``name`` with ``{field: (annotation, default)}`` (``...``: required)."""
    items = tuple(fields.items())
    try:
        return _cached_fields(name, items)
    except TypeError:  # an unhashable annotation or default
        return build_fields(name, items)


def _build_root(name: str, root: Any, module: str | None, default: Any) -> Schema:
    model: Schema = create_model(
        name, __base__=_root_base(), __module__=module or __name__, root=(root, default)
    )
    return model


_cached_root = functools.lru_cache(maxsize=256)(_build_root)


def is_model(value: Any) -> bool:
    """Whether ``value`` is a pydantic (v2) model class."""
    return (
        inspect.isclass(value)
        and not isinstance(value, GenericAlias)
        and issubclass(value, BaseModel)
    )


def _typeddict_fields(annotation: Any) -> FieldDefinitions:
    hints = get_type_hints(annotation)
    required = getattr(annotation, "__required_keys__", frozenset(hints))
    return {key: (hint, ... if key in required else None) for key, hint in hints.items()}


def type_schema(
    name: str, annotation: Any, module: str | None = None, default: Any = ...
) -> Schema:
    """The model of values of ``annotation``: itself for a model, else a root model.

    A TypedDict gives a model with its keys as fields.
    """
    if is_model(annotation):
        model: Schema = annotation
        return model
    if is_typeddict(annotation):
        return fields_schema(name, _typeddict_fields(annotation))
    try:
        return _cached_root(name, annotation, module, default)
    except TypeError:  # an unhashable annotation
        return _build_root(name, annotation, module, default)


def is_root(schema: Schema) -> bool:
    """Whether ``schema`` is a root model (a single value, not named fields)."""
    return bool(getattr(schema, "__pydantic_root_model__", False))


def definitions(schema: Schema) -> FieldDefinitions:
    """``{field: (annotation, default)}`` of a model, to build another from.

    Empty for what is not a pydantic v2 model (a tool's JSON schema dict, a v1 model).
    """
    if not is_model(schema):
        return {}
    return {
        field.alias or key: (field.annotation, field.default)
        for key, field in schema.model_fields.items()
    }


def json_schema(schema: Any) -> dict[str, Any]:
    """The JSON schema of a model class (pydantic v2 or v1) or of a JSON schema dict."""
    if isinstance(schema, dict):
        return dict(schema)
    if hasattr(schema, "model_json_schema"):
        found: dict[str, Any] = schema.model_json_schema()
        return found
    legacy: dict[str, Any] = schema.schema()  # a pydantic.v1 model
    return legacy
