"""User-defined events sent from inside a run (shown by ``astream_events``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from linguafranca.callbacks._dispatch import ahandle_event, handle_event
from linguafranca.callbacks._manager_base import BaseCallbackManager

ConfigReader = Callable[[Any], Mapping[str, Any]]


def _outside_any_run(config: Any) -> Mapping[str, Any]:
    return config or {}


_read_config: ConfigReader = _outside_any_run


def set_config_reader(reader: ConfigReader) -> None:
    """Set how the enclosing run's config is found (``linguafranca.runnables`` does).

    Callbacks sit below runnables in the layers, so the runnables package, which owns
    the run's config, hands its reader down when it is imported. Until then no run can
    be in progress, and only an explicit ``config`` is looked at.
    """
    global _read_config
    _read_config = reader


def _target(config: Mapping[str, Any] | None) -> BaseCallbackManager | None:
    callbacks = _read_config(config).get("callbacks")
    if isinstance(callbacks, BaseCallbackManager) and callbacks.handlers:
        return callbacks
    if callbacks:  # a list of handlers outside any run
        raise RuntimeError(
            "dispatch_custom_event needs an enclosing run: call it inside a runnable "
            "(e.g. a RunnableLambda) so the event has a parent run."
        )
    return None


def dispatch_custom_event(name: str, data: Any, *, config: Mapping[str, Any] | None = None) -> None:
    """Send ``on_custom_event(name, data)`` to the handlers of the enclosing run.

    Does nothing when no handler listens. ``astream_events`` turns it into an
    ``on_custom_event`` event whose ``run_id`` is the enclosing run's.

    Example:
        ```python
        def step(x):
            dispatch_custom_event("progress", {"done": 0.5})
            return x
        ```
    """
    manager = _target(config)
    if manager is not None:
        handle_event(
            manager.handlers,
            "on_custom_event",
            "ignore_custom_event",
            name,
            data,
            run_id=manager.parent_run_id,
            tags=manager.tags,
            metadata=manager.metadata,
        )


async def adispatch_custom_event(
    name: str, data: Any, *, config: Mapping[str, Any] | None = None
) -> None:
    """Async :func:`dispatch_custom_event` (async handlers are awaited)."""
    manager = _target(config)
    if manager is not None:
        await ahandle_event(
            manager.handlers,
            "on_custom_event",
            "ignore_custom_event",
            name,
            data,
            run_id=manager.parent_run_id,
            tags=manager.tags,
            metadata=manager.metadata,
        )
