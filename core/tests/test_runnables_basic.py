import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from linguafranca.messages import AIMessageChunk
from linguafranca.runnables import (
    Aggregator,
    Runnable,
    RunnableAssign,
    RunnableBinding,
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnableSequence,
    coerce_to_runnable,
)


def add_one(x: int) -> int:
    return x + 1


def double(x: int) -> int:
    return x * 2


async def aadd_one(x: int) -> int:
    await asyncio.sleep(0)
    return x + 1


def chars(text: object) -> Iterator[str]:
    yield from str(text)


async def achars(text: object) -> AsyncIterator[str]:
    for c in str(text):
        await asyncio.sleep(0)
        yield c


class Upper(Runnable[str, str]):
    """A runnable that implements only invoke: every other method is a default."""

    def invoke(self, input, config=None, **kwargs):
        return input.upper() + kwargs.get("suffix", "")


# --- the defaults of the base class --------------------------------------------------


def test_defaults_on_an_invoke_only_runnable():
    upper = Upper()
    assert upper.invoke("a") == "A"
    assert upper.batch(["a", "b", "c"]) == ["A", "B", "C"]
    assert list(upper.stream("a")) == ["A"]
    assert list(upper.transform(iter(["a", "b"]))) == ["AB"]
    assert sorted(upper.batch_as_completed(["a", "b"])) == [(0, "A"), (1, "B")]
    assert upper.batch(["a"], suffix="!") == ["A!"]
    assert upper.get_name() == "Upper"


async def test_async_defaults_on_an_invoke_only_runnable():
    upper = Upper()
    assert await upper.ainvoke("a") == "A"
    assert await upper.abatch(["a", "b"]) == ["A", "B"]
    assert [c async for c in upper.astream("x")] == ["X"]

    async def parts():
        yield "a"
        yield "b"

    assert [c async for c in upper.atransform(parts())] == ["AB"]
    assert sorted([p async for p in upper.abatch_as_completed(["a", "b"])]) == [(0, "A"), (1, "B")]


def test_empty_batches():
    assert Upper().batch([]) == []
    assert list(Upper().batch_as_completed([])) == []
    assert asyncio.run(Upper().abatch([])) == []


# --- RunnableLambda ----------------------------------------------------------------


def test_lambda_sync_everything():
    r = RunnableLambda(add_one)
    assert r.invoke(1) == 2
    assert r.batch([1, 2]) == [2, 3]
    assert list(r.stream(1)) == [2]
    assert r.get_name() == "add_one"
    assert RunnableLambda(lambda x: x).get_name() == "RunnableLambda"
    assert RunnableLambda(add_one, name="custom").get_name() == "custom"


async def test_lambda_async_function():
    r = RunnableLambda(aadd_one)
    assert await r.ainvoke(1) == 2
    assert await r.abatch([1, 2, 3]) == [2, 3, 4]
    assert [c async for c in r.astream(1)] == [2]
    with pytest.raises(TypeError, match="ainvoke"):
        r.invoke(1)


async def test_lambda_sync_function_in_async_methods():
    r = RunnableLambda(add_one)
    assert await r.ainvoke(1) == 2
    assert [c async for c in r.astream(1)] == [2]


async def test_lambda_with_both_sync_and_async_functions():
    async def afunc(x: int) -> tuple[str, int]:
        return ("async", x)

    r = RunnableLambda(lambda x: ("sync", x), afunc=afunc)
    assert r.invoke(1) == ("sync", 1)
    assert await r.ainvoke(1) == ("async", 1)


async def test_generator_lambdas_stream_and_aggregate():
    sync = RunnableLambda(chars)
    assert list(sync.stream("abc")) == ["a", "b", "c"]
    assert sync.invoke("abc") == "abc"
    assert [c async for c in sync.astream("ab")] == ["a", "b"]  # sync generator, off-loop
    agen = RunnableLambda(achars)
    assert [c async for c in agen.astream("xyz")] == ["x", "y", "z"]
    assert await agen.ainvoke("xyz") == "xyz"


def test_lambda_receives_config_when_asked():
    seen: list[RunnableConfig] = []

    def f(x, config):
        seen.append(config)
        config["tags"].append("mutated")  # a private copy: must not leak
        return x

    RunnableLambda(f).invoke(1, {"tags": ["a"], "metadata": {"k": "v"}})
    RunnableLambda(f).invoke(1, {"tags": ["a"]})
    assert seen[0]["tags"] == ["a", "mutated"] and seen[0]["metadata"] == {"k": "v"}
    assert seen[1]["tags"] == ["a", "mutated"]


async def test_async_lambda_receives_config():
    async def f(x, config):
        return config["metadata"]["user"]

    assert await RunnableLambda(f).ainvoke(1, {"metadata": {"user": "u1"}}) == "u1"


def test_lambda_returning_a_runnable_invokes_it():
    router = RunnableLambda(lambda x: RunnableLambda(double) if x > 0 else RunnableLambda(add_one))
    assert router.invoke(5) == 10
    assert router.invoke(-5) == -4
    assert list(router.stream(3)) == [6]


async def test_lambda_returning_a_runnable_async():
    async def route(x):
        return RunnableLambda(double)

    assert await RunnableLambda(route).ainvoke(4) == 8


def test_lambda_rejects_non_callables():
    with pytest.raises(TypeError, match="callable"):
        RunnableLambda(3)  # type: ignore[call-overload]


def test_kwargs_reach_the_function():
    def f(x, suffix=""):
        return f"{x}{suffix}"

    assert RunnableLambda(f).invoke("a", suffix="!") == "a!"


# --- composition -------------------------------------------------------------------


def test_pipe_builds_flat_sequences():
    seq = RunnableLambda(add_one) | double | RunnableLambda(add_one)
    assert isinstance(seq, RunnableSequence)
    assert len(seq.steps) == 3
    assert seq.invoke(1) == 5
    assert seq.first is seq.steps[0] and seq.last is seq.steps[-1] and len(seq.middle) == 1
    assert (add_one | RunnableLambda(double)).invoke(1) == 4  # __ror__
    assert RunnableLambda(add_one).pipe(double, add_one).invoke(1) == 5
    with pytest.raises(ValueError, match="at least 2"):
        RunnableSequence(RunnableLambda(add_one))


def test_sequence_all_methods_sync():
    seq = RunnableLambda(add_one) | RunnableLambda(chars)
    assert seq.invoke(9) == "10"
    assert list(seq.stream(9)) == ["1", "0"]
    assert seq.batch([1, 22]) == ["2", "23"]
    assert dict(seq.batch_as_completed([1, 22])) == {0: "2", 1: "23"}
    assert list(seq.transform(iter([4, 5]))) == ["1", "0"]  # 4 + 5 folded, then + 1


async def test_sequence_all_methods_async():
    seq = RunnableLambda(aadd_one) | RunnableLambda(achars)
    assert await seq.ainvoke(9) == "10"
    assert [c async for c in seq.astream(9)] == ["1", "0"]
    assert await seq.abatch([1, 22]) == ["2", "23"]
    assert dict([p async for p in seq.abatch_as_completed([1, 22])]) == {0: "2", 1: "23"}


def test_sequence_streams_through_streaming_steps():
    seen: list[str] = []

    def spy(chunks: Iterator[str]) -> Iterator[str]:
        for c in chunks:
            seen.append(c)
            yield c.upper()

    class Stepwise(Runnable[str, str]):
        def invoke(self, input, config=None, **kwargs):
            return input.upper()

        def transform(self, input, config=None, **kwargs):
            return spy(input)

    seq = RunnableLambda(chars) | Stepwise()
    stream = seq.stream("abc")
    assert next(stream) == "A"
    assert seen == ["a"]  # the second step got the first chunk before the first step ended
    assert list(stream) == ["B", "C"]


def test_dict_in_a_chain_becomes_parallel():
    seq = RunnableLambda(add_one) | {"d": double, "s": lambda x: x * x}
    assert isinstance(seq.last, RunnableParallel)
    assert seq.invoke(2) == {"d": 6, "s": 9}
    assert ({"a": add_one} | RunnableLambda(lambda d: d["a"])).invoke(1) == 2


def test_parallel_methods():
    par = RunnableParallel(a=add_one, b=RunnableLambda(chars))
    assert par.invoke(12) == {"a": 13, "b": "12"}
    chunks = list(par.stream(12))
    assert {"a": 13} in chunks and {"b": "1"} in chunks and {"b": "2"} in chunks
    folded = Aggregator()
    for c in chunks:
        folded.add(c)
    assert folded.result() == {"a": 13, "b": "12"}
    assert par.get_name() == "RunnableParallel<a,b>"
    assert RunnableParallel({"x": add_one}, y=double).invoke(1) == {"x": 2, "y": 2}


async def test_parallel_async_runs_concurrently():
    running = 0
    peak = 0

    async def slow(x):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return x

    par = RunnableParallel(a=slow, b=slow, c=slow)
    assert await par.ainvoke(1) == {"a": 1, "b": 1, "c": 1}
    assert peak == 3
    chunks = [c async for c in par.astream(2)]
    assert sorted(chunks, key=lambda d: next(iter(d))) == [{"a": 2}, {"b": 2}, {"c": 2}]


def test_parallel_error_propagates():
    def boom(x):
        raise KeyError("nope")

    with pytest.raises(KeyError):
        RunnableParallel(a=add_one, b=boom).invoke(1)
    with pytest.raises(KeyError):
        list(RunnableParallel(a=add_one, b=boom).stream(1))


def test_passthrough_and_assign():
    seen: list[int] = []
    assert RunnablePassthrough().invoke(3) == 3
    assert RunnablePassthrough(seen.append).invoke(4) == 4 and seen == [4]
    assign = RunnablePassthrough.assign(n=lambda d: len(d["text"]))
    assert isinstance(assign, RunnableAssign)
    assert assign.invoke({"text": "hey"}) == {"text": "hey", "n": 3}
    assert ({"q": RunnablePassthrough(), "n": len} | RunnableLambda(lambda d: d)).invoke("ab") == {
        "q": "ab",
        "n": 2,
    }
    assert list((RunnableLambda(chars) | RunnablePassthrough()).stream("ab")) == ["a", "b"]
    with pytest.raises(TypeError, match="dict input"):
        assign.invoke("not a dict")  # type: ignore[arg-type]


async def test_passthrough_async():
    assert await RunnablePassthrough().ainvoke(3) == 3
    assert await RunnablePassthrough.assign(x=lambda d: 1).ainvoke({"y": 2}) == {"y": 2, "x": 1}


def test_coerce_to_runnable():
    r = RunnableLambda(add_one)
    assert coerce_to_runnable(r) is r
    assert isinstance(coerce_to_runnable(add_one), RunnableLambda)
    assert isinstance(coerce_to_runnable({"a": add_one}), RunnableParallel)
    with pytest.raises(TypeError, match="got int"):
        coerce_to_runnable(3)


def test_bind_and_with_config():
    def f(x, suffix="", config=None):
        return f"{x}{suffix}:{','.join(config['tags'])}"

    bound = RunnableLambda(f).bind(suffix="!")
    assert isinstance(bound, RunnableBinding)
    assert bound.invoke("a") == "a!:"
    assert bound.invoke("a", suffix="?") == "a?:"  # call kwargs win
    tagged = bound.with_config(tags=["t1"]).with_config({"tags": ["t2"]})
    assert tagged.invoke("a") == "a!:t1,t2"
    assert tagged.invoke("a", {"tags": ["t3"]}) == "a!:t1,t2,t3"
    assert tagged.bind(suffix="#").invoke("a") == "a#:t1,t2"
    assert list(tagged.stream("a")) == ["a!:t1,t2"]
    assert tagged.batch(["a", "b"]) == ["a!:t1,t2", "b!:t1,t2"]
    assert bound.get_name() == "f"
    assert bound.func is f  # attributes come from the bound runnable


async def test_bind_async():
    def add(x: int, n: int = 0) -> int:
        return x + n

    bound = RunnableLambda(add).bind(n=10)
    assert await bound.ainvoke(1) == 11
    assert [c async for c in bound.astream(1)] == [11]


def test_aggregator_is_linear_and_generic():
    agg = Aggregator()
    assert agg.empty and agg.result() is None
    for piece in ["a", "b", "c"]:
        agg.add(piece)
    assert agg.result() == "abc"
    messages = Aggregator()
    for piece in ["Hel", "lo"]:
        messages.add(AIMessageChunk(piece))
    assert messages.result().content == "Hello"
    lists = Aggregator()
    lists.add([1])
    lists.add([2, 3])
    assert lists.result() == [1, 2, 3]
    numbers = Aggregator()
    numbers.add(1)
    numbers.add(2)
    assert numbers.result() == 3
    mixed = Aggregator()
    mixed.add(object())
    marker = object()
    mixed.add(marker)  # objects cannot be added: the last one wins
    assert mixed.result() is marker
    single: dict[str, Any] = {"a": 1}
    one = Aggregator()
    one.add(single)
    assert one.result() is single
