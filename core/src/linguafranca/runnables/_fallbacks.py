"""RunnableWithFallbacks: try other runnables, in order, when one fails."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig, patch_config
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    one_chunk,
    transform_with_config,
)

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableWithFallbacks(Runnable[In, Out], Generic[In, Out]):
    """Runs ``runnable``; on one of ``exceptions_to_handle`` tries each fallback in turn.

    If every attempt fails, the first error is raised. Streams fall back only until
    the first chunk is out. With ``exception_key``, the input (a dict) given to each
    fallback carries the previous error under that key.

    Example:
        ```python
        model = primary.with_fallbacks([backup])
        ```
    """

    def __init__(
        self,
        *,
        runnable: Runnable[In, Out],
        fallbacks: Sequence[Runnable[In, Out]],
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> None:
        self.runnable = runnable
        self.name: str | None = None
        self.fallbacks = list(fallbacks)
        self.exceptions_to_handle = exceptions_to_handle
        self.exception_key = exception_key

    def __repr__(self) -> str:
        return f"RunnableWithFallbacks(runnable={self.runnable!r}, fallbacks={self.fallbacks!r})"

    def __getattr__(self, name: str) -> Any:
        """Attributes of ``runnable``; a method returning a runnable keeps the fallbacks.

        ``primary.with_fallbacks([backup]).bind_tools(tools)`` is
        ``primary.bind_tools(tools).with_fallbacks([backup.bind_tools(tools)])``, as in
        the reference.
        """
        # Only reached for attributes the wrapper lacks; never for private names or
        # dunders (copy, pickle), nor before __init__ has set ``runnable``.
        if name.startswith("_") or "runnable" not in self.__dict__:
            raise AttributeError(name)
        found = getattr(self.runnable, name)
        if not callable(found) or getattr(found, "__self__", None) is not self.runnable:
            return found
        return self._forwarding(name, found)

    def _forwarding(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            primary = method(*args, **kwargs)
            if not isinstance(primary, Runnable):
                return primary
            # Each fallback must offer the same method: the error names the one that does not.
            backups = [getattr(fallback, name)(*args, **kwargs) for fallback in self.fallbacks]
            return RunnableWithFallbacks(
                runnable=primary,
                fallbacks=backups,
                exceptions_to_handle=self.exceptions_to_handle,
                exception_key=self.exception_key,
            )

        return call

    @property
    def runnables(self) -> list[Runnable[In, Out]]:
        """The runnable followed by its fallbacks."""
        return [self.runnable, *self.fallbacks]

    def _check(self, value: Any) -> None:
        if self.exception_key is not None and not isinstance(value, dict):
            raise ValueError(
                f"with_fallbacks(exception_key={self.exception_key!r}) needs dict inputs, "
                f"got {type(value).__name__}."
            )

    def _input(self, value: Any, error: BaseException | None) -> Any:
        if self.exception_key is None or error is None:
            return value
        return {**value, self.exception_key: error}

    @staticmethod
    def _child(
        config: RunnableConfig,
        run: CallbackManagerForChainRun | AsyncCallbackManagerForChainRun | None,
    ) -> RunnableConfig | None:
        return None if run is None else patch_config(config, callbacks=run.get_child())

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return call_with_config(self, self._invoke, input, config, **kwargs)

    def _invoke(
        self,
        value: Any,
        config: RunnableConfig,
        run: CallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Out:
        self._check(value)
        errors: list[BaseException] = []
        for runnable in self.runnables:
            try:
                return runnable.invoke(
                    self._input(value, errors[-1] if errors else None),
                    self._child(config, run),
                    **kwargs,
                )
            except self.exceptions_to_handle as error:
                errors.append(error)
        raise errors[0]

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await acall_with_config(self, self._ainvoke, input, config, **kwargs)

    async def _ainvoke(
        self,
        value: Any,
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> Out:
        self._check(value)
        errors: list[BaseException] = []
        for runnable in self.runnables:
            try:
                return await runnable.ainvoke(
                    self._input(value, errors[-1] if errors else None),
                    self._child(config, run),
                    **kwargs,
                )
            except self.exceptions_to_handle as error:
                errors.append(error)
        raise errors[0]

    def _transform(
        self, inputs: Iterator[Any], config: RunnableConfig, run: Any, **kwargs: Any
    ) -> Iterator[Any]:
        value = next(inputs)  # stream() feeds exactly one input
        self._check(value)
        errors: list[BaseException] = []
        for runnable in self.runnables:
            stream = runnable.stream(
                self._input(value, errors[-1] if errors else None),
                self._child(config, run),
                **kwargs,
            )
            try:
                head = next(stream)
            except StopIteration:
                return
            except self.exceptions_to_handle as error:
                errors.append(error)
                continue
            yield head
            yield from stream
            return
        raise errors[0]

    async def _atransform(
        self, inputs: AsyncIterator[Any], config: RunnableConfig, run: Any, **kwargs: Any
    ) -> AsyncIterator[Any]:
        value = await anext(inputs)
        self._check(value)
        errors: list[BaseException] = []
        for runnable in self.runnables:
            stream = runnable.astream(
                self._input(value, errors[-1] if errors else None),
                self._child(config, run),
                **kwargs,
            )
            try:
                head = await anext(stream)
            except StopAsyncIteration:
                return
            except self.exceptions_to_handle as error:
                errors.append(error)
                continue
            yield head
            async for chunk in stream:
                yield chunk
            return
        raise errors[0]

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
