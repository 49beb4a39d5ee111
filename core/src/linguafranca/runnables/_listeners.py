"""with_listeners / with_alisteners: functions told when a runnable's own run starts and ends.

Each call of the bound runnable gets a fresh callback handler, attached to that run only
(not inherited by its children), so the rest of linguafranca reports the run as usual
and nested runs stay untraced unless someone else listens.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, cast
from uuid import UUID

from typing_extensions import TypeVar

from linguafranca.callbacks import (
    AsyncCallbackHandler,
    BaseCallbackHandler,
    BaseCallbackManager,
    CallbackManager,
    Callbacks,
)
from linguafranca.messages import BaseMessage
from linguafranca.outputs import LLMResult
from linguafranca.runnables._base import Runnable
from linguafranca.runnables._binding import RunnableBinding
from linguafranca.runnables._config import RunnableConfig, ensure_config
from linguafranca.runnables._events import run_name
from linguafranca.runnables._run import STREAMED_INPUT

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


@dataclass(eq=False)
class Run:
    """What a listener receives: the run of the runnable it listens to.

    A subset of the reference's ``Run`` (``langchain_core.tracers.schemas``), the fields
    users read most (``extra``, ``events``, ``serialized``, ``child_runs``, ``trace_id``
    and ``dotted_order`` are not kept). ``inputs`` is the input dict, or
    ``{"input": value}``; ``outputs`` likewise ``{"output": value}`` (None until the
    run ends, and on error); ``error`` the error's repr and traceback. Chat-model runs
    have ``inputs={"messages": [[...]]}`` and ``outputs={"generations": ...,
    "llm_output": ...}``. The same object goes to ``on_start``, then, completed, to
    ``on_end`` or ``on_error``.

    Example:
        ```python
        chain.with_listeners(on_end=lambda run: print(run.name, run.outputs))
        ```
    """

    id: UUID
    name: str
    run_type: str
    """``chain``, ``prompt``, ``parser``, ``chat_model``, ``llm`` or ``tool``."""
    inputs: dict[str, Any]
    start_time: datetime
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    parent_run_id: UUID | None = None
    outputs: dict[str, Any] | None = None
    error: str | None = None
    end_time: datetime | None = None


Listener = Callable[[Run], object] | Callable[[Run, RunnableConfig], object]
"""``listener(run)``, or ``listener(run, config)`` to get the call's config too."""

AsyncListener = (
    Callable[[Run], Awaitable[object]] | Callable[[Run, RunnableConfig], Awaitable[object]]
)
"""Async twin of :data:`Listener`."""

_Mode = Literal["run", "keyword", "positional"]
_Entry = tuple[Callable[..., Any], _Mode]


def _mode(listener: Callable[..., Any]) -> _Mode:
    # As the reference, a ``config`` parameter gets the config by keyword. A second
    # required positional parameter under another name gets it too (the reference would
    # fail the call).
    try:
        parameters = inspect.signature(listener).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return "run"
    if "config" in parameters:
        return "keyword"
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p for p in parameters.values() if p.kind in positional and p.default is p.empty]
    return "positional" if len(required) >= 2 else "run"


def _entry(listener: Callable[..., Any] | None, method: str, name: str) -> _Entry | None:
    if listener is None:
        return None
    if not callable(listener):
        raise TypeError(
            f"{method}({name}=...) needs a function taking the Run (and optionally the "
            f"config), got {type(listener).__name__}."
        )
    return listener, _mode(listener)


@dataclass(frozen=True)
class Listeners:
    """The three listeners of a binding, with how each takes the config (checked once)."""

    on_start: _Entry | None
    on_end: _Entry | None
    on_error: _Entry | None
    is_async: bool

    @classmethod
    def of(
        cls,
        on_start: Callable[..., Any] | None,
        on_end: Callable[..., Any] | None,
        on_error: Callable[..., Any] | None,
        *,
        is_async: bool,
    ) -> Listeners:
        """Check the listeners and record how to call them.

        Raises:
            TypeError: if a listener is not callable.
        """
        method = "with_alisteners" if is_async else "with_listeners"
        return cls(
            _entry(on_start, method, "on_start"),
            _entry(on_end, method, "on_end"),
            _entry(on_error, method, "on_error"),
            is_async,
        )

    def handler(self, config: RunnableConfig) -> BaseCallbackHandler:
        """A fresh handler for one call made with ``config``."""
        if self.is_async:
            return AsyncRootListeners(self, config)
        return RootListeners(self, config)


def _call(listener: _Entry, run: Run, config: RunnableConfig) -> Any:
    func, mode = listener
    if mode == "keyword":
        return func(run, config=config)
    if mode == "positional":
        return func(run, config)
    return func(run)


def _chain_inputs(inputs: Any) -> dict[str, Any]:
    if inputs is STREAMED_INPUT:
        return {"input": ""}  # a fresh dict: listeners may modify theirs
    return inputs if isinstance(inputs, dict) else {"input": inputs}


def _chain_outputs(outputs: Any) -> dict[str, Any]:
    return outputs if isinstance(outputs, dict) else {"output": outputs}


def _llm_outputs(response: LLMResult) -> dict[str, Any]:
    return {"generations": response.generations, "llm_output": response.llm_output}


def _stacktrace(error: BaseException) -> str:
    return f"{error!r}\n\n{''.join(traceback.format_exception(error))}".strip()


class _Root:
    """Which run is the listened one (the first to start) and its :class:`Run`.

    The hooks of both handlers turn their event into the listened ``Run`` (or None for
    any other run) here; only calling the listener differs (sync or awaited).
    """

    def __init__(self, listeners: Listeners, config: RunnableConfig) -> None:
        self.listeners = listeners
        self.config = config
        self.run: Run | None = None

    def _started(self, kw: dict[str, Any], name: str, run_type: str, inputs: Any) -> Run | None:
        if self.run is not None:
            return None  # a run nested in the listened one (the reference ignores it too)
        self.run = Run(
            id=kw["run_id"],
            name=name,
            run_type=run_type,
            inputs=inputs,
            start_time=datetime.now(timezone.utc),
            tags=list(kw.get("tags") or ()),
            metadata=dict(kw.get("metadata") or {}),
            parent_run_id=kw.get("parent_run_id"),
        )
        return self.run

    def _chain_started(self, serialized: Any, inputs: Any, kw: dict[str, Any]) -> Run | None:
        kind = cast(str, kw.get("run_type") or "chain")
        return self._started(kw, run_name(kw.get("name"), serialized), kind, _chain_inputs(inputs))

    def _model_started(
        self, serialized: Any, kind: str, given: Any, kw: dict[str, Any]
    ) -> Run | None:
        inputs = {"messages" if kind == "chat_model" else "prompts": given}
        return self._started(kw, run_name(kw.get("name"), serialized), kind, inputs)

    def _tool_started(self, serialized: Any, input_str: str, kw: dict[str, Any]) -> Run | None:
        given = kw.get("inputs")
        inputs = given if isinstance(given, dict) else {"input": input_str}
        return self._started(kw, run_name(kw.get("name"), serialized), "tool", inputs)

    def _ended(
        self,
        kw: dict[str, Any],
        outputs: dict[str, Any] | None,
        error: BaseException | None = None,
        *,
        chain: bool = False,
    ) -> Run | None:
        run = self.run
        if run is None or run.id != kw["run_id"]:
            return None
        run.end_time = datetime.now(timezone.utc)
        if error is not None:
            run.error = _stacktrace(error)
        else:
            run.outputs = outputs
        if chain and "inputs" in kw:  # a streamed input, known at the end
            run.inputs = _chain_inputs(kw["inputs"])
        return run


class RootListeners(_Root, BaseCallbackHandler):
    """Calls sync listeners for the first run it sees (the bound runnable's)."""

    def _fire(self, run: Run | None, start: bool = False) -> None:
        if run is None:
            return
        listeners = self.listeners
        if start:
            listener = listeners.on_start
        else:
            listener = listeners.on_end if run.error is None else listeners.on_error
        if listener is not None:
            _call(listener, run, self.config)

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self._fire(self._chain_started(serialized, inputs, kwargs), start=True)

    def on_chat_model_start(
        self, serialized: Any, messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self._fire(self._model_started(serialized, "chat_model", messages, kwargs), start=True)

    def on_llm_start(self, serialized: Any, prompts: list[str], **kwargs: Any) -> None:
        self._fire(self._model_started(serialized, "llm", prompts, kwargs), start=True)

    def on_tool_start(self, serialized: Any, input_str: str, **kwargs: Any) -> None:
        self._fire(self._tool_started(serialized, input_str, kwargs), start=True)

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self._fire(self._ended(kwargs, _chain_outputs(outputs), chain=True))

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self._fire(self._ended(kwargs, None, error, chain=True))

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self._fire(self._ended(kwargs, _llm_outputs(response)))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self._fire(self._ended(kwargs, None, error))

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self._fire(self._ended(kwargs, {"output": output}))

    def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        self._fire(self._ended(kwargs, None, error))


class AsyncRootListeners(_Root, AsyncCallbackHandler):
    """Awaits async listeners for the first run it sees (the bound runnable's)."""

    async def _fire(self, run: Run | None, start: bool = False) -> None:
        if run is None:
            return
        listeners = self.listeners
        if start:
            listener = listeners.on_start
        else:
            listener = listeners.on_end if run.error is None else listeners.on_error
        if listener is not None:
            result = _call(listener, run, self.config)
            if inspect.isawaitable(result):  # a sync function is accepted too
                await result

    async def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        await self._fire(self._chain_started(serialized, inputs, kwargs), start=True)

    async def on_chat_model_start(
        self, serialized: Any, messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        await self._fire(self._model_started(serialized, "chat_model", messages, kwargs), True)

    async def on_llm_start(self, serialized: Any, prompts: list[str], **kwargs: Any) -> None:
        await self._fire(self._model_started(serialized, "llm", prompts, kwargs), start=True)

    async def on_tool_start(self, serialized: Any, input_str: str, **kwargs: Any) -> None:
        await self._fire(self._tool_started(serialized, input_str, kwargs), start=True)

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        await self._fire(self._ended(kwargs, _chain_outputs(outputs), chain=True))

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._fire(self._ended(kwargs, None, error, chain=True))

    async def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        await self._fire(self._ended(kwargs, _llm_outputs(response)))

    async def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._fire(self._ended(kwargs, None, error))

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        await self._fire(self._ended(kwargs, {"output": output}))

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._fire(self._ended(kwargs, None, error))


def _with_local(callbacks: Callbacks, handler: BaseCallbackHandler) -> BaseCallbackManager:
    # The handler is local to the run it is given to: child runs do not inherit it.
    if isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
    else:
        handlers = list(callbacks or ())
        manager = CallbackManager(handlers, list(handlers))
    manager.add_handler(handler, inherit=False)
    return manager


class ListenersBinding(RunnableBinding[In, Out]):
    """A binding whose every call reports its run to listeners (``with_listeners``).

    ``bind`` and ``with_config`` keep the listeners.
    """

    def __init__(
        self,
        *,
        bound: Runnable[In, Out],
        listeners: Listeners,
        kwargs: dict[str, Any] | None = None,
        config: RunnableConfig | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(bound=bound, kwargs=kwargs, config=config, name=name)
        self.listeners = listeners

    def _keep(self, binding: RunnableBinding[In, Out]) -> ListenersBinding[In, Out]:
        return ListenersBinding(
            bound=binding.bound,
            listeners=self.listeners,
            kwargs=binding.kwargs,
            config=binding.config,
            name=binding.name,
        )

    def bind(self, **kwargs: Any) -> ListenersBinding[In, Out]:
        return self._keep(super().bind(**kwargs))

    def with_config(
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ListenersBinding[In, Out]:
        return self._keep(super().with_config(config, **kwargs))

    def _hops_only(self) -> bool:
        # Async listeners are awaited on the loop, not run on a worker thread's own loop.
        return not self.listeners.is_async and super()._hops_only()

    def _merge(self, config: RunnableConfig | None) -> RunnableConfig:
        # The call's full config: the listeners get it (as in the reference, without
        # their own handler), the bound runnable gets it plus the handler.
        full = ensure_config(super()._merge(config))
        handler = self.listeners.handler(full)
        call = cast(RunnableConfig, dict(full))
        call["callbacks"] = _with_local(full.get("callbacks"), handler)
        return call
