"""The sync-to-async hand-off: sync work runs on worker threads, results come back to the loop."""

import asyncio
import contextvars
import gc
import os
import threading
import time
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from linguafranca import _handoff
from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
    ensure_config,
    run_in_executor,
)

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


class Gauge:
    """Counts calls running at the same time.

    With ``fill=n`` the first calls wait (up to 10 s) until ``n`` run at once, so the peak
    reaching a cap does not depend on how a loaded machine schedules threads.
    """

    def __init__(self, fill: int = 0) -> None:
        self.lock = threading.Condition()
        self.fill = fill
        self.running = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            if self.peak >= self.fill:
                self.lock.notify_all()
            else:
                self.lock.wait_for(lambda: self.peak >= self.fill, timeout=10)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.running -= 1


class Starts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.runs: list[tuple[Any, Any, Any]] = []

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kwargs):
        self.runs.append((kwargs.get("name"), run_id, parent_run_id))


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions handed to a worker thread by the runnables."""
    seen: list[str] = []
    real = _handoff.run_off_loop

    def counting(func, *args, **kwargs):
        seen.append(getattr(func, "__name__", repr(func)))
        return real(func, *args, **kwargs)

    monkeypatch.setattr("linguafranca.runnables._config.run_off_loop", counting)
    return seen


# --- where and how the call runs ---------------------------------------------------------


async def test_sync_function_runs_off_the_loop_thread():
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def record() -> str:
        threads.append(threading.get_ident())
        return "done"

    assert await run_in_executor(None, record) == "done"
    assert await RunnableLambda(lambda x: threading.get_ident()).ainvoke(0) != loop_thread
    assert threads and threads[0] != loop_thread


async def test_loop_stays_free_while_a_sync_function_blocks():
    started, release = threading.Event(), threading.Event()

    def blocking(x):
        started.set()
        # Only a coroutine on the loop can set the event: a blocked loop would time out.
        return release.wait(timeout=5)

    call = asyncio.ensure_future(RunnableLambda(blocking).ainvoke(1))
    while not started.is_set():
        await asyncio.sleep(0.001)
    release.set()
    assert await call is True


async def test_arguments_and_result_pass_through():
    def combine(a, b, *, c):
        return (a, b, c)

    assert await run_in_executor(None, combine, 1, [2], c={"k": 3}) == (1, [2], {"k": 3})
    marker = object()
    assert await run_in_executor({"tags": ["x"]}, lambda: marker) is marker  # a config: no executor


async def test_given_executor_is_used():
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mine") as pool:
        request_id.set("from-caller")
        name, seen = await run_in_executor(
            pool, lambda: (threading.current_thread().name, request_id.get())
        )
    assert name.startswith("mine") and seen == "from-caller"


# --- context ----------------------------------------------------------------------------


async def test_context_variables_follow_into_the_thread():
    request_id.set("req-7")
    assert await run_in_executor(None, request_id.get) == "req-7"
    assert await RunnableLambda(lambda x: f"{x}:{request_id.get()}").ainvoke("a") == "a:req-7"


async def test_values_set_in_the_thread_stay_there():
    request_id.set("outer")

    def overwrite(x):
        request_id.set("inner")
        return request_id.get()

    assert await RunnableLambda(overwrite).ainvoke(1) == "inner"
    assert request_id.get() == "outer"
    assert [c async for c in RunnableLambda(overwrite).astream(1)] == ["inner"]
    assert request_id.get() == "outer"


async def test_config_and_callbacks_reach_runs_started_in_the_thread():
    handler = Starts()
    inner = RunnableLambda(lambda x: x + 1, name="inner")

    def outer(x, config: RunnableConfig):
        assert config["tags"] == ["t"]
        return inner.invoke(x) * 10  # no config passed: it comes from the context

    out = await RunnableLambda(outer, name="outer").ainvoke(
        1, {"callbacks": [handler], "tags": ["t"]}
    )
    assert out == 20
    (outer_name, outer_id, _), (inner_name, _, inner_parent) = handler.runs
    assert (outer_name, inner_name) == ("outer", "inner")
    assert inner_parent == outer_id


async def test_tasks_in_other_contexts_do_not_see_each_others_values():
    async def one(tag: str) -> str:
        request_id.set(tag)
        return await RunnableLambda(lambda x: request_id.get()).ainvoke(None)

    tags = [f"t{i}" for i in range(20)]
    assert await asyncio.gather(*(one(t) for t in tags)) == tags


# --- errors -----------------------------------------------------------------------------


async def test_exceptions_propagate_unchanged():
    error = ValueError("bad input 3")

    def fail(x):
        raise error

    with pytest.raises(ValueError) as caught:
        await RunnableLambda(fail).ainvoke(3)
    assert caught.value is error
    with pytest.raises(ValueError, match="bad input 3"):
        async for _ in RunnableLambda(fail).astream(3):
            pass


async def test_base_exceptions_propagate():
    class Stop(BaseException):
        pass

    def stop():
        raise Stop("halt")

    with pytest.raises(Stop, match="halt"):
        await run_in_executor(None, stop)


async def test_stop_iteration_becomes_runtime_error_instead_of_hanging():
    def exhausted():
        return next(iter(()))

    with pytest.raises(RuntimeError, match="StopIteration") as caught:
        await asyncio.wait_for(run_in_executor(None, exhausted), timeout=5)
    assert isinstance(caught.value.__cause__, StopIteration)
    with ThreadPoolExecutor(max_workers=1) as pool:
        with pytest.raises(RuntimeError, match="StopIteration"):
            await asyncio.wait_for(run_in_executor(pool, exhausted), timeout=5)


# --- cancellation -----------------------------------------------------------------------


async def test_cancelled_caller_leaves_nothing_pending():
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow(x):
        started.set()
        release.wait(timeout=5)
        finished.set()
        return x

    try:
        task = asyncio.ensure_future(RunnableLambda(slow).ainvoke(1))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()  # the call finishes after its caller is gone
        assert await asyncio.to_thread(finished.wait, 5)
        await asyncio.sleep(0.05)  # let the late result reach the loop
        assert await RunnableLambda(lambda x: x * 2).ainvoke(4) == 8  # the worker is free again
    finally:
        loop.set_exception_handler(None)
    assert reported == []


async def test_timeout_cancels_the_wait_not_the_pool():
    release = threading.Event()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(run_in_executor(None, release.wait, 5), timeout=0.02)
    release.set()
    assert await run_in_executor(None, lambda: "next") == "next"


def test_a_queued_call_whose_caller_was_cancelled_never_starts():
    pool = _handoff._Pool(max_workers=1)
    busy, release = threading.Event(), threading.Event()
    ran: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        first, second = loop.create_future(), loop.create_future()
        ctx = contextvars.copy_context()

        def block() -> bool:
            busy.set()
            return release.wait(5)

        pool.submit((loop, first, ctx, block, (), {}))
        pool.submit((loop, second, ctx, lambda: ran.append("second"), (), {}))
        await asyncio.to_thread(busy.wait, 5)
        second.cancel()  # still queued behind the first call
        release.set()
        await asyncio.wait_for(first, timeout=5)

    try:
        asyncio.run(main())
    finally:
        release.set()
        pool.shutdown()
    assert ran == []


# --- concurrency ------------------------------------------------------------------------


async def test_calls_run_in_parallel_threads():
    barrier = threading.Barrier(4, timeout=5)  # breaks unless 4 calls run at once

    def meet(x):
        barrier.wait()
        return threading.get_ident()

    idents = await asyncio.gather(*(RunnableLambda(meet).ainvoke(i) for i in range(4)))
    assert len(set(idents)) == 4


@pytest.mark.parametrize("listened", [False, True])
@pytest.mark.parametrize("limit", [1, 3])
async def test_abatch_of_a_sync_function_respects_max_concurrency(limit, listened):
    gauge = Gauge(fill=limit)

    def work(x):
        with gauge:
            time.sleep(0.01)
        return x + 1

    # With a handler every input takes its own hop; without, one hop runs a thread batch.
    config: RunnableConfig = {"max_concurrency": limit}
    if listened:
        config["callbacks"] = [Starts()]
    assert await RunnableLambda(work).abatch(list(range(9)), config) == list(range(1, 10))
    assert gauge.peak == limit


def test_pool_never_exceeds_its_cap():
    pool = _handoff._Pool(max_workers=2)
    gauge = Gauge(fill=2)

    def work(x):
        with gauge:
            time.sleep(0.01)
        return x

    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in range(8)]
        for i, future in enumerate(futures):
            pool.submit((loop, future, contextvars.copy_context(), work, (i,), {}))
        return list(await asyncio.gather(*futures))

    try:
        assert asyncio.run(main()) == list(range(8))
    finally:
        pool.shutdown()
    assert gauge.peak == 2


# --- loops ------------------------------------------------------------------------------


def test_works_across_successive_event_loops():
    double = RunnableLambda(lambda x: x * 2)
    for i in range(5):
        assert asyncio.run(double.ainvoke(i)) == i * 2
        assert asyncio.run(_collect(double.astream(i))) == [i * 2]


def test_works_for_loops_in_several_threads_at_once():
    double = RunnableLambda(lambda x: x * 2)
    results: dict[int, list[int]] = {}

    def run_loop(k: int) -> None:
        async def many() -> list[int]:
            return [await double.ainvoke(k * 100 + i) for i in range(50)]

        results[k] = asyncio.run(many())

    threads = [threading.Thread(target=run_loop, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {k: [(k * 100 + i) * 2 for i in range(50)] for k in range(4)}


def test_a_call_finishing_after_its_loop_closed_is_dropped_quietly():
    release, finished = threading.Event(), threading.Event()

    def late():
        release.wait(timeout=5)
        finished.set()
        return "late"

    async def main() -> None:
        asyncio.ensure_future(run_in_executor(None, late))
        await asyncio.sleep(0.01)  # asyncio.run cancels the waiting task at the end

    asyncio.run(main())
    release.set()
    assert finished.wait(timeout=5)
    time.sleep(0.05)  # the worker tried to reach the closed loop (an error would fail the test)
    assert asyncio.run(run_in_executor(None, lambda: "after")) == "after"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_works_in_a_forked_child():
    asyncio.run(run_in_executor(None, lambda: None))  # the parent has worker threads
    deadline = time.monotonic() + 5
    while not _handoff._pool._idle and time.monotonic() < deadline:
        time.sleep(0.001)  # an idle worker, which the child must not count on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child must never return into pytest
        code = 1
        try:
            if asyncio.run(asyncio.wait_for(run_in_executor(None, lambda: 41 + 1), 5)) == 42:
                code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + 20
    while (status := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if status[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung on run_in_executor")
    assert os.waitstatus_to_exitcode(status[1]) == 0


async def test_idle_workers_do_not_keep_results_alive():
    class Payload:
        pass

    ref = weakref.ref(await run_in_executor(None, Payload))
    for _ in range(100):
        gc.collect()
        if ref() is None:
            break
        await asyncio.sleep(0.01)
    assert ref() is None


# --- astream ----------------------------------------------------------------------------


async def _collect(stream: Any) -> list[Any]:
    return [chunk async for chunk in stream]


async def test_astream_of_a_sync_function_takes_one_hop(hops):
    assert await _collect(RunnableLambda(lambda x: x + 1).astream(1)) == [2]
    assert len(hops) == 1

    class Plain(Runnable[int, int]):
        def invoke(self, input, config=None, **kwargs):
            return input * 3

    hops.clear()
    assert await _collect(Plain().astream(2)) == [6]
    assert len(hops) == 1


async def test_astream_of_a_function_returning_a_runnable_streams_it():
    def chunks(x):
        yield from (f"{x}-a", f"{x}-b")

    def depth_and_tags(x, config: RunnableConfig):
        yield (x, config["tags"])

    assert await _collect(RunnableLambda(lambda x: RunnableLambda(chunks)).astream("q")) == [
        "q-a",
        "q-b",
    ]
    routed = RunnableLambda(lambda x: RunnableLambda(depth_and_tags))
    assert await _collect(routed.astream("q", {"tags": ["t"]})) == [("q", ["t"])]
    assert ensure_config()["tags"] == []  # nothing leaked into the consumer's context


async def test_astream_with_a_handler_still_reports_the_run():
    handler = Starts()
    out = await _collect(
        RunnableLambda(lambda x: x * 2, name="dbl").astream(4, {"callbacks": [handler]})
    )
    assert out == [8]
    assert [name for name, _, _ in handler.runs] == ["dbl"]
    events = [e["event"] async for e in RunnableLambda(lambda x: x, name="id").astream_events(1)]
    assert events == ["on_chain_start", "on_chain_stream", "on_chain_end"]


async def test_astream_recursion_limit_applies():
    def again(x):
        return RunnableLambda(again) if x else x

    with pytest.raises(RecursionError, match="Recursion limit of 3"):
        await _collect(RunnableLambda(again).astream(1, {"recursion_limit": 3}))


# --- sequences: consecutive sync steps share one hop ---------------------------------------


async def test_sync_steps_of_a_sequence_share_one_thread_hop(hops):
    threads: list[int] = []

    def step(x):
        threads.append(threading.get_ident())
        return x + 1

    chain = RunnableLambda(step) | RunnableLambda(step) | RunnableLambda(step)
    assert await chain.ainvoke(0) == 3
    assert len(hops) == 1
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()


async def test_an_async_step_splits_the_sync_steps_into_two_hops(hops):
    where: list[str] = []
    loop_thread = threading.get_ident()

    def sync_step(x):
        where.append("loop" if threading.get_ident() == loop_thread else "worker")
        return x * 2

    async def async_step(x):
        where.append("loop" if threading.get_ident() == loop_thread else "worker")
        return x + 1

    chain = (
        RunnableLambda(sync_step)
        | RunnableLambda(async_step)
        | RunnableLambda(sync_step)
        | RunnableLambda(sync_step)
    )
    assert await chain.ainvoke(1) == 12
    assert where == ["worker", "loop", "worker", "worker"]
    assert len(hops) == 2


async def test_grouped_steps_see_the_config_and_only_the_first_gets_kwargs():
    def first(x, config: RunnableConfig, **kwargs):
        return (x, config["tags"], config["metadata"], sorted(kwargs))

    def second(value, config: RunnableConfig, **kwargs):
        return (*value, config["tags"], sorted(kwargs))

    chain = RunnableLambda(first) | RunnableLambda(second)
    out = await chain.ainvoke("in", {"tags": ["t"], "metadata": {"k": 1}}, flag=True)
    assert out == ("in", ["t"], {"k": 1}, ["flag"], ["t"], [])


async def test_with_a_handler_every_step_is_reported_as_its_own_run(hops):
    handler = Starts()
    chain = RunnableLambda(lambda x: x + 1, name="a") | RunnableLambda(lambda x: x, name="b")
    assert await chain.ainvoke(1, {"callbacks": [handler]}) == 2
    names = [name for name, _, _ in handler.runs]
    assert names == ["RunnableSequence", "a", "b"]
    parents = {name: parent for name, _, parent in handler.runs}
    assert parents["a"] == parents["b"] == handler.runs[0][1]
    assert len(hops) == 2  # one per step: handlers are called on the loop, not grouped


async def test_a_binding_with_its_own_handlers_is_not_grouped(hops):
    handler = Starts()
    bound = RunnableLambda(lambda x: x + 1, name="inner").with_config(callbacks=[handler])
    chain = RunnableLambda(lambda x: x * 10) | bound
    assert await chain.ainvoke(1) == 11
    assert [name for name, _, _ in handler.runs] == ["inner"]
    assert len(hops) == 2
    hops.clear()
    plain = RunnableLambda(lambda x: x * 10) | RunnableLambda(lambda x: x + 1).bind()
    assert await plain.ainvoke(1) == 11
    assert len(hops) == 1


async def test_grouped_steps_keep_the_recursion_limit():
    def again(x):
        return RunnableLambda(again) if x else x

    chain = RunnableLambda(lambda x: x) | RunnableLambda(again)
    with pytest.raises(RecursionError, match="Recursion limit of 4"):
        await chain.ainvoke(1, {"recursion_limit": 4})


async def test_sync_steps_of_a_sequence_share_one_hop_under_astream(hops):
    threads: list[int] = []

    def step(x):
        threads.append(threading.get_ident())
        return x + 1

    chain = RunnableLambda(step) | RunnableLambda(step) | RunnableLambda(step)
    assert await _collect(chain.astream(0)) == [3]
    assert len(hops) == 1
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()


async def test_astream_groups_split_at_async_and_generator_steps(hops):
    def parts(x):
        yield from (f"{x}-a", f"{x}-b")

    async def shout(x):
        return x.upper()

    chain = (
        RunnableLambda(lambda x: x * 2)
        | RunnableLambda(lambda x: f"<{x}>")
        | RunnableLambda(parts)
        | RunnableLambda(lambda s: s + "!")
        | RunnableLambda(lambda s: s + "?")
        | RunnableLambda(shout)
    )
    # The generator streams its chunks; the two steps after it get their sum, together.
    assert await _collect(chain.astream("q")) == ["<QQ>-A<QQ>-B!?"]
    assert await chain.ainvoke("q") == "<QQ>-A<QQ>-B!?"
    tail = RunnableLambda(parts) | RunnableLambda(lambda s: s + "!") | RunnableLambda(str.upper)
    hops.clear()
    assert await _collect(tail.astream("x")) == ["X-AX-B!"]
    # Two hops pull the generator's chunks (and its end), one runs the two steps after it.
    assert hops.count("_values_on_thread") == 1


async def test_astream_group_streams_a_runnable_its_last_step_returns(hops):
    def parts(x):
        yield from (f"{x}-a", f"{x}-b")

    async def aparts(x):
        for part in (f"{x}-c", f"{x}-d"):
            yield part

    route_last = RunnableLambda(lambda x: x + "1") | RunnableLambda(lambda x: RunnableLambda(parts))
    assert await _collect(route_last.astream("q")) == ["q1-a", "q1-b"]
    # In the middle, the returned runnable streams on the loop (it may be async only) and the
    # next step gets the sum of its chunks, as it would without grouping.
    route_mid = (
        RunnableLambda(lambda x: x + "1")
        | RunnableLambda(lambda x: RunnableLambda(aparts))
        | RunnableLambda(lambda s: s + "!")
    )
    assert await _collect(route_mid.astream("q")) == ["q1-cq1-d!"]
    assert ensure_config()["tags"] == []  # nothing leaked into the consumer's context


async def test_astream_group_sees_the_config_and_only_the_first_gets_kwargs():
    def first(x, config: RunnableConfig, **kwargs):
        return (x, config["tags"], config["metadata"], sorted(kwargs))

    def second(value, config: RunnableConfig, **kwargs):
        return (*value, config["tags"], sorted(kwargs))

    chain = RunnableLambda(first) | RunnableLambda(second)
    out = await _collect(chain.astream("in", {"tags": ["t"], "metadata": {"k": 1}}, flag=True))
    assert out == [("in", ["t"], {"k": 1}, ["flag"], ["t"], [])]


async def test_astream_group_keeps_the_recursion_limit_and_raises_errors():
    def again(x):
        return RunnableLambda(again) if x else x

    chain = RunnableLambda(lambda x: x) | RunnableLambda(again)
    with pytest.raises(RecursionError, match="Recursion limit of 4"):
        await _collect(chain.astream(1, {"recursion_limit": 4}))

    def boom(x):
        raise ValueError(f"bad {x}")

    with pytest.raises(ValueError, match="bad 2"):
        await _collect((RunnableLambda(lambda x: x + 1) | RunnableLambda(boom)).astream(1))


async def test_astream_does_not_group_a_subclass_that_streams_its_own_way(hops):
    class Twice(RunnableLambda[Any, Any]):
        async def _atransform(self, inputs, config, run, **kwargs):
            async for chunk in super()._atransform(inputs, config, run, **kwargs):
                yield chunk
                yield chunk

    chain = RunnableLambda(lambda x: x + 1) | Twice(lambda x: x * 10)
    assert await _collect(chain.astream(1)) == [20, 20]
    assert len(hops) == 2


async def test_ainvoke_does_not_group_a_subclass_with_its_own_ainvoke():
    class Native(RunnableLambda[Any, Any]):
        async def ainvoke(self, input, config=None, **kwargs):
            return ("native", input)

    chain = RunnableLambda(lambda x: x + 1) | Native(lambda x: ("thread", x))
    assert await chain.ainvoke(1) == ("native", 2)
    assert chain.invoke(1) == ("thread", 2)


async def test_astream_with_a_handler_reports_every_step(hops):
    handler = Starts()
    chain = RunnableLambda(lambda x: x + 1, name="a") | RunnableLambda(lambda x: x, name="b")
    assert await _collect(chain.astream(1, {"callbacks": [handler]})) == [2]
    assert [name for name, _, _ in handler.runs] == ["RunnableSequence", "a", "b"]
    assert len(hops) == 2


async def test_a_sequence_of_sync_steps_abatches_in_one_hop(hops):
    chain = RunnableLambda(lambda x: x + 1) | RunnableLambda(lambda x: x * 2)
    assert await chain.abatch([1, 2, 3]) == [4, 6, 8]
    assert len(hops) == 1


# --- functions that ask for the run manager ------------------------------------------------


class Texts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.texts: list[tuple[str, Any]] = []
        self.starts: list[tuple[Any, Any, Any]] = []

    def on_text(self, text, *, run_id, **kwargs):
        self.texts.append((text, run_id))

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kwargs):
        self.starts.append((kwargs.get("name"), run_id, parent_run_id))


def _reports(x: int, run_manager: Any) -> int:
    run_manager.on_text(f"got {x}")
    inner: RunnableLambda[int, int] = RunnableLambda(lambda y: y + 1, name="inner")
    return inner.invoke(x, {"callbacks": run_manager.get_child()})


def test_a_sync_function_gets_its_run_manager():
    handler = Texts()
    assert RunnableLambda(_reports).invoke(1, {"callbacks": [handler]}) == 2
    (outer_name, outer_id, _), (inner_name, _, inner_parent) = handler.starts
    assert (outer_name, inner_name) == ("_reports", "inner")
    assert inner_parent == outer_id  # the child manager links the nested run
    assert handler.texts == [("got 1", outer_id)]
    # With nobody listening it still gets a manager, one that reports to nobody.
    assert RunnableLambda(_reports).invoke(1) == 2
    assert [*RunnableLambda(_reports).stream(1)] == [2]


async def test_run_managers_under_ainvoke_sync_and_async():
    handler = Texts()
    assert await RunnableLambda(_reports).ainvoke(5, {"callbacks": [handler]}) == 6
    assert handler.texts == [("got 5", handler.starts[0][1])]

    async def areports(x: int, run_manager: Any) -> str:
        await run_manager.on_text("async")
        return type(run_manager).__name__

    assert await RunnableLambda(areports).ainvoke(1) == "AsyncCallbackManagerForChainRun"
    handler = Texts()
    await RunnableLambda(areports).ainvoke(1, {"callbacks": [handler]})
    assert handler.texts == [("async", handler.starts[0][1])]
