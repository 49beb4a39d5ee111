"""BaseTool: a runnable that validates its arguments and answers tool calls with messages."""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, cast

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationError

from linguafranca.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
    Callbacks,
)
from linguafranca.messages import ToolCall
from linguafranca.runnables import (
    RunnableConfig,
    RunnableSerializable,
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    patch_config,
    run_in_executor,
    var_child_runnable_config,
)
from linguafranca.tools._injection import (
    RuntimeParams,
    injected_fields,
    runtime_params,
    without_injected,
)
from linguafranca.tools._output import (
    ToolException,
    ToolInputValidationError,
    format_tool_output,
    is_tool_call,
)
from linguafranca.tools._schema import args_model_from_function

__all__ = ["ArgsSchema", "BaseTool", "ToolInput"]

if TYPE_CHECKING:
    from pydantic.v1 import BaseModel as BaseModelV1

    ArgsSchema: TypeAlias = type[BaseModel] | type[BaseModelV1] | dict[str, Any]
else:
    # pydantic.v1 stays unimported at runtime: its models are recognised without it.
    ArgsSchema = type[BaseModel] | dict[str, Any] | type
"""A tool's argument schema: a pydantic model class (v2 or ``pydantic.v1``) or a JSON schema."""

ToolInput = str | dict[str, Any] | ToolCall
"""What a tool is invoked with: a string (single-argument tools), the arguments, or a call."""

Status = Literal["success", "error"]

_RUNTIME_CACHE: dict[Any, RuntimeParams] = {}


def _runtime_of(func: Callable[..., Any]) -> RuntimeParams:
    key = getattr(func, "__func__", func)
    found = _RUNTIME_CACHE.get(key)
    if found is None:
        found = _RUNTIME_CACHE[key] = runtime_params(func)
    return found


def _as_v2(schema: ArgsSchema) -> type[BaseModel] | None:
    """The schema if it is a pydantic (v2) model class, else None (dict or pydantic.v1)."""
    return schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None


def _error_content(error: Exception, flag: object) -> str:
    if isinstance(flag, str):
        return flag
    if callable(flag):
        return str(flag(error))
    return str(error) or type(error).__name__


class BaseTool(RunnableSerializable[ToolInput, Any]):
    """A tool the model can call: a name, a description and an argument schema.

    Subclass it and implement ``_run`` (and optionally ``_arun``), or build one from a
    function with ``@tool`` / ``StructuredTool.from_function``. Invoked with a tool call
    (``{"type": "tool_call", "id", "name", "args"}``) it returns a ``ToolMessage``; invoked
    with the arguments it returns the raw output.

    Example:
        ```python
        class Add(BaseTool):
            name: str = "add"
            description: str = "Add two integers."

            def _run(self, a: int, b: int) -> int:
                return a + b

        Add().invoke({"a": 1, "b": 2})  # 3
        ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    """The name the model calls the tool by."""

    description: str = ""
    """What the tool does, for the model."""

    args_schema: Annotated[ArgsSchema | None, SkipValidation()] = Field(default=None)
    """The schema of the arguments; inferred from ``_run`` when None."""

    return_direct: bool = False
    """Whether an agent should stop and return the tool's output directly."""

    verbose: bool = False
    """Kept for compatibility; has no effect."""

    callbacks: Callbacks = Field(default=None, exclude=True)
    """Handlers for this tool's runs only."""

    tags: list[str] | None = None
    """Tags for this tool's runs."""

    metadata: dict[str, Any] | None = None
    """Metadata for this tool's runs."""

    handle_tool_error: bool | str | Callable[[ToolException], str] | None = False
    """Turn a raised ``ToolException`` into the tool's result: True uses the error's text, a
    string replaces it, a callable computes it."""

    handle_validation_error: bool | str | Callable[[ToolInputValidationError], str] | None = False
    """Turn invalid arguments into the tool's result (same forms as ``handle_tool_error``)."""

    response_format: Literal["content", "content_and_artifact"] = "content"
    """``"content_and_artifact"``: ``_run`` returns ``(content, artifact)``; the artifact
    goes to ``ToolMessage.artifact`` and is not sent to the model."""

    extras: dict[str, Any] | None = None
    """Provider-specific tool options (e.g. Anthropic's ``cache_control``)."""

    # --- schema ---------------------------------------------------------------------------

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement _run (or _arun).")

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``_run`` in a worker thread (override for native async).

        ``kwargs`` are those ``_run`` accepts; its ``run_manager`` is None (a sync run manager
        cannot be made from the async one).
        """
        return await run_in_executor(None, self._run, *args, **kwargs)

    def _inferred_schema(self) -> type[BaseModel]:
        cached: type[BaseModel] | None = self.__dict__.get("_lf_inferred_schema")
        if cached is None:
            cached = args_model_from_function(
                self._run,
                model_name=self.name,
                skip=_runtime_of(self._run).names,
            )
            self.__dict__["_lf_inferred_schema"] = cached
        return cached

    def _arguments_schema(self) -> ArgsSchema:
        # The declared schema as given (a pydantic model, v1 or v2, or a JSON schema dict).
        return self.args_schema if self.args_schema is not None else self._inferred_schema()

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """The model of the arguments, injected ones included.

        A tool declared with a JSON schema dict has no model: as in the reference, the
        generic input model is returned then (``args`` gives the dict).
        """
        schema = self._arguments_schema()
        if isinstance(schema, dict):
            return super().get_input_schema(config)
        # A pydantic v1 model is returned as it is, as the reference does.
        return cast(type[BaseModel], schema)

    @property
    def tool_call_schema(self) -> ArgsSchema:
        """The schema the model sees: the arguments without injected ones."""
        given = self._arguments_schema()
        schema = _as_v2(given)
        if schema is None:
            return given
        cached = self.__dict__.get("_lf_call_schema")
        if cached is not None and cached[0] is schema:
            result: ArgsSchema = cached[1]
            return result
        result = without_injected(schema)
        self.__dict__["_lf_call_schema"] = (schema, result)
        return result

    @property
    def args(self) -> dict[str, Any]:
        """The JSON schema ``properties`` of the arguments."""
        schema = self._arguments_schema()
        if isinstance(schema, dict):
            properties: dict[str, Any] = schema.get("properties", {})
            return properties
        model = _as_v2(schema)
        raw = model.model_json_schema() if model is not None else schema.schema()
        return dict(raw.get("properties", {}))

    # --- arguments ------------------------------------------------------------------------

    def _validate(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> Any:
        """Validate the input; returns the string or the dict of arguments to call with."""
        given = self._arguments_schema()
        if isinstance(given, dict):
            return tool_input
        schema = _as_v2(given)
        if schema is None:
            return self._validate_v1(given, tool_input)
        if isinstance(tool_input, str):
            fields = list(schema.model_fields.items())
            if len(fields) != 1:
                raise ValueError(
                    f"Tool {self.name!r} takes {len(fields)} arguments; pass a dict of "
                    "arguments (or a tool call), not a string."
                )
            name, info = fields[0]
            self._check(schema, {info.alias or name: tool_input})
            return tool_input
        _, call_id_field = injected_fields(schema)
        if call_id_field is not None:
            if tool_call_id is None and call_id_field not in tool_input:
                raise ValueError(
                    f"Tool {self.name!r} needs the id of the tool call ({call_id_field!r}): "
                    "invoke it with a tool call {'type': 'tool_call', 'id', 'name', 'args'}."
                )
            tool_input = {**tool_input, call_id_field: tool_input.get(call_id_field, tool_call_id)}
        validated = self._check(schema, tool_input)
        fields_by_name = schema.model_fields
        # Only the arguments that were given: the function's own defaults apply otherwise.
        return {
            fields_by_name[name].alias or name: getattr(validated, name)
            for name in validated.model_fields_set
        }

    def _check(self, schema: type[BaseModel], values: dict[str, Any]) -> BaseModel:
        try:
            return schema.model_validate(values)
        except ValidationError as error:
            raise ToolInputValidationError(self.name, error) from error

    def _validate_v1(self, schema: Any, tool_input: str | dict[str, Any]) -> Any:
        v1_error: type[Exception] = sys.modules["pydantic.v1"].ValidationError
        if isinstance(tool_input, str):
            return tool_input
        try:
            validated = schema.parse_obj(tool_input)
        except v1_error as error:
            raise ToolInputValidationError(self.name, error) from error
        return {k: getattr(validated, k) for k in tool_input if k in schema.__fields__}

    @staticmethod
    def _split(tool_input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if isinstance(tool_input, str):
            return (tool_input,), {}
        return (), dict(tool_input)

    def _result(self, response: Any) -> tuple[Any, Any]:
        if self.response_format != "content_and_artifact":
            return response, None
        if not isinstance(response, tuple) or len(response) != 2:
            raise ValueError(
                f"Tool {self.name!r} has response_format='content_and_artifact', so it must "
                f"return a (content, artifact) tuple; it returned a {type(response).__name__}."
            )
        return response

    def _handled(self, error: Exception) -> tuple[Any, Any, Status]:
        """The error result if a handler is set for this error, else re-raise."""
        if isinstance(error, ToolInputValidationError) and self.handle_validation_error:
            return _error_content(error, self.handle_validation_error), None, "error"
        if isinstance(error, ToolException) and self.handle_tool_error:
            return _error_content(error, self.handle_tool_error), None, "error"
        raise error

    # --- running --------------------------------------------------------------------------

    def _start_args(self, tool_input: Any, tool_call_id: str | None) -> tuple[Any, ...]:
        inputs = tool_input if isinstance(tool_input, dict) else None
        schema = _as_v2(self._arguments_schema())
        if inputs is not None and schema is not None:
            hidden, _ = injected_fields(schema)
            if hidden:
                inputs = {k: v for k, v in inputs.items() if k not in hidden}
        text = tool_input if isinstance(tool_input, str) else str(inputs)
        return {"name": self.name, "description": self.description}, text, inputs

    def invoke(self, input: ToolInput, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run the tool; a tool call gives a ``ToolMessage``, arguments the raw output."""
        if is_tool_call(input):
            call: Any = input
            return self.run(
                dict(call["args"]), config=config, tool_call_id=call.get("id"), **kwargs
            )
        return self.run(input, config=config, **kwargs)  # type: ignore[arg-type]

    async def ainvoke(
        self, input: ToolInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        """Async :meth:`invoke` (native when the tool has a coroutine or ``_arun``)."""
        if is_tool_call(input):
            call: Any = input
            return await self.arun(
                dict(call["args"]), config=config, tool_call_id=call.get("id"), **kwargs
            )
        return await self.arun(input, config=config, **kwargs)  # type: ignore[arg-type]

    def _config(self, config: RunnableConfig | None, overrides: dict[str, Any]) -> RunnableConfig:
        extra = {
            k: overrides.pop(k)
            for k in ("callbacks", "tags", "metadata", "run_name", "run_id")
            if k in overrides
        }
        if extra:
            patched: dict[str, Any] = dict(config or {})
            patched.update((k, v) for k, v in extra.items() if v is not None)
            config = cast(RunnableConfig, patched)
        return ensure_config(config)

    def _start(
        self,
        tool_input: Any,
        tool_call_id: str | None,
        config: RunnableConfig,
        color: str | None,
        kwargs: Any,
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Positional and keyword arguments of ``on_tool_start``."""
        serialized, text, inputs = self._start_args(tool_input, tool_call_id)
        return (serialized, text), {
            "run_id": config.get("run_id"),
            "inputs": inputs,
            "name": config.get("run_name") or self.name,
            "tool_call_id": tool_call_id,
            "color": color,
            **kwargs,
        }

    def _prepare(
        self,
        target: Callable[..., Any],
        tool_input: str | dict[str, Any],
        tool_call_id: str | None,
        run_manager: Any,
        child: RunnableConfig,
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Validate the input and add the runtime arguments ``target`` accepts."""
        args, call_kwargs = self._split(self._validate(tool_input, tool_call_id))
        runtime = _runtime_of(target)
        if runtime.run_manager:
            call_kwargs["run_manager"] = run_manager
        if runtime.config:
            call_kwargs[runtime.config] = child
        return args, call_kwargs

    def run(
        self,
        tool_input: str | dict[str, Any],
        *,
        config: RunnableConfig | None = None,
        tool_call_id: str | None = None,
        start_color: str | None = "green",
        color: str | None = "green",
        **kwargs: Any,
    ) -> Any:
        """Validate ``tool_input``, call ``_run`` and report the run to the callbacks.

        Args:
            tool_input: A string (single-argument tools) or the dict of arguments.
            config: The runnable config (callbacks, tags, metadata, run_name, run_id).
            tool_call_id: The id of the tool call answered; the output is then a
                ``ToolMessage``.
            start_color: The ``color`` given to ``on_tool_start``.
            color: The ``color`` given to ``on_tool_end`` (``StdOutCallbackHandler``
                prints the output in it).
            **kwargs: ``callbacks``, ``tags``, ``metadata``, ``run_name``, ``run_id``
                (merged into ``config``); the rest is passed to the callbacks.
        """
        config = self._config(config, kwargs)
        manager = get_callback_manager_for_config(
            config,
            local_callbacks=self.callbacks,
            local_tags=self.tags,
            local_metadata=self.metadata,
        )
        run: CallbackManagerForToolRun | None = None
        if manager is not None:
            start_args, start_kwargs = self._start(
                tool_input, tool_call_id, config, start_color, kwargs
            )
            run = manager.on_tool_start(*start_args, **start_kwargs)
        child = _child_config(config, run)
        try:
            try:
                args, call_kwargs = self._prepare(self._run, tool_input, tool_call_id, run, child)
                ctx = contextvars.copy_context()
                ctx.run(var_child_runnable_config.set, child)
                content, artifact = self._result(ctx.run(self._run, *args, **call_kwargs))
                status: Status = "success"
            except Exception as error:
                content, artifact, status = self._handled(error)
        except BaseException as error:
            if run is not None:
                run.on_tool_error(error, tool_call_id=tool_call_id)
            raise
        output = format_tool_output(
            content, artifact, tool_call_id=tool_call_id, name=self.name, status=status
        )
        if run is not None:
            run.on_tool_end(output, **_end_kwargs(self.name, color, kwargs))
        return output

    async def arun(
        self,
        tool_input: str | dict[str, Any],
        *,
        config: RunnableConfig | None = None,
        tool_call_id: str | None = None,
        start_color: str | None = "green",
        color: str | None = "green",
        **kwargs: Any,
    ) -> Any:
        """Async :meth:`run`: awaits ``_arun`` (by default ``_run`` in a worker thread)."""
        config = self._config(config, kwargs)
        manager = get_async_callback_manager_for_config(
            config,
            local_callbacks=self.callbacks,
            local_tags=self.tags,
            local_metadata=self.metadata,
        )
        run: AsyncCallbackManagerForToolRun | None = None
        if manager is not None:
            start_args, start_kwargs = self._start(
                tool_input, tool_call_id, config, start_color, kwargs
            )
            run = await manager.on_tool_start(*start_args, **start_kwargs)
        child = _child_config(config, run)
        # The default _arun runs the sync _run, which cannot use the async run manager.
        native = type(self)._arun is not BaseTool._arun
        try:
            try:
                args, call_kwargs = self._prepare(
                    self._arun if native else self._run,
                    tool_input,
                    tool_call_id,
                    run if native else None,
                    child,
                )
                token = var_child_runnable_config.set(child)
                try:
                    response = await self._arun(*args, **call_kwargs)
                finally:
                    var_child_runnable_config.reset(token)
                content, artifact = self._result(response)
                status: Status = "success"
            except Exception as error:
                content, artifact, status = self._handled(error)
        except BaseException as error:
            if run is not None:
                await run.on_tool_error(error, tool_call_id=tool_call_id)
            raise
        output = format_tool_output(
            content, artifact, tool_call_id=tool_call_id, name=self.name, status=status
        )
        if run is not None:
            await run.on_tool_end(output, **_end_kwargs(self.name, color, kwargs))
        return output


def _end_kwargs(name: str, color: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``on_tool_end``.

    As in the reference, the run's extra keywords go there too (e.g. ``observation_prefix``
    and ``llm_prefix``, which ``StdOutCallbackHandler`` prints).
    """
    return {"name": name, **kwargs, "color": color}


def _child_config(config: RunnableConfig, run: Any) -> RunnableConfig:
    """The config of the runs nested in the tool: the tool run as parent, no run name/id."""
    if run is not None:
        return patch_config(config, callbacks=run.get_child())
    child = patch_config(config)
    child.pop("run_name", None)
    child.pop("run_id", None)
    return child
