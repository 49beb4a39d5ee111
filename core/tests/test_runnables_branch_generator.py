import asyncio
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import Any, cast

import pytest

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.runnables import (
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    coerce_to_runnable,
)
from linguafranca.runnables._branch import RunnableBranch
from linguafranca.runnables._chain_decorator import chain
from linguafranca.runnables._generator import RunnableGenerator


class Recorder(BaseCallbackHandler):
    """Chain runs as (event, name, tags, parent name, payload)."""

    def __init__(self) -> None:
        self.names: dict[Any, str] = {}
        self.log: list[tuple[Any, ...]] = []

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, tags=None, **kw):
        self.names[run_id] = kw["name"]
        self.log.append(("start", kw["name"], sorted(tags or []), self.names.get(parent_run_id)))

    def on_chain_end(self, outputs, *, run_id, **kw):
        self.log.append(("end", self.names[run_id], outputs))

    def on_chain_error(self, error, *, run_id, **kw):
        self.log.append(("error", self.names[run_id], type(error).__name__))


def upper_each(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield chunk.upper()
        yield "!"


async def aupper_each(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk.upper()
        yield "?"


async def letters(_: Any) -> AsyncIterator[str]:
    for letter in "abc":
        await asyncio.sleep(0)
        yield letter


async def collect_events(runnable, value, config=None) -> list[tuple[str, str, list[str], Any]]:
    return [
        (e["event"], e["name"], e["tags"], e["data"])
        async for e in runnable.astream_events(value, config, version="v2")
    ]


# --- RunnableBranch: choosing ---------------------------------------------------------


def make_branch() -> RunnableBranch[Any, Any]:
    return RunnableBranch(
        (lambda x: isinstance(x, str), lambda x: x.upper()),
        (lambda x: isinstance(x, int), lambda x: x + 1),
        lambda x: "default",
    )


def test_branch_runs_first_true_condition_else_default():
    branch = make_branch()
    assert branch.invoke("hi") == "HI"
    assert branch.invoke(1) == 2
    assert branch.invoke(None) == "default"
    assert branch.batch(["a", 2, 3.5]) == ["A", 3, "default"]


def test_branch_stops_at_first_true_condition_and_passes_input():
    seen: list[str] = []

    def cond(name: str, result: bool):
        def check(x: Any) -> bool:
            seen.append(name)
            return result

        return check

    branch = RunnableBranch(
        (cond("one", False), lambda x: ("one", x)),
        (cond("two", True), lambda x: ("two", x)),
        (cond("three", True), lambda x: ("three", x)),
        lambda x: ("default", x),
    )
    assert branch.invoke(7) == ("two", 7)
    assert seen == ["one", "two"]


def test_branch_condition_truthiness_and_runnable_parts():
    branch = RunnableBranch(
        (RunnableLambda(lambda x: x.get("n")), RunnableLambda(lambda x: x["n"] * 10)),
        {"echo": lambda x: x},
    )
    assert branch.invoke({"n": 3}) == 30
    # A falsy (not False) condition value falls through; a dict default is a parallel.
    assert branch.invoke({"n": 0}) == {"echo": {"n": 0}}
    assert isinstance(branch.default, RunnableParallel)
    assert len(branch.branches) == 1


async def test_branch_async_conditions_and_branches():
    async def is_even(x: int) -> bool:
        return x % 2 == 0

    async def half(x: int) -> int:
        return x // 2

    branch = RunnableBranch((is_even, half), lambda x: 3 * x + 1)
    assert await branch.ainvoke(10) == 5
    assert await branch.ainvoke(3) == 10
    assert await branch.abatch([4, 5]) == [2, 16]
    with pytest.raises(TypeError, match="async"):
        branch.invoke(4)  # an async-only condition has no sync call


async def test_branch_ainvoke_of_sync_parts_sees_config():
    def tagged(x: int, config: RunnableConfig) -> list[str]:
        return [*config["tags"], str(x)]

    branch = RunnableBranch((lambda x: x > 0, tagged), lambda x: [])
    assert await branch.ainvoke(5, {"tags": ["outer"]}) == ["outer", "5"]
    assert await branch.ainvoke(-1) == []


def test_branch_passes_kwargs_to_the_chosen_runnable_only():
    class Echo(RunnableLambda[Any, Any]):
        def invoke(self, input, config=None, **kwargs):
            return (input, kwargs)

    branch = RunnableBranch((lambda x: True, Echo(lambda x: x)), lambda x: x)
    assert branch.invoke(1, suffix="s") == (1, {"suffix": "s"})


# --- RunnableBranch: streaming --------------------------------------------------------


def test_branch_streams_the_chosen_branch_chunks():
    def words(x: str) -> Iterator[str]:
        yield from x.split()

    # A generator function of the whole input is wrapped explicitly (a bare generator
    # function would be a RunnableGenerator over the input chunks).
    branch = RunnableBranch((lambda x: x.startswith("w"), RunnableLambda(words)), lambda x: "none")
    assert list(branch.stream("w1 w2 w3")) == ["w1", "w2", "w3"]
    assert list(branch.stream("x y")) == ["none"]
    assert branch.invoke("w1 w2") == "w1w2"


async def test_branch_astreams_the_chosen_branch_chunks():
    branch = RunnableBranch((lambda x: x == "go", letters), lambda x: "none")
    assert [c async for c in branch.astream("go")] == ["a", "b", "c"]
    assert [c async for c in branch.astream("stop")] == ["none"]


def test_branch_generator_function_becomes_a_runnable_generator():
    branch = RunnableBranch((lambda x: True, upper_each), lambda x: x)
    runnable = branch.branches[0][1]
    assert isinstance(runnable, RunnableGenerator)
    assert list(branch.stream("ab")) == ["AB", "!"]


async def test_branch_sync_generator_branch_streams_under_astream():
    branch = RunnableBranch((lambda x: x == "b", upper_each), lambda x: "D")
    assert [c async for c in branch.astream("b")] == ["B", "!"]
    assert await branch.ainvoke("b") == "B!"


# --- RunnableBranch: errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((), ValueError, "at least 2 arguments.*got 0"),
        ((lambda x: x,), ValueError, "at least 2 arguments.*got 1"),
        (
            (1, lambda x: x),
            TypeError,
            "argument 1 must be a \\(condition, runnable\\) pair, got int",
        ),
        (((lambda x: x,), lambda x: x), ValueError, "argument 1 .* tuple of length 1"),
        (([1, 2, 3], lambda x: x), ValueError, "argument 1 .* list of length 3"),
        (((1, lambda x: x), lambda x: x), TypeError, "condition of argument 1 .* got int"),
        (((lambda x: x, "s"), lambda x: x), TypeError, "runnable of argument 1 .* got str"),
        (((lambda x: x, lambda x: x), 5), TypeError, "default .* got int"),
        (
            ((lambda x: x, lambda x: x), (lambda x: x, lambda x: x)),
            TypeError,
            "last argument is the default runnable.*add a default",
        ),
    ],
)
def test_branch_bad_arguments_raise_clear_errors(args, error, message):
    with pytest.raises(error, match=message):
        RunnableBranch(*args)


def test_branch_error_in_condition_propagates_and_is_traced():
    def bad(x: Any) -> bool:
        raise KeyError("boom")

    recorder = Recorder()
    branch = RunnableBranch((bad, lambda x: x), lambda x: x)
    with pytest.raises(KeyError):
        branch.invoke(1, {"callbacks": [recorder]})
    assert recorder.log[-2:] == [
        ("error", "bad", "KeyError"),
        ("error", "RunnableBranch", "KeyError"),
    ]


# --- RunnableBranch: callbacks and events ---------------------------------------------


def traced_branch() -> RunnableBranch[Any, Any]:
    return RunnableBranch(
        (lambda x: x == "a", RunnableLambda(lambda x: "A")),
        (RunnableLambda(lambda x: x == "b", name="isb"), aupper_each),
        RunnableLambda(lambda x: "D", name="dflt"),
    )


def test_branch_callbacks_name_runs_and_tag_children():
    recorder = Recorder()
    assert traced_branch().invoke("z", {"callbacks": [recorder], "tags": ["t"]}) == "D"
    assert recorder.log == [
        ("start", "RunnableBranch", ["t"], None),
        ("start", "RunnableLambda", ["condition:1", "t"], "RunnableBranch"),
        ("end", "RunnableLambda", False),
        ("start", "isb", ["condition:2", "t"], "RunnableBranch"),
        ("end", "isb", False),
        ("start", "dflt", ["branch:default", "t"], "RunnableBranch"),
        ("end", "dflt", "D"),
        ("end", "RunnableBranch", "D"),
    ]


def test_branch_stream_callbacks_with_run_name():
    recorder = Recorder()
    branch = traced_branch()
    assert list(branch.stream("a", {"callbacks": [recorder], "run_name": "pick"})) == ["A"]
    assert recorder.log == [
        ("start", "pick", [], None),
        ("start", "RunnableLambda", ["condition:1"], "pick"),
        ("end", "RunnableLambda", True),
        ("start", "RunnableLambda", ["branch:1"], "pick"),
        ("end", "RunnableLambda", "A"),
        ("end", "pick", "A"),
    ]


async def test_branch_astream_events_match_reference_names_and_tags():
    events = await collect_events(traced_branch(), "b")
    assert events == [
        ("on_chain_start", "RunnableBranch", [], {"input": "b"}),
        ("on_chain_start", "RunnableLambda", ["condition:1"], {"input": "b"}),
        ("on_chain_end", "RunnableLambda", ["condition:1"], {"output": False, "input": "b"}),
        ("on_chain_start", "isb", ["condition:2"], {"input": "b"}),
        ("on_chain_end", "isb", ["condition:2"], {"output": True, "input": "b"}),
        ("on_chain_start", "aupper_each", ["branch:2"], {}),
        ("on_chain_stream", "aupper_each", ["branch:2"], {"chunk": "B"}),
        ("on_chain_stream", "RunnableBranch", [], {"chunk": "B"}),
        ("on_chain_stream", "aupper_each", ["branch:2"], {"chunk": "?"}),
        ("on_chain_stream", "RunnableBranch", [], {"chunk": "?"}),
        ("on_chain_end", "aupper_each", ["branch:2"], {"output": "B?", "input": "b"}),
        ("on_chain_end", "RunnableBranch", [], {"output": "B?"}),
    ]


async def test_branch_ainvoke_events_nested_in_a_function():
    branch = traced_branch()
    outer = RunnableLambda(lambda x: branch.invoke(x), name="outer")
    events = [(e, n, t) for e, n, t, _ in await collect_events(outer, "a")]
    assert events == [
        ("on_chain_start", "outer", []),
        ("on_chain_start", "RunnableBranch", []),
        ("on_chain_start", "RunnableLambda", ["condition:1"]),
        ("on_chain_end", "RunnableLambda", ["condition:1"]),
        ("on_chain_start", "RunnableLambda", ["branch:1"]),
        ("on_chain_end", "RunnableLambda", ["branch:1"]),
        ("on_chain_end", "RunnableBranch", []),
        ("on_chain_stream", "outer", []),
        ("on_chain_end", "outer", []),
    ]


async def test_branch_async_callbacks_tag_default_branch():
    recorder = Recorder()
    assert await traced_branch().ainvoke("q", {"callbacks": [recorder]}) == "D"
    starts = [entry[1:] for entry in recorder.log if entry[0] == "start"]
    assert starts == [
        ("RunnableBranch", [], None),
        ("RunnableLambda", ["condition:1"], "RunnableBranch"),
        ("isb", ["condition:2"], "RunnableBranch"),
        ("dflt", ["branch:default"], "RunnableBranch"),
    ]


# --- @chain -----------------------------------------------------------------------------


def test_chain_decorator_makes_a_named_lambda():
    @chain
    def add_one(x: int) -> int:
        return x + 1

    assert isinstance(add_one, RunnableLambda)
    assert add_one.get_name() == "add_one"
    assert add_one.invoke(1) == 2
    assert (add_one | add_one).invoke(1) == 3


async def test_chain_decorator_async_and_generator_functions():
    @chain
    async def double(x: int) -> int:
        return 2 * x

    @chain
    def twice(x: str) -> Iterator[str]:
        yield x
        yield x

    assert double.get_name() == "double"
    assert await double.ainvoke(4) == 8
    assert twice.get_name() == "twice"
    assert list(twice.stream("a")) == ["a", "a"]
    assert twice.invoke("a") == "aa"
    assert [c async for c in twice.astream("b")] == ["b", "b"]


async def test_chain_decorator_traces_nested_runnables_as_children():
    inner = RunnableLambda(lambda y: y + 1, name="inner")

    @chain
    def outer(x: int) -> Any:
        return inner.invoke(x)

    events = [(e, n, d) for e, n, _, d in await collect_events(outer, 1)]
    assert events == [
        ("on_chain_start", "outer", {"input": 1}),
        ("on_chain_start", "inner", {"input": 1}),
        ("on_chain_end", "inner", {"output": 2, "input": 1}),
        ("on_chain_stream", "outer", {"chunk": 2}),
        ("on_chain_end", "outer", {"output": 2}),
    ]


# --- RunnableGenerator ------------------------------------------------------------------


def test_generator_sync_invoke_stream_batch():
    gen = RunnableGenerator(upper_each)
    assert gen.get_name() == "upper_each"
    assert repr(gen) == "RunnableGenerator(upper_each)"
    assert list(gen.stream("hi")) == ["HI", "!"]
    assert gen.invoke("hi") == "HI!"
    assert gen.batch(["a", "b"]) == ["A!", "B!"]
    assert list(gen.transform(iter(["x", "y"]))) == ["X", "!", "Y", "!"]
    assert RunnableGenerator(upper_each, name="shout").get_name() == "shout"


async def test_generator_async_only():
    gen = RunnableGenerator(aupper_each)
    assert gen.get_name() == "aupper_each"
    assert [c async for c in gen.astream("hi")] == ["HI", "?"]
    assert await gen.ainvoke("hi") == "HI?"
    assert await gen.abatch(["a", "b"]) == ["A?", "B?"]
    with pytest.raises(NotImplementedError, match="async generator: call ainvoke"):
        gen.invoke("hi")
    with pytest.raises(NotImplementedError, match="async generator"):
        gen.stream("hi")


async def test_generator_with_both_uses_each_side():
    gen = RunnableGenerator(upper_each, aupper_each)
    assert gen.get_name() == "upper_each"
    assert gen.invoke("a") == "A!"
    assert await gen.ainvoke("a") == "A?"
    assert [c async for c in gen.astream("a")] == ["A", "?"]


async def test_generator_sync_only_runs_under_async_on_a_worker_thread():
    threads: list[bool] = []

    def mark(chunks: Iterator[int]) -> Iterator[int]:
        for chunk in chunks:
            threads.append(threading.current_thread() is threading.main_thread())
            yield chunk * 2

    gen = RunnableGenerator(mark)
    assert await gen.ainvoke(3) == 6
    assert [c async for c in gen.astream(4)] == [8]
    assert await gen.abatch([1, 2]) == [2, 4]
    assert threads and not any(threads)


def test_generator_in_sequence_streams_input_chunks_through():
    produced: list[str] = []

    def source(_: Any) -> Iterator[str]:
        for letter in "abc":
            produced.append(letter)
            yield letter

    seq = RunnableLambda(source) | RunnableGenerator(upper_each)
    stream = seq.stream(None)
    assert next(stream) == "A"
    assert produced == ["a"]  # the generator ran before the source finished
    assert list(stream) == ["!", "B", "!", "C", "!"]
    assert seq.invoke(None) == "ABC!"  # invoke hands over the whole input as one chunk


async def test_generator_in_sequence_astreams_input_chunks_through():
    produced: list[str] = []

    async def source(_: Any) -> AsyncIterator[str]:
        for letter in "abc":
            produced.append(letter)
            await asyncio.sleep(0)
            yield letter

    for step in (RunnableGenerator(aupper_each), RunnableGenerator(upper_each)):
        produced.clear()
        stream = (RunnableLambda(source) | step).astream(None)
        first = await anext(stream)
        assert first == "A"
        assert produced == ["a"]
        rest = [c async for c in stream]
        assert "".join([first, *rest]) in {"A?B?C?", "A!B!C!"}


async def test_generator_sync_only_closed_when_async_consumer_stops():
    closed = asyncio.Event()
    loop = asyncio.get_running_loop()

    def endless(chunks: Iterator[str]) -> Iterator[str]:
        try:
            for chunk in chunks:
                yield chunk
                yield chunk
        finally:
            loop.call_soon_threadsafe(closed.set)

    stream = cast(
        AsyncGenerator[str, None],
        (RunnableLambda(letters) | RunnableGenerator(endless)).astream(None),
    )
    assert await anext(stream) == "a"
    await stream.aclose()
    await asyncio.wait_for(closed.wait(), 5)


def test_generator_receives_config_and_kwargs():
    def tagged(chunks: Iterator[str], config: RunnableConfig, sep: str = "-") -> Iterator[str]:
        for chunk in chunks:
            yield sep.join([*config["tags"], chunk])

    gen = RunnableGenerator(tagged)
    assert gen.invoke("x", {"tags": ["t"]}) == "t-x"
    assert list(gen.stream("x", {"tags": ["t"]}, sep="+")) == ["t+x"]


async def test_generator_async_receives_config():
    async def tagged(chunks: AsyncIterator[str], config: RunnableConfig) -> AsyncIterator[str]:
        async for chunk in chunks:
            yield f"{config['metadata']['k']}:{chunk}"

    assert await RunnableGenerator(tagged).ainvoke("v", {"metadata": {"k": "m"}}) == "m:v"


def test_generator_without_output_invokes_to_none():
    def silent(chunks: Iterator[Any]) -> Iterator[Any]:
        for _ in chunks:
            pass
        yield from ()

    assert RunnableGenerator(silent).invoke(1) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((lambda x: x,), "needs a generator function .* use RunnableLambda"),
        ((1,), "needs a generator function .* got 1"),
        ((upper_each, upper_each), "atransform must be an async generator function"),
        ((aupper_each, aupper_each), "transform is already async"),
    ],
)
def test_generator_bad_arguments(args, message):
    with pytest.raises(TypeError, match=message):
        RunnableGenerator(*args)


def test_generator_equality_and_callable_objects():
    assert RunnableGenerator(upper_each) == RunnableGenerator(upper_each)
    assert RunnableGenerator(upper_each) != RunnableGenerator(upper_each, aupper_each)
    assert len({RunnableGenerator(upper_each), RunnableGenerator(upper_each)}) == 1

    class Doubler:
        def __call__(self, chunks: Iterator[int]) -> Iterator[int]:
            for chunk in chunks:
                yield chunk * 2

    gen = RunnableGenerator(Doubler())
    assert gen.get_name() == "RunnableGenerator"
    assert gen.invoke(2) == 4


def test_composition_turns_generator_functions_into_generators():
    assert isinstance(coerce_to_runnable(upper_each), RunnableGenerator)
    assert isinstance(coerce_to_runnable(aupper_each), RunnableGenerator)
    assert isinstance(coerce_to_runnable(lambda x: x), RunnableLambda)
    with pytest.raises(TypeError):
        coerce_to_runnable(3)

    # Piped in, a generator function transforms the chunks; it does not get their sum.
    def words(text: str) -> Iterator[str]:
        yield from text.split()

    piped = RunnableLambda(words) | upper_each
    assert isinstance(piped.last, RunnableGenerator)
    assert list(piped.stream("hi yo")) == ["HI", "!", "YO", "!"]


def test_generator_callbacks_report_streamed_input():
    recorder = Recorder()
    seq = RunnableLambda(lambda x: x, name="first") | RunnableGenerator(upper_each)
    assert seq.invoke("q", {"callbacks": [recorder]}) == "Q!"
    assert ("start", "upper_each", ["seq:step:2"], "RunnableSequence") in recorder.log
    assert ("end", "upper_each", "Q!") in recorder.log


async def test_generator_events_in_a_sequence():
    seq = (
        RunnableLambda(letters)
        | RunnableGenerator(upper_each, aupper_each)
        | RunnableLambda(lambda x: x, name="tail")
    )
    events = await collect_events(seq, 2)
    gen_events = [(e, d) for e, n, _, d in events if n == "upper_each"]
    assert gen_events[0] == ("on_chain_start", {})
    assert [d["chunk"] for e, d in gen_events if e == "on_chain_stream"] == [
        "A",
        "?",
        "B",
        "?",
        "C",
        "?",
    ]
    assert gen_events[-1] == ("on_chain_end", {"output": "A?B?C?", "input": "abc"})
    assert events[-1] == ("on_chain_end", "RunnableSequence", [], {"output": "A?B?C?"})
