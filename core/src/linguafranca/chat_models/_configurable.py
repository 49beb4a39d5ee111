"""The configurable chat model of ``init_chat_model``: the model is chosen at each call.

Fields named in ``configurable_fields`` are read from ``config["configurable"]`` (keys
``f"{prefix}_{field}"`` with a ``config_prefix``) over the defaults given to
``init_chat_model``. Declarative calls (``bind_tools``, ``with_structured_output``,
``bind``, ``with_config``, ``with_retry``, ``with_fallbacks``) are recorded and replayed
on the model chosen at run time. Unlike the reference, the model built for a given set of
parameters is kept (a small LRU) instead of being rebuilt on every call.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable, Iterator, Mapping, Sequence
from typing import Any, Literal

from linguafranca.chat_models._resolve import accepted_arguments, build_chat_model
from linguafranca.messages import LanguageModelInput
from linguafranca.runnables import Runnable, RunnableConfig
from linguafranca.runnables._config import merged_config

__all__ = ["ConfigurableModel"]

Queued = tuple[str, tuple[Any, ...], dict[str, Any]]
_SECRET = re.compile(r"key|secret|token|password|credential", re.IGNORECASE)
_CACHE_SIZE = 32


class _Identity:
    """A hashable stand-in for an unhashable value, equal only to the same object."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.value is self.value


def _freeze(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_freeze(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return _Identity(value)
    return (type(value).__name__, value)


class _LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class ConfigurableModel(Runnable[LanguageModelInput, Any]):
    """A chat model chosen per call from ``config["configurable"]`` (``init_chat_model``).

    Example:
        ```python
        model = init_chat_model(temperature=0).bind_tools([get_weather])
        model.invoke("Weather in Paris?", config={"configurable": {"model": "gpt-4.1"}})
        ```
    """

    def __init__(
        self,
        *,
        default_config: Mapping[str, Any],
        configurable_fields: Literal["any"] | tuple[str, ...],
        config_prefix: str = "",
        queued: Sequence[Queued] = (),
        models: _LRU | None = None,
    ) -> None:
        self._default_config = dict(default_config)
        self._fields = configurable_fields
        self._prefix = (
            config_prefix
            if not config_prefix or config_prefix.endswith("_")
            else (f"{config_prefix}_")
        )
        self._queued: tuple[Queued, ...] = tuple(queued)
        # Concrete models by parameters, shared by the configurable models derived from
        # this one; prepared runnables (queue replayed) are per instance.
        self._models = models if models is not None else _LRU(_CACHE_SIZE)
        self._prepared = _LRU(_CACHE_SIZE)
        self.name: str | None = None

    def __repr__(self) -> str:
        shown = {
            k: ("**********" if _SECRET.search(k) else v) for k, v in self._default_config.items()
        }
        return (
            f"{type(self).__name__}(default_config={shown!r}, configurable_fields="
            f"{self._fields!r}, config_prefix={self._prefix!r}, queued="
            f"{[name for name, _, _ in self._queued]!r})"
        )

    # --- choosing the model ----------------------------------------------------------

    def _field(self, key: str) -> str | None:
        """The field a configurable key sets, or None when it is not ours."""
        if not key.startswith(self._prefix):
            return None
        field = key[len(self._prefix) :]
        if self._fields == "any" or field in self._fields:
            return field
        return None

    def _model_params(self, config: RunnableConfig | None) -> dict[str, Any]:
        configurable = merged_config(config).get("configurable") or {}
        params: dict[str, Any] = {}
        for key, value in configurable.items():
            field = self._field(key)
            if field is not None:
                params[field] = value
        return params

    def _base_model(self, params: dict[str, Any], key: Hashable) -> Any:
        model = self._models.get(key)
        if model is None:
            model = build_chat_model(**params)
            self._models.put(key, model)
        return model

    def _model(self, config: RunnableConfig | None = None) -> Runnable[LanguageModelInput, Any]:
        """The model (with the queued operations applied) for a call with ``config``."""
        params = {**self._default_config, **self._model_params(config)}
        if self._fields == "any" and not self._prefix:
            # Unprefixed "any" sees every configurable key (thread ids and the like):
            # keep those the chosen model accepts.
            accepted = accepted_arguments(params.get("model"), params.get("model_provider"))
            params = {k: v for k, v in params.items() if k in accepted}
        key = _freeze(params)
        prepared: Runnable[LanguageModelInput, Any] | None = self._prepared.get(key)
        if prepared is None:
            prepared = self._base_model(params, key)
            for name, args, kwargs in self._queued:
                prepared = getattr(prepared, name)(*args, **kwargs)
            self._prepared.put(key, prepared)
        return prepared

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this object lacks (never for private ones).
        if name.startswith("_"):
            raise AttributeError(name)
        if "model" not in self._default_config and "model_provider" not in self._default_config:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}: its model is chosen per "
                "call (config['configurable']['model']), so model attributes exist only once "
                "a default model is given (init_chat_model('provider:model', "
                "configurable_fields=...))"
            )
        params = dict(self._default_config)
        model = self._base_model(params, _freeze(params))
        try:
            return getattr(model, name)
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}, and neither has its "
                f"default model {type(model).__name__}"
            ) from None

    # --- declarative operations (recorded, replayed per call) ------------------------

    def _queue(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> ConfigurableModel:
        return ConfigurableModel(
            default_config=self._default_config,
            configurable_fields=self._fields,
            config_prefix=self._prefix,
            queued=(*self._queued, (name, args, kwargs)),
            models=self._models,
        )

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ConfigurableModel:
        """Record ``bind_tools`` for the model chosen at each call."""
        return self._queue("bind_tools", (tools,), kwargs)

    def with_structured_output(self, schema: Any, **kwargs: Any) -> ConfigurableModel:
        """Record ``with_structured_output`` for the model chosen at each call."""
        return self._queue("with_structured_output", (schema,), kwargs)

    def bind(self, **kwargs: Any) -> ConfigurableModel:  # type: ignore[override]
        """Record ``bind`` for the model chosen at each call."""
        return self._queue("bind", (), kwargs)

    def with_retry(self, **kwargs: Any) -> ConfigurableModel:  # type: ignore[override]
        """Record ``with_retry`` for the model chosen at each call."""
        return self._queue("with_retry", (), kwargs)

    def with_fallbacks(  # type: ignore[override]
        self, fallbacks: Sequence[Runnable[Any, Any]], **kwargs: Any
    ) -> ConfigurableModel:
        """Record ``with_fallbacks`` for the model chosen at each call."""
        return self._queue("with_fallbacks", (fallbacks,), kwargs)

    def with_config(  # type: ignore[override]
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ConfigurableModel:
        """Configurable values for this model become defaults; the rest is recorded."""
        merged: dict[str, Any] = {**(config or {}), **kwargs}
        configurable = dict(merged.pop("configurable", None) or {})
        defaults = dict(self._default_config)
        for key in list(configurable):
            field = self._field(key)
            if field is not None:
                defaults[field] = configurable.pop(key)
        if configurable:
            merged["configurable"] = configurable
        queued = self._queued
        if merged:
            queued = (*queued, ("with_config", (), {"config": merged}))
        return ConfigurableModel(
            default_config=defaults,
            configurable_fields=self._fields,
            config_prefix=self._prefix,
            queued=queued,
            models=self._models,
        )

    # --- running ---------------------------------------------------------------------

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        """Invoke the model chosen by ``config``."""
        return self._model(config).invoke(input, config, **kwargs)

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        """Async :meth:`invoke`."""
        return await self._model(config).ainvoke(input, config, **kwargs)

    def stream(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Stream from the model chosen by ``config``."""
        return self._model(config).stream(input, config, **kwargs)

    def astream(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Async :meth:`stream`."""
        return self._model(config).astream(input, config, **kwargs)

    def transform(
        self,
        input: Iterator[LanguageModelInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Transform with the model chosen by ``config``."""
        return self._model(config).transform(input, config, **kwargs)

    def atransform(
        self,
        input: AsyncIterator[LanguageModelInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Async :meth:`transform`."""
        return self._model(config).atransform(input, config, **kwargs)

    def _one_model(
        self, config: RunnableConfig | Sequence[RunnableConfig] | None
    ) -> Runnable[LanguageModelInput, Any] | None:
        """The model for a whole batch when every input's config picks the same one."""
        if config is None or isinstance(config, Mapping):
            return self._model(config)
        configs = list(config)
        if not configs:
            return self._model(None)
        first = _freeze(self._model_params(configs[0]))
        if all(_freeze(self._model_params(c)) == first for c in configs[1:]):
            return self._model(configs[0])
        return None

    def batch(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Batch on one model when the configs agree on it, else per input."""
        model = self._one_model(config)
        if model is not None:
            return model.batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Async :meth:`batch`."""
        model = self._one_model(config)
        if model is not None:
            return await model.abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        return await super().abatch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    def batch_as_completed(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Any]]:
        """:meth:`batch`, yielding ``(index, output)`` as each finishes."""
        model = self._one_model(config)
        if model is not None:
            return model.batch_as_completed(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )
        return super().batch_as_completed(
            inputs, config, return_exceptions=return_exceptions, **kwargs
        )

    def abatch_as_completed(
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Any]]:
        """:meth:`abatch`, yielding ``(index, output)`` as each finishes."""
        model = self._one_model(config)
        if model is not None:
            return model.abatch_as_completed(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )
        return super().abatch_as_completed(
            inputs, config, return_exceptions=return_exceptions, **kwargs
        )
