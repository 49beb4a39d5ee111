"""RunnableSequence: ``a | b | c``, each output feeding the next step; streams through."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextvars import copy_context
from typing import Any, Generic, cast

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._base import Runnable, coerce_to_runnable
from linguafranca.runnables._config import RunnableConfig, patch_config, run_in_executor
from linguafranca.runnables._lambda import RunnableLambda
from linguafranca.runnables._run import (
    acall_with_config,
    aiter_in_context,
    atransform_with_config,
    call_with_config,
    enter_route,
    one_chunk,
    transform_with_config,
)

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableSequence(Runnable[In, Out], Generic[In, Out]):
    """Steps run one after the other; built with ``|``.

    ``stream`` streams through every step that implements ``transform`` (a step that
    cannot stream waits for its whole input, then passes its output on).

    Example:
        ```python
        seq = RunnableLambda(lambda x: x + 1) | RunnableLambda(lambda x: x * 2)
        seq.invoke(1)  # 4
        ```
    """

    def __init__(self, *steps: Any, name: str | None = None) -> None:
        flat: list[Runnable[Any, Any]] = []
        for step in steps:
            if isinstance(step, RunnableSequence):
                flat.extend(step.steps)
            else:
                flat.append(coerce_to_runnable(step))
        if len(flat) < 2:
            raise ValueError(f"A RunnableSequence needs at least 2 steps, got {len(flat)}.")
        self.steps: list[Runnable[Any, Any]] = flat
        self.name = name

    @property
    def first(self) -> Runnable[In, Any]:
        """The first step."""
        return self.steps[0]

    @property
    def middle(self) -> list[Runnable[Any, Any]]:
        """The steps between the first and the last."""
        return self.steps[1:-1]

    @property
    def last(self) -> Runnable[Any, Out]:
        """The last step."""
        return self.steps[-1]

    def __repr__(self) -> str:
        return "\n| ".join(repr(step) for step in self.steps)

    @staticmethod
    def _step_config(
        config: RunnableConfig,
        run: CallbackManagerForChainRun | AsyncCallbackManagerForChainRun | None,
        index: int,
    ) -> RunnableConfig | None:
        # Without callbacks the steps read the config from the context: nothing to build.
        if run is None:
            return None
        return patch_config(config, callbacks=run.get_child(f"seq:step:{index + 1}"))

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        output: Out = call_with_config(self, self._invoke, input, config, **kwargs)
        return output

    def _invoke(
        self,
        value: Any,
        config: RunnableConfig,
        run: CallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Any:
        for index, step in enumerate(self.steps):
            step_kwargs = kwargs if index == 0 else {}
            value = step.invoke(value, self._step_config(config, run, index), **step_kwargs)
        return value

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await acall_with_config(self, self._ainvoke, input, config, **kwargs)

    def _hops_only(self) -> bool:
        return all(step._hops_only() for step in self.steps)

    async def _ainvoke(
        self,
        value: Any,
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Any:
        steps = self.steps
        if run is None:
            # Nobody listens: consecutive steps that would each hop to a worker thread
            # run there together, one hop for the lot (a thread round trip is the main
            # cost of a cheap sync step under ainvoke).
            index = 0
            while index < len(steps):
                step_kwargs = kwargs if index == 0 else {}
                end = index
                while end < len(steps) and steps[end]._hops_only():
                    end += 1
                if end == index:
                    value = await steps[index].ainvoke(value, None, **step_kwargs)
                    end += 1
                else:
                    value = await run_in_executor(
                        None, self._invoke_steps, value, index, end, step_kwargs
                    )
                index = end
            return value
        for index, step in enumerate(steps):
            step_kwargs = kwargs if index == 0 else {}
            value = await step.ainvoke(value, self._step_config(config, run, index), **step_kwargs)
        return value

    def _invoke_steps(self, value: Any, start: int, end: int, kwargs: dict[str, Any]) -> Any:
        # Steps start..end-1 in turn; only the sequence's first step gets the call's kwargs.
        for index in range(start, end):
            value = self.steps[index].invoke(value, None, **kwargs)
            kwargs = {}
        return value

    def _transform(
        self,
        inputs: Iterator[Any],
        config: RunnableConfig,
        run: CallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        stream: Iterator[Any] = inputs
        for index, step in enumerate(self.steps):
            step_kwargs = kwargs if index == 0 else {}
            stream = step.transform(stream, self._step_config(config, run, index), **step_kwargs)
        yield from stream

    async def _atransform(
        self,
        inputs: AsyncIterator[Any],
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        stream: AsyncIterator[Any] = inputs
        steps = self.steps
        index = 0
        while index < len(steps):
            step_kwargs = kwargs if index == 0 else {}
            end = index + 1
            if run is None:
                # Nobody listens: consecutive sync functions share their thread hops.
                while end < len(steps) and _one_value(steps[end - 1]) and _one_value(steps[end]):
                    end += 1
            if end - index > 1:
                stream = self._agroup(stream, config, index, end, step_kwargs)
            else:
                step_config = self._step_config(config, run, index)
                stream = steps[index].atransform(stream, step_config, **step_kwargs)
            index = end
        async for chunk in stream:
            yield chunk

    async def _agroup(
        self,
        inputs: AsyncIterator[Any],
        config: RunnableConfig,
        start: int,
        end: int,
        kwargs: dict[str, Any],
    ) -> AsyncIterator[Any]:
        """Stream steps ``start..end-1``, sync functions all, with one thread hop for all.

        What each step gets is what it would get on its own: the sum of its input
        chunks. A function that returns a runnable has it streamed here, on the loop and
        in a private context that counts the routing, as the step would have done; the
        hop then resumes with the next step.
        """
        folded = Aggregator()
        async for chunk in inputs:
            folded.add(chunk)
        value = folded.result()
        while True:
            value, start, output = await run_in_executor(
                None, self._values_on_thread, value, config, start, end, kwargs
            )
            kwargs = {}
            last = start == end - 1
            if isinstance(output, Runnable):
                ctx = copy_context()
                ctx.run(enter_route, config)
                chunks = aiter_in_context(ctx, ctx.run(output.astream, value))
                if last:
                    async for chunk in chunks:
                        yield chunk
                    return
                folded = Aggregator()
                async for chunk in chunks:
                    folded.add(chunk)
                output = folded.result()
            elif last:
                yield output
                return
            value, start = output, start + 1

    def _values_on_thread(
        self, value: Any, config: RunnableConfig, start: int, end: int, kwargs: dict[str, Any]
    ) -> tuple[Any, int, Any]:
        # Runs steps from ``start`` on, each on the one before's output, up to the last
        # step or a step whose function returned a runnable. Returns that step's input,
        # its index and its output.
        while True:
            step = cast(RunnableLambda[Any, Any], self.steps[start])
            output = step._call_sync(value, config, kwargs)
            if start == end - 1 or isinstance(output, Runnable):
                return value, start, output
            value, start, kwargs = output, start + 1, {}

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return transform_with_config(self, input, self._transform, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input, **kwargs
        )

    def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return atransform_with_config(self, input, self._atransform, config, **kwargs)

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return atransform_with_config(
            self, one_chunk(input), self._atransform, config, known_input=input, **kwargs
        )


def _one_value(step: Runnable[Any, Any]) -> bool:
    # Exactly RunnableLambda: a subclass may stream its own way, and grouping would skip it.
    return type(step) is RunnableLambda and step._one_value_on_thread()
