"""RunnablePick: one key's value, or a dict of some keys, from a dict input (``.pick``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._config import RunnableConfig
from linguafranca.runnables._run import (
    acall_with_config,
    atransform_with_config,
    call_with_config,
    one_chunk,
    transform_with_config,
)


class PickInputError(TypeError, ValueError):
    """The input of ``RunnablePick`` (``.pick(...)``) is not a dict.

    Both a ``TypeError`` and a ``ValueError`` (what the reference raises), so either
    ``except`` clause catches it.
    """

    def __init__(self, value: object, keys: str | list[str]) -> None:
        super().__init__(
            f"RunnablePick (.pick({keys!r})) needs a dict input, got {type(value).__name__}: "
            "pick keys from the output of a step that returns a dict (a dict of runnables, "
            "RunnableParallel, .assign(...))."
        )


class RunnablePick(Runnable[dict[str, Any], Any]):
    """Picks keys from a dict input: one key gives its value, a list a smaller dict.

    With a list, only the keys present are kept, and ``None`` is returned when none is.
    Streaming picks from each dict chunk and skips the chunks that hold none of the keys.

    Example:
        ```python
        RunnablePick("name").invoke({"name": "Ada", "age": 36})  # "Ada"
        RunnablePick(["name", "city"]).invoke({"name": "Ada", "age": 36})  # {"name": "Ada"}
        chain = RunnableParallel(a=step_a, b=step_b).pick("a")
        ```
    """

    def __init__(self, keys: str | Sequence[str], name: str | None = None) -> None:
        if isinstance(keys, str):
            self.keys: str | list[str] = keys
        elif isinstance(keys, Sequence) and all(isinstance(key, str) for key in keys):
            self.keys = list(keys)
        else:
            raise TypeError(
                f"RunnablePick needs a key (str) or a list of keys, got {keys!r}: "
                "e.g. .pick('answer') or .pick(['answer', 'sources'])."
            )
        self.name = name

    def __repr__(self) -> str:
        return f"RunnablePick(keys={self.keys!r})"

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        keys = self.keys if isinstance(self.keys, str) else ",".join(self.keys)
        return super().get_name(suffix, name=name or self.name or f"RunnablePick<{keys}>")

    def _pick(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise PickInputError(value, self.keys)
        keys = self.keys
        if isinstance(keys, str):
            return value.get(keys)
        picked = {key: value[key] for key in keys if key in value}
        return picked or None

    def _invoke(self, value: Any, config: RunnableConfig, run: Any) -> Any:
        return self._pick(value)

    async def _ainvoke(self, value: Any, config: RunnableConfig, run: Any) -> Any:
        return self._pick(value)

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return call_with_config(self, self._invoke, input, config)

    async def ainvoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await acall_with_config(self, self._ainvoke, input, config)

    def _transform(
        self, inputs: Iterator[dict[str, Any]], config: RunnableConfig, run: Any
    ) -> Iterator[Any]:
        for chunk in inputs:
            picked = self._pick(chunk)
            if picked is not None:
                yield picked

    async def _atransform(
        self, inputs: AsyncIterator[dict[str, Any]], config: RunnableConfig, run: Any
    ) -> AsyncIterator[Any]:
        async for chunk in inputs:
            picked = self._pick(chunk)
            if picked is not None:
                yield picked

    def transform(
        self,
        input: Iterator[dict[str, Any]],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        return transform_with_config(self, input, self._transform, config)

    def stream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        return transform_with_config(
            self, iter((input,)), self._transform, config, known_input=input
        )

    def atransform(
        self,
        input: AsyncIterator[dict[str, Any]],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        return atransform_with_config(self, input, self._atransform, config)

    def astream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        return atransform_with_config(
            self, one_chunk(input), self._atransform, config, known_input=input
        )
