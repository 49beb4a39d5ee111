"""pick, assign, map (RunnableEach), with_types, with_listeners / with_alisteners."""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from typing_extensions import assert_type

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.chat_models.fake import GenericFakeChatModel
from linguafranca.messages import AIMessage, HumanMessage
from linguafranca.runnables import (
    Aggregator,
    Runnable,
    RunnableBinding,
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnableSequence,
    get_callback_manager_for_config,
)
from linguafranca.runnables._each import RunnableEach
from linguafranca.runnables._listeners import Run
from linguafranca.runnables._passthrough import RunnableAssign
from linguafranca.runnables._pick import PickInputError, RunnablePick
from linguafranca.runnables._typed import TypedBinding
from linguafranca.tools import tool


class Recorder(BaseCallbackHandler):
    """Records chain starts and ends: (event, name, run_id, parent_run_id, tags, data)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any, UUID, UUID | None, list[str], Any]] = []
        self.names: dict[UUID, str] = {}

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, tags=None, **kw):
        self.names[run_id] = kw["name"]
        self.events.append(("start", kw["name"], run_id, parent_run_id, tags or [], inputs))

    def on_chain_end(self, outputs, *, run_id, parent_run_id=None, **kw):
        name = self.names[run_id]
        self.events.append(("end", name, run_id, parent_run_id, [], outputs))

    def starts(self) -> list[str]:
        return [e[1] for e in self.events if e[0] == "start"]


def chunks_gen(x: int) -> Iterator[dict[str, Any]]:
    yield {"a": 1}
    yield {"b": "x"}
    yield {"a": 2, "c": 3}
    yield {"b": "y"}


async def achunks_gen(x: int) -> AsyncIterator[dict[str, Any]]:
    for chunk in chunks_gen(x):
        yield chunk


def fold(chunks: list[Any]) -> Any:
    agg = Aggregator()
    for chunk in chunks:
        agg.add(chunk)
    return agg.result()


def pair() -> RunnableParallel:
    return RunnableParallel(a=lambda x: x, b=lambda x: x * 2)


# --- pick ------------------------------------------------------------------------------


def test_pick_one_key_gives_its_value_or_none():
    chain = pair().pick("b")
    assert isinstance(chain, RunnableSequence)
    assert isinstance(chain.last, RunnablePick)
    assert chain.last.get_name() == "RunnablePick<b>"
    assert chain.invoke(3) == 6
    assert pair().pick("missing").invoke(3) is None


def test_pick_keys_keeps_those_present_and_gives_none_when_none_is():
    assert pair().pick(["b", "a"]).invoke(3) == {"b": 6, "a": 3}
    assert pair().pick(["b", "zz"]).invoke(3) == {"b": 6}
    assert pair().pick(["zz"]).invoke(3) is None
    assert RunnablePick(["a", "b"]).get_name() == "RunnablePick<a,b>"
    assert RunnablePick(("a",)).keys == ["a"]


async def test_pick_async():
    assert await pair().pick("a").ainvoke(4) == 4
    assert await pair().pick(["a"]).ainvoke(4) == {"a": 4}
    assert await RunnablePick("x").abatch([{"x": 1}, {"y": 2}]) == [1, None]


def test_pick_streams_from_each_chunk_skipping_those_without_the_keys():
    source = RunnableLambda(chunks_gen)
    assert list(source.pick("a").stream(0)) == [1, 2]
    assert list(source.pick(["a", "b"]).stream(0)) == [{"a": 1}, {"b": "x"}, {"a": 2}, {"b": "y"}]
    assert list(source.pick(["zz"]).stream(0)) == []
    # invoke picks from the whole output (the chunks added up).
    assert source.pick(["a", "b"]).invoke(0) == {"a": 3, "b": "xy"}


async def test_pick_astream():
    source = RunnableLambda(achunks_gen)
    assert [c async for c in source.pick("b").astream(0)] == ["x", "y"]
    chunks = [c async for c in source.pick(["c", "b"]).astream(0)]
    assert chunks == [{"b": "x"}, {"c": 3}, {"b": "y"}]
    assert fold(chunks) == await source.pick(["c", "b"]).ainvoke(0)


def test_pick_rejects_non_dict_input_and_bad_keys():
    with pytest.raises(PickInputError, match=r"needs a dict input, got int") as info:
        RunnablePick("a").invoke(3)  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    with pytest.raises(PickInputError):
        list(RunnablePick("a").stream("text"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a key \\(str\\) or a list of keys"):
        RunnablePick(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a key"):
        RunnablePick(["a", 1])  # type: ignore[list-item]


def test_pick_reports_its_run_like_the_reference():
    recorder = Recorder()
    assert pair().pick(["a"]).invoke(1, {"callbacks": [recorder]}) == {"a": 1}
    starts = [(e[1], e[4], e[5]) for e in recorder.events if e[0] == "start"]
    assert ("RunnablePick<a>", ["seq:step:2"], {"a": 1, "b": 2}) in starts
    ends = {e[1]: e[5] for e in recorder.events if e[0] == "end"}
    assert ends["RunnablePick<a>"] == {"a": 1}


async def test_pick_events_name_the_pick():
    events = [e async for e in pair().pick("a").astream_events(5, version="v2")]
    pick = [e["event"] for e in events if e["name"] == "RunnablePick<a>"]
    assert pick == ["on_chain_start", "on_chain_stream", "on_chain_end"]
    assert events[-1]["data"]["output"] == 5


# --- assign ----------------------------------------------------------------------------


def test_assign_adds_keys_to_the_dict_output():
    chain = pair().assign(c=lambda d: d["a"] + d["b"], d=RunnableLambda(lambda d: "d"))
    assert isinstance(chain, RunnableSequence)
    assert isinstance(chain.last, RunnableAssign)
    assert chain.last.get_name() == "RunnableAssign<c,d>"
    assert chain.invoke(2) == {"a": 2, "b": 4, "c": 6, "d": "d"}


async def test_assign_async():
    chain = pair().assign(c=lambda d: d["a"] * 10)
    assert await chain.ainvoke(1) == {"a": 1, "b": 2, "c": 10}


def test_assign_streams_the_input_keys_then_the_new_ones():
    chain = RunnableLambda(chunks_gen).assign(d=lambda d: d["a"] * 10)
    chunks = list(chain.stream(0))
    assert chunks == [{"a": 1}, {"b": "x"}, {"a": 2, "c": 3}, {"b": "y"}, {"d": 30}]
    assert fold(chunks) == chain.invoke(0) == {"a": 3, "b": "xy", "c": 3, "d": 30}


async def test_assign_astream():
    chain = RunnableLambda(achunks_gen).assign(d=lambda d: d["b"].upper())
    chunks = [c async for c in chain.astream(0)]
    assert chunks[-1] == {"d": "XY"}
    assert fold(chunks) == await chain.ainvoke(0)


def test_assign_on_a_non_dict_output_raises():
    with pytest.raises(TypeError, match="needs a dict input, got int"):
        RunnableLambda(lambda x: x).assign(y=lambda d: 1).invoke(3)


# --- map / RunnableEach ----------------------------------------------------------------


class Recording(Runnable[int, int]):
    """Adds one; records the batch method used, the configs and the kwargs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    def invoke(self, input, config=None, **kwargs):
        self.calls.append(("invoke", config, kwargs))
        return input + 1

    def batch(self, inputs, config=None, *, return_exceptions=False, **kwargs):
        self.calls.append(("batch", list(inputs), kwargs))
        return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    async def abatch(self, inputs, config=None, *, return_exceptions=False, **kwargs):
        self.calls.append(("abatch", list(inputs), kwargs))
        return [i + 1 for i in inputs]


def test_map_calls_the_runnable_on_each_item():
    each = RunnableLambda(lambda x: x + 1).map()
    assert isinstance(each, RunnableEach)
    assert each.get_name() == "RunnableEach<RunnableLambda>"
    assert each.invoke([1, 2, 3]) == [2, 3, 4]
    assert each.invoke([]) == []
    assert each.invoke((5,)) == [6]
    assert each.batch([[1], [2, 3]]) == [[2], [3, 4]]
    assert list(each.stream([1, 2])) == [[2, 3]]


def test_map_invoke_is_bound_batch_and_ainvoke_bound_abatch():
    bound = Recording()
    assert bound.map().invoke([1, 2]) == [2, 3]
    assert bound.calls[0] == ("batch", [1, 2], {})
    bound.calls.clear()
    assert asyncio.run(bound.map().ainvoke([4])) == [5]
    assert bound.calls == [("abatch", [4], {})]


def test_map_bind_and_with_config_apply_to_each_item():
    bound = Recording()
    each = bound.map().bind(flag=True)
    assert isinstance(each, RunnableEach)
    assert each.invoke([1, 2]) == [2, 3]
    assert [c[2] for c in bound.calls if c[0] == "invoke"] == [{"flag": True}] * 2
    recorder = Recorder()
    tagged = (
        RunnableLambda(lambda x: x * 2, name="double")
        .map()
        .with_config(callbacks=[recorder], tags=["item"])
    )
    assert isinstance(tagged, RunnableEach)
    assert tagged.invoke([1, 2]) == [2, 4]
    # As in the reference, the config reaches the items' runs, not the list's.
    assert recorder.starts() == ["double", "double"]
    assert all("item" in e[4] for e in recorder.events if e[0] == "start")


def test_map_reports_the_list_run_as_parent_of_the_item_runs():
    recorder = Recorder()
    each = RunnableLambda(lambda x: -x, name="neg").map()
    assert each.invoke([1, 2], {"callbacks": [recorder]}) == [-1, -2]
    (top,) = [e for e in recorder.events if e[0] == "start" and e[1].startswith("RunnableEach")]
    assert top[1] == "RunnableEach<neg>" and top[5] == [1, 2]
    items = [e for e in recorder.events if e[0] == "start" and e[1] == "neg"]
    assert sorted(e[5] for e in items) == [1, 2]
    assert all(e[3] == top[2] and e[4] == [] for e in items)
    assert recorder.events[-1][1:] == ("RunnableEach<neg>", top[2], None, [], [-1, -2])


async def test_map_async_and_events():
    async def double(x: int) -> int:
        return x * 2

    each = RunnableLambda(double).map()
    assert await each.ainvoke([1, 2, 3]) == [2, 4, 6]
    # The reference refuses astream_events on a RunnableEach; here it reports the runs
    # as it does inside a chain there (the items are invoked, not streamed).
    events = [e async for e in each.astream_events([1], version="v2")]
    assert [(e["event"], e["name"], e["data"].get("output")) for e in events] == [
        ("on_chain_start", "RunnableEach<double>", None),
        ("on_chain_start", "double", None),
        ("on_chain_end", "double", 2),
        ("on_chain_end", "RunnableEach<double>", [2]),
    ]


def test_map_rejects_what_is_not_a_list():
    each = RunnableLambda(lambda x: x).map()
    with pytest.raises(TypeError, match="needs a list of inputs, got int"):
        each.invoke(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got dict"):
        each.invoke({"a": 1})  # type: ignore[arg-type]


def test_map_with_listeners_listens_to_each_item():
    names: list[Any] = []
    each = RunnableLambda(lambda x: x + 1).map().with_listeners(on_end=lambda r: names.append(r))
    assert isinstance(each, RunnableEach)
    assert each.invoke([1, 2]) == [2, 3]
    assert sorted(r.outputs["output"] for r in names) == [2, 3]


# --- with_types ------------------------------------------------------------------------


class Declared(Runnable[str, int]):
    InputType = str
    OutputType = int

    def invoke(self, input, config=None, **kwargs):
        return len(input)


def test_with_types_declares_types_and_keeps_behaviour():
    typed = Declared().with_types(input_type=bytes)
    assert isinstance(typed, TypedBinding) and isinstance(typed, RunnableBinding)
    assert typed.InputType is bytes
    assert typed.OutputType is int  # not declared: the bound runnable's
    assert typed.invoke("abc") == 3
    assert typed.bind(x=1).InputType is bytes
    rebound = typed.with_config(tags=["t"]).with_types(output_type=float)
    assert (rebound.InputType, rebound.OutputType) == (bytes, float)
    bare = RunnableLambda(lambda x: x).with_types()
    assert bare.InputType is Any and bare.OutputType is Any


def test_with_types_typing_follows_the_given_types():
    def length(text: str) -> int:
        return len(text)

    runnable = RunnableLambda(length)
    assert_type(runnable.with_types(), RunnableBinding[str, int])
    assert_type(runnable.with_types(input_type=bytes), RunnableBinding[bytes, int])
    assert_type(runnable.with_types(output_type=float), RunnableBinding[str, float])
    both = runnable.with_types(input_type=list, output_type=dict)
    assert_type(both, RunnableBinding[list[Any], dict[Any, Any]])
    assert isinstance(both, TypedBinding) and both.custom_input_type is list
    assert_type(runnable.map(), RunnableEach[str, int])
    assert_type(runnable.map().invoke(["a"]), list[int])
    assert_type(runnable.pick("a"), RunnableSequence[str, Any])
    assert_type(runnable.with_listeners(), Runnable[str, int])


# --- with_listeners --------------------------------------------------------------------


def snapshot(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.name,
        "run_type": run.run_type,
        "inputs": run.inputs,
        "outputs": run.outputs,
        "error": run.error,
        "end_time": run.end_time,
        "tags": list(run.tags),
        "metadata": dict(run.metadata),
        "parent_run_id": run.parent_run_id,
    }


def test_listeners_called_around_the_run_with_its_fields():
    log: list[Any] = []

    def inc(x: int) -> int:
        log.append("body")
        return x + 1

    runnable = RunnableLambda(inc)
    listened = runnable.with_listeners(
        on_start=lambda run: log.append(("start", run, snapshot(run))),
        on_end=lambda run: log.append(("end", run, snapshot(run))),
    )
    before = datetime.now().astimezone()
    config: RunnableConfig = {"tags": ["t"], "metadata": {"m": 1}}
    assert listened.invoke(1, config) == 2
    assert [entry if entry == "body" else entry[0] for entry in log] == ["start", "body", "end"]
    (_, started, at_start), (_, ended, at_end) = log[0], log[2]
    assert started is ended  # one Run, completed at the end (as in the reference)
    assert isinstance(ended.id, UUID)
    assert at_start == {
        "id": ended.id,
        "name": "inc",
        "run_type": "chain",
        "inputs": {"input": 1},
        "outputs": None,
        "error": None,
        "end_time": None,
        "tags": ["t"],
        "metadata": {"m": 1},
        "parent_run_id": None,
    }
    assert at_end["outputs"] == {"output": 2} and at_end["error"] is None
    assert before <= ended.start_time <= at_end["end_time"] <= datetime.now().astimezone()


def test_listener_gets_the_config_by_name_or_second_parameter():
    got: list[Any] = []

    def by_name(run: Run, config: RunnableConfig) -> None:
        got.append(("by_name", config["configurable"], config["tags"]))

    def positional(run, cfg):
        got.append(("positional", cfg["configurable"], cfg["tags"]))

    listened = RunnableLambda(lambda x: x).with_listeners(on_start=by_name, on_end=positional)
    listened.invoke(0, {"configurable": {"user": "u1"}, "tags": ["a"]})
    assert got == [("by_name", {"user": "u1"}, ["a"]), ("positional", {"user": "u1"}, ["a"])]


def test_only_the_runnables_own_run_calls_the_listeners():
    runs: list[Run] = []
    inner = RunnableLambda(lambda x: x + 1, name="inner")
    chain = (inner | RunnableLambda(lambda x: x * 2, name="double")).with_listeners(
        on_start=runs.append, on_end=runs.append
    )
    assert chain.invoke(1) == 4
    assert [r.name for r in runs] == ["RunnableSequence", "RunnableSequence"]
    assert runs[0].outputs == {"output": 4}
    runs.clear()
    nested = inner.with_listeners(on_end=runs.append) | RunnableLambda(lambda x: -x)
    assert nested.invoke(5) == -6
    assert [(r.name, r.inputs, r.outputs) for r in runs] == [("inner", {"input": 5}, {"output": 6})]


def test_children_of_a_listened_run_stay_untraced():
    managers: list[Any] = []

    def probe(x: int, config: RunnableConfig) -> int:
        managers.append(get_callback_manager_for_config(config))
        return x

    chain = (RunnableLambda(probe) | RunnableLambda(lambda x: x)).with_listeners(
        on_end=lambda run: managers.append(run.name)
    )
    assert chain.invoke(1) == 1
    # The listeners' handler is local to the listened run: nothing reaches the children.
    assert managers == [None, "RunnableSequence"]


def test_other_handlers_see_every_run_and_the_run_has_its_parent():
    recorder = Recorder()
    runs: list[Run] = []
    step = RunnableLambda(lambda x: x + 1, name="step").with_listeners(on_end=runs.append)
    chain = RunnableLambda(lambda x: x, name="first") | step
    assert chain.invoke(1, {"callbacks": [recorder]}) == 2
    assert recorder.starts() == ["RunnableSequence", "first", "step"]
    sequence_id = recorder.events[0][2]
    step_id = next(e[2] for e in recorder.events if e[1] == "step")
    (run,) = runs
    assert (run.id, run.parent_run_id, run.tags) == (step_id, sequence_id, ["seq:step:2"])


def test_error_calls_on_error_not_on_end():
    log: list[Any] = []

    def boom(x: int) -> int:
        raise ValueError("bad input")

    listened = RunnableLambda(boom).with_listeners(
        on_start=lambda r: log.append("start"),
        on_end=lambda r: log.append("end"),
        on_error=lambda r: log.append(r),
    )
    with pytest.raises(ValueError, match="bad input"):
        listened.invoke(1)
    assert log[0] == "start" and len(log) == 2
    run = log[1]
    assert run.name == "boom" and run.outputs is None and run.end_time is not None
    assert run.error.startswith("ValueError('bad input')")
    assert "Traceback" in run.error


def test_dict_inputs_and_outputs_are_not_wrapped():
    runs: list[Run] = []
    adder = RunnableLambda(lambda d: {"sum": d["a"] + d["b"]})
    assert adder.with_listeners(on_end=runs.append).invoke({"a": 1, "b": 2}) == {"sum": 3}
    assert (runs[0].inputs, runs[0].outputs) == ({"a": 1, "b": 2}, {"sum": 3})


def test_listeners_on_streams():
    runs: list[tuple[str, dict[str, Any]]] = []

    def letters(x: str) -> Iterator[str]:
        yield from x

    listened = RunnableLambda(letters).with_listeners(
        on_start=lambda r: runs.append(("start", dict(r.inputs))),
        on_end=lambda r: runs.append(("end", {**r.inputs, **(r.outputs or {})})),
    )
    assert list(listened.stream("abc")) == ["a", "b", "c"]
    assert runs == [("start", {"input": "abc"}), ("end", {"input": "abc", "output": "abc"})]
    runs.clear()
    # A streamed input is known at the end only (as in the reference).
    assert list(listened.transform(iter(["x", "y"]))) == ["x", "y"]
    assert runs == [("start", {"input": ""}), ("end", {"input": "xy", "output": "xy"})]


def test_listeners_per_call_in_batch():
    runs: list[Run] = []
    listened = RunnableLambda(lambda x: x * 3).with_listeners(on_end=runs.append)
    assert listened.batch([1, 2, 3]) == [3, 6, 9]
    assert sorted((r.inputs["input"], r.outputs["output"]) for r in runs) == [  # type: ignore[index]
        (1, 3),
        (2, 6),
        (3, 9),
    ]
    assert len({r.id for r in runs}) == 3


def test_bind_and_with_config_keep_the_listeners():
    runs: list[Run] = []

    def add(x: int, step: int = 1) -> int:
        return x + step

    listened = RunnableLambda(add).with_listeners(on_end=runs.append)
    assert listened.bind(step=5).with_config(run_name="adder").invoke(1) == 6
    assert [(r.name, r.outputs) for r in runs] == [("adder", {"output": 6})]
    runs.clear()
    configured = RunnableLambda(add).with_config(tags=["x"], metadata={"k": 1}, run_name="a2")
    assert configured.with_listeners(on_end=runs.append).invoke(1, {"tags": ["y"]}) == 2
    assert [(r.name, sorted(r.tags), r.metadata) for r in runs] == [("a2", ["x", "y"], {"k": 1})]


def test_listener_errors_are_logged_not_raised(caplog):
    def broken(run: Run) -> None:
        raise RuntimeError("listener broke")

    with caplog.at_level(logging.WARNING, logger="linguafranca.callbacks"):
        assert RunnableLambda(lambda x: x).with_listeners(on_end=broken).invoke(7) == 7
    assert "listener broke" in caplog.text


def test_non_callable_listener_is_refused():
    with pytest.raises(TypeError, match=r"with_listeners\(on_end=...\) needs a function"):
        RunnableLambda(lambda x: x).with_listeners(on_end="print")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"with_alisteners\(on_start=...\)"):
        RunnableLambda(lambda x: x).with_alisteners(on_start=3)  # type: ignore[arg-type]


def test_listeners_on_a_chat_model_and_a_tool():
    runs: list[Run] = []
    model = GenericFakeChatModel(messages=iter([AIMessage("hi there")]))
    assert model.with_listeners(on_end=runs.append).invoke("yo").content == "hi there"
    (run,) = runs
    assert run.run_type == "chat_model" and run.name == "GenericFakeChatModel"
    assert run.inputs == {"messages": [[HumanMessage("yo")]]}
    assert run.outputs is not None
    assert run.outputs["generations"][0][0].message.content == "hi there"

    @tool
    def plus(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    runs.clear()
    assert plus.with_listeners(on_end=runs.append).invoke({"a": 1, "b": 2}) == 3
    assert [(r.run_type, r.name, r.inputs, r.outputs) for r in runs] == [
        ("tool", "plus", {"a": 1, "b": 2}, {"output": 3})
    ]


async def test_sync_listeners_in_async_runs():
    runs: list[Run] = []
    listened = RunnableLambda(lambda x: x + 1).with_listeners(on_start=runs.append)
    assert await listened.ainvoke(1) == 2
    assert await listened.abatch([1, 2]) == [2, 3]
    assert [c async for c in listened.astream(5)] == [6]
    assert sorted(r.inputs["input"] for r in runs) == [1, 1, 2, 5]


async def test_async_listeners_are_awaited_in_order():
    log: list[Any] = []

    async def on_start(run: Run) -> None:
        await asyncio.sleep(0)
        log.append(("start", run.name))

    async def on_end(run: Run, config: RunnableConfig) -> None:
        log.append(("end", run.outputs, config["metadata"]))

    async def body(x: int) -> int:
        log.append("body")
        return x * 2

    listened = RunnableLambda(body).with_alisteners(on_start=on_start, on_end=on_end)
    assert await listened.ainvoke(4, {"metadata": {"k": "v"}}) == 8
    assert log == [("start", "body"), "body", ("end", {"output": 8}, {"k": "v"})]
    log.clear()
    assert [c async for c in listened.astream(1)] == [2]
    assert log == [("start", "body"), "body", ("end", {"output": 2}, {})]


def test_async_listeners_in_sync_runs_and_on_error():
    log: list[Any] = []

    async def on_error(run: Run) -> None:
        log.append((run.name, run.error is not None))

    def fail(x: int) -> int:
        raise KeyError("nope")

    listened = RunnableLambda(fail).with_alisteners(on_error=on_error)
    with pytest.raises(KeyError):
        listened.invoke(1)
    assert log == [("fail", True)]


async def test_listened_runnable_in_astream_events():
    runs: list[Run] = []
    chain = pair().pick("b").with_listeners(on_end=runs.append)
    events = [e async for e in chain.astream_events(2, version="v2")]
    assert events[0]["event"] == "on_chain_start" and events[-1]["data"]["output"] == 4
    assert [(r.name, r.outputs) for r in runs] == [("RunnableSequence", {"output": 4})]
    assert events[-1]["run_id"] == str(runs[0].id)
