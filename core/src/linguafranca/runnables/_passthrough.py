"""RunnablePassthrough (input unchanged) and RunnableAssign (input dict plus new keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig, patch_config, run_in_executor
from linguafranca.runnables._parallel import RunnableParallel
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    transform_with_config,
)

T = TypeVar("T", default=Any)


async def _one(value: Any) -> AsyncIterator[Any]:
    yield value


class RunnablePassthrough(Runnable[T, T], Generic[T]):
    """Returns its input unchanged (calling ``func`` on it first, for side effects).

    Example:
        ```python
        chain = {"question": RunnablePassthrough(), "n": lambda q: len(q)} | next_step
        RunnablePassthrough.assign(n=lambda d: len(d["text"])).invoke({"text": "hi"})
        # {"text": "hi", "n": 2}
        ```
    """

    def __init__(
        self,
        func: Callable[[T], Any] | None = None,
        afunc: Callable[[T], Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.func = func
        self.afunc = afunc
        self.name = name

    def __repr__(self) -> str:
        return "RunnablePassthrough()"

    @classmethod
    def assign(cls, **kwargs: Any) -> RunnableAssign:
        """A runnable that adds ``{key: runnable(input)}`` to its dict input."""
        return RunnableAssign(RunnableParallel(kwargs))

    def _invoke(self, value: T, config: RunnableConfig, run: Any) -> T:
        if self.func is not None:
            self.func(value)
        return value

    async def _ainvoke(self, value: T, config: RunnableConfig, run: Any) -> T:
        if self.afunc is not None:
            await self.afunc(value)
        elif self.func is not None:
            await run_in_executor(None, self.func, value)
        return value

    def invoke(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return call_with_config(self, self._invoke, input, config)

    async def ainvoke(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return await acall_with_config(self, self._ainvoke, input, config)

    def _transform(self, inputs: Iterator[T], config: RunnableConfig, run: Any) -> Iterator[T]:
        yield from inputs

    async def _atransform(
        self, inputs: AsyncIterator[T], config: RunnableConfig, run: Any
    ) -> AsyncIterator[T]:
        async for chunk in inputs:
            yield chunk

    def transform(
        self, input: Iterator[T], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        if self.func is not None:  # func needs the whole input: fold, then call it
            return super().transform(input, config, **kwargs)
        return transform_with_config(self, input, self._transform, config)

    def stream(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[T]:
        yield self.invoke(input, config)

    def atransform(
        self, input: AsyncIterator[T], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        if self.func is not None or self.afunc is not None:
            return super().atransform(input, config, **kwargs)
        return atransform_with_config(self, input, self._atransform, config)

    async def astream(
        self, input: T, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        yield await self.ainvoke(input, config)


class RunnableAssign(Runnable[dict[str, Any], dict[str, Any]]):
    """Returns its dict input plus the outputs of ``mapper`` (a RunnableParallel) on it."""

    def __init__(self, mapper: RunnableParallel | Mapping[str, Any]) -> None:
        self.mapper = mapper if isinstance(mapper, RunnableParallel) else RunnableParallel(mapper)
        self.name: str | None = None

    def __repr__(self) -> str:
        return f"RunnableAssign(mapper={self.mapper!r})"

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        default = f"RunnableAssign<{','.join(self.mapper.steps__)}>"
        return super().get_name(suffix, name=name or self.name or default)

    @staticmethod
    def _check(value: Any) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise TypeError(
                f"RunnablePassthrough.assign needs a dict input, got {type(value).__name__}."
            )
        return value

    def _invoke(
        self, value: Any, config: RunnableConfig, run: CallbackManagerForChainRun | None
    ) -> dict[str, Any]:
        base = self._check(value)
        child = None if run is None else patch_config(config, callbacks=run.get_child())
        return {**base, **self.mapper.invoke(value, child)}

    async def _ainvoke(
        self, value: Any, config: RunnableConfig, run: AsyncCallbackManagerForChainRun | None
    ) -> dict[str, Any]:
        base = self._check(value)
        child = None if run is None else patch_config(config, callbacks=run.get_child())
        return {**base, **await self.mapper.ainvoke(value, child)}

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return call_with_config(self, self._invoke, input, config)

    async def ainvoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return await acall_with_config(self, self._ainvoke, input, config)
