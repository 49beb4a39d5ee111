"""Runnables chosen or rebuilt at call time from ``config["configurable"]``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Generic, NamedTuple

from pydantic import BaseModel
from typing_extensions import TypeVar

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig, merged_config

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class ConfigurableField(NamedTuple):
    """Names a value that callers can set through ``config["configurable"][id]``.

    Example:
        ```python
        model.configurable_fields(temperature=ConfigurableField(id="temp"))
        ```
    """

    id: str
    name: str | None = None
    description: str | None = None
    annotation: Any | None = None
    is_shared: bool = False


class DynamicRunnable(Runnable[In, Out], Generic[In, Out]):
    """Base of the configurable runnables: picks the runnable to run from the config."""

    default: Runnable[In, Out]

    def prepare(self, config: RunnableConfig | None = None) -> Runnable[In, Out]:
        """The runnable that a call with ``config`` runs."""
        return self._prepare(merged_config(config).get("configurable") or {})

    def _prepare(self, configurable: Mapping[str, Any]) -> Runnable[In, Out]:
        raise NotImplementedError

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.default.get_name(suffix, name=name or self.name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "default" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.default, name)

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return self.prepare(config).invoke(input, config, **kwargs)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await self.prepare(config).ainvoke(input, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.prepare(config).stream(input, config, **kwargs)

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self.prepare(config).astream(input, config, **kwargs)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.prepare(config).transform(input, config, **kwargs)

    def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self.prepare(config).atransform(input, config, **kwargs)


class RunnableConfigurableFields(DynamicRunnable[In, Out]):
    """A pydantic runnable rebuilt with some fields taken from ``config["configurable"]``."""

    def __init__(self, *, default: Runnable[In, Out], fields: Mapping[str, ConfigurableField]):
        if not isinstance(default, BaseModel):
            raise TypeError(
                f"configurable_fields needs a pydantic runnable, got {type(default).__name__}."
            )
        unknown = set(fields) - set(type(default).model_fields)
        if unknown:
            raise ValueError(
                f"Cannot make {sorted(unknown)} configurable: {type(default).__name__} has no "
                f"such field. Fields: {sorted(type(default).model_fields)}."
            )
        self.default = default
        self.fields = dict(fields)
        self.name: str | None = None

    def __repr__(self) -> str:
        return f"RunnableConfigurableFields(default={self.default!r}, fields={self.fields!r})"

    def _prepare(self, configurable: Mapping[str, Any]) -> Runnable[In, Out]:
        updates = {
            name: configurable[spec.id]
            for name, spec in self.fields.items()
            if spec.id in configurable
        }
        if not updates:
            return self.default
        model = self.default
        assert isinstance(model, BaseModel)  # checked in __init__
        # Rebuild (not model_copy) so the new values are validated like constructor input.
        current = {k: v for k, v in model.__dict__.items() if k in type(model).model_fields}
        rebuilt: Runnable[In, Out] = type(model)(**{**current, **updates})
        return rebuilt

    def configurable_fields(
        self, **kwargs: ConfigurableField
    ) -> RunnableConfigurableFields[In, Out]:
        """More fields made configurable."""
        return RunnableConfigurableFields(default=self.default, fields={**self.fields, **kwargs})


class RunnableConfigurableAlternatives(DynamicRunnable[In, Out]):
    """One of several runnables, chosen by ``config["configurable"][which.id]``."""

    def __init__(
        self,
        *,
        which: ConfigurableField,
        default: Runnable[In, Out],
        alternatives: Mapping[str, Runnable[In, Out] | Callable[[], Runnable[In, Out]]],
        default_key: str = "default",
    ) -> None:
        if default_key in alternatives:
            raise ValueError(
                f"The default key {default_key!r} is also an alternative: pick another "
                "default_key or rename the alternative."
            )
        self.which = which
        self.name: str | None = None
        self.default = default
        self.alternatives = dict(alternatives)
        self.default_key = default_key

    def __repr__(self) -> str:
        return (
            f"RunnableConfigurableAlternatives(which={self.which!r}, default={self.default!r}, "
            f"alternatives={sorted(self.alternatives)})"
        )

    def _prepare(self, configurable: Mapping[str, Any]) -> Runnable[In, Out]:
        key = configurable.get(self.which.id, self.default_key)
        if key == self.default_key:
            return self.default
        if key not in self.alternatives:
            raise ValueError(
                f"Unknown alternative {key!r} for {self.which.id!r}: expected one of "
                f"{sorted([self.default_key, *self.alternatives])}."
            )
        chosen = self.alternatives[key]
        return chosen if isinstance(chosen, Runnable) else chosen()
