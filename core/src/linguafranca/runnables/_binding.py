"""RunnableBinding: a runnable called with extra kwargs and/or config (bind, with_config)."""

from __future__ import annotations

import copy
import functools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import (
    RunnableConfig,
    merge_configs,
    var_child_runnable_config,
)
from linguafranca.runnables._sequence import RunnableSequence

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableBinding(Runnable[In, Out], Generic[In, Out]):
    """Calls ``bound`` with ``kwargs`` added and ``config`` merged into every call.

    Attributes not found on the binding are read from ``bound``. A public method of
    ``bound`` that builds a new runnable from it (``bind_tools``,
    ``with_structured_output``, ...) keeps the binding: the bound object inside the result
    is called with this binding's kwargs and config too, so
    ``model.bind(stop=["END"]).bind_tools(tools)`` still stops at ``"END"``.

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
        found = getattr(self.bound, name)
        if (
            name.startswith("_")
            or not (self.kwargs or self.config)
            or getattr(found, "__self__", None) is not self.bound
        ):
            return found
        return self._rebinding(found)

    def _rebinding(self, method: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a method of ``bound`` so that a runnable it builds keeps this binding."""

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._reapply(method(*args, **kwargs))

        return call

    def _reapply(self, value: Any) -> Any:
        """``value`` with every use of ``bound`` inside it bound like this binding.

        Looks through bindings, sequences and wrappers that hold a ``bound`` runnable
        (structured output, retries); anything that does not contain ``bound`` is
        returned unchanged.
        """
        target = self.bound
        if value is target:
            return self
        if isinstance(value, RunnableBinding):
            if value.bound is target:
                # The method's own kwargs and config win over the ones bound before.
                return RunnableBinding(
                    bound=target,
                    kwargs={**self.kwargs, **value.kwargs},
                    config=merge_configs(self.config, value.config),
                    name=value.name or self.name,
                )
            inner = self._reapply(value.bound)
            if inner is value.bound:
                return value
            return RunnableBinding(
                bound=inner, kwargs=value.kwargs, config=value.config, name=value.name
            )
        if isinstance(value, RunnableSequence):
            steps = [self._reapply(step) for step in value.steps]
            if all(new is old for new, old in zip(steps, value.steps, strict=True)):
                return value
            return RunnableSequence(*steps, name=value.name)
        if isinstance(value, Runnable):
            inner = getattr(value, "__dict__", {}).get("bound")
            if isinstance(inner, Runnable):
                rebound = self._reapply(inner)
                if rebound is not inner:
                    clone = copy.copy(value)
                    clone.bound = rebound  # type: ignore[attr-defined]
                    return clone
        return value

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.bound.get_name(suffix, name=name or self.name)

    def _merge(self, config: RunnableConfig | None) -> RunnableConfig | None:
        if not self.config:
            return config
        # The binding's config is a default: the enclosing run's config (read from the
        # context when a step gets none) and the call's own override it, as in the
        # reference. Tags are united and handlers combined either way.
        return merge_configs(self.config, var_child_runnable_config.get(), config)

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

    def _hops_only(self) -> bool:
        # Handlers of its own would be called from the worker thread: keep them on the loop.
        return not self.config.get("callbacks") and self.bound._hops_only()

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
