"""The ``@chain`` decorator: a function as a runnable named after it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar, overload

from linguafranca.runnables._lambda import RunnableLambda

In = TypeVar("In")
Out = TypeVar("Out")


@overload
def chain(func: Callable[[In], Coroutine[Any, Any, Out]]) -> RunnableLambda[In, Out]: ...


@overload
def chain(func: Callable[[In], Iterator[Out]]) -> RunnableLambda[In, Out]: ...


@overload
def chain(func: Callable[[In], AsyncIterator[Out]]) -> RunnableLambda[In, Out]: ...


@overload
def chain(func: Callable[[In], Out]) -> RunnableLambda[In, Out]: ...


def chain(func: Callable[[In], Any]) -> RunnableLambda[In, Any]:
    """Make a function (sync, async or generator) a runnable named after it.

    Runnables called inside the function are traced as its children.

    Example:
        ```python
        @chain
        def shout(text: str) -> str:
            return text.upper()

        shout.invoke("hi")  # "HI"; the run is named "shout"
        ```
    """
    return RunnableLambda(func)
