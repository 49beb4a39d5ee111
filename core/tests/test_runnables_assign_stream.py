import asyncio
from collections import Counter
from collections.abc import AsyncGenerator, Generator
from typing import Any

import pytest

from linguafranca.chat_models.fake import GenericFakeChatModel
from linguafranca.messages import AIMessage, AIMessageChunk
from linguafranca.runnables import (
    Aggregator,
    Runnable,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
)

WORDS = ["hello", " ", "big", " ", "world"]


def chat_assign() -> Any:
    model = GenericFakeChatModel(messages=iter(["hello big world"]))
    return RunnablePassthrough.assign(answer=RunnableLambda(lambda d: d["q"]) | model)


def fold(chunks: list[Any]) -> Any:
    agg = Aggregator()
    for chunk in chunks:
        agg.add(chunk)
    return agg.result()


def contents(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: getattr(v, "content", v) for k, v in chunk.items()} for chunk in chunks]


def test_assign_streams_input_then_each_model_chunk():
    chunks = list(chat_assign().stream({"q": "hi"}))
    assert chunks[0] == {"q": "hi"}
    assert contents(chunks[1:]) == [{"answer": word} for word in WORDS]
    assert all(isinstance(chunk["answer"], AIMessageChunk) for chunk in chunks[1:])


async def test_assign_astreams_input_then_each_model_chunk():
    chunks = [chunk async for chunk in chat_assign().astream({"q": "hi"})]
    assert chunks[0] == {"q": "hi"}
    assert contents(chunks[1:]) == [{"answer": word} for word in WORDS]


def test_assign_stream_folds_to_invoke_output():
    chunks = list(chat_assign().stream({"q": "hi"}))
    folded = fold(chunks)
    invoked = chat_assign().invoke({"q": "hi"})
    assert folded["q"] == invoked["q"] == "hi"
    assert folded["answer"].content == invoked["answer"].content == "hello big world"
    assert isinstance(invoked["answer"], AIMessage)


def test_assign_with_plain_lambda():
    assign = RunnablePassthrough.assign(n=lambda d: len(d["t"]))
    assert list(assign.stream({"t": "abc"})) == [{"t": "abc"}, {"n": 3}]


async def test_assign_with_plain_lambda_async():
    assign = RunnablePassthrough.assign(n=lambda d: len(d["t"]))
    assert [c async for c in assign.astream({"t": "abc"})] == [{"t": "abc"}, {"n": 3}]


def test_assign_several_keys_stream_each_key_once():
    def letters(d: dict[str, Any]) -> Any:
        yield from d["t"]

    # RunnableLambda: a bare generator function would get the stream of input chunks.
    assign = RunnablePassthrough.assign(
        n=lambda d: len(d["t"]), up=RunnableLambda(letters), k=lambda d: "K"
    )
    chunks = list(assign.stream({"t": "ab", "z": 0}))
    assert chunks[0] == {"t": "ab", "z": 0}
    # The keys run concurrently: compare the rest without order, per key in order.
    rest = chunks[1:]
    assert Counter(key for chunk in rest for key in chunk) == {"n": 1, "up": 2, "k": 1}
    assert [c["up"] for c in rest if "up" in c] == ["a", "b"]
    assert (
        fold(chunks)
        == assign.invoke({"t": "ab", "z": 0})
        == {
            "t": "ab",
            "z": 0,
            "n": 2,
            "up": "ab",
            "k": "K",
        }
    )


async def test_assign_several_keys_astream_folds_to_ainvoke():
    async def letters(d: dict[str, Any]) -> Any:
        for ch in d["t"]:
            yield ch

    assign = RunnablePassthrough.assign(up=RunnableLambda(letters), n=lambda d: len(d["t"]))
    chunks = [c async for c in assign.astream({"t": "xyz"})]
    assert chunks[0] == {"t": "xyz"}
    assert len(chunks) == 5
    assert fold(chunks) == await assign.ainvoke({"t": "xyz"}) == {"t": "xyz", "up": "xyz", "n": 3}


def test_assign_drops_overwritten_input_keys_from_passthrough_chunk():
    assign = RunnablePassthrough.assign(t=lambda d: d["t"].upper())
    chunks = list(assign.stream({"t": "ab", "u": 1}))
    assert chunks == [{"u": 1}, {"t": "AB"}]
    assert fold(chunks) == assign.invoke({"t": "ab", "u": 1})


def test_assign_passes_streamed_input_chunks_through_as_they_come():
    seen: list[dict[str, Any]] = []

    def parts(x: Any) -> Any:
        yield {"a": "x"}
        yield {"b": 1}
        yield {"a": "y"}

    def keys(d: dict[str, Any]) -> list[str]:
        seen.append(d)
        return sorted(d)

    chain = RunnableLambda(parts) | RunnablePassthrough.assign(keys=keys)
    assert list(chain.stream(None)) == [{"a": "x"}, {"b": 1}, {"a": "y"}, {"keys": ["a", "b"]}]
    assert seen == [{"a": "xy", "b": 1}]  # the mapper sees the whole input, once


def test_assign_stream_early_break_closes_the_mapper():
    closed: list[str] = []

    def numbers(d: dict[str, Any]) -> Any:
        try:
            yield from range(1000)
        finally:
            closed.append("closed")

    stream = RunnablePassthrough.assign(n=numbers).stream({"q": 1})
    assert isinstance(stream, Generator)
    assert next(stream) == {"q": 1}
    assert next(stream) == {"n": 0}
    stream.close()
    assert closed == ["closed"]


async def test_assign_astream_events_stream_each_chunk_live():
    events = [e async for e in chat_assign().astream_events({"q": "hi"}, version="v2")]
    kinds = [(e["event"], e["name"]) for e in events]

    def chunks_of(name: tuple[str, str]) -> list[Any]:
        return [e["data"]["chunk"] for e in events if (e["event"], e["name"]) == name]

    assign_chunks = chunks_of(("on_chain_stream", "RunnableAssign<answer>"))
    assert assign_chunks[0] == {"q": "hi"}
    assert contents(assign_chunks[1:]) == [{"answer": word} for word in WORDS]
    parallel_chunks = chunks_of(("on_chain_stream", "RunnableParallel<answer>"))
    assert contents(parallel_chunks) == [{"answer": word} for word in WORDS]
    # Live: the assign streams the first word before the model streams the second.
    assign_at = [
        i for i, k in enumerate(kinds) if k == ("on_chain_stream", "RunnableAssign<answer>")
    ]
    model_at = [i for i, k in enumerate(kinds) if k[0] == "on_chat_model_stream"]
    assert model_at[0] < assign_at[1] < model_at[1]
    assert kinds[-1] == ("on_chain_end", "RunnableAssign<answer>")
    assert events[-1]["data"]["output"]["answer"].content == "hello big world"


async def test_assign_astream_events_mapper_input_reported_as_streamed():
    assign = RunnablePassthrough.assign(n=lambda d: len(d["t"]))
    events = [e async for e in assign.astream_events({"t": "ab"}, version="v2")]
    rows = [(e["event"], e["name"], e["data"]) for e in events]
    assert rows == [
        ("on_chain_start", "RunnableAssign<n>", {"input": {"t": "ab"}}),
        ("on_chain_stream", "RunnableAssign<n>", {"chunk": {"t": "ab"}}),
        ("on_chain_start", "RunnableParallel<n>", {}),
        ("on_chain_start", "RunnableLambda", {}),
        ("on_chain_stream", "RunnableLambda", {"chunk": 2}),
        ("on_chain_stream", "RunnableParallel<n>", {"chunk": {"n": 2}}),
        ("on_chain_stream", "RunnableAssign<n>", {"chunk": {"n": 2}}),
        ("on_chain_end", "RunnableLambda", {"input": {"t": "ab"}, "output": 2}),
        ("on_chain_end", "RunnableParallel<n>", {"input": {"t": "ab"}, "output": {"n": 2}}),
        ("on_chain_end", "RunnableAssign<n>", {"output": {"t": "ab", "n": 2}}),
    ]


@pytest.mark.parametrize("bad", ["text", 3, ["a"]])
def test_assign_non_dict_input_is_type_and_value_error(bad: Any):
    assign = RunnablePassthrough.assign(n=lambda d: 1)
    with pytest.raises(ValueError, match=f"needs a dict input, got {type(bad).__name__}"):
        assign.invoke(bad)
    with pytest.raises(TypeError, match="dict input"):
        assign.invoke(bad)
    with pytest.raises(ValueError, match="dict input"):
        list(assign.stream(bad))
    with pytest.raises(TypeError, match="dict input"):
        list(assign.transform(iter([bad])))


async def test_assign_non_dict_input_async():
    assign = RunnablePassthrough.assign(n=lambda d: 1)
    with pytest.raises(ValueError, match="dict input, got str"):
        await assign.ainvoke("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dict input, got int"):
        [c async for c in assign.astream(5)]  # type: ignore[arg-type]


def test_assign_invoke_and_batch_unchanged():
    assign = RunnablePassthrough.assign(n=lambda d: len(d["t"]))
    assert assign.invoke({"t": "abc"}) == {"t": "abc", "n": 3}
    assert assign.batch([{"t": "a"}, {"t": "ab"}]) == [{"t": "a", "n": 1}, {"t": "ab", "n": 2}]


def chars(x: str) -> Any:
    yield from x


def test_passthrough_func_streams_chunks_through_then_calls_func_on_sum():
    seen: list[str] = []
    chain = RunnableLambda(chars) | RunnablePassthrough(seen.append)
    assert list(chain.stream("abc")) == ["a", "b", "c"]
    assert seen == ["abc"]


async def test_passthrough_afunc_streams_chunks_through_then_calls_afunc_on_sum():
    seen: list[str] = []

    async def achars(x: str) -> Any:
        for ch in x:
            yield ch

    async def record(value: str) -> None:
        seen.append(value)

    chain = RunnableLambda(achars) | RunnablePassthrough(afunc=record)
    assert [c async for c in chain.astream("abc")] == ["a", "b", "c"]
    assert seen == ["abc"]


def test_passthrough_func_receives_config_when_it_asks_for_it():
    seen: list[Any] = []

    def record(value: Any, config: Any) -> None:
        seen.append((value, config["tags"]))

    passthrough = RunnablePassthrough(record)
    assert passthrough.invoke(1, {"tags": ["t"]}) == 1
    assert list(passthrough.stream(2, {"tags": ["u"]})) == [2]
    assert seen == [(1, ["t"]), (2, ["u"])]


async def test_passthrough_astream_events_has_stream_event():
    events = [e async for e in RunnablePassthrough().astream_events("x", version="v2")]
    assert [(e["event"], e["data"]) for e in events] == [
        ("on_chain_start", {"input": "x"}),
        ("on_chain_stream", {"chunk": "x"}),
        ("on_chain_end", {"output": "x"}),
    ]


def test_parallel_streams_input_chunks_into_its_steps():
    chain = RunnableLambda(chars) | {"a": RunnablePassthrough(), "n": len}
    chunks = list(chain.stream("abc"))
    assert [c["a"] for c in chunks if "a" in c] == ["a", "b", "c"]
    assert [c for c in chunks if "n" in c] == [{"n": 3}]


async def test_parallel_astreams_input_chunks_into_its_steps():
    async def achars(x: str) -> Any:
        for ch in x:
            yield ch

    chain = RunnableLambda(achars) | {"a": RunnablePassthrough(), "n": len}
    chunks = [c async for c in chain.astream("abc")]
    assert [c["a"] for c in chunks if "a" in c] == ["a", "b", "c"]
    assert fold(chunks) == {"a": "abc", "n": 3}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_parallel_input_stream_error_reaches_consumer(mode: str):
    def broken(x: Any) -> Any:
        yield 1
        raise KeyError("upstream")

    chain = RunnableLambda(broken) | RunnableParallel(a=lambda v: v, b=RunnablePassthrough())
    with pytest.raises(KeyError, match="upstream"):
        if mode == "sync":
            list(chain.stream(0))
        else:

            async def consume() -> list[Any]:
                return [c async for c in chain.astream(0)]

            asyncio.run(consume())


class Numbers(Runnable[Any, int]):
    """Streams 0, 1, 2, ... from its own ``atransform``, noting when it is closed."""

    def __init__(self, tag: str, closed: list[str]) -> None:
        self.name = self.tag = tag
        self.closed = closed

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> int:
        return 0

    async def atransform(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        try:
            async for _ in input:
                pass
            for i in range(1000):
                yield i
                await asyncio.sleep(0)
        finally:
            self.closed.append(self.tag)


@pytest.mark.parametrize("keys", [["a"], ["a", "b"]])
async def test_parallel_astream_early_break_closes_every_step(keys: list[str]):
    closed: list[str] = []
    parallel = RunnableParallel({key: Numbers(key, closed) for key in keys})
    stream = parallel.astream(1)
    assert isinstance(stream, AsyncGenerator)
    first = await stream.__anext__()
    assert set(first) <= set(keys)
    await stream.aclose()
    assert sorted(closed) == keys
