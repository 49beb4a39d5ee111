"""Token usage summed per model across every call made with a handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from linguafranca.callbacks._base import BaseCallbackHandler
from linguafranca.callbacks._manager_base import register_handler
from linguafranca.messages import AIMessage, UsageMetadata, add_usage
from linguafranca.outputs import LLMResult


class UsageMetadataCallbackHandler(BaseCallbackHandler):
    """Sums the ``usage_metadata`` of every AI message produced, per model name.

    Thread-safe: one handler can serve the threads of ``batch`` and the tasks of
    ``abatch``.

    Example:
        ```python
        callback = UsageMetadataCallbackHandler()
        model.invoke("Hello", config={"callbacks": [callback]})
        callback.usage_metadata
        # {"gpt-4o-mini-2024-07-18": {"input_tokens": 8, "output_tokens": 10, ...}}
        ```
    """

    run_inline = True  # only takes a lock: no need for an executor in async runs

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.usage_metadata: dict[str, UsageMetadata] = {}

    def __repr__(self) -> str:
        return str(self.usage_metadata)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Add the usage of each generated message to its model's total."""
        found: list[tuple[str, UsageMetadata]] = []
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                if not isinstance(message, AIMessage) or not message.usage_metadata:
                    continue
                model_name = message.response_metadata.get("model_name")
                if model_name:
                    found.append((str(model_name), message.usage_metadata))
        if not found:
            return
        with self._lock:
            for model_name, usage in found:
                total = self.usage_metadata.get(model_name)
                self.usage_metadata[model_name] = (
                    usage if total is None else add_usage(total, usage)
                )


@contextmanager
def get_usage_metadata_callback(
    name: str = "usage_metadata_callback",
) -> Iterator[UsageMetadataCallbackHandler]:
    """Collect the token usage of every model call made inside the ``with`` block.

    Calls made in ``batch`` threads and ``abatch`` tasks started inside the block count.
    ``name`` is accepted for compatibility.

    Example:
        ```python
        with get_usage_metadata_callback() as cb:
            model.invoke("Hello")
            print(cb.usage_metadata)
        ```
    """
    with register_handler(UsageMetadataCallbackHandler()) as handler:
        yield handler
