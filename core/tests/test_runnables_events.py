import asyncio
from typing import Any

import pytest

from linguafranca import callbacks
from linguafranca.callbacks import BaseCallbackHandler, has_streaming_consumer
from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage, merge_chunks
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, LLMResult
from linguafranca.runnables import (
    Runnable,
    RunnableLambda,
    adispatch_custom_event,
    dispatch_custom_event,
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)


class FakeStreamingChat(Runnable[Any, AIMessage]):
    """Streams fixed tokens and reports them like a chat model does."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.name = "FakeStreamingChat"

    def invoke(self, input, config=None, **kwargs):
        config = ensure_config(config)
        manager = get_callback_manager_for_config(config)
        if manager is None:
            return AIMessage("".join(self.tokens))
        (run,) = manager.on_chat_model_start(
            None, [[HumanMessage(str(input))]], run_id=config.get("run_id"), name=self.get_name()
        )
        chunks = [AIMessageChunk(t) for t in self.tokens]
        if has_streaming_consumer(manager):  # auto-streaming
            for chunk in chunks:
                run.on_llm_new_token(chunk.text, chunk=ChatGenerationChunk(message=chunk))
        message = AIMessage("".join(self.tokens))
        run.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]))
        return message

    async def astream(self, input, config=None, **kwargs):
        config = ensure_config(config)
        manager = get_async_callback_manager_for_config(config)
        run = None
        if manager is not None:
            (run,) = await manager.on_chat_model_start(
                None,
                [[HumanMessage(str(input))]],
                run_id=config.get("run_id"),
                name=self.get_name(),
            )
        chunks = []
        for token in self.tokens:
            chunk = AIMessageChunk(token)
            chunks.append(chunk)
            if run is not None:
                await run.on_llm_new_token(token, chunk=ChatGenerationChunk(message=chunk))
            await asyncio.sleep(0)
            yield chunk
        if run is not None:
            final = ChatGenerationChunk(message=merge_chunks(chunks))
            await run.on_llm_end(LLMResult(generations=[[final]]))

    async def atransform(self, input, config=None, **kwargs):
        parts = [x async for x in input]
        async for chunk in self.astream(parts[-1], config, **kwargs):
            yield chunk


def brief(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["event"], e["name"]) for e in events]


async def collect(runnable, value, **kwargs) -> list[dict[str, Any]]:
    kwargs.setdefault("version", "v2")
    return [e async for e in runnable.astream_events(value, **kwargs)]


async def test_chat_model_events_match_the_seed():
    events = await collect(FakeStreamingChat(["Hi", " there", "!"]), "Hello")
    assert brief(events) == [("on_chat_model_start", "FakeStreamingChat")] + [
        ("on_chat_model_stream", "FakeStreamingChat")
    ] * 3 + [("on_chat_model_end", "FakeStreamingChat")]
    assert events[0]["data"]["input"] == "Hello"
    tokens = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    assert all(isinstance(t, AIMessageChunk) for t in tokens)
    assert [t.text for t in tokens] == ["Hi", " there", "!"]
    assert events[-1]["data"]["output"].text == "Hi there!"
    assert "input" not in events[-1]["data"]
    assert len({e["run_id"] for e in events}) == 1
    assert all(e["parent_ids"] == [] for e in events)


async def test_nested_sequence_events_and_parent_ids():
    chain = RunnableLambda(lambda x: x.upper(), name="prep") | FakeStreamingChat(["a", "b"])
    outer = RunnableLambda(lambda x: x, name="first") | chain
    events = await collect(outer, "q", config={"tags": ["top"], "metadata": {"user": 1}})
    assert brief(events) == [
        ("on_chain_start", "RunnableSequence"),
        ("on_chain_start", "first"),
        ("on_chain_stream", "first"),
        ("on_chain_start", "prep"),
        ("on_chain_end", "first"),
        ("on_chain_stream", "prep"),
        ("on_chain_end", "prep"),  # the chat model waits for its whole input
        ("on_chat_model_start", "FakeStreamingChat"),
        ("on_chat_model_stream", "FakeStreamingChat"),
        ("on_chain_stream", "RunnableSequence"),
        ("on_chat_model_stream", "FakeStreamingChat"),
        ("on_chain_stream", "RunnableSequence"),
        ("on_chat_model_end", "FakeStreamingChat"),
        ("on_chain_end", "RunnableSequence"),
    ]
    root_id = events[0]["run_id"]
    by_name = {e["name"]: e for e in events if e["event"].endswith("_start")}
    assert by_name["first"]["parent_ids"] == [root_id]
    assert by_name["FakeStreamingChat"]["parent_ids"] == [root_id]
    assert by_name["FakeStreamingChat"]["tags"] == ["seq:step:3", "top"]
    assert all(e["metadata"] == {"user": 1} for e in events)
    assert events[0]["data"] == {"input": "q"}
    assert events[-1]["data"]["output"].text == "ab"
    ends = {e["name"]: e["data"] for e in events if e["event"] == "on_chain_end"}
    assert ends["prep"] == {"output": "Q", "input": "q"}


async def test_deeper_nesting_gives_parent_ids_root_first():
    inner = RunnableLambda(lambda x: FakeStreamingChat(["z"]).invoke(x), name="inner")
    middle = RunnableLambda(lambda x: inner.invoke(x), name="middle")
    events = await collect(middle, "q")
    starts = {e["name"]: e for e in events if e["event"].endswith("_start")}
    chat = starts["FakeStreamingChat"]
    assert chat["parent_ids"] == [starts["middle"]["run_id"], starts["inner"]["run_id"]]
    # invoke inside a streamed run auto-streams: the tokens show up as events
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert [e["data"]["chunk"].text for e in streamed] == ["z"]
    assert streamed[0]["parent_ids"] == chat["parent_ids"]


async def test_event_filters():
    chain = RunnableLambda(lambda x: x, name="prep") | FakeStreamingChat(["a"])
    only_chat = await collect(chain, "q", include_types=["chat_model"])
    assert {e["event"] for e in only_chat} == {
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_end",
    }
    by_name = await collect(chain, "q", include_names=["prep"])
    assert {e["name"] for e in by_name} == {"prep"}
    tagged = await collect(chain, "q", include_tags=["seq:step:1"])
    assert {e["name"] for e in tagged} == {"prep"}
    excluded = await collect(chain, "q", exclude_names=["prep", "RunnableSequence"])
    assert {e["name"] for e in excluded} == {"FakeStreamingChat"}


async def test_generator_lambda_streams_chain_events():
    async def twice(x):
        yield x
        yield x

    events = await collect(RunnableLambda(twice), 3)
    assert brief(events) == [
        ("on_chain_start", "twice"),
        ("on_chain_stream", "twice"),
        ("on_chain_stream", "twice"),
        ("on_chain_end", "twice"),
    ]
    assert [e["data"].get("chunk") for e in events[1:3]] == [3, 3]
    assert events[-1]["data"]["output"] == 6


async def test_errors_propagate_from_astream_events():
    def boom(x):
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        await collect(RunnableLambda(boom), 1)


async def test_only_v2_is_supported():
    with pytest.raises(NotImplementedError, match="v2"):
        await collect(RunnableLambda(lambda x: x), 1, version="v1")


async def test_early_exit_cancels_the_run():
    chain = RunnableLambda(lambda x: x) | FakeStreamingChat(["a"] * 50)
    async for event in chain.astream_events("q", version="v2"):
        if event["event"] == "on_chat_model_stream":
            break
    # nothing left running: a new stream works normally
    assert len(await collect(chain, "q")) > 50


async def test_invoke_only_runnable_events():
    class Upper(Runnable[str, str]):
        def invoke(self, input, config=None, **kwargs):
            return input.upper()

    events = await collect(Upper(), "a")
    assert events == []  # no callbacks reported by invoke: nothing to stream


async def test_custom_events_from_inside_a_run():
    def step(x):
        dispatch_custom_event("progress", {"done": x})
        return x

    async def astep(x):
        await adispatch_custom_event("aprogress", {"done": x})
        return x

    chain = RunnableLambda(step, name="step") | RunnableLambda(astep, name="astep")
    events = await collect(chain, 7)
    custom = [e for e in events if e["event"] == "on_custom_event"]
    assert [(e["name"], e["data"]) for e in custom] == [
        ("progress", {"done": 7}),
        ("aprogress", {"done": 7}),
    ]
    step_start = next(e for e in events if e["name"] == "step")
    assert custom[0]["run_id"] == step_start["run_id"]
    assert custom[0]["parent_ids"] == [events[0]["run_id"]]
    # without any handler the events go nowhere, silently
    assert await chain.ainvoke(1) == 1
    with pytest.raises(RuntimeError, match="enclosing run"):
        dispatch_custom_event("x", 1, config={"callbacks": [BaseCallbackHandler()]})


def test_custom_event_functions_import_from_callbacks_as_in_the_reference():
    # LangChain code imports them from langchain_core.callbacks; the import swap must work.
    assert callbacks.dispatch_custom_event is dispatch_custom_event
    assert callbacks.adispatch_custom_event is adispatch_custom_event
    seen: list[tuple[str, Any]] = []

    class Listener(BaseCallbackHandler):
        def on_custom_event(self, name, data, **kwargs):
            seen.append((name, data))

    def step(x):
        callbacks.dispatch_custom_event("half", x / 2)
        return x

    assert RunnableLambda(step).invoke(4, {"callbacks": [Listener()]}) == 4
    assert seen == [("half", 2.0)]


class FakeTool(Runnable[dict[str, Any], str]):
    """Reports a tool run through the manager API, as a tool does."""

    name = "lookup"

    def invoke(self, input, config=None, **kwargs):
        config = ensure_config(config)
        manager = get_callback_manager_for_config(config)
        run = None
        if manager is not None:
            run = manager.on_tool_start(
                None, str(input), inputs=input, name=self.get_name(), run_id=config.get("run_id")
            )
        try:
            if input.get("fail"):
                raise LookupError("no such city")
            output = f"sunny in {input['city']}"
        except Exception as error:
            if run is not None:
                run.on_tool_error(error)
            raise
        if run is not None:
            run.on_tool_end(output)
        return output


async def test_tool_events():
    chain = RunnableLambda(lambda x: x, name="prep") | FakeTool()
    events = await collect(chain, {"city": "Oslo"})
    tool = [e for e in events if e["name"] == "lookup"]
    assert [e["event"] for e in tool] == ["on_tool_start", "on_tool_end"]
    assert tool[0]["data"] == {"input": {"city": "Oslo"}}
    assert tool[1]["data"] == {"output": "sunny in Oslo", "input": {"city": "Oslo"}}
    assert tool[0]["parent_ids"] == [events[0]["run_id"]]
    failing: list[Any] = []
    with pytest.raises(LookupError):
        async for event in chain.astream_events({"city": "X", "fail": True}, version="v2"):
            failing.append(event)
    errors = [e for e in failing if e["event"] == "on_tool_error"]
    assert len(errors) == 1 and isinstance(errors[0]["data"]["error"], LookupError)
    assert errors[0]["data"]["input"] == {"city": "X", "fail": True}
