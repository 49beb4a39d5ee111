"""BaseChatModel: the one call path (invoke, stream, batch, generate), callbacks, parameters."""

import asyncio
import importlib
import json
import re
import subprocess
import sys
import uuid
from collections import Counter
from typing import Any

import pytest
from pydantic import Field, SecretStr

from linguafranca.callbacks import BaseCallbackHandler, CallbackManager, get_usage_metadata_callback
from linguafranca.chat_models import BaseChatModel, _fast, from_env, secret_from_env
from linguafranca.chat_models.fake import GenericFakeChatModel, ScriptedFakeChatModel
from linguafranca.errors import ConfigurationError
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    ChatPromptValue,
    HumanMessage,
    SystemMessage,
    merge_chunks,
)
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from linguafranca.rate_limiters import BaseRateLimiter
from linguafranca.runnables import (
    ConfigurableField,
    RunnableBinding,
    RunnableConfig,
    RunnableLambda,
)


class Recorder(BaseCallbackHandler):
    raise_error = True
    run_inline = True

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.start_kwargs = []
        self.tokens = []
        self.results = []
        self.errors = []
        self.error_responses: list[LLMResult] = []

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.counts["start"] += 1
        self.start_kwargs.append(kwargs)

    def on_llm_new_token(self, token, **kwargs):
        self.counts["token"] += 1
        self.tokens.append(kwargs["chunk"])

    def on_llm_end(self, response, **kwargs):
        self.counts["end"] += 1
        self.results.append(response)

    def on_llm_error(self, error, **kwargs):
        self.counts["error"] += 1
        self.errors.append(error)
        self.error_responses.append(kwargs["response"])


class Echo(BaseChatModel):
    """Answers "echo: <last text>"; records what the provider hooks receive."""

    calls: list[Any] = Field(default_factory=list)
    fail: bool = False

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.calls.append(("generate", stop, kwargs))
        if self.fail:
            raise RuntimeError("provider down")
        message = AIMessage(content=f"echo: {messages[-1].text}")
        return ChatResult(
            generations=[
                ChatGeneration(message=message, generation_info={"finish_reason": "stop"})
            ],
            llm_output={
                "token_usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
                "model_name": self.model or "echo",
            },
        )


class StreamingEcho(Echo):
    """Streams "echo: <text>" word by word; optionally leaves the last chunk unmarked."""

    mark_last: bool = True
    chunk_id: str | None = None

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        assert run_manager is None  # the base class reports tokens, never the provider
        self.calls.append(("stream", stop, kwargs))
        if self.fail:
            raise RuntimeError("provider down")
        words = re.findall(r"\s*\S+", f"echo: {messages[-1].text}")
        for index, word in enumerate(words):
            last = self.mark_last and index == len(words) - 1
            message = AIMessageChunk(
                content=word, id=self.chunk_id, chunk_position="last" if last else None
            )
            yield ChatGenerationChunk(message=message)


class CountingLimiter(BaseRateLimiter):
    def __init__(self):
        self.count = 0

    def acquire(self, *, blocking=True):
        self.count += 1
        return True

    async def aacquire(self, *, blocking=True):
        self.count += 1
        return True


# --- invoke / input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "hi",
        [("system", "be brief"), ("human", "hi")],
        [{"role": "user", "content": "hi"}],
        [HumanMessage("hi")],
        ChatPromptValue(messages=[SystemMessage("s"), HumanMessage("hi")]),
    ],
)
def test_invoke_accepts_every_input_kind(value):
    model = Echo()
    result = model.invoke(value)
    assert isinstance(result, AIMessage)
    assert result.content == "echo: hi"
    assert result.id is not None and result.id.startswith("lc_run-")
    uuid.UUID(result.id.removeprefix("lc_run-"))  # a UUID-shaped run id


def test_invoke_rejects_other_input():
    with pytest.raises(TypeError, match="takes a str, a PromptValue, or a list"):
        Echo().invoke(42)  # type: ignore[arg-type]


def test_invoke_merges_generation_info_and_llm_output_into_response_metadata():
    result = Echo(model="echo-1").invoke("hi")
    assert result.response_metadata == {
        "token_usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
        "model_name": "echo-1",
        "finish_reason": "stop",
    }


def test_provider_ids_are_kept():
    model = GenericFakeChatModel(messages=iter([AIMessage("x", id="provider-1")]))
    assert model.invoke("hi").id == "provider-1"


def test_each_call_gets_its_own_id():
    model = Echo()
    assert model.invoke("a").id != model.invoke("a").id


async def test_ainvoke_uses_the_sync_provider_in_a_thread():
    model = Echo()
    result = await model.ainvoke("hi")
    assert result.content == "echo: hi"
    assert model.calls[0][0] == "generate"


def test_stop_resolution_and_kwargs_reach_the_provider():
    model = Echo(stop_sequences=["END"])  # type: ignore[call-arg]
    assert model.stop == ["END"]
    model.invoke("hi", top_k=3)
    model.invoke("hi", stop=["STOP"])
    assert model.calls[0] == ("generate", ["END"], {"top_k": 3})
    assert model.calls[1] == ("generate", ["STOP"], {})


def test_stream_kwarg_is_consumed_by_the_base_class():
    model = StreamingEcho()
    model.invoke("hi", stream=True, top_k=1)
    model.invoke("hi", stream=False)
    assert model.calls == [("stream", None, {"top_k": 1}), ("generate", None, {})]


# --- stream ----------------------------------------------------------------------------


def test_stream_yields_chunks_with_a_last_marker_and_one_id():
    chunks = list(StreamingEcho().stream("a b"))
    assert [c.content for c in chunks] == ["echo:", " a", " b"]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert chunks[-1].chunk_position == "last"
    assert [c.chunk_position for c in chunks[:-1]] == [None, None]
    assert len({c.id for c in chunks}) == 1 and str(chunks[0].id).startswith("lc_run-")
    assert merge_chunks(chunks).content == "echo: a b"


def test_stream_appends_an_empty_last_chunk_when_the_provider_did_not_mark_one():
    chunks = list(StreamingEcho(mark_last=False).stream("a"))
    assert [c.content for c in chunks] == ["echo:", " a", ""]
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].id == chunks[0].id


def test_stream_keeps_provider_chunk_ids():
    chunks = list(StreamingEcho(chunk_id="resp-9", mark_last=False).stream("a"))
    assert {c.id for c in chunks[:-1]} == {"resp-9"}
    assert merge_chunks(chunks).id == "resp-9"  # provider ids win when merged


def test_stream_without_provider_streaming_yields_one_last_chunk():
    chunks = list(Echo().stream("hi"))
    assert len(chunks) == 1
    assert isinstance(chunks[0], AIMessageChunk)
    assert chunks[0].chunk_position == "last"
    assert chunks[0].content == "echo: hi"
    assert chunks[0].response_metadata["finish_reason"] == "stop"


def test_stream_of_a_tool_call_answer_without_provider_streaming():
    answer = AIMessage("", tool_calls=[{"name": "f", "args": {"x": 1}, "id": "c1"}])
    model = FakeMessagesListChatModelLike(answer)
    (chunk,) = list(model.stream("hi"))
    assert chunk.tool_calls == answer.tool_calls
    assert chunk.tool_call_chunks[0]["name"] == "f"


class FakeMessagesListChatModelLike(BaseChatModel):
    answer: AIMessage

    def __init__(self, answer, **kwargs):
        super().__init__(answer=answer, **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        return ChatResult(generations=[ChatGeneration(message=self.answer.model_copy())])


async def test_astream_uses_the_sync_stream_in_a_thread():
    chunks = [c async for c in StreamingEcho(mark_last=False).astream("a")]
    assert [c.content for c in chunks] == ["echo:", " a", ""]
    assert chunks[-1].chunk_position == "last"


async def test_astream_without_provider_streaming_yields_one_chunk():
    chunks = [c async for c in Echo().astream("hi")]
    assert len(chunks) == 1 and chunks[0].chunk_position == "last"


def test_disable_streaming_makes_stream_yield_the_invoke_result():
    model = StreamingEcho(disable_streaming=True)
    chunks = list(model.stream("a"))
    assert len(chunks) == 1 and chunks[0].content == "echo: a"
    assert [kind for kind, _, _ in model.calls] == ["generate"]


def test_streaming_false_explicitly_disables_streaming():
    model = StreamingEcho(streaming=False)
    assert len(list(model.stream("a"))) == 1


def test_disable_streaming_tool_calling_only_when_tools_are_bound():
    model = StreamingEcho(disable_streaming="tool_calling")
    assert len(list(model.stream("a"))) == 2
    assert len(list(model.stream("a", tools=[{"type": "function"}]))) == 1


# --- batch / generate / __call__ -------------------------------------------------------


def test_batch_keeps_order_and_calls_once_per_input():
    model = Echo()
    results = model.batch(["a", "b", "c"])
    assert [r.content for r in results] == ["echo: a", "echo: b", "echo: c"]
    assert len(model.calls) == 3


async def test_abatch_keeps_order():
    results = await Echo().abatch(["a", "b"])
    assert [r.content for r in results] == ["echo: a", "echo: b"]


def test_batch_return_exceptions():
    results = Echo(fail=True).batch(["a", "b"], return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


def test_generate_returns_an_llm_result_like_the_seed():
    model = Echo(model="echo-1")
    result = model.generate(
        [[SystemMessage("translate"), HumanMessage("one")], [HumanMessage("two")]]
    )
    assert isinstance(result, LLMResult)
    assert [[g.text for g in gens] for gens in result.generations] == [["echo: one"], ["echo: two"]]
    assert result.generations[0][0].generation_info == {"finish_reason": "stop"}
    assert result.llm_output == {
        "token_usage": {"prompt_tokens": 4, "completion_tokens": 6, "total_tokens": 10},
        "model_name": "echo-1",
    }
    assert result.run is not None
    assert len(result.run) == 2 and result.run[0].run_id != result.run[1].run_id
    first = result.generations[0][0]
    assert isinstance(first, ChatGeneration)
    assert first.message.id == f"lc_run-{result.run[0].run_id}"
    text = repr(result)
    assert text.startswith("LLMResult(generations=[[ChatGeneration(text='echo: one', ")
    assert (
        "generation_info={'finish_reason': 'stop'}, message=AIMessage(content='echo: one'" in text
    )
    assert "llm_output={'token_usage': {'prompt_tokens': 4" in text
    assert re.search(r"run=\[RunInfo\(run_id=UUID\('[0-9a-f-]{36}'\)\), RunInfo\(", text)


def test_generate_reports_one_run_per_input_with_the_given_run_id():
    recorder = Recorder()
    run_id = uuid.uuid4()
    result = Echo().generate([["a"], ["b"]], callbacks=[recorder], run_id=run_id, tags=["t"])
    assert recorder.counts == {"start": 2, "end": 2}
    assert result.run is not None
    assert result.run[0].run_id == run_id
    assert [k["run_id"] for k in recorder.start_kwargs] == [r.run_id for r in result.run]


async def test_agenerate():
    result = await Echo().agenerate([["a"], ["b"]])
    assert [gens[0].text for gens in result.generations] == ["echo: a", "echo: b"]
    assert result.run is not None and len(result.run) == 2


def test_generate_prompt():
    result = Echo().generate_prompt([ChatPromptValue(messages=[HumanMessage("x")])])
    assert result.generations[0][0].text == "echo: x"


def test_call_is_deprecated_and_returns_a_message():
    model = Echo()
    with pytest.warns(DeprecationWarning, match=r"model\.invoke"):
        result = model([HumanMessage("hi")])
    assert isinstance(result, AIMessage) and result.content == "echo: hi"


# --- callbacks -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["invoke", "stream"])
def test_callbacks_fire_once_per_call(kind):
    recorder = Recorder()
    model = StreamingEcho()
    config: RunnableConfig = {"callbacks": [recorder]}
    if kind == "invoke":
        model.invoke("a", config=config)
    else:
        list(model.stream("a", config=config))
    assert recorder.counts["start"] == 1 and recorder.counts["end"] == 1
    (result,) = recorder.results
    assert result.generations[0][0].message.text == "echo: a"


async def test_async_callbacks_fire_once_per_call():
    recorder = Recorder()
    model = StreamingEcho()
    await model.ainvoke("a", config={"callbacks": [recorder]})
    [c async for c in model.astream("a", config={"callbacks": [recorder]})]
    assert recorder.counts == {"start": 2, "end": 2, "token": 2}


def test_batch_reports_one_run_per_input():
    recorder = Recorder()
    Echo().batch(["a", "b", "c"], config={"callbacks": [recorder]})
    assert recorder.counts == {"start": 3, "end": 3}


def test_model_level_callbacks_tags_and_metadata():
    recorder = Recorder()
    model = Echo(model="echo-1", callbacks=[recorder], tags=["mine"], metadata={"k": 1})
    model.invoke("a", config={"run_name": "named"})
    (kwargs,) = recorder.start_kwargs
    assert kwargs["name"] == "named"
    assert "mine" in kwargs["tags"]
    assert kwargs["metadata"]["k"] == 1
    assert kwargs["metadata"]["ls_model_name"] == "echo-1"
    assert kwargs["metadata"]["ls_model_type"] == "chat"
    assert kwargs["invocation_params"]["model"] == "echo-1"
    assert kwargs["invocation_params"]["_type"] == "Echo"


@pytest.mark.parametrize("kind", ["invoke", "stream"])
def test_errors_are_reported_with_on_llm_error(kind):
    recorder = Recorder()
    model = StreamingEcho(fail=True)
    with pytest.raises(RuntimeError, match="provider down"):
        if kind == "invoke":
            model.invoke("a", config={"callbacks": [recorder]})
        else:
            list(model.stream("a", config={"callbacks": [recorder]}))
    assert recorder.counts == {"start": 1, "error": 1}


class CutStream(StreamingEcho):
    """Streams two words, then the connection drops."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        yield ChatGenerationChunk(message=AIMessageChunk(content="half"))
        yield ChatGenerationChunk(message=AIMessageChunk(content=" way"))
        raise ConnectionError("dropped")


def test_on_llm_error_gets_what_was_produced_as_response():
    recorder = Recorder()
    with pytest.raises(ConnectionError):
        list(CutStream().stream("a", config={"callbacks": [recorder]}))
    (partial,) = recorder.error_responses
    assert [[g.text for g in gens] for gens in partial.generations] == [["half way"]]
    with pytest.raises(RuntimeError):
        Echo(fail=True).invoke("a", config={"callbacks": [recorder]})
    assert recorder.error_responses[-1].generations == []


async def test_on_llm_error_gets_the_partial_response_in_async_streams():
    recorder = Recorder()
    with pytest.raises(ConnectionError):
        [c async for c in CutStream().astream("a", config={"callbacks": [recorder]})]
    (partial,) = recorder.error_responses
    assert [[g.text for g in gens] for gens in partial.generations] == [["half way"]]


async def test_async_errors_are_reported():
    recorder = Recorder()
    with pytest.raises(RuntimeError):
        await Echo(fail=True).ainvoke("a", config={"callbacks": [recorder]})
    assert recorder.counts == {"start": 1, "error": 1}


def test_no_callback_machinery_without_handlers(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("a callback manager was built with nobody listening")

    monkeypatch.setattr(CallbackManager, "configure", boom)
    monkeypatch.setattr(uuid, "uuid4", boom)
    model = StreamingEcho()
    assert model.invoke("a").content == "echo: a"
    assert merge_chunks(list(model.stream("a"))).content == "echo: a"


def test_usage_metadata_callback_counts_model_calls():
    model = ScriptedFakeChatModel()
    with get_usage_metadata_callback() as cb:
        model.invoke("one two")
        list(model.stream("three"))
    usage = cb.usage_metadata["fake-model"]
    assert usage["input_tokens"] == 3
    assert usage["output_tokens"] == (2 + 2) + (2 + 1)


# --- auto-streaming --------------------------------------------------------------------


def test_plain_invoke_does_not_stream():
    recorder = Recorder()
    model = StreamingEcho()
    model.invoke("a b", config={"callbacks": [recorder]})
    assert recorder.counts["token"] == 0
    assert model.calls[0][0] == "generate"


def test_invoke_with_stream_true_reports_every_token():
    recorder = Recorder()
    result = StreamingEcho().invoke("a b", config={"callbacks": [recorder]}, stream=True)
    assert recorder.counts["token"] == 3
    assert isinstance(result, AIMessage) and not isinstance(result, AIMessageChunk)
    assert result.content == "echo: a b"
    assert [t.message.id for t in recorder.tokens] == [result.id] * 3


def test_streaming_field_makes_invoke_stream():
    recorder = Recorder()
    StreamingEcho(streaming=True).invoke("a", config={"callbacks": [recorder]})
    assert recorder.counts["token"] == 2


def test_disable_streaming_wins_over_stream_true():
    recorder = Recorder()
    StreamingEcho(disable_streaming=True).invoke("a", config={"callbacks": [recorder]}, stream=True)
    assert recorder.counts["token"] == 0


def test_auto_streaming_closes_an_unmarked_stream():
    recorder = Recorder()
    result = StreamingEcho(mark_last=False).invoke(
        "a", config={"callbacks": [recorder]}, stream=True
    )
    assert recorder.counts["token"] == 3  # two words and the closing chunk
    assert recorder.tokens[-1].message.chunk_position == "last"
    assert result.content == "echo: a"


async def test_invoke_streams_under_astream_events():
    model = StreamingEcho()
    chain = RunnableLambda(lambda text: model.invoke(text))
    events = [e async for e in chain.astream_events("a b")]
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert [e["data"]["chunk"].content for e in streamed] == ["echo:", " a", " b"]
    end = next(e for e in events if e["event"] == "on_chat_model_end")
    assert end["data"]["output"].content == "echo: a b"
    assert model.calls[0][0] == "stream"


async def test_astream_events_on_the_model_itself():
    events = [e async for e in StreamingEcho().astream_events("a")]
    kinds = [e["event"] for e in events]
    assert kinds == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]
    assert events[0]["metadata"]["ls_model_type"] == "chat"


async def test_ainvoke_auto_streams_under_astream_events_with_native_async():
    model = GenericFakeChatModel(messages=iter(["x y z"]))
    chain = RunnableLambda(lambda text: model.invoke(text))
    events = [e async for e in chain.astream_events("q")]
    assert sum(e["event"] == "on_chat_model_stream" for e in events) == 5


# --- rate limiter ----------------------------------------------------------------------


async def test_rate_limiter_is_acquired_once_per_call():
    limiter = CountingLimiter()
    model = StreamingEcho(rate_limiter=limiter)
    model.invoke("a")
    model.invoke("a", stream=True)
    list(model.stream("a b c"))
    model.batch(["a", "b"])
    await model.ainvoke("a")
    [c async for c in model.astream("a")]
    await model.abatch(["a", "b", "c"])
    assert limiter.count == 1 + 1 + 1 + 2 + 1 + 1 + 3


# --- parameters ------------------------------------------------------------------------


def test_standard_parameters_and_aliases():
    model = Echo(  # type: ignore[call-arg]
        model_name="m-1",
        temperature=0.2,
        max_tokens=10,
        timeout=3,
        max_retries=1,
        stop_sequences=["x"],
        base_url="http://127.0.0.1:9",
        api_key="sk-secret-value",
    )
    assert (model.model, model.model_name, model.stop) == ("m-1", "m-1", ["x"])
    assert model.temperature == 0.2 and model.max_tokens == 10 and model.timeout == 3
    assert isinstance(model.api_key, SecretStr)
    assert model._identifying_params == {
        "model": "m-1",
        "temperature": 0.2,
        "max_tokens": 10,
        "stop": ["x"],
    }


def test_unknown_argument_names_the_nearest_field():
    with pytest.raises(ConfigurationError) as info:
        Echo(temprature=0.5)  # type: ignore[call-arg]
    message = str(info.value)
    assert "'temprature'" in message and "did you mean 'temperature'?" in message
    assert "Echo" in message


def test_several_unknown_arguments_are_all_named():
    with pytest.raises(ConfigurationError, match=r"'max_token' \(did you mean 'max_tokens'\?\)"):
        Echo(max_token=1, zzz=2)  # type: ignore[call-arg]


def test_secrets_never_appear_in_repr_or_serialized_output():
    model = Echo(api_key=SecretStr("sk-very-secret-123456"))
    assert "sk-very-secret" not in repr(model)
    assert "sk-very-secret" not in str(model)
    dumped = model.model_dump(mode="json")
    assert dumped["api_key"] == "**********"
    assert "sk-very-secret" not in json.dumps(dumped)
    assert "sk-very-secret" not in model.model_dump_json()
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "sk-very-secret-123456"


class KeyedEcho(Echo):
    api_key: SecretStr = Field(default_factory=secret_from_env("ECHO_TEST_KEY"), alias="echo_key")
    endpoint_key: SecretStr | None = Field(
        default_factory=secret_from_env(["ECHO_A", "ECHO_B"], default=None)
    )


def test_serialization_round_trip_keeps_the_key_masked():
    model = Echo(model="m", api_key=SecretStr("sk-round-trip-123456"), callbacks=[Recorder()])
    data = model.model_dump(mode="json")
    assert "callbacks" not in data and "cache" not in data and "rate_limiter" not in data
    again = Echo.model_validate(data)
    assert again.model == "m"
    assert again.api_key is not None and again.api_key.get_secret_value() == "**********"


class Located(Echo):
    region: str = Field(default_factory=from_env("ECHO_REGION", default="eu"))
    endpoint: str = Field(default_factory=from_env("ECHO_ENDPOINT", argument="endpoint"))


def test_from_env_reads_settings(monkeypatch):
    monkeypatch.setenv("ECHO_ENDPOINT", "http://127.0.0.1:5")
    monkeypatch.delenv("ECHO_REGION", raising=False)
    located = Located()
    assert (located.region, located.endpoint) == ("eu", "http://127.0.0.1:5")
    monkeypatch.delenv("ECHO_ENDPOINT")
    with pytest.raises(ConfigurationError, match="ECHO_ENDPOINT, or pass endpoint="):
        Located()


def test_configurable_fields_rebuild_the_model():
    model = ScriptedFakeChatModel(max_tokens=50).configurable_fields(
        max_tokens=ConfigurableField(id="length")
    )
    short = model.invoke("one two three", config={"configurable": {"length": 2}})
    assert short.content == "You said:"
    assert model.invoke("one").content == "You said: one"


def test_secret_from_env_reads_at_construction(monkeypatch):
    monkeypatch.setenv("ECHO_TEST_KEY", "sk-from-env-0000")
    monkeypatch.setenv("ECHO_B", "second")
    model = KeyedEcho()
    assert model.api_key.get_secret_value() == "sk-from-env-0000"
    assert model.endpoint_key is not None
    assert model.endpoint_key.get_secret_value() == "second"
    given = KeyedEcho(echo_key=SecretStr("given"))  # type: ignore[call-arg]
    assert given.api_key.get_secret_value() == "given"


def test_missing_required_key_names_the_env_var(monkeypatch):
    monkeypatch.delenv("ECHO_TEST_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ECHO_TEST_KEY.*pass api_key="):
        KeyedEcho()


def test_optional_key_may_be_missing(monkeypatch):
    monkeypatch.setenv("ECHO_TEST_KEY", "k")
    monkeypatch.delenv("ECHO_A", raising=False)
    monkeypatch.delenv("ECHO_B", raising=False)
    assert KeyedEcho().endpoint_key is None


def test_bind_tools_is_not_implemented_on_the_base_class():
    with pytest.raises(NotImplementedError, match="Echo does not support tool calling"):
        Echo().bind_tools([{"type": "function", "function": {"name": "f", "parameters": {}}}])


def test_bind_tools_standard_helper_converts_and_normalises():
    def lookup(city: str) -> str:
        """Look a city up."""
        return city

    bound = ScriptedFakeChatModel()._bind_tools_standard([lookup], tool_choice="any")
    assert isinstance(bound, RunnableBinding)
    assert bound.kwargs["tool_choice"] == "required"
    assert bound.kwargs["tools"][0]["function"]["name"] == "lookup"


def test_per_call_options_override_model_fields():
    model = ScriptedFakeChatModel(max_tokens=100)
    assert model.invoke("a b c d", model="other-model").response_metadata["model_name"] == (
        "other-model"
    )
    assert model.invoke("a b c d", max_tokens=2).content == "You said:"


def test_asyncio_gather_of_invokes_is_safe():
    model = GenericFakeChatModel(messages=iter([f"m{i}" for i in range(20)]))

    async def main():
        return await asyncio.gather(*(model.ainvoke("x") for _ in range(20)))

    results = asyncio.run(main())
    assert sorted(r.content for r in results) == sorted(f"m{i}" for i in range(20))


class AsyncOnly(Echo):
    """Streams only through the async hook."""

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs):
        for word in ("x", "y"):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))


async def test_async_only_streaming_provider():
    model = AsyncOnly()
    assert [c.content for c in model.stream("a")] == ["echo: a"]  # sync: no stream hook
    chunks = [c async for c in model.astream("a")]
    assert [c.content for c in chunks] == ["x", "y", ""]
    assert chunks[-1].chunk_position == "last"


class Silent(Echo):
    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        return iter([])


def test_an_empty_provider_stream_still_ends_with_a_last_chunk():
    (chunk,) = list(Silent().stream("a"))
    assert chunk.content == "" and chunk.chunk_position == "last"
    assert Silent().invoke("a", stream=True).content == ""


class Empty(Echo):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        return ChatResult(generations=[])


def test_a_provider_without_generations_is_an_error():
    with pytest.raises(ValueError, match="Empty._generate returned no generations"):
        Empty().invoke("a")


def test_abstract_base_cannot_be_built():
    with pytest.raises(TypeError, match="abstract"):
        BaseChatModel()  # type: ignore[abstract]


@pytest.mark.parametrize(
    "name", ["linguafranca", "linguafranca.chat_models", "linguafranca.chat_models.fake"]
)
def test_all_is_sorted_and_importable(name):
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    for exported in module.__all__:
        assert hasattr(module, exported), exported


def test_chat_models_import_no_http_and_no_partner():
    code = (
        "import sys, json, linguafranca.chat_models, linguafranca.chat_models.fake; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    loaded = json.loads(out)
    assert "httpx" not in loaded
    assert not [name for name in loaded if name.startswith("linguafranca_")]


def test_fast_constructors_build_what_the_validating_ones_build():
    chunk = _fast.text_chunk("hi", "id-1", "last")
    assert chunk == AIMessageChunk(content="hi", id="id-1", chunk_position="last")
    assert chunk.tool_calls == [] and chunk.unfinished_tool_calls == []
    assert _fast.human_message("yo") == HumanMessage("yo")
    assert _fast.generation_chunk(chunk) == ChatGenerationChunk(message=chunk)
    message = AIMessage("answer")
    assert _fast.chat_result(message) == ChatResult(generations=[ChatGeneration(message=message)])
    copy = _fast.fresh_message(message)
    copy.__dict__["id"] = "set-on-copy"
    assert message.id is None and copy.content == "answer"
    named = AIMessage("x", id="keep")
    assert _fast.fresh_message(named) is named
    # unvalidated chunks carry their own containers
    other = _fast.text_chunk("x", None)
    other.response_metadata["k"] = 1
    assert _fast.text_chunk("y", None).response_metadata == {}
