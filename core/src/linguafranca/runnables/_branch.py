"""RunnableBranch: run the first branch whose condition holds, else a default."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable, coerce_to_runnable
from linguafranca.runnables._config import RunnableConfig, patch_config, run_in_executor
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    one_chunk,
    transform_with_config,
)

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)

_Run = CallbackManagerForChainRun | AsyncCallbackManagerForChainRun | None


def _coerce(thing: Any, what: str) -> Runnable[Any, Any]:
    if not isinstance(thing, (Runnable, Mapping)) and not callable(thing):
        raise TypeError(
            f"RunnableBranch: {what} must be a Runnable, a callable or a dict, "
            f"got {type(thing).__name__}."
        )
    return coerce_to_runnable(thing)


def _child(config: RunnableConfig, run: _Run, tag: str) -> RunnableConfig | None:
    # Without callbacks the children read the config from the context: nothing to build.
    if run is None:
        return None
    return patch_config(config, callbacks=run.get_child(tag))


class RunnableBranch(Runnable[In, Out], Generic[In, Out]):
    """Runs the runnable of the first ``(condition, runnable)`` pair whose condition holds.

    Conditions (runnables or functions) are tried in order on the input; the chosen
    runnable gets the same input. If no condition is true, the last argument, the
    default, runs. Streaming streams the chosen runnable's chunks.

    Example:
        ```python
        branch = RunnableBranch(
            (lambda x: isinstance(x, str), lambda x: x.upper()),
            (lambda x: isinstance(x, int), lambda x: x + 1),
            lambda x: "other",
        )
        branch.invoke("hi")  # "HI"
        branch.invoke(None)  # "other"
        ```
    """

    def __init__(
        self,
        *branches: tuple[Any, Any]
        | list[Any]
        | Runnable[In, Out]
        | Callable[[In], Any]
        | Mapping[str, Any],
    ) -> None:
        if len(branches) < 2:
            raise ValueError(
                "RunnableBranch needs at least 2 arguments: one or more (condition, runnable) "
                f"pairs, then a default runnable; got {len(branches)}."
            )
        *pairs, default = branches
        if isinstance(default, (tuple, list)):
            raise TypeError(
                "RunnableBranch: the last argument is the default runnable (run when no "
                f"condition holds), got a {type(default).__name__}; add a default after the "
                "(condition, runnable) pairs."
            )
        coerced: list[tuple[Runnable[In, Any], Runnable[In, Out]]] = []
        for index, pair in enumerate(pairs, 1):
            if not isinstance(pair, (tuple, list)):
                raise TypeError(
                    f"RunnableBranch: argument {index} must be a (condition, runnable) pair, "
                    f"got {type(pair).__name__}; only the last argument is the default."
                )
            if len(pair) != 2:
                raise ValueError(
                    f"RunnableBranch: argument {index} must be a (condition, runnable) pair, "
                    f"got a {type(pair).__name__} of length {len(pair)}."
                )
            condition, runnable = pair
            coerced.append(
                (
                    _coerce(condition, f"the condition of argument {index}"),
                    _coerce(runnable, f"the runnable of argument {index}"),
                )
            )
        self.branches: list[tuple[Runnable[In, Any], Runnable[In, Out]]] = coerced
        """The ``(condition, runnable)`` pairs, in the order they are tried."""
        self.default: Runnable[In, Out] = _coerce(default, "the default (last argument)")
        """The runnable run when no condition holds."""

    def __repr__(self) -> str:
        pairs = ", ".join(f"({cond!r}, {runnable!r})" for cond, runnable in self.branches)
        return f"RunnableBranch({pairs}, {self.default!r})"

    def _parts(self) -> Iterator[Runnable[Any, Any]]:
        for condition, runnable in self.branches:
            yield condition
            yield runnable
        yield self.default

    def _hops_only(self) -> bool:
        return all(part._hops_only() for part in self._parts())

    def _pick(
        self, value: Any, config: RunnableConfig, run: _Run
    ) -> tuple[Runnable[In, Out], RunnableConfig | None]:
        for index, (condition, runnable) in enumerate(self.branches, 1):
            if condition.invoke(value, _child(config, run, f"condition:{index}")):
                return runnable, _child(config, run, f"branch:{index}")
        return self.default, _child(config, run, "branch:default")

    async def _apick(
        self, value: Any, config: RunnableConfig, run: _Run
    ) -> tuple[Runnable[In, Out], RunnableConfig | None]:
        for index, (condition, runnable) in enumerate(self.branches, 1):
            if await condition.ainvoke(value, _child(config, run, f"condition:{index}")):
                return runnable, _child(config, run, f"branch:{index}")
        return self.default, _child(config, run, "branch:default")

    # --- invoke ----------------------------------------------------------------------

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        output: Out = call_with_config(self, self._invoke, input, config, **kwargs)
        return output

    def _invoke(self, value: Any, config: RunnableConfig, run: _Run, **kwargs: Any) -> Any:
        runnable, child = self._pick(value, config, run)
        return runnable.invoke(value, child, **kwargs)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await acall_with_config(self, self._ainvoke, input, config, **kwargs)

    async def _ainvoke(self, value: Any, config: RunnableConfig, run: _Run, **kwargs: Any) -> Any:
        if run is None and self._hops_only():
            # Every part would hop to a worker thread: one hop for the lot.
            return await run_in_executor(None, self._invoke, value, config, None, **kwargs)
        runnable, child = await self._apick(value, config, run)
        return await runnable.ainvoke(value, child, **kwargs)

    # --- streaming -------------------------------------------------------------------

    def _transform(
        self, inputs: Iterator[Any], config: RunnableConfig, run: _Run, **kwargs: Any
    ) -> Iterator[Any]:
        folded = Aggregator()
        for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        runnable, child = self._pick(value, config, run)
        yield from runnable.stream(value, child, **kwargs)

    async def _atransform(
        self, inputs: AsyncIterator[Any], config: RunnableConfig, run: _Run, **kwargs: Any
    ) -> AsyncIterator[Any]:
        folded = Aggregator()
        async for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        runnable, child = await self._apick(value, config, run)
        async for chunk in runnable.astream(value, child, **kwargs):
            yield chunk

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input, **kwargs
        )

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return atransform_with_config(
            self, one_chunk(input), self._atransform, config, known_input=input, **kwargs
        )
