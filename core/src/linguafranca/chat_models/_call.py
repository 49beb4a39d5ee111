"""The state of one chat-model call and the logic its sync and async paths share.

A :class:`Call` is built once per call. Everything that is not I/O lives here: input
conversion, the callback manager (only when a handler listens), the streaming decision,
cache keys and hits, chunk ids and metadata, the final result. The loops that drive the
provider and the callbacks are in ``_orchestrate`` (sync) and ``_aorchestrate`` (async).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from random import getrandbits
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from linguafranca.caches import BaseCache, cache_key_for, get_llm_cache
from linguafranca.callbacks import AsyncCallbackManager, CallbackManager
from linguafranca.callbacks._manager_base import context_handlers
from linguafranca.chat_models import _cache
from linguafranca.chat_models._fast import human_message
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    PromptValue,
    convert_to_messages,
    message_chunk_to_message,
)
from linguafranca.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    LLMResult,
    merge_generation_chunks,
)
from linguafranca.runnables import (
    RunnableConfig,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)
from linguafranca.runnables._config import merged_config

if TYPE_CHECKING:
    from linguafranca.chat_models._base import BaseChatModel

__all__ = ["Call", "combine_llm_outputs", "convert_input", "fast_run_id"]


class _RunIds:
    """UUID-shaped ids for calls nobody traces: a random per-process prefix and a counter.

    Unique within a process and, with overwhelming probability, across processes (forks
    draw a new prefix); about ten times cheaper than ``str(uuid4())``. Not secrets.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        h = f"{getrandbits(80):020x}"
        self.prefix = f"{h[:8]}-{h[8:12]}-4{h[12:15]}-{'89ab'[int(h[15], 16) & 3]}{h[16:19]}-"
        self.counter = itertools.count(getrandbits(40))

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFFFFFF:012x}"


fast_run_id = _RunIds()
if hasattr(os, "register_at_fork"):  # POSIX: a forked child draws its own prefix
    os.register_at_fork(after_in_child=fast_run_id.reset)


def convert_input(value: Any) -> list[BaseMessage]:
    """A chat model's input (str, PromptValue or message-likes) as a list of messages.

    Raises:
        TypeError: For anything else, naming what was given.
    """
    if isinstance(value, str):
        return [human_message(value)]
    if isinstance(value, PromptValue):
        return value.to_messages()
    if isinstance(value, Sequence):
        return convert_to_messages(value)
    raise TypeError(
        f"Invalid input type {type(value).__name__}: a chat model takes a str, a "
        "PromptValue, or a list of messages (BaseMessage, (role, content), dict, str)."
    )


class Call:
    """One call of a chat model: invoke, stream, or one input of ``generate``."""

    __slots__ = (
        "model",
        "messages",
        "stop",
        "kwargs",
        "stream_kw",
        "config",
        "manager",
        "run",
        "run_id",
        "_id",
        "cache",
        "_key",
    )

    def __init__(
        self,
        model: BaseChatModel,
        messages: list[BaseMessage],
        config: RunnableConfig | None,
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        async_api: bool,
        run_id: UUID | None = None,
    ) -> None:
        self.model = model
        self.messages = messages
        # The model's stop sequences unless the call gives its own: providers get one list.
        self.stop = stop if stop is not None else model.stop
        # "stream" steers the base class (auto-streaming); providers never see it.
        self.stream_kw: Any = kwargs.pop("stream", None)
        self.kwargs = kwargs
        self.config = merged_config(config)
        self.run: Any = None
        self.run_id = run_id
        self._id: str | None = None
        self._key: tuple[str, str] | None = None
        cache = model.cache
        self.cache: BaseCache | None = (
            None
            if cache is False or (cache is None and get_llm_cache() is None)
            else _cache.pick_cache(type(model).__name__, cache)
        )
        self.manager: CallbackManager | AsyncCallbackManager | None = None
        # The common case, nobody listening, costs three lookups and no manager.
        if (
            self.config.get("callbacks") is not None
            or model.callbacks is not None
            or context_handlers()
        ):
            getter = (
                get_async_callback_manager_for_config
                if async_api
                else get_callback_manager_for_config
            )
            manager = getter(
                self.config,
                local_callbacks=model.callbacks,
                local_tags=model.tags,
                local_metadata=model.metadata,
            )
            if manager is not None:
                manager.add_metadata(model._get_ls_params(stop=self.stop, **kwargs), inherit=False)
            self.manager = manager

    # --- callbacks -------------------------------------------------------------------

    def start_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``on_chat_model_start`` (after ``serialized`` and messages)."""
        model, config = self.model, self.config
        params = model._get_invocation_params(stop=self.stop, **self.kwargs)
        return {
            "run_id": config.get("run_id") or self.run_id,
            "name": config.get("run_name") or model.get_name(),
            "invocation_params": params,
            "options": {"stop": self.stop, **self.kwargs},
            "batch_size": 1,
        }

    def started(self, run: Any) -> None:
        """Record the run manager handed out by ``on_chat_model_start``."""
        self.run = run
        self.run_id = run.run_id

    @property
    def message_id(self) -> str:
        """``lc_run-<run id>``: the id of messages and chunks the provider left without one."""
        if self._id is None:
            rid = self.run_id
            self._id = f"lc_run-{rid if rid is not None else fast_run_id()}"
        return self._id

    @staticmethod
    def llm_result(result: ChatResult) -> LLMResult:
        """What ``on_llm_end`` receives."""
        return LLMResult(generations=[list(result.generations)], llm_output=result.llm_output)

    # --- streaming decision ----------------------------------------------------------

    def can_stream(self, async_api: bool) -> bool:
        """Whether the provider streams and streaming is not turned off for this call."""
        model = self.model
        if not model._has_stream(async_api):
            return False
        disabled = model.disable_streaming
        if disabled is True or (disabled == "tool_calling" and self.kwargs.get("tools")):
            return False
        if self.stream_kw is not None and not self.stream_kw:
            return False
        return model.streaming or "streaming" not in model.__pydantic_fields_set__

    def should_stream(self, async_api: bool) -> bool:
        """Whether ``invoke`` streams internally (auto-streaming)."""
        manager = self.manager
        asked = self.stream_kw or self.model.streaming or (manager is not None and manager.streams)
        return bool(asked) and self.can_stream(async_api)

    # --- cache -----------------------------------------------------------------------

    def cache_key(self) -> tuple[str, str]:
        """``(prompt, llm_string)`` of this call."""
        if self._key is None:
            self._key = cache_key_for(
                self.messages, self.model._cache_params(), {"stop": self.stop, **self.kwargs}
            )
        return self._key

    def from_cache(self, found: Sequence[Any]) -> ChatResult | None:
        """A cache hit as a result marked as a hit, or None for an unusable (empty) entry."""
        generations = _cache.as_chat_generations(found)
        if not generations:
            return None
        marked = [
            ChatGeneration(
                message=_cache.mark_hit(g.message, self.message_id),
                generation_info=g.generation_info,
            )
            for g in generations
        ]
        return ChatResult(generations=marked)

    def replay(self, result: ChatResult) -> list[ChatGenerationChunk]:
        """A (cached) result as stream chunks."""
        message = result.generations[0].message
        if not isinstance(message, AIMessage):
            message = AIMessage(content=message.content, id=message.id)
        return [ChatGenerationChunk(message=c) for c in _cache.replay_chunks(message)]

    # --- chunks and results ----------------------------------------------------------

    def prepare_chunk(self, chunk: ChatGenerationChunk | AIMessageChunk) -> AIMessageChunk:
        """Give a provider chunk its id and generation info; return its message."""
        if isinstance(chunk, AIMessageChunk):
            values = chunk.__dict__
            if values["id"] is None:
                values["id"] = self.message_id
            return chunk
        message = chunk.message
        values = message.__dict__
        if values["id"] is None:
            values["id"] = self.message_id
        info = chunk.generation_info
        if info:
            values["response_metadata"] = {**info, **values["response_metadata"]}
        return cast(AIMessageChunk, message)

    def tail(self, last: AIMessageChunk | None) -> ChatGenerationChunk | None:
        """The empty closing chunk to send when the provider's last lacked ``"last"``."""
        if last is not None and last.chunk_position == "last":
            return None
        empty: str | list[str | dict[str, Any]] = (
            [] if last is not None and not isinstance(last.content, str) else ""
        )
        return ChatGenerationChunk(
            message=AIMessageChunk(content=empty, chunk_position="last", id=self.message_id)
        )

    def from_chunks(self, chunks: list[ChatGenerationChunk]) -> ChatGeneration:
        """The chunks merged (linear time) into one finished generation."""
        merged = merge_generation_chunks(chunks)
        return ChatGeneration(
            message=message_chunk_to_message(merged.message),
            generation_info=merged.generation_info,
        )

    def finish(self, result: ChatResult) -> ChatResult:
        """Give a provider result's messages their ids and metadata (in place)."""
        generations = result.generations
        if not generations:
            raise ValueError(
                f"{type(self.model).__name__}._generate returned no generations: a provider "
                "must return at least one ChatGeneration."
            )
        single = len(generations) == 1
        llm_output = result.llm_output
        for index, generation in enumerate(generations):
            values = generation.message.__dict__
            if values["id"] is None:
                values["id"] = self.message_id if single else f"{self.message_id}-{index}"
            info = generation.generation_info
            if info:
                values["response_metadata"] = {**info, **values["response_metadata"]}
            if single and llm_output:
                values["response_metadata"] = {**llm_output, **values["response_metadata"]}
        return result

    def as_chunk(self, message: BaseMessage) -> AIMessageChunk:
        """A finished message as the one chunk of a stream (``chunk_position="last"``)."""
        values: dict[str, Any] = {
            k: v
            for k, v in message.__dict__.items()
            if k not in ("type", "tool_call_chunks", "chunk_position")
        }
        if isinstance(message, AIMessage) and not isinstance(message, AIMessageChunk):
            # The chunk rebuilds its tool_call_chunks from the finished calls.
            values["tool_calls"] = message.tool_calls
        elif isinstance(message, AIMessageChunk):
            values["tool_call_chunks"] = message.tool_call_chunks
            values.pop("tool_calls", None)
            values.pop("invalid_tool_calls", None)
        if message.__pydantic_extra__:
            values.update(message.__pydantic_extra__)
        values["chunk_position"] = "last"
        return AIMessageChunk.model_validate(values)


def combine_llm_outputs(outputs: Sequence[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Default ``_combine_llm_outputs``: token usage summed, other keys from the first output."""
    combined: dict[str, Any] = {}
    usage: dict[str, Any] = {}
    for output in outputs:
        if not output:
            continue
        for key, value in output.items():
            if key == "token_usage" and isinstance(value, Mapping):
                _add_into(usage, value)
            else:
                combined.setdefault(key, value)
    if usage:
        combined = {"token_usage": usage, **combined}
    return combined


def _add_into(total: dict[str, Any], more: Mapping[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, Mapping):
            _add_into(total.setdefault(key, {}), value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value
        elif value is not None:
            total.setdefault(key, value)
