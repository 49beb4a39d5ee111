"""``ChatOpenAI`` and ``AzureChatOpenAI``: OpenAI's chat models and every compatible server.

Wire formats live in the pure ``_convert_*`` modules, one request's planning in
``_payload``, settings in ``_settings`` / ``_azure``, HTTP in ``_client``; this module
declares the parameters and orchestrates the calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, cast

import httpx
from linguafranca_plugins._openai_presets import get_preset
from pydantic import Field, PrivateAttr, SecretStr, model_validator
from typing_extensions import Self

from linguafranca.callbacks import CallbackManagerForLLMRun
from linguafranca.chat_models import BaseChatModel, ModelProfile, StructuredOutputRunnable
from linguafranca.errors import ConfigurationError, StreamError
from linguafranca.messages import AIMessage, BaseMessage, LanguageModelInput
from linguafranca.outputs import ChatGenerationChunk, ChatResult
from linguafranca.runnables import Runnable
from linguafranca.tools import convert_to_openai_tool
from linguafranca_openai._azure import azure_body_model, azure_endpoint, resolve_azure
from linguafranca_openai._client import OpenAIHTTP, TimeoutValue
from linguafranca_openai._convert_chat import is_reasoning_model
from linguafranca_openai._payload import Defaults, build_request
from linguafranca_openai._refusal import RefusalGuard
from linguafranca_openai._results import chat_result, tool_choice_for
from linguafranca_openai._settings import (
    CONNECTION_FIELDS,
    OPENAI_PROVIDERS,
    SHARED_FIELDS,
    openai_endpoint,
    preset_of,
    request_defaults,
    resolve_openai,
    shared_http,
)
from linguafranca_openai._streaming import stream_events
from linguafranca_openai.profiles import get_profile

__all__ = ["AzureChatOpenAI", "ChatOpenAI"]

StructuredMethod = Literal["function_calling", "json_mode", "json_schema"]


class ChatOpenAI(BaseChatModel):
    """OpenAI chat models (Chat Completions and Responses API) and compatible servers.

    The key is read from ``OPENAI_API_KEY`` (or the preset's variable, e.g.
    ``GROQ_API_KEY`` with ``provider="groq"``), the endpoint from ``OPENAI_BASE_URL``.
    Requests that need the Responses API (built-in tools, reasoning summaries,
    ``previous_response_id``, ``include``) go there unless ``use_responses_api`` says.

    Example:
        ```python
        model = ChatOpenAI(model="gpt-4.1", temperature=0)
        model.invoke("Hello").text
        model.bind_tools([get_weather]).invoke("Weather in Paris?").tool_calls
        ChatOpenAI(model="llama-3.3-70b-versatile", provider="groq").invoke("Hi")
        ```
    """

    _provider_name: ClassVar[str | None] = "openai"
    _structured_output_methods: ClassVar[frozenset[str]] = frozenset(
        {"function_calling", "json_mode", "json_schema"}
    )
    _default_structured_output_method: ClassVar[StructuredMethod] = "json_schema"

    api_key: SecretStr | None = Field(default=None, alias="openai_api_key")
    """The key (default: ``OPENAI_API_KEY``, or the preset's variable)."""
    base_url: str | None = Field(default=None, alias="openai_api_base")
    """Endpoint (default: ``OPENAI_BASE_URL`` / ``OPENAI_API_BASE``, else the preset's)."""
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """Largest number of tokens to generate (also ``max_completion_tokens``)."""
    timeout: TimeoutValue = Field(default=None, alias="request_timeout")  # type: ignore[assignment]
    """Seconds, ``(connect, read)``, an ``httpx.Timeout``, or None (600 s)."""
    organization: str | None = Field(default=None, alias="openai_organization")
    """OpenAI organization id (default: ``OPENAI_ORG_ID``)."""
    project: str | None = None
    """OpenAI project id (default: ``OPENAI_PROJECT_ID``)."""
    openai_proxy: str | None = None
    """Proxy URL for every request (default: ``OPENAI_PROXY``)."""
    provider: str | None = None
    """OpenAI-compatible preset (``"groq"``, ``"mistralai"``...); default from base_url."""
    top_p: float | None = None
    """Nucleus sampling."""
    presence_penalty: float | None = None
    """Penalises tokens already present."""
    frequency_penalty: float | None = None
    """Penalises frequent tokens."""
    seed: int | None = None
    """Seed for (best-effort) deterministic sampling."""
    logprobs: bool | None = None
    """Return token log probabilities (``response_metadata["logprobs"]``)."""
    top_logprobs: int | None = None
    """Alternatives per token with ``logprobs``."""
    logit_bias: dict[int, int] | None = None
    """Token id -> bias."""
    n: int | None = None
    """Completions per request (Chat Completions; not streamed)."""
    reasoning_effort: str | None = None
    """Reasoning effort of reasoning models (``"low"``, ``"medium"``, ``"high"``...)."""
    reasoning: dict[str, Any] | None = None
    """``{"effort": ..., "summary": ...}``; a summary needs the Responses API."""
    verbosity: str | None = None
    """Answer length of gpt-5 models (``"low"``, ``"medium"``, ``"high"``)."""
    service_tier: str | None = None
    """Processing tier (``"auto"``, ``"default"``, ``"flex"``, ``"priority"``)."""
    store: bool | None = None
    """Whether OpenAI stores the response."""
    prompt_cache_key: str | None = None
    """Groups requests for prompt caching."""
    include: list[str] | None = None
    """Extra output of the Responses API, e.g. ``["reasoning.encrypted_content"]``."""
    truncation: str | None = None
    """Responses API truncation (``"auto"`` / ``"disabled"``)."""
    use_responses_api: bool | None = None
    """True / False force an API; None chooses per call from what it needs."""
    use_previous_response_id: bool = False
    """Responses API: send only the turns after the last response, by its id."""
    output_version: str | None = None
    """``"responses/v1"`` (use the Responses API), ``"v1"`` (standard content blocks)."""
    stream_usage: bool = True
    """Ask for token usage when streaming (on the last chunk)."""
    include_response_headers: bool = False
    """Put the (redacted) HTTP response headers in ``response_metadata["headers"]``."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request parameters, sent as they are."""
    extra_body: dict[str, Any] | None = None
    """Extra top-level fields of the request body (for compatible servers)."""
    disabled_params: dict[str, Any] | None = None
    """Parameters never sent (value None) or not with the listed values."""
    default_headers: dict[str, str] | None = Field(default=None, exclude=True, repr=False)
    """Headers sent with every request."""
    default_query: dict[str, str] | None = Field(default=None, exclude=True)
    """Query parameters added to every request URL."""
    http_client: httpx.Client | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx.Client`` to use as given (proxies, transports, tests)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx.AsyncClient`` to use as given."""

    _defaults: Defaults | None = PrivateAttr(default=None)
    _http: OpenAIHTTP | None = PrivateAttr(default=None)

    # --- construction and copies -------------------------------------------------------

    def __init__(self, **data: Any) -> None:
        provider = data.get("provider")
        if provider is not None and self._provider_name == "openai":
            get_preset(provider)  # an unknown name raises ConfigurationError, not a wrapper
        super().__init__(**data)

    @model_validator(mode="after")
    def _resolve_settings(self) -> Self:
        values = self.__dict__
        self._apply_environment(values)
        if values.get("profile") is None:
            profile = self._resolve_model_profile()
            if profile is not None:
                values["profile"] = profile
        return self

    def _apply_environment(self, values: dict[str, Any]) -> None:
        """Fill provider, endpoint, key and model from the preset and the environment."""
        resolve_openai(values)

    def _resolve_model_profile(self) -> ModelProfile | None:
        provider = self.__dict__.get("provider")
        model = self.__dict__.get("model")
        if model is None or provider not in (None, *OPENAI_PROVIDERS):
            return None
        profile = get_profile(model)
        return cast(ModelProfile, profile) if profile is not None else None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if not name.startswith("_") and name in type(self).model_fields:
            # Cached request settings follow the fields.
            self._defaults = None
            if name in CONNECTION_FIELDS:
                self._http = None

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        memo = {} if memo is None else memo
        for name in SHARED_FIELDS:
            value = self.__dict__.get(name)
            if value is not None:
                memo[id(value)] = value  # clients and hooks are shared, not copied
        return super().__deepcopy__(memo)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, optionally with some fields changed (cached settings follow them)."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied._defaults = None
            if not CONNECTION_FIELDS.isdisjoint(update):
                copied._http = None
        return copied

    # --- names users of the reference read ---------------------------------------------

    @property
    def openai_api_key(self) -> SecretStr | None:
        """The key (same as ``api_key``)."""
        return self.api_key

    @property
    def openai_api_base(self) -> str | None:
        """The endpoint (same as ``base_url``)."""
        return self.base_url

    @property
    def openai_organization(self) -> str | None:
        """The organization id (same as ``organization``)."""
        return self.organization

    @property
    def _llm_type(self) -> str:
        return "openai-chat"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = self.provider or "openai"
        return params

    # --- what every call shares, computed once ------------------------------------------

    def _wire_provider(self) -> str:
        """``response_metadata["model_provider"]``: whose wire format the answer is in."""
        return self.provider or "openai"

    def _body_model(self) -> str:
        if not self.model:
            raise ConfigurationError(
                f"{type(self).__name__} needs a model name: pass model='...' (this provider "
                "has no default model)."
            )
        return self.model

    def _max_tokens_key(self, model: str) -> str:
        preset = preset_of(self.provider)
        return preset.max_tokens_param if preset is not None else "max_completion_tokens"

    def _load_defaults(self) -> Defaults:
        model = self._body_model()
        defaults = request_defaults(
            self.__dict__,
            model=model,
            provider=self._wire_provider(),
            preset=preset_of(self.provider),
            max_tokens_key=self._max_tokens_key(model),
        )
        self._defaults = defaults
        return defaults

    def _load_http(self) -> OpenAIHTTP:
        urls, headers, api_key_env = openai_endpoint(self.__dict__)
        http = shared_http(
            self.__dict__,
            urls=urls,
            headers=headers,
            api_key_env=api_key_env,
            provider=self.provider or "openai",
        )
        self._http = http
        return http

    def close(self) -> None:
        """Close the connections this model opened (a later call opens new ones)."""
        if self._http is not None:
            self._http.close()

    async def aclose(self) -> None:
        """Close the connections this model opened in the running event loop."""
        if self._http is not None:
            await self._http.aclose()

    # --- calls ---------------------------------------------------------------------------

    def _private(self) -> dict[str, Any]:
        # ``self._defaults`` goes through pydantic's __getattr__ (about 1.5 µs a read).
        return cast(dict[str, Any], self.__pydantic_private__)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        private = self._private()
        defaults = private["_defaults"] or self._load_defaults()
        api, body = build_request(defaults, messages, stop, kwargs, stream=False)
        data, headers = (private["_http"] or self._load_http()).post(api, body)
        shown = headers if self.include_response_headers else None
        return chat_result(api, data, shown, defaults.provider, output_version=self.output_version)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        private = self._private()
        defaults = private["_defaults"] or self._load_defaults()
        api, body = build_request(defaults, messages, stop, kwargs, stream=False)
        data, headers = await (private["_http"] or self._load_http()).apost(api, body)
        shown = headers if self.include_response_headers else None
        return chat_result(api, data, shown, defaults.provider, output_version=self.output_version)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        defaults = self._defaults or self._load_defaults()
        api, body = build_request(defaults, messages, stop, kwargs, stream=True)
        events = (self._http or self._load_http()).stream(api, body)
        adapter = stream_events(api, defaults.provider)
        feed = adapter.feed
        try:
            for event in events:
                chunk = feed(event)
                if chunk is not None:
                    yield chunk
            tail = adapter.finish()
            if tail is not None:
                yield tail
        except StreamError:
            if not adapter.done:  # a connection lost after the final chunk loses nothing
                raise
        finally:
            events.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        defaults = self._defaults or self._load_defaults()
        api, body = build_request(defaults, messages, stop, kwargs, stream=True)
        events = await (self._http or self._load_http()).astream(api, body)
        adapter = stream_events(api, defaults.provider)
        feed = adapter.feed
        try:
            async for event in events:
                chunk = feed(event)
                if chunk is not None:
                    yield chunk
            tail = adapter.finish()
            if tail is not None:
                yield tail
        except StreamError:
            if not adapter.done:
                raise
        finally:
            await events.aclose()

    # --- tools and structured output -----------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the model may call: functions, pydantic classes, schemas, built-ins.

        Built-in tools (``{"type": "web_search"}``, ``file_search``, ...) are sent as they
        are and select the Responses API unless ``use_responses_api=False``.

        Args:
            tools: Tool definitions (``@tool`` functions, ``BaseTool``, pydantic classes,
                TypedDicts, JSON schemas, OpenAI tool dicts, built-in tool dicts).
            tool_choice: ``"auto"``, ``"none"``, ``"required"`` / ``"any"`` / True, a tool
                name (or built-in tool type), or an OpenAI ``tool_choice`` dict.
            parallel_tool_calls: False asks for at most one tool call per answer.
            strict: True makes the model follow each tool's schema exactly.
            **kwargs: Other request parameters to bind.

        Raises:
            ValueError: ``tool_choice`` names a tool that is not bound.
        """
        formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]
        bound: dict[str, Any] = {"tools": formatted}
        choice = tool_choice_for(tool_choice, formatted)
        if choice is not None:
            bound["tool_choice"] = choice
        if parallel_tool_calls is not None:
            bound["parallel_tool_calls"] = parallel_tool_calls
        bound.update(kwargs)
        return self.bind(**bound)

    def _structured_output_method(
        self, method: StructuredMethod | None, strict: bool | None
    ) -> tuple[StructuredMethod, bool | None]:
        # OpenAI models default to method="json_schema" with strict=True (the API enforces
        # the schema); compatible servers default to "function_calling".
        openai = (self.provider or "openai") in OPENAI_PROVIDERS
        if method is None:
            native = (self.profile or {}).get("structured_output", True)
            method = "json_schema" if openai and native else "function_calling"
        if method == "json_schema" and strict is None and openai:
            strict = True
        return method, strict

    def _adapt_structured_output(
        self, runnable: Runnable[LanguageModelInput, Any]
    ) -> Runnable[LanguageModelInput, Any]:
        # A refusal raises OutputParserException saying that the model refused.
        if isinstance(runnable, StructuredOutputRunnable):
            runnable.parser = RefusalGuard(inner=runnable.parser)
        return runnable


class AzureChatOpenAI(ChatOpenAI):
    """OpenAI models deployed on Azure OpenAI (Azure AI Foundry).

    Reads ``AZURE_OPENAI_API_KEY``, ``AZURE_OPENAI_ENDPOINT``, ``OPENAI_API_VERSION`` and
    ``AZURE_OPENAI_AD_TOKEN``. Authenticates with the ``api-key`` header, an Entra ID
    token (``azure_ad_token``), or a token provider called before each request.

    Example:
        ```python
        model = AzureChatOpenAI(azure_deployment="gpt-4.1", api_version="2025-03-01-preview")
        model.invoke("Hello").text
        ```
    """

    _provider_name: ClassVar[str | None] = "azure_openai"

    azure_endpoint: str | None = None
    """The resource, e.g. ``https://my-resource.openai.azure.com`` (``AZURE_OPENAI_ENDPOINT``)."""
    azure_deployment: str | None = Field(default=None, alias="deployment_name")
    """The deployment name (also ``deployment_name``)."""
    api_version: str | None = Field(default=None, alias="openai_api_version")
    """A dated API version (``OPENAI_API_VERSION``); None, ``"v1"`` or ``"preview"``: v1."""
    azure_ad_token: SecretStr | None = Field(default=None, exclude=True)
    """An Entra ID token (``AZURE_OPENAI_AD_TOKEN``)."""
    azure_ad_token_provider: Callable[[], str] | None = Field(
        default=None, exclude=True, repr=False
    )
    """Returns an Entra ID token; called before each request."""
    azure_ad_async_token_provider: Callable[[], Awaitable[str]] | None = Field(
        default=None, exclude=True, repr=False
    )
    """Async token provider, used by the async methods (else the sync one is)."""
    model_version: str = ""
    """The deployed model's version, for tracing."""
    openai_api_type: str | None = "azure"
    """Accepted for compatibility."""

    def _apply_environment(self, values: dict[str, Any]) -> None:
        resolve_azure(values)

    @property
    def _llm_type(self) -> str:
        return "azure-openai-chat"

    def _wire_provider(self) -> str:
        return "openai"  # OpenAI's format: its content translator reads these answers

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "azure"
        params["ls_model_name"] = kwargs.get("model") or self.model or self.azure_deployment
        return params

    def _body_model(self) -> str:
        model = azure_body_model(
            model=self.model, deployment=self.azure_deployment, api_version=self.api_version
        )
        if not model:
            raise ConfigurationError(
                "AzureChatOpenAI needs the deployment: pass azure_deployment='...' (or "
                "model='...')."
            )
        return model

    def _max_tokens_key(self, model: str) -> str:
        # Older Azure API versions only know max_tokens; reasoning models need the new name.
        return "max_completion_tokens" if is_reasoning_model(model) else "max_tokens"

    def _load_http(self) -> OpenAIHTTP:
        urls, headers, api_key_env = azure_endpoint(self.__dict__)
        # A key or a fixed token wins; the providers are called per request otherwise.
        fixed = self.api_key is not None or self.azure_ad_token is not None
        http = shared_http(
            self.__dict__,
            urls=urls,
            headers=headers,
            api_key_env=api_key_env,
            provider="azure_openai",
            token=None if fixed else self.azure_ad_token_provider,
            async_token=None if fixed else self.azure_ad_async_token_provider,
        )
        self._http = http
        return http
