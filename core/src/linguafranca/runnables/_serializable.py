"""RunnableSerializable: the pydantic base of runnables that are models (chat models, tools)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeVar

from linguafranca.runnables._base import Runnable
from linguafranca.runnables._configurable import (
    ConfigurableField,
    RunnableConfigurableAlternatives,
    RunnableConfigurableFields,
)

Input = TypeVar("Input", contravariant=True, default=Any)
Output = TypeVar("Output", covariant=True, default=Any)


class RunnableSerializable(BaseModel, Runnable[Input, Output]):
    """A runnable whose parameters are pydantic fields (validated, serializable).

    Example:
        ```python
        class Greeter(RunnableSerializable[str, str]):
            greeting: str = "Hello"

            def invoke(self, input, config=None, **kwargs):
                return f"{self.greeting}, {input}!"

        Greeter().configurable_fields(greeting=ConfigurableField(id="greeting")).invoke(
            "Ada", config={"configurable": {"greeting": "Hi"}}
        )  # "Hi, Ada!"
        ```
    """

    # Schemas are built on first use, not at import: most classes are never validated.
    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    name: str | None = None
    """Name of the runnable in callbacks, events and logs (default: the class name)."""

    def configurable_fields(
        self, **kwargs: ConfigurableField
    ) -> RunnableConfigurableFields[Input, Output]:
        """A runnable rebuilt at call time with fields taken from the config.

        Each field gets ``config["configurable"][field.id]`` when that key is present.

        Raises:
            ValueError: if a name is not a field of this model.
        """
        return RunnableConfigurableFields(default=self, fields=kwargs)

    def configurable_alternatives(
        self,
        which: ConfigurableField,
        *,
        default_key: str = "default",
        prefix_keys: bool = False,
        **kwargs: Runnable[Input, Output] | Callable[[], Runnable[Input, Output]],
    ) -> RunnableConfigurableAlternatives[Input, Output]:
        """A runnable that runs one of several alternatives, chosen by the config.

        It runs ``kwargs[config["configurable"][which.id]]``, or this runnable when the
        key is absent or equals ``default_key``.

        Raises:
            ValueError: on ``prefix_keys=True`` (not supported) or a clashing default key.
        """
        if prefix_keys:
            raise ValueError(
                "configurable_alternatives(prefix_keys=True) is not supported: give the "
                "alternatives' configurable fields distinct ids instead."
            )
        return RunnableConfigurableAlternatives(
            which=which, default=self, alternatives=kwargs, default_key=default_key
        )
