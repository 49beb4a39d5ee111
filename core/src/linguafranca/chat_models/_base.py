"""BaseChatModel: the standard parameters and the public methods of every chat model."""

from __future__ import annotations

import asyncio
import functools
import warnings
from abc import abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar, cast, overload
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from typing_extensions import Self

from linguafranca.caches import BaseCache
from linguafranca.callbacks import CallbackManagerForLLMRun, Callbacks
from linguafranca.chat_models import _orchestrate, _structured
from linguafranca.chat_models._call import Call, combine_llm_outputs, convert_input
from linguafranca.chat_models._env import reject_unknown_arguments
from linguafranca.chat_models._profile import ModelProfile, check_profile_keys
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    LanguageModelInput,
    MessageLikeRepresentation,
    PromptValue,
)
from linguafranca.outputs import ChatGenerationChunk, ChatResult, LLMResult, RunInfo
from linguafranca.rate_limiters import BaseRateLimiter
from linguafranca.registry import get_registry
from linguafranca.runnables import Runnable, RunnableConfig, RunnableSerializable, run_in_executor
from linguafranca.tools import tool_binding_kwargs

__all__ = ["BaseChatModel"]

_BM = TypeVar("_BM", bound=BaseModel)
StructuredMethod = Literal["function_calling", "json_mode", "json_schema"]

# Fields that do not change what a model answers: not part of cache keys.
_NOT_IDENTITY = frozenset(
    {
        "name",
        "cache",
        "callbacks",
        "tags",
        "metadata",
        "verbose",
        "rate_limiter",
        "profile",
        "streaming",
        "disable_streaming",
        "timeout",
        "max_retries",
        "api_key",
    }
)
_END = object()


class BaseChatModel(RunnableSerializable[LanguageModelInput, AIMessage]):
    """Base class of chat models: messages in, an ``AIMessage`` out.

    A provider implements :meth:`_generate` and optionally :meth:`_stream`,
    :meth:`_agenerate`, :meth:`_astream`; the base class provides ``invoke``,
    ``ainvoke``, ``stream``, ``astream``, ``batch``, ``abatch``, ``generate``,
    callbacks, caching, rate limiting, auto-streaming and structured output.
    Unknown constructor arguments are rejected with the nearest valid name.

    Example:
        ```python
        class ChatEcho(BaseChatModel):
            def _generate(self, messages, stop=None, run_manager=None, **kwargs):
                reply = AIMessage(content=messages[-1].text)
                return ChatResult(generations=[ChatGeneration(message=reply)])

        ChatEcho(model="echo-1").invoke("hello").content  # "hello"
        ```
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
    )

    model: str | None = Field(default=None, alias="model_name")
    """Model name (also accepted as ``model_name``)."""
    temperature: float | None = None
    """Sampling temperature (None: the provider's default)."""
    max_tokens: int | None = None
    """Largest number of tokens to generate."""
    timeout: float | None = None
    """Seconds to wait for a response."""
    max_retries: int | None = None
    """Retries of a failed request (None: the provider's default)."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences (also accepted as ``stop_sequences``); a call's ``stop`` replaces them."""
    api_key: SecretStr | None = None
    """The provider key (never shown in repr, logs or serialized output)."""
    base_url: str | None = None
    """The endpoint (for proxies and compatible servers)."""
    streaming: bool = False
    """Stream internally in ``invoke`` (tokens reach callbacks as they arrive)."""
    disable_streaming: bool | Literal["tool_calling"] = False
    """Never stream (True), or not when tools are bound (``"tool_calling"``)."""
    rate_limiter: BaseRateLimiter | None = Field(default=None, exclude=True)
    """Acquired once per request (never on cache hits)."""
    cache: BaseCache | bool | None = Field(default=None, exclude=True)
    """A cache, True (the global cache, required), None (the global one if set) or False."""
    callbacks: Callbacks = Field(default=None, exclude=True)
    """Handlers for this model's runs."""
    tags: list[str] | None = Field(default=None, exclude=True)
    """Tags of this model's runs."""
    metadata: dict[str, Any] | None = Field(default=None, exclude=True)
    """Metadata of this model's runs."""
    verbose: bool = Field(default=False, exclude=True)
    """Accepted for compatibility; ignored."""
    profile: ModelProfile | None = None
    """What the model can do (from the provider's data unless given)."""

    _structured_output_methods: ClassVar[frozenset[str]] = frozenset({"function_calling"})
    """Structured-output methods the provider supports natively."""
    _default_structured_output_method: ClassVar[StructuredMethod] = "function_calling"
    """``with_structured_output``'s method when none is given."""
    _provider_name: ClassVar[str | None] = None
    """The registry name of the provider (profiles, tracing metadata)."""

    def __init__(self, **data: Any) -> None:
        cls = type(self)
        valid = _argument_names(cls)
        if not valid.issuperset(data):
            reject_unknown_arguments(cls.__name__, data, valid)
        super().__init__(**data)

    @model_validator(mode="after")
    def _fill_profile(self) -> Self:
        profile = self.__dict__.get("profile")
        if profile is None:
            resolved = self._resolve_model_profile()
            if resolved is not None:
                self.__dict__["profile"] = resolved
        else:
            check_profile_keys(profile, type(self).__name__)
        return self

    # --- hooks for providers ---------------------------------------------------------

    @abstractmethod
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Call the provider once and return its answer.

        Args:
            messages: The conversation (already converted to messages).
            stop: The stop sequences in effect (the call's, else the model's).
            run_manager: The run's callback manager, or None when nobody listens.
            **kwargs: Per-call options (``tools``, ``tool_choice``, ``response_format``,
                ``model``, provider options); they override the model's fields.
        """

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk | AIMessageChunk]:
        """Stream the provider's answer as chunks (optional).

        Yield ``ChatGenerationChunk``s, or bare ``AIMessageChunk``s when there is no
        ``generation_info`` (cheaper). The base class reports each chunk to the callbacks,
        gives it an id and closes the stream with a ``chunk_position="last"`` chunk if the
        provider did not: implementations only translate wire events. ``run_manager`` is
        always None.
        """
        raise NotImplementedError(f"{type(self).__name__} does not stream.")

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Async :meth:`_generate`; by default the sync one in a worker thread.

        The sync fallback gets no run manager (it would be the async one).
        """
        call = functools.partial(self._generate, messages, stop, None, **kwargs)
        return await run_in_executor(None, call)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk | AIMessageChunk]:
        """Async :meth:`_stream`; by default the sync one, stepped in a worker thread."""
        iterator = await run_in_executor(None, lambda: iter(self._stream(messages, stop, **kwargs)))
        while True:
            chunk = await run_in_executor(None, next, iterator, _END)
            if chunk is _END:
                return
            yield cast(ChatGenerationChunk | AIMessageChunk, chunk)

    @classmethod
    def _has_stream(cls, async_api: bool) -> bool:
        """Whether the provider implements streaming (for the async API, either way)."""
        if cls._stream is not BaseChatModel._stream:
            return True
        return async_api and cls._astream is not BaseChatModel._astream

    def _resolve_model_profile(self) -> ModelProfile | None:
        """The profile of ``self.model`` from the provider's data (None if unknown).

        By default: the profiles the registry loads for ``_provider_name``.
        """
        if self._provider_name is None or self.model is None:
            return None
        registry = get_registry()
        spec = registry.get(self._provider_name)
        if spec is None:
            return None
        found = registry.load_profiles(spec).get(self.model)
        return None if found is None else cast(ModelProfile, dict(found))

    @property
    def _llm_type(self) -> str:
        """A short name of the model type, for tracing (default: the class name)."""
        return type(self).__name__

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """The parameters that identify this model's behaviour (for tracing)."""
        params: dict[str, Any] = {}
        for key in ("model", "temperature", "max_tokens", "stop"):
            value = getattr(self, key)
            if value is not None:
                params[key] = value
        return params

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The parameters of one call, as reported to callbacks."""
        return {**self._identifying_params, "_type": self._llm_type, "stop": stop, **kwargs}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Standard tracing metadata (``ls_provider``, ``ls_model_name``, ...)."""
        params: dict[str, Any] = {
            "ls_provider": self._provider_name or self._llm_type,
            "ls_model_name": kwargs.get("model") or self.model,
            "ls_model_type": "chat",
        }
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop:
            params["ls_stop"] = stop
        return params

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        """Combine the ``llm_output`` of several calls (``generate``): usage summed."""
        return combine_llm_outputs(llm_outputs)

    def _serialized(self) -> dict[str, Any]:
        cls = type(self)
        return {
            "lc": 1,
            "type": "not_implemented",
            "id": [*cls.__module__.split("."), cls.__name__],
            "name": self.get_name(),
        }

    def _cache_params(self) -> dict[str, Any]:
        """The model's identity for cache keys: class path and answer-shaping fields."""
        cls = type(self)
        params: dict[str, Any] = {"_type": f"{cls.__module__}.{cls.__qualname__}"}
        for name in _identity_fields(cls):
            value = getattr(self, name)
            if value is not None:
                params[name] = value
        return params

    # --- the Runnable interface ------------------------------------------------------

    @property
    def model_name(self) -> str | None:
        """The model name (same as ``model``)."""
        return self.model

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Answer one conversation (a str, a PromptValue or a list of message-likes)."""
        call = Call(self, convert_input(input), config, stop, kwargs, async_api=False)
        return cast(AIMessage, _orchestrate.generate(call).generations[0].message)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Async :meth:`invoke`."""
        call = Call(self, convert_input(input), config, stop, kwargs, async_api=True)
        return cast(AIMessage, (await _orchestrate.agenerate(call)).generations[0].message)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream the answer as ``AIMessageChunk``s; the last has ``chunk_position="last"``."""
        call = Call(self, convert_input(input), config, stop, kwargs, async_api=False)
        return _orchestrate.stream(call)

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async :meth:`stream`."""
        call = Call(self, convert_input(input), config, stop, kwargs, async_api=True)
        return _orchestrate.astream(call)

    # --- legacy surface --------------------------------------------------------------

    def _legacy_calls(
        self,
        messages: Sequence[Sequence[MessageLikeRepresentation] | PromptValue],
        stop: list[str] | None,
        callbacks: Callbacks,
        extra: dict[str, Any],
        kwargs: dict[str, Any],
        async_api: bool,
    ) -> list[Call]:
        run_id = extra.get("run_id")
        calls = []
        for index, item in enumerate(messages):
            rid = run_id if index == 0 and run_id is not None else uuid4()
            config = cast(RunnableConfig, {**extra, "callbacks": callbacks, "run_id": rid})
            converted = convert_input(item)
            calls.append(
                Call(self, converted, config, stop, dict(kwargs), async_api=async_api, run_id=rid)
            )
        return calls

    def _llm_result(self, calls: list[Call], results: list[ChatResult]) -> LLMResult:
        return LLMResult(
            generations=[list(r.generations) for r in results],
            llm_output=self._combine_llm_outputs([r.llm_output for r in results]),
            run=[RunInfo(run_id=cast(UUID, c.run_id)) for c in calls],
        )

    def generate(
        self,
        messages: Sequence[Sequence[MessageLikeRepresentation] | PromptValue],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Answer several conversations; returns generations, ``llm_output`` and run ids.

        The legacy (v0.1) interface; prefer ``batch``.
        """
        extra = {"tags": tags, "metadata": metadata, "run_name": run_name, "run_id": run_id}
        calls = self._legacy_calls(messages, stop, callbacks, extra, kwargs, async_api=False)
        return self._llm_result(calls, [_orchestrate.generate(c) for c in calls])

    async def agenerate(
        self,
        messages: Sequence[Sequence[MessageLikeRepresentation] | PromptValue],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Async :meth:`generate` (the conversations run concurrently)."""
        extra = {"tags": tags, "metadata": metadata, "run_name": run_name, "run_id": run_id}
        calls = self._legacy_calls(messages, stop, callbacks, extra, kwargs, async_api=True)
        results = await asyncio.gather(*(_orchestrate.agenerate(c) for c in calls))
        return self._llm_result(calls, list(results))

    def generate_prompt(
        self,
        prompts: Sequence[PromptValue],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        **kwargs: Any,
    ) -> LLMResult:
        """:meth:`generate` on prompt values."""
        return self.generate(list(prompts), stop=stop, callbacks=callbacks, **kwargs)

    async def agenerate_prompt(
        self,
        prompts: Sequence[PromptValue],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Async :meth:`generate_prompt`."""
        return await self.agenerate(list(prompts), stop=stop, callbacks=callbacks, **kwargs)

    def __call__(
        self,
        messages: Sequence[MessageLikeRepresentation],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        **kwargs: Any,
    ) -> BaseMessage:
        """Deprecated: ``model(messages)``; use ``model.invoke(messages)``."""
        warnings.warn(
            f"Calling {type(self).__name__} like a function is deprecated: use "
            "model.invoke(messages) instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        result = self.generate([messages], stop=stop, callbacks=callbacks, **kwargs)
        return result.generations[0][0].message  # type: ignore[union-attr]

    # --- tools and structured output -------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the model may call (providers that support tool calling override this).

        Raises:
            NotImplementedError: This model does not support tool calling.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not support tool calling (bind_tools); use a "
            "provider whose model implements it."
        )

    def _bind_tools_standard(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """``bind_tools`` in the common convention, for providers to call.

        Binds ``tools`` as OpenAI-format tools, ``tool_choice`` normalised to ``"auto"``,
        ``"none"``, ``"required"`` or ``{"type": "function", "name": ...}``, and
        ``parallel_tool_calls`` when set; the provider translates them to its wire format.
        """
        bound = tool_binding_kwargs(
            tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            strict=strict,
            **kwargs,
        )
        return self.bind(**bound)

    @overload
    def with_structured_output(
        self,
        schema: type[_BM],
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, _BM]: ...

    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type,
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any]]: ...

    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type,
        *,
        method: StructuredMethod | None = None,
        include_raw: Literal[True],
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any]]: ...

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type,
        *,
        method: StructuredMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable returning the answer in the shape of ``schema``.

        A pydantic class gives instances; a TypedDict class or a JSON schema gives dicts.
        ``method``: ``"function_calling"`` (a forced tool call), ``"json_schema"`` (the
        provider enforces the schema) or ``"json_mode"`` (JSON output; describe the schema
        in the prompt). With ``include_raw=True`` the output is
        ``{"raw": AIMessage, "parsed": ..., "parsing_error": Exception | None}``;
        otherwise a failure raises ``OutputParserException``.

        Raises:
            ConfigurationError: The method is not supported by this model.
        """
        chosen, strict = self._structured_output_method(method, strict)
        runnable = _structured.structured_runnable(
            self,
            schema,
            method=chosen,
            supported=self._structured_output_methods,
            include_raw=include_raw,
            strict=strict,
            kwargs=kwargs,
        )
        return self._adapt_structured_output(runnable)

    def _structured_output_method(
        self, method: StructuredMethod | None, strict: bool | None
    ) -> tuple[StructuredMethod, bool | None]:
        """The method and strictness a ``with_structured_output`` call uses.

        Providers override this (not ``with_structured_output``, whose typed overloads
        live here once) to choose a default per model or to refuse a method a model lacks.
        """
        return method or self._default_structured_output_method, strict

    def _adapt_structured_output(
        self, runnable: Runnable[LanguageModelInput, Any]
    ) -> Runnable[LanguageModelInput, Any]:
        """The structured-output runnable as returned; providers may wrap its parser."""
        return runnable


_ARGUMENTS: dict[type, frozenset[str]] = {}
_IDENTITY: dict[type, tuple[str, ...]] = {}


def _argument_names(cls: type[BaseChatModel]) -> frozenset[str]:
    found = _ARGUMENTS.get(cls)
    if found is None:
        names = set(cls.model_fields)
        for info in cls.model_fields.values():
            if isinstance(info.alias, str):
                names.add(info.alias)
            if isinstance(info.validation_alias, str):
                names.add(info.validation_alias)
        found = _ARGUMENTS[cls] = frozenset(names)
    return found


def _identity_fields(cls: type[BaseChatModel]) -> tuple[str, ...]:
    found = _IDENTITY.get(cls)
    if found is None:
        found = _IDENTITY[cls] = tuple(
            name
            for name, info in cls.model_fields.items()
            if name not in _NOT_IDENTITY and not info.exclude
        )
    return found
