"""RunnablePassthrough (input unchanged) and RunnableAssign (input dict plus new keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import (
    RunnableConfig,
    accepts_config,
    patch_config,
    run_in_executor,
)
from linguafranca.runnables._parallel import RunnableParallel
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    one_chunk,
    transform_with_config,
)

T = TypeVar("T", default=Any)


class AssignInputError(TypeError, ValueError):
    """The input of ``RunnablePassthrough.assign(...)`` is not a dict.

    Both a ``TypeError`` (the input has the wrong type) and a ``ValueError`` (what the
    reference raises), so either ``except`` clause catches it.
    """

    def __init__(self, value: object) -> None:
        super().__init__(
            "RunnablePassthrough.assign() needs a dict input, got "
            f"{type(value).__name__}: pass a dict (e.g. {{'question': ...}}); its keys are "
            "kept and the assigned keys added. To start from another value, put a step "
            "that builds the dict first, e.g. {'question': RunnablePassthrough()} | assign."
        )


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
        func: Callable[[T], Any] | Callable[[T, RunnableConfig], Any] | None = None,
        afunc: Callable[[T], Awaitable[Any]]
        | Callable[[T, RunnableConfig], Awaitable[Any]]
        | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.func: Callable[..., Any] | None = func
        self.afunc: Callable[..., Awaitable[Any]] | None = afunc
        self.name = name
        # Like RunnableLambda: a function with a ``config`` parameter gets the run's config.
        self._func_config = accepts_config(func)
        self._afunc_config = accepts_config(afunc)

    def __repr__(self) -> str:
        return "RunnablePassthrough()"

    @classmethod
    def assign(cls, **kwargs: Any) -> RunnableAssign:
        """A runnable that adds ``{key: runnable(input)}`` to its dict input."""
        return RunnableAssign(RunnableParallel(kwargs))

    def _call_func(self, value: Any, config: RunnableConfig) -> None:
        if self.func is not None:
            if self._func_config:
                self.func(value, config=config)
            else:
                self.func(value)

    async def _acall_func(self, value: Any, config: RunnableConfig) -> None:
        if self.afunc is not None:
            if self._afunc_config:
                await self.afunc(value, config=config)
            else:
                await self.afunc(value)
        elif self.func is not None:
            await run_in_executor(None, self._call_func, value, config)

    def _invoke(self, value: T, config: RunnableConfig, run: Any) -> T:
        self._call_func(value, config)
        return value

    async def _ainvoke(self, value: T, config: RunnableConfig, run: Any) -> T:
        await self._acall_func(value, config)
        return value

    def invoke(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return call_with_config(self, self._invoke, input, config)

    async def ainvoke(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return await acall_with_config(self, self._ainvoke, input, config)

    def _transform(self, inputs: Iterator[T], config: RunnableConfig, run: Any) -> Iterator[T]:
        if self.func is None:
            yield from inputs
            return
        # Chunks pass through as they come; ``func`` sees their sum once the input ends.
        folded = Aggregator()
        for chunk in inputs:
            folded.add(chunk)
            yield chunk
        if not folded.empty:
            self._call_func(folded.result(), config)

    async def _atransform(
        self, inputs: AsyncIterator[T], config: RunnableConfig, run: Any
    ) -> AsyncIterator[T]:
        if self.func is None and self.afunc is None:
            async for chunk in inputs:
                yield chunk
            return
        folded = Aggregator()
        async for chunk in inputs:
            folded.add(chunk)
            yield chunk
        if not folded.empty:
            await self._acall_func(folded.result(), config)

    def transform(
        self, input: Iterator[T], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        return transform_with_config(self, input, self._transform, config)

    def stream(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[T]:
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input
        )

    def atransform(
        self, input: AsyncIterator[T], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        return atransform_with_config(self, input, self._atransform, config)

    def astream(
        self, input: T, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        return atransform_with_config(
            self, one_chunk(input), self._atransform, config, known_input=input
        )


class RunnableAssign(Runnable[dict[str, Any], dict[str, Any]]):
    """Returns its dict input plus the outputs of ``mapper`` (a RunnableParallel) on it.

    Streaming yields the input's keys first (as the input chunks arrive), then each
    ``{key: chunk}`` of the mapper as it is produced; the chunks add up to ``invoke``'s
    output.

    Example:
        ```python
        assign = RunnablePassthrough.assign(n=lambda d: len(d["text"]))
        list(assign.stream({"text": "hi"}))  # [{"text": "hi"}, {"n": 2}]
        ```
    """

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
            raise AssignInputError(value)
        return value

    def _kept(self, chunk: Any) -> dict[str, Any]:
        # An input chunk minus the keys the mapper assigns (its values replace them).
        keys = self.mapper.steps__
        return {key: value for key, value in self._check(chunk).items() if key not in keys}

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

    def _transform(
        self,
        inputs: Iterator[dict[str, Any]],
        config: RunnableConfig,
        run: CallbackManagerForChainRun | None,
    ) -> Iterator[dict[str, Any]]:
        folded = Aggregator()
        for chunk in inputs:
            kept = self._kept(chunk)
            folded.add(chunk)
            if kept:
                yield kept
        if folded.empty:
            return
        # The mapper needs the whole input (RunnableParallel folds it anyway).
        child = None if run is None else patch_config(config, callbacks=run.get_child())
        yield from self.mapper.transform(iter((folded.result(),)), child)

    async def _atransform(
        self,
        inputs: AsyncIterator[dict[str, Any]],
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
    ) -> AsyncIterator[dict[str, Any]]:
        folded = Aggregator()
        async for chunk in inputs:
            kept = self._kept(chunk)
            folded.add(chunk)
            if kept:
                yield kept
        if folded.empty:
            return
        child = None if run is None else patch_config(config, callbacks=run.get_child())
        async for chunk in self.mapper.atransform(one_chunk(folded.result()), child):
            yield chunk

    def transform(
        self,
        input: Iterator[dict[str, Any]],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        return transform_with_config(self, input, self._transform, config)

    def stream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input
        )

    def atransform(
        self,
        input: AsyncIterator[dict[str, Any]],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        return atransform_with_config(self, input, self._atransform, config)

    def astream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        return atransform_with_config(
            self, one_chunk(input), self._atransform, config, known_input=input
        )
