"""Handlers that print runs to the terminal: chain starts and ends, tool output, tokens."""

from __future__ import annotations

import sys
from typing import Any

from linguafranca.callbacks._base import BaseCallbackHandler
from linguafranca.messages import BaseMessage

# The reference's palette (ANSI select-graphic-rendition codes), so output looks the same.
_COLORS = {
    "blue": "36;1",
    "yellow": "33;1",
    "pink": "38;5;200",
    "green": "32;1",
    "red": "31;1",
}


def _color_code(color: str) -> str:
    code = _COLORS.get(color)
    if code is None:
        raise ValueError(
            f"Unknown color {color!r}: use one of {', '.join(sorted(_COLORS))}, or None."
        )
    return code


def _print(text: str, color: str | None = None, end: str = "") -> None:
    """Print ``text`` (bold italic in ``color`` if given) without a newline by default."""
    if color:
        text = f"\033[{_color_code(color)}m\033[1;3m{text}\033[0m"
    print(text, end=end)


class StdOutCallbackHandler(BaseCallbackHandler):
    """Prints chain starts and ends, tool output and ``on_text`` text to stdout.

    Args:
        color: Color of tool output and text when the run names none: one of
            ``"blue"``, ``"green"``, ``"pink"``, ``"red"``, ``"yellow"``, or None (plain).

    Example:
        ```python
        chain.invoke(1, config={"callbacks": [StdOutCallbackHandler()]})
        # > Entering new RunnableSequence chain...
        # ...
        # > Finished chain.
        ```
    """

    # A print is quick: cheaper on the loop than a thread hop per event in async runs
    # (events are awaited one by one either way, so the order is the run's).
    run_inline = True

    def __init__(self, color: str | None = None) -> None:
        if color is not None:
            _color_code(color)  # fail here, not at the first colored print
        self.color = color

    def on_chain_start(self, serialized: dict[str, Any] | None, inputs: Any, **kwargs: Any) -> None:
        """Print that a chain (named by the run, else by ``serialized``) starts."""
        name = kwargs.get("name")
        if name is None:
            if serialized:
                name = serialized.get("name", serialized.get("id", ["<unknown>"])[-1])
            else:
                name = "<unknown>"
        print(f"\n\n\033[1m> Entering new {name} chain...\033[0m")

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """Print that a chain finished."""
        print("\n\033[1m> Finished chain.\033[0m")

    def on_tool_end(
        self,
        output: Any,
        color: str | None = None,
        observation_prefix: str | None = None,
        llm_prefix: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Print a tool's output, between the optional observation and llm prefixes."""
        if observation_prefix is not None:
            _print(f"\n{observation_prefix}")
        _print(str(output), color=color or self.color)
        if llm_prefix is not None:
            _print(f"\n{llm_prefix}")

    def on_text(self, text: str, color: str | None = None, end: str = "", **kwargs: Any) -> None:
        """Print ``text`` followed by ``end`` (nothing by default)."""
        _print(text, color=color or self.color, end=end)


class StreamingStdOutCallbackHandler(BaseCallbackHandler):
    """Writes each streamed token to stdout as it arrives (and flushes).

    Tokens are printed when the model streams: ``stream``/``astream``, or ``invoke``
    on a model with ``streaming=True`` (or called with ``stream=True``).

    Example:
        ```python
        handler = StreamingStdOutCallbackHandler()
        for _ in model.stream("Tell me a joke", config={"callbacks": [handler]}):
            pass  # the tokens appear on stdout as they arrive
        ```
    """

    # One write per token: a thread hop per token in async runs would cost more than it.
    run_inline = True

    def on_chat_model_start(
        self, serialized: dict[str, Any] | None, messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        """Do nothing (defined so chat models do not fall back to ``on_llm_start``)."""

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        """Write ``token`` (a string, or content blocks shown with ``str``) and flush."""
        stdout = sys.stdout  # looked up per call: it may be redirected (capture, tests)
        stdout.write(str(token))
        stdout.flush()
