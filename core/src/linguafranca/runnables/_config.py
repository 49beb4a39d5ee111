"""RunnableConfig and the helpers that carry it from a run to its children."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import uuid
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Executor
from contextvars import ContextVar
from typing import Any, ParamSpec, TypedDict, TypeVar, cast

from linguafranca._handoff import call_raising_no_stop, run_off_loop
from linguafranca.callbacks import (
    AsyncCallbackManager,
    BaseCallbackManager,
    CallbackManager,
    Callbacks,
)
from linguafranca.callbacks._custom_events import set_config_reader
from linguafranca.callbacks._manager_base import context_handlers

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_RECURSION_LIMIT = 25


class RunnableConfig(TypedDict, total=False):
    """Options for one call of a runnable; every key is optional.

    ``tags``, ``metadata``, ``callbacks``, ``configurable`` and the limits reach the
    runs nested inside the call; ``run_name`` and ``run_id`` name this run only.

    Example:
        ```python
        model.invoke("Tell me a joke", config={"run_name": "joke", "tags": ["demo"]})
        ```
    """

    tags: list[str]
    """Labels for this run and every run nested in it."""

    metadata: dict[str, Any]
    """Key-value pairs for this run and every run nested in it."""

    callbacks: Callbacks
    """Handlers (or a manager) told about this run and the runs nested in it."""

    run_name: str
    """Name of this run in callbacks and traces (not inherited)."""

    max_concurrency: int | None
    """Maximum number of parallel calls in ``batch`` and friends (default: a few threads)."""

    recursion_limit: int
    """Maximum depth of nested runs (default 25)."""

    configurable: dict[str, Any]
    """Values for fields made configurable with ``configurable_fields`` / ``_alternatives``."""

    run_id: uuid.UUID | None
    """Id of this run (not inherited); a new uuid4 by default."""


CONFIG_KEYS = frozenset(RunnableConfig.__annotations__)

var_child_runnable_config: ContextVar[RunnableConfig | None] = ContextVar(
    "child_runnable_config", default=None
)
"""The config a runnable passes down to the runnables it calls (set while it runs)."""

# Never mutated: the internal helpers build new dicts instead of editing configs.
_DEFAULT: RunnableConfig = {
    "tags": [],
    "metadata": {},
    "callbacks": None,
    "recursion_limit": DEFAULT_RECURSION_LIMIT,
    "configurable": {},
}


def merged_config(config: RunnableConfig | None) -> RunnableConfig:
    """The effective config of a call: the parent's child config updated with ``config``.

    Internal fast path: the result may be shared and must not be mutated.
    """
    parent = var_child_runnable_config.get()
    if config is None:
        return parent if parent is not None else _DEFAULT
    merged = dict(parent if parent is not None else _DEFAULT)
    extra: dict[str, Any] | None = None
    for key, value in config.items():
        if value is None:
            continue
        if key in CONFIG_KEYS:
            merged[key] = value
        else:
            # The reference treats unknown top-level keys as configurable values.
            extra = extra if extra is not None else {}
            extra[key] = value
    if extra:
        merged["configurable"] = {**cast(dict[str, Any], merged.get("configurable", {})), **extra}
    return cast(RunnableConfig, merged)


# dispatch_custom_event (in callbacks, a layer below) finds the enclosing run's handlers here.
set_config_reader(merged_config)


def _accepts(func: Callable[..., Any] | None, parameter: str) -> bool:
    if func is None:
        return False
    try:
        return parameter in inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def accepts_config(func: Callable[..., Any] | None) -> bool:
    """Whether ``func`` takes a ``config`` parameter (then it gets the run's config)."""
    return _accepts(func, "config")


def accepts_run_manager(func: Callable[..., Any] | None) -> bool:
    """Whether ``func`` takes a ``run_manager`` parameter (then it gets the run's manager)."""
    return _accepts(func, "run_manager")


def ensure_config(config: RunnableConfig | None = None) -> RunnableConfig:
    """A complete config: defaults, then the enclosing run's config, then ``config``.

    The result is a fresh dict (with fresh ``tags``, ``metadata``, ``configurable``)
    that the caller may modify.
    """
    merged = merged_config(config)
    result = cast(RunnableConfig, dict(merged))
    result["tags"] = list(merged.get("tags") or ())
    result["metadata"] = dict(merged.get("metadata") or {})
    result["configurable"] = dict(merged.get("configurable") or {})
    return result


def patch_config(
    config: RunnableConfig | None,
    *,
    callbacks: Callbacks = None,
    recursion_limit: int | None = None,
    max_concurrency: int | None = None,
    run_name: str | None = None,
    configurable: dict[str, Any] | None = None,
) -> RunnableConfig:
    """A copy of ``config`` with some values replaced.

    Replacing the callbacks drops ``run_name`` and ``run_id``: they named the parent run.
    """
    patched = ensure_config(config) if config is None else cast(RunnableConfig, dict(config))
    # Fresh containers: the patched config may reach user code, which may modify them.
    patched["tags"] = list(patched.get("tags") or ())
    patched["metadata"] = dict(patched.get("metadata") or {})
    if callbacks is not None:
        patched["callbacks"] = callbacks
        patched.pop("run_name", None)
        patched.pop("run_id", None)
    if recursion_limit is not None:
        patched["recursion_limit"] = recursion_limit
    if max_concurrency is not None:
        patched["max_concurrency"] = max_concurrency
    if run_name is not None:
        patched["run_name"] = run_name
    if configurable is not None:
        patched["configurable"] = {**patched.get("configurable", {}), **configurable}
    return patched


def _merge_callbacks(base: Callbacks, these: Callbacks) -> Callbacks:
    if these is None:
        return base
    if base is None:
        return these.copy()
    if isinstance(these, list):
        if isinstance(base, list):
            return base + these
        manager = base.copy()
        for handler in these:
            manager.add_handler(handler, inherit=True)
        return manager
    if isinstance(base, list):
        manager = these.copy()
        for handler in base:
            manager.add_handler(handler, inherit=True)
        return manager
    return base.merge(these)


def merge_configs(*configs: RunnableConfig | None) -> RunnableConfig:
    """Merge configs left to right.

    Tags are united; metadata, configurable and callbacks merged; other keys are taken
    from the last config that sets them.
    """
    base: dict[str, Any] = {}
    for config in configs:
        if not config:
            continue
        items: dict[str, Any] = dict(config)
        for key, value in items.items():
            if key == "metadata":
                base["metadata"] = {**base.get("metadata", {}), **(value or {})}
            elif key == "tags":
                base["tags"] = sorted({*base.get("tags", ()), *(value or ())})
            elif key == "configurable":
                base["configurable"] = {**base.get("configurable", {}), **(value or {})}
            elif key == "callbacks":
                base["callbacks"] = _merge_callbacks(base.get("callbacks"), value)
            elif key == "recursion_limit":
                if value != DEFAULT_RECURSION_LIMIT:
                    base["recursion_limit"] = value
            else:
                base[key] = value if value is not None else base.get(key)
    return cast(RunnableConfig, base)


def get_config_list(
    config: RunnableConfig | Sequence[RunnableConfig] | None, length: int
) -> list[RunnableConfig]:
    """One config per input of a batch (``run_id`` applies to the first input only).

    Raises:
        ValueError: if a list of configs does not have ``length`` items.
    """
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}.")
    if isinstance(config, Sequence):
        if len(config) != length:
            raise ValueError(
                f"Got {len(config)} configs for {length} inputs: pass one config, or a "
                "list with one config per input."
            )
        return [ensure_config(c) for c in config]
    # Fresh copies: the configs reach user code, which may modify them.
    configs = [ensure_config(config) for _ in range(length)]
    if length > 1 and config is not None and config.get("run_id") is not None:
        warnings.warn(
            "Provided run_id will be used only for the first element of the batch.",
            RuntimeWarning,
            stacklevel=3,
        )
        for rest in configs[1:]:
            rest.pop("run_id", None)
    return configs


def _has_handlers(callbacks: Callbacks) -> bool:
    if isinstance(callbacks, BaseCallbackManager):
        return bool(callbacks.handlers)
    return bool(callbacks)


def get_callback_manager_for_config(
    config: RunnableConfig,
    *,
    local_callbacks: Callbacks = None,
    local_tags: list[str] | None = None,
    local_metadata: Mapping[str, Any] | None = None,
) -> CallbackManager | None:
    """The manager for a run with ``config``, or None when no handler would listen.

    None means: skip every callback (no run ids, no manager objects). ``local_*`` are
    the runnable's own callbacks, tags and metadata (not inherited by child runs).
    """
    callbacks = config.get("callbacks")
    if not _has_handlers(callbacks) and not local_callbacks and not context_handlers():
        return None
    return CallbackManager.configure(
        callbacks,
        local_callbacks,
        inheritable_tags=config.get("tags"),
        local_tags=local_tags,
        inheritable_metadata=config.get("metadata"),
        local_metadata=local_metadata,
    )


def get_async_callback_manager_for_config(
    config: RunnableConfig,
    *,
    local_callbacks: Callbacks = None,
    local_tags: list[str] | None = None,
    local_metadata: Mapping[str, Any] | None = None,
) -> AsyncCallbackManager | None:
    """Async twin of :func:`get_callback_manager_for_config`."""
    callbacks = config.get("callbacks")
    if not _has_handlers(callbacks) and not local_callbacks and not context_handlers():
        return None
    return AsyncCallbackManager.configure(
        callbacks,
        local_callbacks,
        inheritable_tags=config.get("tags"),
        local_tags=local_tags,
        inheritable_metadata=config.get("metadata"),
        local_metadata=local_metadata,
    )


async def run_in_executor(
    executor_or_config: Executor | RunnableConfig | None,
    func: Callable[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run a sync function on a worker thread, in a copy of the current context.

    The copied context carries the config and callbacks into the function; the event
    loop stays free while it runs. Without an executor (or with a config) a shared
    pool of worker threads runs it, a cheaper round trip than the loop's default
    executor; a given executor is used as is.
    """
    if isinstance(executor_or_config, Executor):
        ctx = contextvars.copy_context()
        call = functools.partial(ctx.run, call_raising_no_stop, func, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor_or_config, call)
    return await run_off_loop(func, *args, **kwargs)


def run_coroutine_in_context(ctx: contextvars.Context, awaitable: Awaitable[T]) -> Awaitable[T]:
    """Await ``awaitable`` with every step run inside ``ctx`` (no new task needed)."""
    return _InContext(ctx, awaitable)


class _InContext(Awaitable[T]):
    __slots__ = ("_ctx", "_awaitable")

    def __init__(self, ctx: contextvars.Context, awaitable: Awaitable[T]) -> None:
        self._ctx = ctx
        self._awaitable = awaitable

    def __await__(self) -> Any:
        run = self._ctx.run
        steps = run(self._awaitable.__await__)
        send: Any = None
        error: BaseException | None = None
        while True:
            try:
                if error is None:
                    yielded = run(steps.send, send)
                else:
                    yielded = run(steps.throw, error)
            except StopIteration as stop:
                return stop.value
            try:
                send = yield yielded
                error = None
            except GeneratorExit:
                run(steps.close)
                raise
            except BaseException as exc:  # cancellation and errors go to the inner step
                send = None
                error = exc
