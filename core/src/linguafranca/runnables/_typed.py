"""TypedBinding: a runnable with declared input and output types (``with_types``)."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypeVar

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._binding import RunnableBinding
from linguafranca.runnables._config import RunnableConfig

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class TypedBinding(RunnableBinding[In, Out]):
    """Calls ``bound`` unchanged; ``InputType`` / ``OutputType`` are the declared types.

    A type not declared is the bound runnable's. The input and output schemas follow:
    a declared type gives ``{name}Input`` / ``{name}Output`` of that type, else the bound
    runnable's schema. ``bind`` and ``with_config`` keep the declared types.

    Example:
        ```python
        typed = RunnableLambda(lambda x: x["n"] + 1).with_types(input_type=dict, output_type=int)
        typed.InputType  # dict
        ```
    """

    def __init__(
        self,
        *,
        bound: Runnable[In, Out],
        input_type: Any = None,
        output_type: Any = None,
        kwargs: dict[str, Any] | None = None,
        config: RunnableConfig | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(bound=bound, kwargs=kwargs, config=config, name=name)
        self.custom_input_type = input_type
        self.custom_output_type = output_type

    @property
    def InputType(self) -> Any:  # noqa: N802 (the reference's name)
        """The declared input type, else the bound runnable's."""
        if self.custom_input_type is not None:
            return self.custom_input_type
        return self.bound.InputType

    @property
    def OutputType(self) -> Any:  # noqa: N802 (the reference's name)
        """The declared output type, else the bound runnable's."""
        if self.custom_output_type is not None:
            return self.custom_output_type
        return self.bound.OutputType

    def _keep(self, binding: RunnableBinding[In, Out]) -> TypedBinding[In, Out]:
        return TypedBinding(
            bound=binding.bound,
            input_type=self.custom_input_type,
            output_type=self.custom_output_type,
            kwargs=binding.kwargs,
            config=binding.config,
            name=binding.name,
        )

    def bind(self, **kwargs: Any) -> TypedBinding[In, Out]:
        return self._keep(super().bind(**kwargs))

    def with_config(
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> TypedBinding[In, Out]:
        return self._keep(super().with_config(config, **kwargs))
