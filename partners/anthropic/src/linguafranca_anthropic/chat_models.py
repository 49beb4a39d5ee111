"""``ChatAnthropic``: Claude models through Anthropic's Messages API.

Parameters and capabilities live here; the wire mapping is in the pure converters
(``_convert_request``, ``_convert_response``, ``_stream``) and the HTTP in ``_client``.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar, cast

import httpx
from pydantic import BaseModel, Field, SecretStr, model_validator
from typing_extensions import Self

from linguafranca.callbacks import CallbackManagerForLLMRun
from linguafranca.chat_models import BaseChatModel, ModelProfile, from_env, secret_from_env
from linguafranca.errors import ConfigurationError
from linguafranca.messages import AIMessage, AIMessageChunk, BaseMessage, LanguageModelInput
from linguafranca.outputs import ChatGeneration, ChatResult
from linguafranca.runnables import Runnable
from linguafranca.tools import convert_to_openai_tool, is_builtin_tool, normalize_tool_choice
from linguafranca_anthropic._client import DEFAULT_BASE_URL, AnthropicClient
from linguafranca_anthropic._convert_request import (
    build_count_tokens_request,
    build_request,
    convert_tool,
)
from linguafranca_anthropic._convert_response import parse_count_tokens, parse_response
from linguafranca_anthropic._stream import replies_with_text_only
from linguafranca_anthropic.profiles import default_max_tokens, get_profile

__all__ = ["ChatAnthropic"]

_BM = TypeVar("_BM", bound=BaseModel)
StructuredMethod = Literal["function_calling", "json_mode", "json_schema"]

STRUCTURED_OUTPUTS_BETA = "structured-outputs-2025-11-13"
"""The ``anthropic-beta`` feature sent with native structured output (``output_config``)."""

# Per-call options with their own build_request argument (the rest are body fields).
_OWN_ARGUMENTS = frozenset(
    {
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "thinking",
        "system",
        "model",
        "max_tokens",
        "response_format",
        "output_format",
        "betas",
        "ls_structured_output_format",
    }
)
# Fields that shape the HTTP client: changing one (model_copy) needs a new client.
_CLIENT_FIELDS = frozenset(
    {
        "api_key",
        "anthropic_api_key",
        "base_url",
        "anthropic_api_url",
        "timeout",
        "max_retries",
        "default_headers",
        "betas",
        "proxy",
        "anthropic_proxy",
        "http_client",
        "http_async_client",
    }
)
# Where a model keeps its AnthropicClient (see ChatAnthropic._http).
_CLIENT_KEY = "_anthropic_client"
# JSON-schema keywords Anthropic's structured outputs reject: moved into the description.
_UNSUPPORTED_KEYWORDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
    "uniqueItems",
)


def _strict_schema(schema: Any) -> Any:
    """``schema`` as Anthropic's structured outputs accept it (a new dict).

    Objects get ``additionalProperties: false`` (required by the API); ``oneOf`` becomes
    ``anyOf``; numeric, length and size constraints the API rejects are kept as text in
    the description, so the model still sees them.
    """
    if isinstance(schema, list):
        return [_strict_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    moved: list[str] = []
    for key, value in schema.items():
        if key in _UNSUPPORTED_KEYWORDS or (key == "minItems" and value not in (0, 1)):
            moved.append(f"{key}: {value}")
        elif key in ("properties", "$defs", "definitions") and isinstance(value, Mapping):
            out[key] = {name: _strict_schema(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf", "allOf", "not", "prefixItems"):
            out[key] = _strict_schema(value)
        elif key == "oneOf":
            out["anyOf"] = _strict_schema(value)
        elif key != "additionalProperties":
            out[key] = value
    if out.get("type") == "object" or "properties" in out:
        out["additionalProperties"] = False
    if moved:
        note = "{" + ", ".join(moved) + "}"
        description = out.get("description")
        out["description"] = f"{description}\n\n{note}" if description else note
    return out


def _output_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI's ``response_format`` (from ``with_structured_output``) -> Anthropic's format."""
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else response_format.get("schema")
        if isinstance(schema, Mapping):
            return {"type": "json_schema", "schema": _strict_schema(schema)}
    raise ConfigurationError(
        f"response_format={dict(response_format)!r} is not supported by Anthropic: give "
        "{'type': 'json_schema', 'json_schema': {'schema': {...}}} (Anthropic has no JSON "
        "mode), or use with_structured_output(schema, method='json_schema')."
    )


def _mark_cache_control(message: BaseMessage, cache_control: Any) -> BaseMessage:
    """A copy of ``message`` whose last content block carries ``cache_control``."""
    content = message.content
    if isinstance(content, str):
        if not content:
            raise ConfigurationError(
                "A message has additional_kwargs['cache_control'] but no content to mark: "
                "put cache_control on one of its content blocks instead."
            )
        blocks: list[Any] = [{"type": "text", "text": content, "cache_control": cache_control}]
    else:
        if not content:
            raise ConfigurationError(
                "A message has additional_kwargs['cache_control'] but an empty content list."
            )
        last = content[-1]
        if isinstance(last, str):
            last = {"type": "text", "text": last}
        blocks = [*content[:-1], {**last, "cache_control": cache_control}]
    return message.model_copy(update={"content": blocks})


def _apply_message_cache_control(messages: list[BaseMessage]) -> list[BaseMessage]:
    """Messages with ``additional_kwargs["cache_control"]`` get it on their last block."""
    marked: list[BaseMessage] | None = None
    for position, message in enumerate(messages):
        extra = message.additional_kwargs
        if extra and (cache_control := extra.get("cache_control")) is not None:
            if marked is None:
                marked = list(messages)
            marked[position] = _mark_cache_control(message, cache_control)
    return messages if marked is None else marked


def _format_tool(tool: Any, strict: bool | None) -> dict[str, Any]:
    """A tool in Anthropic form; Anthropic-native and built-in tool dicts pass unchanged."""
    if isinstance(tool, Mapping) and ("input_schema" in tool or is_builtin_tool(tool)):
        return convert_tool(tool)
    return convert_tool(convert_to_openai_tool(tool, strict=strict))


def _tool_choice(choice: Any) -> Any:
    """The neutral ``{"type": "function", "name": n}`` form as a plain tool name."""
    if choice is None or isinstance(choice, str):
        return choice
    if isinstance(choice, Mapping) and choice.get("type") == "function" and "name" in choice:
        return choice["name"]
    return choice


def _forces_tool(choice: Any) -> bool:
    if isinstance(choice, str):
        return choice not in ("auto", "none")
    return isinstance(choice, Mapping) and choice.get("type") in ("any", "tool")


class ChatAnthropic(BaseChatModel):
    """Anthropic's Claude models (Messages API), spoken over HTTP with httpx.

    The key is read from ``ANTHROPIC_API_KEY`` and the endpoint from
    ``ANTHROPIC_BASE_URL`` unless given. ``max_tokens`` defaults to the model's output
    limit (the API requires it).

    Example:
        ```python
        from linguafranca_anthropic import ChatAnthropic

        model = ChatAnthropic(model="claude-sonnet-4-5", temperature=0)
        model.invoke("Why is the sky blue?").text
        ```
    """

    model: str = Field(alias="model_name")
    """Model name, e.g. ``"claude-sonnet-4-5"`` (also accepted as ``model_name``)."""
    max_tokens: int | None = Field(default=None, alias="max_tokens_to_sample")
    """Largest number of tokens to generate (default: the model's output limit)."""
    timeout: float | None = Field(default=None, alias="default_request_timeout")
    """Seconds to wait for a response (also accepted as ``default_request_timeout``)."""
    max_retries: int = 2
    """Retries of a failed request (429, 5xx, 529 and connection errors)."""
    top_k: int | None = None
    """Sample from the ``top_k`` most likely tokens only."""
    top_p: float | None = None
    """Nucleus sampling: the smallest token set whose probability reaches ``top_p``."""
    api_key: SecretStr = Field(
        alias="anthropic_api_key", default_factory=secret_from_env("ANTHROPIC_API_KEY")
    )
    """The API key (``ANTHROPIC_API_KEY``; also accepted as ``anthropic_api_key``)."""
    base_url: str = Field(
        alias="anthropic_api_url",
        default_factory=from_env(
            ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_URL"), default=DEFAULT_BASE_URL
        ),
    )
    """The server root (``ANTHROPIC_BASE_URL``; also accepted as ``anthropic_api_url``)."""
    default_headers: dict[str, str] | None = Field(default=None, exclude=True, repr=False)
    """Extra headers sent with every request (not serialized: they may hold credentials)."""
    betas: list[str] | None = None
    """Beta features, sent in the ``anthropic-beta`` header."""
    thinking: dict[str, Any] | None = None
    """Extended thinking: ``{"type": "enabled", "budget_tokens": 2048}`` or
    ``{"type": "adaptive"}``."""
    effort: str | None = None
    """Effort level (``"low"``, ``"medium"``, ``"high"``), for models that take one."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other Messages API body fields sent with every request (e.g. ``metadata``)."""
    stream_usage: bool = True
    """Report token usage on streamed chunks."""
    proxy: str | None = Field(default=None, alias="anthropic_proxy")
    """Proxy URL (default: ``HTTPS_PROXY`` from the environment)."""
    http_client: httpx.Client | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx.Client`` to send requests with (default: one built per model)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx.AsyncClient`` for the async methods (default: one built per model)."""

    _structured_output_methods: ClassVar[frozenset[str]] = frozenset(
        {"function_calling", "json_schema"}
    )
    _provider_name: ClassVar[str | None] = "anthropic"

    def __init__(self, **data: Any) -> None:
        if not (data.get("model") or data.get("model_name")):
            raise ConfigurationError(
                "ChatAnthropic needs a model name: ChatAnthropic(model='claude-sonnet-4-5')."
            )
        super().__init__(**data)

    @model_validator(mode="after")
    def _default_max_tokens(self) -> Self:
        if self.max_tokens is None:
            self.__dict__["max_tokens"] = default_max_tokens(self.model)
        return self

    # --- BaseChatModel hooks ---------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "anthropic-chat"

    def _resolve_model_profile(self) -> ModelProfile | None:
        return cast("ModelProfile | None", get_profile(self.model))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; it keeps the HTTP connections unless ``update`` changes a client setting."""
        if update:
            update = dict(update)
            key = update.pop("anthropic_api_key", update.get("api_key"))
            if key is not None:
                # model_copy does not validate: keep the key a SecretStr (hidden in repr).
                update["api_key"] = SecretStr(key) if isinstance(key, str) else key
        copy = super().model_copy(update=update, deep=deep)
        if update and not _CLIENT_FIELDS.isdisjoint(update):
            copy.__dict__.pop(_CLIENT_KEY, None)
        return copy

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        # Connections cannot be pickled; the copy builds its own on first use.
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k != _CLIENT_KEY}
        return state

    def _http(self) -> AnthropicClient:
        """The HTTP client, built on first use and shared by bound copies."""
        # Kept in the instance dict, not a pydantic private attribute: this is read on
        # every call, and private attributes go through a slow __getattr__.
        client: AnthropicClient | None = self.__dict__.get(_CLIENT_KEY)
        if client is None:
            client = self.__dict__[_CLIENT_KEY] = AnthropicClient(
                api_key=self.api_key.get_secret_value(),
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
                betas=self.betas or (),
                default_headers=self.default_headers,
                proxy=self.proxy,
                http_client=self.http_client,
                http_async_client=self.http_async_client,
            )
        return client

    def close(self) -> None:
        """Close the connections this model opened (a new call opens new ones)."""
        client: AnthropicClient | None = self.__dict__.get(_CLIENT_KEY)
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the connections this model opened in the running event loop."""
        client: AnthropicClient | None = self.__dict__.get(_CLIENT_KEY)
        if client is not None:
            await client.aclose()

    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        *,
        stream: bool,
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The request body of one call, and the beta features it needs."""
        params: dict[str, Any] = {}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.top_k is not None:
            params["top_k"] = self.top_k
        if self.top_p is not None:
            params["top_p"] = self.top_p
        if self.effort is not None:
            params["effort"] = self.effort
        if stop:
            params["stop"] = stop
        if self.model_kwargs:
            params.update(self.model_kwargs)
        get = kwargs.get
        betas: tuple[str, ...] = ()
        output_format = None
        if kwargs:
            params.update({k: v for k, v in kwargs.items() if k not in _OWN_ARGUMENTS})
            output_format = get("output_format")
            response_format = get("response_format")
            if response_format is not None:
                output_format = _output_format(response_format)
            if output_format is not None:
                betas = (STRUCTURED_OUTPUTS_BETA,)
            if call_betas := get("betas"):
                betas = (*call_betas, *betas)
        body = build_request(
            _apply_message_cache_control(messages),
            model=get("model") or self.model,
            max_tokens=get("max_tokens") or cast(int, self.max_tokens),
            params=params,
            tools=get("tools"),
            tool_choice=_tool_choice(get("tool_choice")),
            parallel_tool_calls=get("parallel_tool_calls"),
            stream=True if stream else None,
            thinking=get("thinking", self.thinking),
            system=get("system"),
            output_format=output_format,
        )
        return body, betas

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body, betas = self._request(messages, stop, kwargs, stream=False)
        message, llm_output = parse_response(self._http().create(body, betas=betas))
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output=llm_output)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        body, betas = self._request(messages, stop, kwargs, stream=False)
        message, llm_output = parse_response(await self._http().acreate(body, betas=betas))
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output=llm_output)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        # The client's own generator is returned, not re-yielded: one layer less per chunk.
        # It sends nothing until first iterated; its chunks carry the reply's id.
        usage = self._stream_usage(kwargs)
        body, betas = self._request(messages, stop, kwargs, stream=True)
        return self._http().stream(
            body, as_string=replies_with_text_only(body), betas=betas, usage=usage
        )

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        # As _stream: an async generator (with aclose) that starts on first iteration.
        usage = self._stream_usage(kwargs)
        body, betas = self._request(messages, stop, kwargs, stream=True)
        return self._http().astream(
            body, as_string=replies_with_text_only(body), betas=betas, usage=usage
        )

    def _stream_usage(self, kwargs: dict[str, Any]) -> bool:
        """Whether streamed chunks carry usage: a call's ``stream_usage``, else the model's.

        The per-call option is taken out of ``kwargs``: it is not a Messages API field.
        """
        given = kwargs.pop("stream_usage", None)
        return self.stream_usage if given is None else bool(given)

    # --- tools, structured output, token counting ----------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the model may call.

        Args:
            tools: Functions, ``@tool`` tools, pydantic classes, TypedDicts, JSON schemas,
                OpenAI tool dicts or Anthropic tool dicts (``{"name", "input_schema",
                "cache_control"?}``); built-in server tools
                (``{"type": "web_search_20250305", "name": "web_search"}``) pass unchanged.
            tool_choice: ``"auto"``, ``"any"`` (or ``"required"``, ``True``), ``"none"``,
                a tool name, or an Anthropic ``tool_choice`` dict.
            parallel_tool_calls: ``False`` asks for at most one tool call
                (``disable_parallel_tool_use``).
            strict: Ask Anthropic to follow the tools' schemas exactly.
            **kwargs: Other options bound with the tools.

        Raises:
            ValueError: ``tool_choice`` names a tool that is not bound.
        """
        formatted = [_format_tool(tool, strict) for tool in tools]
        names = [str(t.get("name") or t.get("type")) for t in formatted]
        choice = _tool_choice(normalize_tool_choice(tool_choice, names))
        if choice == "required":
            choice = "any"
        thinking = self.thinking
        if _forces_tool(choice) and thinking and thinking.get("type") != "disabled":
            # The API rejects forced tool use while thinking: let the model choose instead.
            warnings.warn(
                f"ChatAnthropic: tool_choice={tool_choice!r} cannot force a tool call while "
                "thinking is enabled; the model will choose whether to call a tool. Disable "
                "thinking, or use with_structured_output(method='json_schema').",
                UserWarning,
                stacklevel=2,
            )
            choice = None
        bound: dict[str, Any] = {"tools": formatted}
        if choice is not None:
            bound["tool_choice"] = choice
        if parallel_tool_calls is not None:
            bound["parallel_tool_calls"] = parallel_tool_calls
        bound.update(kwargs)
        return self.bind(**bound)

    def _structured_output_method(
        self, method: StructuredMethod | None, strict: bool | None
    ) -> tuple[StructuredMethod, bool | None]:
        # method="json_schema" is Anthropic's native structured output, which only the
        # models whose profile says so support; "function_calling" (default) forces a tool.
        if method == "json_schema" and self.profile and not self.profile.get("structured_output"):
            raise ConfigurationError(
                f"{self.model} does not support native structured output "
                "(method='json_schema'): use method='function_calling' or a newer model "
                "such as claude-sonnet-4-5."
            )
        return super()._structured_output_method(method, strict)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | Any] | None = None,
        **kwargs: Any,
    ) -> int:
        """Count the input tokens of ``messages`` (and ``tools``) with the token-count API.

        Args:
            messages: The conversation.
            tools: Tools that would be bound.
            **kwargs: ``thinking``, ``tool_choice``, ``system``.
        """
        body = build_count_tokens_request(
            _apply_message_cache_control(list(messages)),
            model=self.model,
            tools=[_format_tool(t, None) for t in tools] if tools else None,
            tool_choice=_tool_choice(kwargs.get("tool_choice")),
            thinking=kwargs.get("thinking", self.thinking),
            system=kwargs.get("system"),
        )
        return parse_count_tokens(self._http().count_tokens(body))
