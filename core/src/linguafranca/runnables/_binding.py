"""RunnableBinding: a runnable called with extra kwargs and/or config (bind, with_config)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig, merge_configs, merged_config

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableBinding(Runnable[In, Out], Generic[In, Out]):
    """Calls ``bound`` with ``kwargs`` added and ``config`` merged into every call.

    Attributes not found on the binding are read from ``bound``.

    Example:
        ```python
        model_with_stop = model.bind(stop=["END"])
        tagged = chain.with_config(tags=["nightly"], run_name="report")
        ```
    """

    def __init__(
        self,
        *,
        bound: Runnable[In, Out],
        kwargs: Mapping[str, Any] | None = None,
        config: RunnableConfig | None = None,
        name: str | None = None,
    ) -> None:
        self.bound = bound
        self.kwargs: dict[str, Any] = dict(kwargs or {})
        self.config: RunnableConfig = config or {}
        self.name = name

    def __repr__(self) -> str:
        return (
            f"RunnableBinding(bound={self.bound!r}, kwargs={self.kwargs!r}, config={self.config!r})"
        )

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the binding lacks; never for dunders (copy, pickle).
        if name.startswith("__") or "bound" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.bound, name)

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.bound.get_name(suffix, name=name or self.name)

    def _merge(self, config: RunnableConfig | None) -> RunnableConfig | None:
        if not self.config:
            return config
        # Start from the enclosing run's config so its callbacks are merged, not replaced.
        return merge_configs(merged_config(None), self.config, config)

    def _kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**self.kwargs, **kwargs} if kwargs else self.kwargs

    def bind(self, **kwargs: Any) -> RunnableBinding[In, Out]:
        return RunnableBinding(
            bound=self.bound, kwargs={**self.kwargs, **kwargs}, config=self.config, name=self.name
        )

    def with_config(
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> RunnableBinding[In, Out]:
        extra: RunnableConfig = {**(config or {}), **kwargs}  # type: ignore[typeddict-item]
        return RunnableBinding(
            bound=self.bound,
            kwargs=self.kwargs,
            config=merge_configs(self.config, extra),
            name=self.name,
        )

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return self.bound.invoke(input, self._merge(config), **self._kwargs(kwargs))

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await self.bound.ainvoke(input, self._merge(config), **self._kwargs(kwargs))

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.bound.stream(input, self._merge(config), **self._kwargs(kwargs))

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self.bound.astream(input, self._merge(config), **self._kwargs(kwargs))

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.bound.transform(input, self._merge(config), **self._kwargs(kwargs))

    def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self.bound.atransform(input, self._merge(config), **self._kwargs(kwargs))
