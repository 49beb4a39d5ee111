import asyncio
import threading
import time
from typing import Any
from uuid import uuid4

import pytest

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.runnables import (
    RunnableConfig,
    RunnableLambda,
    ensure_config,
    get_config_list,
    var_child_runnable_config,
)


class Gauge:
    """Counts calls running at the same time.

    With ``fill=n`` the first calls wait (up to 10 s) until ``n`` of them run at once, so
    "the peak reaches the limit" does not depend on how a loaded machine schedules threads;
    a cap below ``n`` shows as a lower peak after the wait times out, and a cap above it as a
    higher peak, because later calls overlap the sleeping ones.
    """

    def __init__(self, fill: int = 0) -> None:
        self.lock = threading.Condition()
        self.fill = fill
        self.running = 0
        self.peak = 0
        self.calls = 0

    def enter(self) -> None:
        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
            if self.peak >= self.fill:
                self.lock.notify_all()
            else:
                self.lock.wait_for(lambda: self.peak >= self.fill, timeout=10)

    def leave(self) -> None:
        with self.lock:
            self.running -= 1


def sync_probe(gauge: Gauge, delay: float = 0.02) -> RunnableLambda:
    def work(x):
        gauge.enter()
        try:
            time.sleep(delay)
            if x == "fail":
                raise ValueError(f"bad input {x}")
            return x * 2
        finally:
            gauge.leave()

    return RunnableLambda(work)


def async_probe(gauge: Gauge, delay: float = 0.01) -> RunnableLambda:
    async def work(x):
        gauge.enter()
        try:
            await asyncio.sleep(delay)
            if x == "fail":
                raise ValueError(f"bad input {x}")
            return x * 2
        finally:
            gauge.leave()

    return RunnableLambda(work)


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_batch_respects_max_concurrency(limit):
    gauge = Gauge(fill=limit)
    out = sync_probe(gauge).batch(list(range(12)), {"max_concurrency": limit})
    assert out == [x * 2 for x in range(12)]
    assert gauge.peak == limit
    assert gauge.calls == 12


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_batch_as_completed_respects_max_concurrency(limit):
    gauge = Gauge(fill=limit)
    pairs = list(sync_probe(gauge).batch_as_completed(list(range(12)), {"max_concurrency": limit}))
    assert sorted(pairs) == [(i, i * 2) for i in range(12)]
    assert gauge.peak == limit


@pytest.mark.parametrize("limit", [1, 3, 5])
async def test_abatch_respects_max_concurrency(limit):
    gauge = Gauge()
    out = await async_probe(gauge).abatch(list(range(12)), {"max_concurrency": limit})
    assert out == [x * 2 for x in range(12)]
    assert gauge.peak == limit


@pytest.mark.parametrize("limit", [1, 3, 5])
async def test_abatch_as_completed_respects_max_concurrency(limit):
    gauge = Gauge()
    pairs = [
        p
        async for p in async_probe(gauge).abatch_as_completed(
            list(range(12)), {"max_concurrency": limit}
        )
    ]
    assert sorted(pairs) == [(i, i * 2) for i in range(12)]
    assert gauge.peak == limit


async def test_abatch_without_limit_runs_everything_at_once():
    gauge = Gauge()
    await async_probe(gauge).abatch(list(range(20)))
    assert gauge.peak == 20


def test_batch_as_completed_yields_in_completion_order_with_input_indices():
    # Each call starts its wait when the one due before it has finished (not at a fixed
    # time), so a loaded machine cannot reorder them. The consumer's thread may run a
    # call itself, so the order must not depend on what the consumer has received.
    finished = {x: threading.Event() for x in (1, 3, 5)}
    after: dict[int, int | None] = {1: None, 3: 1, 5: 3}

    def wait(x):
        before = after[x]
        if before is not None:
            assert finished[before].wait(timeout=10)
            time.sleep(0.05)
        finished[x].set()
        return x

    inputs = [5, 1, 3]
    pairs = list(RunnableLambda(wait).batch_as_completed(inputs, {"max_concurrency": 3}))
    assert pairs == [(1, 1), (2, 3), (0, 5)]
    assert all(inputs[i] == out for i, out in pairs)


async def test_abatch_as_completed_yields_in_completion_order_with_input_indices():
    async def wait(x):
        await asyncio.sleep(x / 100)
        return x

    inputs = [5, 1, 3]
    pairs = [p async for p in RunnableLambda(wait).abatch_as_completed(inputs)]
    assert pairs == [(1, 1), (2, 3), (0, 5)]


def test_batch_return_exceptions_keeps_order():
    out = sync_probe(Gauge(), 0).batch([1, "fail", 3], return_exceptions=True)
    assert out[0] == 2 and out[2] == 6
    assert isinstance(out[1], ValueError) and "bad input" in str(out[1])


async def test_abatch_return_exceptions_keeps_order():
    out = await async_probe(Gauge(), 0).abatch([1, "fail", 3], return_exceptions=True)
    assert out[0] == 2 and out[2] == 6 and isinstance(out[1], ValueError)


def test_as_completed_return_exceptions():
    pairs = dict(sync_probe(Gauge(), 0).batch_as_completed([1, "fail"], return_exceptions=True))
    assert pairs[0] == 2 and isinstance(pairs[1], ValueError)


async def test_abatch_as_completed_return_exceptions():
    pairs = dict(
        [
            p
            async for p in async_probe(Gauge(), 0).abatch_as_completed(
                [1, "fail"], return_exceptions=True
            )
        ]
    )
    assert pairs[0] == 2 and isinstance(pairs[1], ValueError)


def test_batch_raises_and_stops_starting_new_calls():
    gauge = Gauge()
    with pytest.raises(ValueError, match="bad input"):
        sync_probe(gauge, 0.005).batch(["fail", *range(30)], {"max_concurrency": 2})
    assert gauge.calls < 31


async def test_abatch_raises_first_error():
    with pytest.raises(ValueError, match="bad input"):
        await async_probe(Gauge(), 0).abatch([1, "fail", 2])


def test_batch_as_completed_raises():
    with pytest.raises(ValueError, match="bad input"):
        list(sync_probe(Gauge(), 0).batch_as_completed([1, "fail", 2]))


async def test_abatch_as_completed_raises():
    with pytest.raises(ValueError, match="bad input"):
        [p async for p in async_probe(Gauge(), 0).abatch_as_completed([1, "fail", 2])]


def test_single_input_runs_inline():
    thread = threading.get_ident()
    seen: list[int] = []
    RunnableLambda(lambda x: seen.append(threading.get_ident())).batch([1])
    assert seen == [thread]


def test_batch_with_one_config_per_input():
    def tag(x, config):
        return config["tags"][0]

    out = RunnableLambda(tag).batch([1, 2], [{"tags": ["a"]}, {"tags": ["b"]}])
    assert out == ["a", "b"]
    with pytest.raises(ValueError, match="2 configs for 3 inputs"):
        RunnableLambda(tag).batch([1, 2, 3], [{"tags": ["a"]}, {"tags": ["b"]}])


def test_run_id_applies_to_the_first_input_only():
    run_id = uuid4()
    with pytest.warns(RuntimeWarning, match="first element"):
        configs = get_config_list({"run_id": run_id}, 3)
    assert configs[0]["run_id"] == run_id
    assert "run_id" not in configs[1] and "run_id" not in configs[2]


def test_nested_batches_do_not_deadlock():
    inner = RunnableLambda(lambda x: x + 1)
    outer = RunnableLambda(lambda xs: sum(inner.batch(xs, {"max_concurrency": 4})))
    out = outer.batch([[1, 2, 3]] * 40, {"max_concurrency": 40})
    assert out == [9] * 40


class Collect(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def on_chain_start(self, serialized, inputs, **kwargs):
        with self.lock:
            self.starts.append(kwargs)


def test_config_reaches_batch_threads():
    handler = Collect()
    inner = RunnableLambda(lambda x: x, name="inner")

    def outer(x):
        config = var_child_runnable_config.get()
        assert config is not None
        return (config["tags"], config["metadata"], inner.invoke(x))

    out = RunnableLambda(outer, name="outer").batch(
        [1, 2, 3],
        {"tags": ["t"], "metadata": {"m": 1}, "callbacks": [handler], "max_concurrency": 3},
    )
    assert out == [(["t"], {"m": 1}, i) for i in (1, 2, 3)]
    outer_ids = {s["run_id"] for s in handler.starts if s["name"] == "outer"}
    inner_parents = {s["parent_run_id"] for s in handler.starts if s["name"] == "inner"}
    assert len(outer_ids) == 3 and inner_parents == outer_ids
    assert all(s["tags"] == ["t"] for s in handler.starts)


async def test_config_reaches_tasks_created_inside_a_run():
    handler = Collect()
    inner = RunnableLambda(lambda x: x, name="inner")

    async def fan_out(x):
        tasks = [asyncio.create_task(inner.ainvoke(i)) for i in range(3)]
        return sum(await asyncio.gather(*tasks))

    assert (
        await RunnableLambda(fan_out, name="outer").ainvoke(
            0, {"callbacks": [handler], "metadata": {"k": 2}}
        )
        == 3
    )
    (outer,) = [s for s in handler.starts if s["name"] == "outer"]
    inners = [s for s in handler.starts if s["name"] == "inner"]
    assert len(inners) == 3
    assert all(s["parent_run_id"] == outer["run_id"] and s["metadata"] == {"k": 2} for s in inners)


async def test_config_reaches_abatch_tasks():
    handler = Collect()
    inner = RunnableLambda(lambda x: x, name="inner")

    async def outer(x):
        return await inner.ainvoke(x)

    await RunnableLambda(outer, name="outer").abatch(
        [1, 2], {"callbacks": [handler], "tags": ["z"]}
    )
    assert sorted(s["name"] for s in handler.starts) == ["inner", "inner", "outer", "outer"]
    assert all(s["tags"] == ["z"] for s in handler.starts)


def test_context_does_not_leak_between_calls():
    assert var_child_runnable_config.get() is None
    RunnableLambda(lambda x: x).invoke(1, {"tags": ["x"]})
    list(RunnableLambda(lambda x: x).stream(1, {"tags": ["x"]}))
    assert var_child_runnable_config.get() is None
    seen: list[RunnableConfig] = []
    gen = (RunnableLambda(lambda x: x) | RunnableLambda(lambda x: x)).stream(1, {"tags": ["y"]})
    next(gen)
    seen.append(ensure_config())
    assert seen[0]["tags"] == []  # the consumer's context is not the stream's
    list(gen)


@pytest.mark.parametrize("limit", [1, 3])
async def test_abatch_of_a_sync_function_respects_max_concurrency(limit):
    gauge = Gauge(fill=limit)
    out = await sync_probe(gauge).abatch(list(range(9)), {"max_concurrency": limit})
    assert out == [x * 2 for x in range(9)]
    assert gauge.peak == limit
    mixed = await sync_probe(Gauge(), 0).abatch([1, "fail"], return_exceptions=True)
    assert mixed[0] == 2 and isinstance(mixed[1], ValueError)


async def test_abatch_of_a_sync_function_reports_to_handlers_on_the_loop():
    loop_thread = threading.get_ident()
    seen: list[int] = []

    class OnLoop(BaseCallbackHandler):
        run_inline = True

        def on_chain_start(self, serialized, inputs, **kwargs):
            seen.append(threading.get_ident())

    assert await RunnableLambda(lambda x: x + 1).abatch([1, 2], {"callbacks": [OnLoop()]}) == [2, 3]
    assert seen == [loop_thread, loop_thread]  # the per-input async path, not one thread hop


def test_configs_given_to_user_code_are_private_copies():
    class Mutating(RunnableLambda):
        def invoke(self, input, config=None, **kwargs):
            assert config is not None
            config["tags"].append("leak")
            config["metadata"]["leak"] = True
            config["run_name"] = "leak"
            return input

    Mutating(lambda x: x).batch([1, 2, 3])
    Mutating(lambda x: x).batch([1, 2], {"tags": ["a"]})
    fresh = ensure_config()
    assert fresh["tags"] == [] and fresh["metadata"] == {} and "run_name" not in fresh
