"""Types flow through composition: this file is checked by mypy (assert_type) and run."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

from typing_extensions import assert_type

from linguafranca.runnables import (
    Runnable,
    RunnableBinding,
    RunnableLambda,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
)


def to_len(text: str) -> int:
    return len(text)


def to_str(n: int) -> str:
    return str(n)


async def ato_float(n: int) -> float:
    return float(n)


def pieces(text: str) -> Iterator[str]:
    yield from text


async def apieces(text: str) -> AsyncIterator[str]:
    for c in text:
        yield c


def test_lambda_types_are_inferred():
    length = RunnableLambda(to_len)
    assert_type(length, RunnableLambda[str, int])
    assert_type(RunnableLambda(ato_float), RunnableLambda[int, float])
    assert_type(RunnableLambda(pieces), RunnableLambda[str, str])
    assert_type(RunnableLambda(apieces), RunnableLambda[str, str])
    assert assert_type(length.invoke("abc"), int) == 3


def test_pipe_keeps_input_and_output_types():
    chain = RunnableLambda(to_len) | RunnableLambda(to_str)
    assert_type(chain, RunnableSequence[str, str])
    assert assert_type(chain.invoke("abcd"), str) == "4"
    with_func = RunnableLambda(to_len) | to_str
    assert_type(with_func, RunnableSequence[str, str])
    longer = chain | RunnableLambda(to_len)
    assert len(longer.steps) == 3  # nested sequences are flattened
    assert assert_type(longer.invoke("a" * 12), int) == 2
    to_dict = RunnableLambda(to_len) | {"n": RunnableLambda(to_str)}
    assert assert_type(to_dict.invoke("ab"), dict[str, Any]) == {"n": "2"}


def test_wrappers_keep_types():
    length = RunnableLambda(to_len)
    assert_type(length.bind(), RunnableBinding[str, int])
    assert_type(length.with_config(tags=["x"]), RunnableBinding[str, int])
    assert_type(length.with_retry(), RunnableRetry[str, int])
    assert_type(length.with_fallbacks([length]), RunnableWithFallbacks[str, int])
    assert assert_type(length.with_retry().invoke("ab"), int) == 2
    assert assert_type(length.with_fallbacks([length]).invoke("abc"), int) == 3


def test_batch_and_stream_types():
    length = RunnableLambda(to_len)
    assert assert_type(length.batch(["a", "bb"]), list[int]) == [1, 2]
    mixed = length.batch(["a"], return_exceptions=True)
    assert assert_type(mixed, list[int | Exception]) == [1]
    assert assert_type(list(length.stream("abc")), list[int]) == [3]
    pairs = list(length.batch_as_completed(["a"]))
    assert assert_type(pairs, list[tuple[int, int]]) == [(0, 1)]


async def test_async_types():
    length = RunnableLambda(to_len)
    assert assert_type(await length.ainvoke("ab"), int) == 2
    assert assert_type(await length.abatch(["a"]), list[int]) == [1]
    assert assert_type([c async for c in length.astream("abc")], list[int]) == [3]


def test_a_subclass_is_typed_by_its_parameters():
    class Shout(Runnable[str, str]):
        def invoke(self, input: str, config: object = None, **kwargs: object) -> str:
            return input.upper()

    shout: Runnable[str, str] = Shout()
    chain = shout | RunnableLambda(to_len)
    assert assert_type(chain.invoke("abc"), int) == 3
