"""The integration suite against a real HTTP emulator, through a minimal OpenAI-style model.

``ChatMiniOpenAI`` exists to run the wire-level tests (request log, faults, sockets)
against the OpenAI emulator without depending on a partner package.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from linguafranca.chat_models import BaseChatModel
from linguafranca.errors import StreamError
from linguafranca.http import ClientSettings, HTTPClients, RetryPolicy, post_json, stream_sse
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    UsageMetadata,
    convert_to_openai_messages,
)
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from linguafranca_tests import Capabilities
from linguafranca_tests.integration_tests import ChatModelIntegrationTests


def _usage(raw: Mapping[str, Any] | None) -> UsageMetadata | None:
    if not raw:
        return None
    return {
        "input_tokens": raw["prompt_tokens"],
        "output_tokens": raw["completion_tokens"],
        "total_tokens": raw["total_tokens"],
    }


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


# Models with equal settings share clients (as partners do): a client per model instance
# would be left unclosed when the instance is garbage collected.
_CLIENTS: dict[ClientSettings, HTTPClients] = {}


class ChatMiniOpenAI(BaseChatModel):
    """Just enough of OpenAI Chat Completions: text, tools, usage, stop, streaming."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self._bind_tools_standard(tools, **kwargs)

    def _http(self) -> HTTPClients:
        key = self.api_key.get_secret_value() if self.api_key else ""
        settings = ClientSettings(
            base_url=self.base_url or "",
            timeout=self.timeout or 30.0,
            headers={"authorization": f"Bearer {key}"},
        )
        clients = _CLIENTS.get(settings)
        if clients is None:
            clients = _CLIENTS[settings] = HTTPClients(settings)
        return clients

    def _retry(self) -> RetryPolicy:
        return RetryPolicy(max_retries=self.max_retries or 0, initial_delay=0.01)

    def _body(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Any) -> Any:
        body: dict[str, Any] = {
            "model": kwargs.get("model") or self.model,
            "messages": convert_to_openai_messages(messages),
        }
        if stop:
            body["stop"] = stop
        if kwargs.get("tools"):
            body["tools"] = kwargs["tools"]
        if kwargs.get("tool_choice") is not None:
            body["tool_choice"] = _tool_choice(kwargs["tool_choice"])
        return body

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = self._body(messages, stop, kwargs)
        data, _ = post_json(
            self._http().client(), "/chat/completions", body, retry=self._retry(), provider="mini"
        )
        raw = data["choices"][0]["message"]
        calls = [
            {
                "name": c["function"]["name"],
                "args": json.loads(c["function"]["arguments"] or "{}"),
                "id": c["id"],
                "type": "tool_call",
            }
            for c in raw.get("tool_calls") or []
        ]
        message = AIMessage(
            content=raw.get("content") or "",
            tool_calls=calls,
            usage_metadata=_usage(data.get("usage")),
            response_metadata={"model_name": data["model"]},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        body = {
            **self._body(messages, stop, kwargs),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        events = stream_sse(
            self._http().client(), "/chat/completions", body, retry=self._retry(), provider="mini"
        )
        named = False
        try:
            for event in events:
                try:
                    data = event.json()
                except ValueError as exc:
                    raise StreamError(f"a malformed event: {event.data!r}") from exc
                chunk = self._chunk(data, named)
                named = named or "model_name" in chunk.response_metadata
                yield ChatGenerationChunk(message=chunk)
        finally:
            events.close()

    @staticmethod
    def _chunk(data: Mapping[str, Any], named: bool) -> AIMessageChunk:
        metadata = {} if named else {"model_name": data["model"]}
        if not data.get("choices"):
            return AIMessageChunk(
                content="", usage_metadata=_usage(data.get("usage")), response_metadata=metadata
            )
        delta = data["choices"][0].get("delta") or {}
        pieces = [
            {
                "name": (c.get("function") or {}).get("name"),
                "args": (c.get("function") or {}).get("arguments"),
                "id": c.get("id"),
                "index": c.get("index"),
                "type": "tool_call_chunk",
            }
            for c in delta.get("tool_calls") or []
        ]
        return AIMessageChunk(
            content=delta.get("content") or "",
            tool_call_chunks=pieces,
            response_metadata=metadata,
        )


@pytest.fixture(autouse=True, scope="module")
def _close_clients() -> Iterator[None]:
    yield
    for clients in _CLIENTS.values():
        clients.close()
    _CLIENTS.clear()


class TestMiniOpenAIIntegration(ChatModelIntegrationTests):
    chat_model_class = ChatMiniOpenAI
    chat_model_params = {"model": "gpt-4o-mini"}
    capabilities = Capabilities(
        tool_calling=True,
        tool_choice=True,
        parallel_tool_calls=True,
        streaming_tool_calls=True,
        model_override="gpt-4.1-mini",
    )
    emulator = "openai"
    live_env = ("LINGUAFRANCA_MINI_NEVER_SET",)
