"""RunnableEach: a runnable called on every item of a list input (``.map()``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic

from typing_extensions import TypeVar

from linguafranca.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig, patch_config
from linguafranca.runnables._listeners import AsyncListener, Listener
from linguafranca.runnables._run import acall_with_config, call_with_config

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


def _items(value: Any) -> list[Any]:
    # As the reference: any sequence or iterable is listed. A dict would be mapped over
    # its keys there, silently; here it is refused, as are values that are not iterable.
    if isinstance(value, list):
        return value
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return list(value)
    raise TypeError(
        f"RunnableEach (.map()) needs a list of inputs, got {type(value).__name__}: pass "
        "[input1, input2, ...]; the runnable is called on each and a list of outputs returned."
    )


class RunnableEach(Runnable[Sequence[In], list[Out]], Generic[In, Out]):
    """Calls ``bound`` on each item of its list input (with ``batch``), keeping the order.

    ``bind``, ``with_config`` and the listeners apply to ``bound``, so to each item's run.

    Example:
        ```python
        add_one = RunnableLambda(lambda x: x + 1)
        add_one.map().invoke([1, 2, 3])  # [2, 3, 4]
        RunnableEach(bound=add_one).invoke([5])  # [6]
        ```
    """

    def __init__(self, *, bound: Runnable[In, Out], name: str | None = None) -> None:
        self.bound = bound
        self.name = name

    def __repr__(self) -> str:
        return f"RunnableEach(bound={self.bound!r})"

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        default = f"RunnableEach<{self.bound.get_name()}>"
        return super().get_name(suffix, name=name or self.name or default)

    def _invoke(
        self,
        value: Any,
        config: RunnableConfig,
        run: CallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> list[Out]:
        items = _items(value)
        # Without callbacks the items' runs read the config from the context.
        child = None if run is None else patch_config(config, callbacks=run.get_child())
        return self.bound.batch(items, child, **kwargs)

    async def _ainvoke(
        self,
        value: Any,
        config: RunnableConfig,
        run: AsyncCallbackManagerForChainRun | None,
        **kwargs: Any,
    ) -> list[Out]:
        items = _items(value)
        child = None if run is None else patch_config(config, callbacks=run.get_child())
        outputs: list[Out] = await self.bound.abatch(items, child, **kwargs)
        return outputs

    def invoke(
        self, input: Sequence[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Out]:
        output: list[Out] = call_with_config(self, self._invoke, input, config, **kwargs)
        return output

    async def ainvoke(
        self, input: Sequence[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Out]:
        output: list[Out] = await acall_with_config(self, self._ainvoke, input, config, **kwargs)
        return output

    # The reference applies these to ``bound``: each item's run gets them, not the list's.
    # They return a RunnableEach, not the RunnableBinding that Runnable's methods promise.

    def bind(self, **kwargs: Any) -> RunnableEach[In, Out]:  # type: ignore[override]
        return RunnableEach(bound=self.bound.bind(**kwargs), name=self.name)

    def with_config(  # type: ignore[override]
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> RunnableEach[In, Out]:
        return RunnableEach(bound=self.bound.with_config(config, **kwargs), name=self.name)

    def with_listeners(
        self,
        *,
        on_start: Listener | None = None,
        on_end: Listener | None = None,
        on_error: Listener | None = None,
    ) -> RunnableEach[In, Out]:
        bound = self.bound.with_listeners(on_start=on_start, on_end=on_end, on_error=on_error)
        return RunnableEach(bound=bound, name=self.name)

    def with_alisteners(
        self,
        *,
        on_start: AsyncListener | None = None,
        on_end: AsyncListener | None = None,
        on_error: AsyncListener | None = None,
    ) -> RunnableEach[In, Out]:
        bound = self.bound.with_alisteners(on_start=on_start, on_end=on_end, on_error=on_error)
        return RunnableEach(bound=bound, name=self.name)
