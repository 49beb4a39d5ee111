import asyncio
from typing import Any

import pytest

from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage, merge_chunks
from linguafranca.outputs import ChatGenerationChunk, LLMResult
from linguafranca.runnables import (
    RunLog,
    RunLogPatch,
    Runnable,
    RunnableLambda,
    ensure_config,
    get_async_callback_manager_for_config,
)
from linguafranca.runnables._patch import apply_patch, escape


class FakeStreamingChat(Runnable[Any, AIMessage]):
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.name = "FakeStreamingChat"

    def invoke(self, input, config=None, **kwargs):
        return AIMessage("".join(self.tokens))

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
            await run.on_llm_end(
                LLMResult(generations=[[ChatGenerationChunk(message=merge_chunks(chunks))]])
            )

    async def atransform(self, input, config=None, **kwargs):
        parts = [x async for x in input]
        async for chunk in self.astream(parts[-1], config, **kwargs):
            yield chunk


def fold(patches: list[RunLogPatch]) -> RunLog:
    state: RunLog | RunLogPatch = patches[0]
    for patch in patches[1:]:
        state = state + patch
    assert isinstance(state, RunLog)
    return state


async def test_chat_model_patches_match_the_seed_shapes():
    patches = [p async for p in FakeStreamingChat([" data", ",", " instead"]).astream_log("q")]
    first = patches[0].ops
    assert len(first) == 1 and first[0]["op"] == "replace" and first[0]["path"] == ""
    value = first[0]["value"]
    assert set(value) == {"id", "streamed_output", "final_output", "logs", "name", "type"}
    assert value["streamed_output"] == [] and value["final_output"] is None and value["logs"] == {}
    assert value["name"] == "FakeStreamingChat" and value["type"] == "llm"
    middle = [p.ops for p in patches[1:-1]]
    assert middle == [
        [{"op": "add", "path": "/streamed_output/-", "value": AIMessageChunk(t)}]
        for t in [" data", ",", " instead"]
    ]
    last = patches[-1].ops
    assert last[0]["op"] == "replace" and last[0]["path"] == "/final_output"
    assert last[0]["value"].text == " data, instead"
    assert repr(patches[1]).startswith("RunLogPatch({'op': 'add',")
    assert "'path': '/streamed_output/-'" in repr(patches[1])


async def test_patches_replay_into_the_final_output():
    chain = RunnableLambda(lambda x: x, name="prep") | FakeStreamingChat(["a", "b", "c"])
    patches = [p async for p in chain.astream_log("q")]
    log = fold(patches)
    state = log.state
    assert state["final_output"].text == "abc"
    assert [c.text for c in state["streamed_output"]] == ["a", "b", "c"]
    assert state["name"] == "RunnableSequence" and state["type"] == "chain"
    assert set(state["logs"]) == {"prep", "FakeStreamingChat"}
    prep = state["logs"]["prep"]
    assert prep["final_output"] == {"output": "q"} and prep["streamed_output"] == ["q"]
    assert prep["tags"] == ["seq:step:1"] and prep["end_time"] is not None
    chat = state["logs"]["FakeStreamingChat"]
    assert chat["type"] == "llm"
    assert chat["streamed_output_str"] == ["a", "b", "c"]
    assert chat["final_output"]["generations"][0][0]["message"].text == "abc"
    assert len(log.ops) == sum(len(p.ops) for p in patches)


async def test_include_names_filters_logs_not_the_root():
    chain = RunnableLambda(lambda x: x, name="prep") | FakeStreamingChat(["a"])
    patches = [p async for p in chain.astream_log("q", include_names=["FakeStreamingChat"])]
    state = fold(patches).state
    assert list(state["logs"]) == ["FakeStreamingChat"]
    assert state["final_output"].text == "a"


async def test_duplicate_names_get_numbered_keys():
    step = RunnableLambda(lambda x: x + 1, name="inc")
    patches = [p async for p in (step | step | step).astream_log(0)]
    state = fold(patches).state
    assert sorted(state["logs"]) == ["inc", "inc:2", "inc:3"]
    assert state["final_output"] == 3


async def test_diff_false_yields_growing_run_logs():
    logs = [log async for log in RunnableLambda(lambda x: x * 2).astream_log(4, diff=False)]
    assert all(isinstance(log, RunLog) for log in logs)
    assert logs[0].state["final_output"] is None
    assert logs[-1].state["final_output"] == 8
    assert logs[-1].state["streamed_output"] == [8]
    # earlier snapshots are not changed by later patches
    assert logs[0].state["streamed_output"] == []


async def test_without_streamed_output_list():
    patches = [
        p
        async for p in FakeStreamingChat(["a", "b"]).astream_log(
            "q", with_streamed_output_list=False
        )
    ]
    state = fold(patches).state
    assert state["streamed_output"] == [] and state["final_output"].text == "ab"


def test_run_log_addition():
    a = RunLogPatch(
        {"op": "replace", "path": "", "value": {"streamed_output": [], "final_output": None}}
    )
    b = RunLogPatch({"op": "add", "path": "/streamed_output/-", "value": 1})
    log = a + b
    assert isinstance(log, RunLog)
    assert log.state == {"streamed_output": [1], "final_output": None}
    log2 = log + RunLogPatch({"op": "replace", "path": "/final_output", "value": 1})
    assert log2.state["final_output"] == 1 and log.state["final_output"] is None
    assert log2.ops == [*a.ops, *b.ops, {"op": "replace", "path": "/final_output", "value": 1}]
    assert repr(log2).startswith("RunLog({")
    assert a == RunLogPatch(*a.ops) and a != b
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]


def test_apply_patch_operations():
    doc = {"a": [1, 2], "b": {"c": 1}, "x/y": 0}
    out = apply_patch(
        doc,
        [
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "add", "path": "/a/0", "value": 0},
            {"op": "replace", "path": "/b/c", "value": 2},
            {"op": "remove", "path": "/x~1y"},
            {"op": "add", "path": "/d", "value": {}},
        ],
    )
    assert out == {"a": [0, 1, 2, 3], "b": {"c": 2}, "d": {}}
    assert doc == {"a": [1, 2], "b": {"c": 1}, "x/y": 0}  # not modified
    assert escape("a/b~c") == "a~1b~0c"
    assert apply_patch({"a": 1}, [{"op": "replace", "path": "", "value": 5}]) == 5


@pytest.mark.parametrize(
    ("op", "message"),
    [
        ({"op": "move", "path": "/a", "from": "/b"}, "Unsupported"),
        ({"op": "replace", "path": "/missing", "value": 1}, "no key"),
        ({"op": "add", "path": "/a/9", "value": 1}, "out of range"),
        ({"op": "add", "path": "/a/x", "value": 1}, "not a list index"),
        ({"op": "add", "path": "a", "value": 1}, "start with"),
    ],
)
def test_apply_patch_rejects_bad_operations(op, message):
    with pytest.raises(ValueError, match=message):
        apply_patch({"a": [1]}, [op])
