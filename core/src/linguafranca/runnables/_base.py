"""The Runnable protocol: one abstract method (invoke), defaults for everything else."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, Generic, Literal, overload

from pydantic import BaseModel
from typing_extensions import TypeVar

from linguafranca.runnables import _batch
from linguafranca.runnables._aggregate import Aggregator
from linguafranca.runnables._config import RunnableConfig, run_in_executor
from linguafranca.runnables._events import StreamEvent, astream_events
from linguafranca.runnables._log import RunLog, RunLogPatch, astream_log

if TYPE_CHECKING:
    # For as_tool's annotation only: tools sit above runnables (see as_tool).
    from linguafranca.tools import BaseTool

Input = TypeVar("Input", contravariant=True, default=Any)
Output = TypeVar("Output", covariant=True, default=Any)
Other = TypeVar("Other")
Other2 = TypeVar("Other2")

Configs = RunnableConfig | Sequence[RunnableConfig] | None


class Runnable(ABC, Generic[Input, Output]):
    """A unit of work that can be invoked, batched, streamed and composed.

    Subclasses implement :meth:`invoke`; async, batch and stream methods have working
    defaults (override ``ainvoke`` for native async, ``stream``/``transform`` for
    native streaming). Compose with ``|``.

    Example:
        ```python
        chain = RunnableLambda(lambda x: x + 1) | (lambda x: x * 2)
        chain.invoke(1)  # 4
        chain.batch([1, 2])  # [4, 6]
        ```
    """

    name: str | None
    """Name of the runnable in callbacks, events and logs (default: the class name)."""

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        """The runnable's name (``name``, else ``self.name``, else the class name)."""
        found = name or getattr(self, "name", None) or type(self).__name__
        if suffix:
            # As in the reference: "ChainInput" but "my_func_input".
            return f"{found}{suffix.title()}" if found[0].isupper() else f"{found}_{suffix.lower()}"
        return found

    # --- introspection (computed only when read; see _schema.py) ----------------------

    @property
    def InputType(self) -> Any:  # noqa: N802 (the reference's name)
        """The type this runnable accepts (``Any`` when it does not say)."""
        return _schema_types.input_type(self)

    @property
    def OutputType(self) -> Any:  # noqa: N802 (the reference's name)
        """The type this runnable produces (``Any`` when it does not say)."""
        return _schema_types.output_type(self)

    @property
    def input_schema(self) -> type[BaseModel]:
        """The pydantic model of the input (:meth:`get_input_schema` without a config)."""
        return self.get_input_schema()

    @property
    def output_schema(self) -> type[BaseModel]:
        """The pydantic model of the output (:meth:`get_output_schema` without a config)."""
        return self.get_output_schema()

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """A pydantic model of the input: ``InputType`` if a model, else ``{Name}Input``.

        ``config`` matters for configurable runnables (the chosen alternative's schema).
        """
        return _schema.input_schema(self, config)

    def get_output_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """A pydantic model of the output: ``OutputType`` if a model, else ``{Name}Output``."""
        return _schema.output_schema(self, config)

    def get_input_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The JSON schema of the input (of :meth:`get_input_schema`)."""
        return _schema_models.json_schema(self.get_input_schema(config))

    def get_output_jsonschema(self, config: RunnableConfig | None = None) -> dict[str, Any]:
        """The JSON schema of the output (of :meth:`get_output_schema`)."""
        return _schema_models.json_schema(self.get_output_schema(config))

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The fields settable through ``config["configurable"]``, here and inside, by id."""
        return _schema.config_specs(self)

    def config_schema(self, *, include: Sequence[str] | None = None) -> type[BaseModel]:
        """A pydantic model of the config: ``configurable`` and the keys in ``include``."""
        return _schema.config_schema(self, include)

    def get_config_jsonschema(self, *, include: Sequence[str] | None = None) -> dict[str, Any]:
        """The JSON schema of :meth:`config_schema`."""
        return _schema_models.json_schema(self.config_schema(include=include))

    def get_graph(self, config: RunnableConfig | None = None) -> Graph:
        """The nodes and edges of this runnable (draw it with ``draw_ascii``/``draw_mermaid``)."""
        return _graph_build.build_graph(self, config)

    # --- calling ---------------------------------------------------------------------

    @abstractmethod
    def invoke(self, input: Input, config: RunnableConfig | None = None, **kwargs: Any) -> Output:
        """Transform one input into an output."""

    async def ainvoke(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Output:
        """Async :meth:`invoke`; by default runs ``invoke`` in the loop's executor."""
        return await run_in_executor(config, self.invoke, input, config, **kwargs)

    @overload
    def batch(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: Literal[False] = False,
        **kwargs: Any,
    ) -> list[Output]: ...

    @overload
    def batch(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool,
        **kwargs: Any,
    ) -> list[Output | Exception]: ...

    def batch(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output] | list[Output | Exception]:
        """Invoke on every input in parallel threads (at most ``max_concurrency``).

        Outputs keep the order of the inputs. With ``return_exceptions`` an input's
        exception takes its place instead of being raised.
        """
        return _batch.batch(self.invoke, inputs, config, return_exceptions, kwargs)

    @overload
    async def abatch(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: Literal[False] = False,
        **kwargs: Any,
    ) -> list[Output]: ...

    @overload
    async def abatch(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool,
        **kwargs: Any,
    ) -> list[Output | Exception]: ...

    async def abatch(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output] | list[Output | Exception]:
        """Async :meth:`batch`: concurrent ``ainvoke`` calls, at most ``max_concurrency``."""
        return await _batch.abatch(
            self.ainvoke, inputs, config, return_exceptions, kwargs, self._thread_batch()
        )

    @overload
    def batch_as_completed(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: Literal[False] = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Output]]: ...

    @overload
    def batch_as_completed(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Output | Exception]]: ...

    def batch_as_completed(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Output]] | Iterator[tuple[int, Output | Exception]]:
        """Like :meth:`batch` but yields ``(input_index, output)`` as each call finishes."""
        return _batch.batch_as_completed(self.invoke, inputs, config, return_exceptions, kwargs)

    @overload
    def abatch_as_completed(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: Literal[False] = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Output]]: ...

    @overload
    def abatch_as_completed(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Output | Exception]]: ...

    def abatch_as_completed(
        self,
        inputs: Sequence[Input],
        config: Configs = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Output]] | AsyncIterator[tuple[int, Output | Exception]]:
        """Like :meth:`abatch` but yields ``(input_index, output)`` as each call finishes."""
        return _batch.abatch_as_completed(self.ainvoke, inputs, config, return_exceptions, kwargs)

    def _hops_only(self) -> bool:
        """Whether ``ainvoke`` only runs ``invoke`` on a worker thread (no native async).

        Callers that know this run several such calls in one hop instead of one each:
        ``abatch`` (the whole ``batch``) and a sequence (consecutive such steps).
        """
        return type(self).ainvoke is Runnable.ainvoke

    def _thread_batch(self) -> Callable[..., list[Any]] | None:
        # ``batch`` when ``ainvoke`` only runs ``invoke`` in a thread (see _batch.abatch).
        return self.batch if self._hops_only() else None

    # --- streaming -------------------------------------------------------------------

    def stream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Yield the output in chunks; by default one chunk, the output of ``invoke``."""
        yield self.invoke(input, config, **kwargs)

    async def astream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async :meth:`stream`; by default one chunk, the output of ``ainvoke``."""
        yield await self.ainvoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Stream outputs from a stream of input chunks.

        By default the chunks are added up, then the sum is streamed.
        """
        folded = Aggregator()
        for chunk in input:
            folded.add(chunk)
        if not folded.empty:
            yield from self.stream(folded.result(), config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async :meth:`transform`."""
        folded = Aggregator()
        async for chunk in input:
            folded.add(chunk)
        if not folded.empty:
            async for output in self.astream(folded.result(), config, **kwargs):
                yield output

    def astream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[StreamEvent]:
        """Stream the events of this run and every run inside it (``version="v2"``).

        Each event is ``{event, name, run_id, parent_ids, tags, metadata, data}`` with
        ``event`` like ``on_chain_start``, ``on_chat_model_stream``, ``on_tool_end``.
        """
        return astream_events(
            self,
            input,
            config,
            version=version,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
            **kwargs,
        )

    @overload
    def astream_log(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        diff: Literal[True] = True,
        with_streamed_output_list: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[RunLogPatch]: ...

    @overload
    def astream_log(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        diff: Literal[False],
        with_streamed_output_list: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[RunLog]: ...

    def astream_log(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        diff: bool = True,
        with_streamed_output_list: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[RunLogPatch] | AsyncIterator[RunLog]:
        """Stream the run as JSON-patch operations (``RunLogPatch``) on a run state.

        Adding up the patches gives a ``RunLog`` whose ``state["final_output"]`` is the
        output; ``diff=False`` yields the accumulated ``RunLog`` after each patch.
        """
        return astream_log(
            self,
            input,
            config,
            diff=diff,
            with_streamed_output_list=with_streamed_output_list,
            include_names=include_names,
            include_types=include_types,
            include_tags=include_tags,
            exclude_names=exclude_names,
            exclude_types=exclude_types,
            exclude_tags=exclude_tags,
            **kwargs,
        )

    # --- composition -----------------------------------------------------------------

    @overload
    def __or__(self, other: Runnable[Any, Other]) -> RunnableSequence[Input, Other]: ...

    @overload
    def __or__(
        self, other: Callable[[Iterator[Any]], Iterator[Other]]
    ) -> RunnableSequence[Input, Other]: ...

    @overload
    def __or__(
        self, other: Callable[[AsyncIterator[Any]], AsyncIterator[Other]]
    ) -> RunnableSequence[Input, Other]: ...

    @overload
    def __or__(
        self, other: Callable[[Any], Awaitable[Other]]
    ) -> RunnableSequence[Input, Other]: ...

    @overload
    def __or__(self, other: Callable[[Any], Other]) -> RunnableSequence[Input, Other]: ...

    @overload
    def __or__(self, other: Mapping[str, Any]) -> RunnableSequence[Input, dict[str, Any]]: ...

    def __or__(self, other: Any) -> RunnableSequence[Input, Any]:
        """``self | other``: a sequence feeding this output into ``other``."""
        return RunnableSequence(self, coerce_to_runnable(other))

    @overload
    def __ror__(self, other: Callable[[Other], Any]) -> RunnableSequence[Other, Output]: ...

    @overload
    def __ror__(self, other: Mapping[str, Any]) -> RunnableSequence[Any, Output]: ...

    def __ror__(self, other: Any) -> RunnableSequence[Any, Output]:
        """``other | self`` where ``other`` is a function or a dict of runnables."""
        return RunnableSequence(coerce_to_runnable(other), self)

    def pipe(self, *others: Any, name: str | None = None) -> RunnableSequence[Input, Any]:
        """A sequence of this runnable followed by ``others``."""
        return RunnableSequence(self, *others, name=name)

    def bind(self, **kwargs: Any) -> RunnableBinding[Input, Output]:
        """A runnable that calls this one with ``kwargs`` added to every call."""
        return RunnableBinding(bound=self, kwargs=kwargs)

    def with_config(
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> RunnableBinding[Input, Output]:
        """A runnable that calls this one with ``config`` merged into every call's config."""
        merged: RunnableConfig = {**(config or {}), **kwargs}  # type: ignore[typeddict-item]
        return RunnableBinding(bound=self, config=merged)

    def with_retry(
        self,
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: Mapping[str, float] | None = None,
        stop_after_attempt: int = 3,
    ) -> RunnableRetry[Input, Output]:
        """A runnable that calls this one again when it raises a retryable error.

        Errors of ``retry_if_exception_type`` are retried, up to ``stop_after_attempt``
        calls in all, with exponential backoff and jitter between them.
        """
        return RunnableRetry(
            bound=self,
            retry_exception_types=retry_if_exception_type,
            wait_exponential_jitter=wait_exponential_jitter,
            exponential_jitter_params=exponential_jitter_params,
            max_attempt_number=stop_after_attempt,
        )

    def with_fallbacks(
        self,
        fallbacks: Sequence[Runnable[Input, Output]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> RunnableWithFallbacks[Input, Output]:
        """A runnable that tries ``fallbacks`` in order when this one fails.

        Only errors of ``exceptions_to_handle`` fall back. With ``exception_key``, the
        error is passed to the next fallback as ``input[exception_key]``.
        """
        return RunnableWithFallbacks(
            runnable=self,
            fallbacks=fallbacks,
            exceptions_to_handle=exceptions_to_handle,
            exception_key=exception_key,
        )

    def pick(self, keys: str | list[str]) -> RunnableSequence[Input, Any]:
        """A sequence picking ``keys`` from this runnable's dict output (``RunnablePick``).

        One key gives its value; a list gives a dict of those present (None if none is).
        """
        return self | RunnablePick(keys)

    def assign(self, **kwargs: Any) -> Runnable[Any, dict[str, Any]]:
        """A sequence adding ``{key: value(output)}`` to this runnable's dict output.

        Each value (a runnable, function or dict of them) gets the whole output dict.
        """
        return self | RunnableAssign(RunnableParallel(kwargs))

    def map(self) -> RunnableEach[Input, Output]:
        """A runnable calling this one on each item of a list (``RunnableEach``)."""
        return RunnableEach(bound=self)

    @overload
    def with_types(
        self, *, input_type: None = None, output_type: None = None
    ) -> RunnableBinding[Input, Output]: ...

    @overload
    def with_types(
        self, *, input_type: type[Other], output_type: None = None
    ) -> RunnableBinding[Other, Output]: ...

    @overload
    def with_types(
        self, *, input_type: None = None, output_type: type[Other]
    ) -> RunnableBinding[Input, Other]: ...

    @overload
    def with_types(
        self, *, input_type: type[Other], output_type: type[Other2]
    ) -> RunnableBinding[Other, Other2]: ...

    def with_types(
        self, *, input_type: Any = None, output_type: Any = None
    ) -> RunnableBinding[Any, Any]:
        """This runnable with declared ``InputType`` / ``OutputType`` (others unchanged)."""
        return TypedBinding(bound=self, input_type=input_type, output_type=output_type)

    def with_listeners(
        self,
        *,
        on_start: Listener | None = None,
        on_end: Listener | None = None,
        on_error: Listener | None = None,
    ) -> Runnable[Input, Output]:
        """This runnable calling ``listener(run)`` when each of its runs starts, ends or fails.

        ``run`` is a ``Run`` (id, name, run_type, inputs, outputs, error, start and end
        times, tags, metadata, parent_run_id); a listener with a ``config`` parameter
        also gets the call's config. Runs nested inside do not call the listeners.
        """
        return ListenersBinding(
            bound=self, listeners=Listeners.of(on_start, on_end, on_error, is_async=False)
        )

    def with_alisteners(
        self,
        *,
        on_start: AsyncListener | None = None,
        on_end: AsyncListener | None = None,
        on_error: AsyncListener | None = None,
    ) -> Runnable[Input, Output]:
        """Like :meth:`with_listeners`, with async listeners (awaited in turn)."""
        return ListenersBinding(
            bound=self, listeners=Listeners.of(on_start, on_end, on_error, is_async=True)
        )

    def as_tool(
        self,
        args_schema: type[BaseModel] | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        arg_types: Mapping[str, Any] | None = None,
    ) -> BaseTool:
        """A tool (``StructuredTool``) whose calls invoke this runnable with their arguments.

        The arguments are ``args_schema`` if given, else those of the input schema (a
        TypedDict or pydantic input type, or the keys a lambda reads), else ``arg_types``
        (``{"name": type}``); a runnable taking a string gives a one-argument tool.

        Args:
            args_schema: The arguments' pydantic model.
            name: The tool's name (default: :meth:`get_name`).
            description: What the tool does (default: ``"Takes {input JSON schema}."``).
            arg_types: Argument names and types, when the input schema has none.

        Raises:
            TypeError: The input is a dict (or anything) that does not say its keys:
                pass ``arg_types`` or ``args_schema``.
        """
        # Tools are built from runnables and subclass them, so this is the one place in
        # runnables that reaches up to tools: it can only be imported at call time.
        from linguafranca.tools._from_runnable import runnable_as_tool

        return runnable_as_tool(
            self, args_schema, name=name, description=description, arg_types=arg_types
        )


def coerce_to_runnable(thing: Any) -> Runnable[Any, Any]:
    """A runnable from a runnable, a function (``RunnableLambda``) or a dict (``RunnableParallel``).

    As in the reference, a generator function becomes a ``RunnableGenerator``: it
    receives the stream of input chunks (``RunnableLambda`` would give it their sum).

    Raises:
        TypeError: for anything else.
    """
    if isinstance(thing, Runnable):
        return thing
    if is_sync_generator(thing) or is_async_generator(thing):
        return RunnableGenerator(thing)
    if callable(thing):
        return RunnableLambda(thing)
    if isinstance(thing, Mapping):
        return RunnableParallel(dict(thing))
    raise TypeError(
        f"Expected a Runnable, a callable or a dict to compose with, got {type(thing).__name__}."
    )


# Runnable's methods build these classes and these classes subclass Runnable: the two
# are mutually recursive by design, so the imports come after the class definition.
from linguafranca.runnables import (  # noqa: E402
    _graph_build,
    _schema,
    _schema_models,
    _schema_types,
)
from linguafranca.runnables._binding import RunnableBinding  # noqa: E402
from linguafranca.runnables._each import RunnableEach  # noqa: E402
from linguafranca.runnables._fallbacks import RunnableWithFallbacks  # noqa: E402
from linguafranca.runnables._generator import (  # noqa: E402
    RunnableGenerator,
    is_async_generator,
    is_sync_generator,
)
from linguafranca.runnables._graph import Graph  # noqa: E402
from linguafranca.runnables._lambda import RunnableLambda  # noqa: E402
from linguafranca.runnables._listeners import (  # noqa: E402
    AsyncListener,
    Listener,
    Listeners,
    ListenersBinding,
)
from linguafranca.runnables._parallel import RunnableParallel  # noqa: E402
from linguafranca.runnables._passthrough import RunnableAssign  # noqa: E402
from linguafranca.runnables._pick import RunnablePick  # noqa: E402
from linguafranca.runnables._retry import RunnableRetry  # noqa: E402
from linguafranca.runnables._schema import ConfigurableFieldSpec  # noqa: E402
from linguafranca.runnables._sequence import RunnableSequence  # noqa: E402
from linguafranca.runnables._typed import TypedBinding  # noqa: E402
