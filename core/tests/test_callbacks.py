import asyncio
import logging
import threading
from typing import Any
from uuid import UUID, uuid4

import pytest

from linguafranca.callbacks import (
    AsyncCallbackHandler,
    AsyncCallbackManager,
    BaseCallbackHandler,
    CallbackManager,
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
    StreamingCallbackHandler,
    UsageMetadataCallbackHandler,
    get_usage_metadata_callback,
    has_streaming_consumer,
)
from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, LLMResult
from linguafranca.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.threads: set[int] = set()

    def _record(self, event: str, **kwargs: Any) -> None:
        self.threads.add(threading.get_ident())
        self.events.append((event, kwargs))

    def on_chain_start(self, serialized, inputs, **kwargs):
        self._record("chain_start", inputs=inputs, **kwargs)

    def on_chain_end(self, outputs, **kwargs):
        self._record("chain_end", outputs=outputs, **kwargs)

    def on_chain_error(self, error, **kwargs):
        self._record("chain_error", error=error, **kwargs)

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self._record("chat_model_start", messages=messages, **kwargs)

    def on_llm_new_token(self, token, **kwargs):
        self._record("new_token", token=token, **kwargs)

    def on_llm_end(self, response, **kwargs):
        self._record("llm_end", response=response, **kwargs)

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def usage(i: int, o: int) -> dict[str, Any]:
    return {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}


class FakeChat(Runnable[Any, AIMessage]):
    """Reports a chat-model run through the manager API, as a real chat model does."""

    def __init__(self, tokens: list[str], model_name: str = "fake-1", tokens_used: int = 1):
        self.tokens = tokens
        self.model_name = model_name
        self.tokens_used = tokens_used
        self.name = "FakeChat"

    def _message(self) -> AIMessage:
        return AIMessage(
            "".join(self.tokens),
            usage_metadata=usage(self.tokens_used, 2 * self.tokens_used),
            response_metadata={"model_name": self.model_name},
        )

    def invoke(self, input, config=None, **kwargs):
        config = ensure_config(config)
        manager = get_callback_manager_for_config(config)
        if manager is None:
            return self._message()
        (run,) = manager.on_chat_model_start(
            None, [[HumanMessage(str(input))]], run_id=config.get("run_id"), name=self.get_name()
        )
        if has_streaming_consumer(manager):
            for token in self.tokens:
                run.on_llm_new_token(
                    token, chunk=ChatGenerationChunk(message=AIMessageChunk(token))
                )
        message = self._message()
        run.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]))
        return message

    async def ainvoke(self, input, config=None, **kwargs):
        config = ensure_config(config)
        manager = get_async_callback_manager_for_config(config)
        if manager is None:
            return self._message()
        (run,) = await manager.on_chat_model_start(
            None, [[HumanMessage(str(input))]], run_id=config.get("run_id"), name=self.get_name()
        )
        await asyncio.sleep(0)
        message = self._message()
        await run.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]))
        return message


def test_chain_callbacks_get_run_ids_names_and_outputs():
    recorder = Recorder()
    chain = RunnableLambda(lambda x: x + 1, name="add") | RunnableLambda(lambda x: x * 2)
    run_id = uuid4()
    assert chain.invoke(1, {"callbacks": [recorder], "run_id": run_id, "run_name": "root"}) == 4
    assert recorder.names() == [
        "chain_start",
        "chain_start",
        "chain_end",
        "chain_start",
        "chain_end",
        "chain_end",
    ]
    root_start = recorder.events[0][1]
    assert root_start["run_id"] == run_id and root_start["name"] == "root"
    assert root_start["parent_run_id"] is None
    step1 = recorder.events[1][1]
    assert step1["parent_run_id"] == run_id and step1["name"] == "add"
    assert step1["tags"] == ["seq:step:1"]
    assert isinstance(step1["run_id"], UUID) and step1["run_id"] != run_id
    assert recorder.events[-1][1]["outputs"] == 4 and recorder.events[-1][1]["run_id"] == run_id


def test_chain_error_is_reported_and_raised():
    recorder = Recorder()

    def boom(x):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        RunnableLambda(boom).invoke(1, {"callbacks": [recorder]})
    assert recorder.names() == ["chain_start", "chain_error"]
    assert isinstance(recorder.events[1][1]["error"], ValueError)


class Broken(BaseCallbackHandler):
    def on_chain_start(self, serialized, inputs, **kwargs):
        raise RuntimeError("handler bug")


def test_handler_error_is_logged_not_raised(caplog):
    recorder = Recorder()
    with caplog.at_level(logging.WARNING, logger="linguafranca.callbacks"):
        out = RunnableLambda(lambda x: x).invoke(5, {"callbacks": [Broken(), recorder]})
    assert out == 5
    assert "handler bug" in caplog.text and "Broken.on_chain_start" in caplog.text
    assert recorder.names() == ["chain_start", "chain_end"]  # later handlers still called


def test_handler_error_raised_with_raise_error():
    handler = Broken()
    handler.raise_error = True
    with pytest.raises(RuntimeError, match="handler bug"):
        RunnableLambda(lambda x: x).invoke(5, {"callbacks": [handler]})


async def test_handler_error_isolated_in_async_runs(caplog):
    with caplog.at_level(logging.WARNING, logger="linguafranca.callbacks"):
        assert await RunnableLambda(lambda x: x).ainvoke(3, {"callbacks": [Broken()]}) == 3
    assert "handler bug" in caplog.text


class AsyncRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    async def on_chain_start(self, serialized, inputs, **kwargs):
        await asyncio.sleep(0)
        self.events.append(f"start:{kwargs['name']}")

    async def on_chain_end(self, outputs, **kwargs):
        await asyncio.sleep(0)
        self.events.append(f"end:{outputs}")


async def test_async_handlers_are_awaited_in_async_runs():
    handler = AsyncRecorder()
    chain = RunnableLambda(lambda x: x + 1, name="a") | RunnableLambda(lambda x: x * 3, name="b")
    assert await chain.ainvoke(1, {"callbacks": [handler]}) == 6
    assert handler.events == [
        "start:RunnableSequence",
        "start:a",
        "end:2",
        "start:b",
        "end:6",
        "end:6",
    ]


def test_async_handlers_run_in_sync_runs():
    handler = AsyncRecorder()
    assert RunnableLambda(lambda x: x, name="x").invoke(2, {"callbacks": [handler]}) == 2
    assert handler.events == ["start:x", "end:2"]


async def test_sync_handlers_run_off_the_event_loop_unless_inline():
    loop_thread = threading.get_ident()
    plain, inline = Recorder(), Recorder()
    inline.run_inline = True

    async def f(x):
        return x

    await RunnableLambda(f).ainvoke(1, {"callbacks": [plain, inline]})
    assert plain.names() == ["chain_start", "chain_end"]
    assert loop_thread not in plain.threads
    assert inline.threads == {loop_thread}


class LLMOnly(BaseCallbackHandler):
    def __init__(self) -> None:
        self.prompts: list[list[str]] = []

    def on_llm_start(self, serialized, prompts, **kwargs):
        self.prompts.append(prompts)


def test_chat_model_start_falls_back_to_llm_start():
    handler = LLMOnly()
    FakeChat(["hi"]).invoke("hello", {"callbacks": [handler]})
    assert handler.prompts == [["Human: hello"]]


def test_ignore_flags_skip_hooks():
    recorder = Recorder()
    recorder.ignore_chain = True
    RunnableLambda(lambda x: x).invoke(1, {"callbacks": [recorder]})
    assert recorder.events == []


def test_constructor_and_config_callbacks_and_inheritance():
    inherited, local = Recorder(), Recorder()
    manager = CallbackManager.configure(
        [inherited],
        [local],
        inheritable_tags=["a"],
        local_tags=["b"],
        inheritable_metadata={"k": 1},
    )
    run = manager.on_chain_start(None, {"x": 1}, name="outer")
    assert isinstance(run, CallbackManagerForChainRun)
    assert run.tags == ["a", "b"] and run.metadata == {"k": 1}
    child = run.get_child("step")
    assert child.handlers == [inherited]  # local handlers are not inherited
    assert child.tags == ["a", "step"] and child.inheritable_tags == ["a"]
    assert child.parent_run_id == run.run_id
    (llm_run,) = child.on_chat_model_start(None, [[HumanMessage("q")]])
    assert isinstance(llm_run, CallbackManagerForLLMRun)
    assert llm_run.parent_run_id == run.run_id
    assert [n for n in inherited.names()] == ["chain_start", "chat_model_start"]
    assert local.names() == ["chain_start"]


def test_configure_copies_a_parent_manager():
    recorder = Recorder()
    parent = CallbackManager.configure([recorder], inheritable_tags=["p"])
    configured = CallbackManager.configure(parent, inheritable_tags=["q"])
    assert configured is not parent
    assert configured.tags == ["p", "q"] and parent.tags == ["p"]


def test_nested_invoke_inside_lambda_inherits_tags_metadata_callbacks_not_run_name():
    recorder = Recorder()
    inner = RunnableLambda(lambda x: x, name="inner")
    seen: list[RunnableConfig] = []

    def outer(x, config):
        seen.append(config)
        return inner.invoke(x)

    RunnableLambda(outer, name="outer").invoke(
        1, {"callbacks": [recorder], "tags": ["t"], "metadata": {"m": 1}, "run_name": "top"}
    )
    inner_start = recorder.events[1][1]
    assert inner_start["name"] == "inner"  # run_name applies to the outer run only
    assert inner_start["tags"] == ["t"] and inner_start["metadata"] == {"m": 1}
    assert inner_start["parent_run_id"] == recorder.events[0][1]["run_id"]
    assert seen[0]["tags"] == ["t"] and "run_name" not in seen[0]


def test_zero_cost_without_handlers(monkeypatch):
    created: list[str] = []
    for cls in (CallbackManager, AsyncCallbackManager, CallbackManagerForChainRun):
        original = cls.__init__

        def counting(self, *args, __original=original, __name=cls.__name__, **kwargs):
            created.append(__name)
            __original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counting)
    uuids: list[int] = []
    monkeypatch.setattr("uuid.uuid4", lambda: uuids.append(1))
    chain = RunnableLambda(lambda x: x + 1) | RunnableLambda(lambda x: x * 2)
    assert chain.invoke(1) == 4
    assert list(chain.stream(1)) == [4]
    assert chain.batch([1, 2, 3]) == [4, 6, 8]
    assert asyncio.run(chain.ainvoke(1)) == 4
    assert asyncio.run(chain.abatch([1, 2])) == [4, 6]
    assert created == [] and uuids == []
    # ...and the counters work: a handler makes managers appear.
    chain.invoke(1, {"callbacks": [Recorder()]})
    assert "CallbackManager" in created


def test_get_callback_manager_for_config_is_none_without_handlers():
    assert get_callback_manager_for_config(ensure_config()) is None
    assert get_async_callback_manager_for_config(ensure_config({"callbacks": []})) is None
    manager = get_callback_manager_for_config(ensure_config(), local_callbacks=[Recorder()])
    assert isinstance(manager, CallbackManager) and len(manager.handlers) == 1


class Consumer(BaseCallbackHandler, StreamingCallbackHandler):
    def tap_output_iter(self, run_id, output):
        return output

    def tap_output_aiter(self, run_id, output):
        return output


def test_has_streaming_consumer():
    assert not has_streaming_consumer(ensure_config({"callbacks": [Recorder()]}))
    assert has_streaming_consumer(ensure_config({"callbacks": [Consumer()]}))
    manager = CallbackManager.configure([Consumer()])
    assert has_streaming_consumer(manager)
    run = manager.on_chain_start(None, 1)
    assert has_streaming_consumer(run) and has_streaming_consumer(run.get_child())
    assert not has_streaming_consumer(CallbackManager.configure([Recorder()]))


def test_chat_model_streams_tokens_to_a_streaming_consumer_on_invoke():
    recorder = Recorder()
    FakeChat(["a", "b"]).invoke("q", {"callbacks": [recorder, Consumer()]})
    tokens = [kw["token"] for name, kw in recorder.events if name == "new_token"]
    assert tokens == ["a", "b"]
    plain = Recorder()
    FakeChat(["a", "b"]).invoke("q", {"callbacks": [plain]})
    assert "new_token" not in plain.names()


def test_usage_handler_sums_per_model():
    handler = UsageMetadataCallbackHandler()
    FakeChat(["x"], "model-a", 1).invoke("q", {"callbacks": [handler]})
    FakeChat(["x"], "model-a", 2).invoke("q", {"callbacks": [handler]})
    FakeChat(["x"], "model-b", 5).invoke("q", {"callbacks": [handler]})
    assert handler.usage_metadata == {
        "model-a": {"input_tokens": 3, "output_tokens": 6, "total_tokens": 9},
        "model-b": {"input_tokens": 5, "output_tokens": 10, "total_tokens": 15},
    }


def test_usage_handler_reads_every_generation_and_skips_unnamed():
    handler = UsageMetadataCallbackHandler()
    named = AIMessage("a", usage_metadata=usage(1, 1), response_metadata={"model_name": "m"})
    unnamed = AIMessage("b", usage_metadata=usage(7, 7))
    result = LLMResult(
        generations=[
            [ChatGeneration(message=named)],
            [ChatGeneration(message=named), ChatGeneration(message=unnamed)],
        ]
    )
    manager = CallbackManager.configure([handler])
    (run,) = manager.on_chat_model_start(None, [[HumanMessage("q")]])
    run.on_llm_end(result)
    assert handler.usage_metadata == {
        "m": {"input_tokens": 2, "output_tokens": 2, "total_tokens": 4}
    }


def test_usage_context_manager_counts_batch_threads():
    model = FakeChat(["x"], "model-a", 1)
    chain = RunnableLambda(lambda x: x) | model
    with get_usage_metadata_callback() as cb:
        chain.batch(list(range(20)), {"max_concurrency": 5})
        model.invoke("direct")
    assert cb.usage_metadata == {
        "model-a": {"input_tokens": 21, "output_tokens": 42, "total_tokens": 63}
    }
    model.invoke("after the block")
    assert cb.usage_metadata["model-a"]["input_tokens"] == 21


async def test_usage_context_manager_counts_abatch_tasks():
    model = FakeChat(["x"], "model-b", 2)
    with get_usage_metadata_callback() as cb:
        await model.abatch(list(range(10)), {"max_concurrency": 3})
        await (RunnableLambda(lambda x: x) | model).abatch([1, 2])
    assert cb.usage_metadata == {
        "model-b": {"input_tokens": 24, "output_tokens": 48, "total_tokens": 72}
    }


def test_usage_handler_with_config_callbacks_across_batch_threads():
    handler = UsageMetadataCallbackHandler()
    FakeChat(["x"], "m", 1).batch(list(range(50)), {"callbacks": [handler], "max_concurrency": 8})
    assert handler.usage_metadata["m"]["total_tokens"] == 150


async def test_new_tokens_reach_handlers_by_keyword_as_in_the_reference():
    # Handlers written for the reference may read the token from kwargs.
    seen: list[str] = []

    class KwargsOnly(BaseCallbackHandler):
        def on_llm_new_token(self, *args: Any, **kwargs: Any) -> None:
            assert not args
            seen.append(kwargs["token"])

    manager = get_callback_manager_for_config({"callbacks": [KwargsOnly()]})
    assert manager is not None
    (run,) = manager.on_chat_model_start(None, [[HumanMessage("hi")]])
    run.on_llm_new_token("a", chunk=ChatGenerationChunk(message=AIMessageChunk("a")))
    amanager = get_async_callback_manager_for_config({"callbacks": [KwargsOnly()]})
    assert amanager is not None
    (arun,) = await amanager.on_chat_model_start(None, [[HumanMessage("hi")]])
    await arun.on_llm_new_token("b", chunk=ChatGenerationChunk(message=AIMessageChunk("b")))
    assert seen == ["a", "b"]
