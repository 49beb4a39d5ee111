"""RunnableRetry streaming (chunks of the bound runnable, retried until the first) and naming."""

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any

import pytest

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.chat_models.fake import GenericFakeChatModel
from linguafranca.runnables import Runnable, RunnableConfig, RunnableLambda, RunnableRetry

WORDS = ["hello", " ", "big", " ", "world"]


class FailingFirst:
    """An iterator of model answers whose first ``failures`` reads raise ConnectionError."""

    def __init__(self, failures: int, answer: str = "hello big world") -> None:
        self.failures = failures
        self.answer = answer
        self.reads = 0

    def __iter__(self) -> "FailingFirst":
        return self

    def __next__(self) -> str:
        self.reads += 1
        if self.reads <= self.failures:
            raise ConnectionError(f"refused {self.reads}")
        return self.answer


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.errors: list[Any] = []
        self.retries: list[Any] = []

    def on_chain_start(self, serialized, inputs, **kwargs):
        self.starts.append(kwargs)

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.starts.append(kwargs)

    def on_chain_error(self, error, **kwargs):
        self.errors.append(kwargs["run_id"])

    def on_llm_error(self, error, **kwargs):
        self.errors.append(kwargs["run_id"])

    def on_retry(self, retry_state, **kwargs):
        self.retries.append(retry_state)


class StepCounter:
    """A generator step: fails before its first chunk on the first ``failures`` calls.

    With ``fail_after_first`` it fails after yielding its first chunk instead.
    """

    def __init__(self, failures: int, *, fail_after_first: bool = False) -> None:
        self.failures = failures
        self.fail_after_first = fail_after_first
        self.calls = 0
        self.closed = 0

    def run(self, x: int) -> Iterator[int]:
        self.calls += 1
        failing = self.calls <= self.failures
        try:
            if failing and not self.fail_after_first:
                raise ConnectionError(f"down {self.calls}")
            yield x * 10 + self.calls
            if failing:
                raise ConnectionError(f"cut {self.calls}")
            yield x * 100 + self.calls
        finally:
            self.closed += 1


class ChunkReader(Runnable[str, str]):
    """Reads its input stream chunk by chunk; the first ``failures`` attempts fail after two."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.seen: list[list[str]] = []

    def invoke(self, input: str, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return input.upper()

    def _read(self, chunk: str, got: list[str]) -> None:
        got.append(chunk)
        if self.attempts <= self.failures and len(got) == 2:
            self.seen.append(got)
            raise ConnectionError("dropped while reading")

    def transform(
        self, input: Iterator[str], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        self.attempts += 1
        got: list[str] = []
        for chunk in input:
            self._read(chunk, got)
        self.seen.append(got)
        for chunk in got:
            yield chunk.upper()

    async def atransform(
        self, input: AsyncIterator[str], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        self.attempts += 1
        got: list[str] = []
        async for chunk in input:
            self._read(chunk, got)
        self.seen.append(got)
        for chunk in got:
            yield chunk.upper()


def no_wait_retry(bound: Runnable[Any, Any], **kwargs: Any) -> tuple[RunnableRetry, list[float]]:
    sleeps: list[float] = []

    async def asleep(seconds: float) -> None:
        sleeps.append(seconds)

    retry = RunnableRetry(
        bound=bound, sleep=sleeps.append, asleep=asleep, random=lambda: 0.0, **kwargs
    )
    return retry, sleeps


# --- chunk granularity --------------------------------------------------------------------


def test_stream_through_with_retry_keeps_the_models_chunks():
    model = GenericFakeChatModel(messages=iter(["hello big world"]))
    assert [c.content for c in model.with_retry().stream("x")] == WORDS


async def test_astream_through_with_retry_keeps_the_models_chunks():
    model = GenericFakeChatModel(messages=iter(["hello big world"]))
    assert [c.content async for c in model.with_retry().astream("x")] == WORDS


def test_chain_streams_through_a_retried_step():
    model = GenericFakeChatModel(messages=iter(["hello big world"] * 2))
    chain = RunnableLambda(lambda x: x) | model.with_retry()
    assert [c.content for c in chain.stream("x")] == WORDS
    assert len(list(chain.transform(iter(["x"])))) == len(WORDS)


async def test_chain_astreams_through_a_retried_step():
    model = GenericFakeChatModel(messages=iter(["hello big world"]))
    chain = RunnableLambda(lambda x: x) | model.with_retry()
    assert [c.content async for c in chain.astream("x")] == WORDS


def test_stream_passes_kwargs_and_config_to_the_bound_runnable():
    recorder = Recorder()
    model = GenericFakeChatModel(messages=iter(["a b"]))
    chunks = list(
        model.with_retry().stream("x", {"callbacks": [recorder], "tags": ["t"]}, stop=["zz"])
    )
    assert "".join(str(c.content) for c in chunks) == "a b"
    assert len(recorder.starts) == 1  # the model's run only: the retry adds none
    assert recorder.starts[0]["tags"] == ["t"]
    assert recorder.starts[0]["invocation_params"]["stop"] == ["zz"]


# --- names --------------------------------------------------------------------------------


def my_step(x: int) -> int:
    return x + 1


def test_retry_takes_the_name_of_its_runnable():
    retry = RunnableLambda(my_step).with_retry()
    assert retry.get_name() == "my_step"
    model_retry = GenericFakeChatModel(messages=iter([])).with_retry()
    assert model_retry.get_name() == "GenericFakeChatModel"
    assert retry.with_config(tags=["x"]).get_name() == "my_step"


def test_an_explicit_name_wins():
    retry = RunnableRetry(bound=RunnableLambda(my_step), name="careful")
    assert retry.get_name() == "careful"
    assert retry.get_name(name="given") == "given"


def test_invoke_callbacks_name_both_runs_after_the_step():
    recorder = Recorder()
    assert RunnableLambda(my_step).with_retry().invoke(1, {"callbacks": [recorder]}) == 2
    assert [s["name"] for s in recorder.starts] == ["my_step", "my_step"]
    outer, inner = recorder.starts
    assert outer["parent_run_id"] is None
    assert inner["parent_run_id"] == outer["run_id"]


async def test_astream_events_name_and_filter_by_the_steps_name():
    retry = RunnableLambda(my_step).with_retry()
    events = [e async for e in retry.astream_events(1, version="v2", include_names=["my_step"])]
    assert [(e["event"], e["name"]) for e in events] == [
        ("on_chain_start", "my_step"),
        ("on_chain_stream", "my_step"),
        ("on_chain_end", "my_step"),
    ]
    assert {e["run_id"] for e in events} == {events[0]["run_id"]}
    assert all(e["parent_ids"] == [] for e in events)
    assert events[-1]["data"]["output"] == 2


async def test_astream_events_of_a_retried_model_stream_each_word():
    model = GenericFakeChatModel(messages=iter(["hello big world"]))
    chain = RunnableLambda(lambda x: x) | model.with_retry()
    events = [e async for e in chain.astream_events("x", version="v2")]
    model_events = [e for e in events if e["name"] == "GenericFakeChatModel"]
    assert [e["event"] for e in model_events] == (
        ["on_chat_model_start"] + ["on_chat_model_stream"] * 5 + ["on_chat_model_end"]
    )
    root = events[0]["run_id"]
    assert all(e["parent_ids"] == [root] for e in model_events)
    assert [e["data"]["chunk"].content for e in model_events[1:-1]] == WORDS


# --- retry before the first chunk ---------------------------------------------------------


def test_stream_retries_a_failure_before_the_first_chunk():
    step = StepCounter(failures=2)
    retry, sleeps = no_wait_retry(RunnableLambda(step.run), max_attempt_number=3)
    assert list(retry.stream(1)) == [13, 103]  # only the third attempt's chunks
    assert step.calls == 3
    assert sleeps == [1.0, 2.0]


async def test_astream_retries_a_failure_before_the_first_chunk():
    step = StepCounter(failures=1)
    retry, sleeps = no_wait_retry(RunnableLambda(step.run))
    assert [c async for c in retry.astream(1)] == [12, 102]
    assert step.calls == 2
    assert sleeps == [1.0]


def test_stream_does_not_retry_after_the_first_chunk():
    step = StepCounter(failures=1, fail_after_first=True)
    retry, sleeps = no_wait_retry(RunnableLambda(step.run))
    seen: list[int] = []
    with pytest.raises(ConnectionError, match="cut 1"):
        for chunk in retry.stream(1):
            seen.append(chunk)
    assert seen == [11]  # nothing repeated, nothing from a second attempt
    assert step.calls == 1 and sleeps == []


async def test_astream_does_not_retry_after_the_first_chunk():
    step = StepCounter(failures=1, fail_after_first=True)
    retry, _ = no_wait_retry(RunnableLambda(step.run))
    seen: list[int] = []
    with pytest.raises(ConnectionError, match="cut 1"):
        async for chunk in retry.astream(1):
            seen.append(chunk)
    assert seen == [11] and step.calls == 1


def test_stream_gives_up_after_the_last_attempt_and_on_other_errors():
    step = StepCounter(failures=5)
    retry, sleeps = no_wait_retry(RunnableLambda(step.run), max_attempt_number=2)
    with pytest.raises(ConnectionError, match="down 2"):
        list(retry.stream(1))
    assert step.calls == 2 and len(sleeps) == 1
    other = StepCounter(failures=1)
    strict, _ = no_wait_retry(RunnableLambda(other.run), retry_exception_types=(ValueError,))
    with pytest.raises(ConnectionError, match="down 1"):
        list(strict.stream(1))
    assert other.calls == 1


def test_model_stream_retried_when_the_request_fails_before_any_token():
    answers = FailingFirst(failures=1)
    model = GenericFakeChatModel(messages=answers)
    retry, _ = no_wait_retry(model)
    recorder = Recorder()
    chunks = list(retry.stream("x", {"callbacks": [recorder], "run_name": "ask"}))
    assert [c.content for c in chunks] == WORDS
    assert answers.reads == 2
    first, second = recorder.starts
    assert recorder.errors == [first["run_id"]]
    assert first["run_id"] != second["run_id"]
    assert first["tags"] == [] and second["tags"] == ["retry:attempt:2"]
    assert first["name"] == second["name"] == "ask"
    assert recorder.retries == []  # a stream has no retry run to report on_retry on


async def test_model_astream_events_after_a_failed_first_attempt():
    answers = FailingFirst(failures=1)
    retry, _ = no_wait_retry(GenericFakeChatModel(messages=answers))
    events = [e async for e in retry.astream_events("x", version="v2")]
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert [e["data"]["chunk"].content for e in streamed] == WORDS
    assert all("retry:attempt:2" in e["tags"] for e in streamed)
    assert [e["event"] for e in events].count("on_chat_model_start") == 2


def test_closing_the_stream_closes_the_bound_stream():
    step = StepCounter(failures=0)
    retry, _ = no_wait_retry(RunnableLambda(step.run))
    chunks = retry.stream(1)
    assert isinstance(chunks, Generator)
    assert next(chunks) == 11
    chunks.close()
    assert step.closed == 1 and step.calls == 1


async def test_closing_the_astream_closes_the_bound_stream():
    step = StepCounter(failures=0)
    retry, _ = no_wait_retry(RunnableLambda(step.run))
    chunks = retry.astream(1)
    assert isinstance(chunks, AsyncGenerator)
    assert await chunks.__anext__() == 11
    await chunks.aclose()
    assert step.closed == 1


# --- transform: the input read by a failed attempt is read again ---------------------------


def letters() -> Iterator[str]:
    yield from "abc"


def test_transform_retry_replays_the_input_already_read():
    reader = ChunkReader(failures=1)
    retry, _ = no_wait_retry(reader)
    source = letters()
    assert list(retry.transform(source)) == ["A", "B", "C"]
    assert reader.seen == [["a", "b"], ["a", "b", "c"]]
    assert next(source, None) is None  # the source was read once, not restarted


def test_transform_retry_in_a_streaming_chain():
    reader = ChunkReader(failures=2)
    upstream_calls: list[str] = []

    def upstream(x: str) -> Iterator[str]:
        upstream_calls.append(x)
        yield from x

    retry, _ = no_wait_retry(reader)
    chain = RunnableLambda(upstream) | retry
    assert list(chain.stream("xyz")) == ["X", "Y", "Z"]
    assert upstream_calls == ["xyz"] and reader.attempts == 3


async def test_atransform_retry_replays_the_input_already_read():
    reader = ChunkReader(failures=1)
    retry, _ = no_wait_retry(reader)

    async def source() -> AsyncIterator[str]:
        for letter in "abc":
            yield letter

    assert [c async for c in retry.atransform(source())] == ["A", "B", "C"]
    assert reader.seen == [["a", "b"], ["a", "b", "c"]]


def test_an_upstream_failure_is_not_retried():
    reader = ChunkReader(failures=0)

    def broken() -> Iterator[str]:
        yield "a"
        raise ConnectionError("upstream down")

    retry, sleeps = no_wait_retry(reader)
    with pytest.raises(ConnectionError, match="upstream down"):
        list(retry.transform(broken()))
    assert reader.attempts == 1 and sleeps == []


async def test_an_async_upstream_failure_is_not_retried():
    reader = ChunkReader(failures=0)

    async def broken() -> AsyncIterator[str]:
        yield "a"
        raise ConnectionError("upstream down")

    retry, sleeps = no_wait_retry(reader)
    with pytest.raises(ConnectionError, match="upstream down"):
        [c async for c in retry.atransform(broken())]
    assert reader.attempts == 1 and sleeps == []
