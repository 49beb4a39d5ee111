"""Framework overhead per call, no network: invoke, ainvoke, stream, astream, batch, abatch.

Four runnables, each from linguafranca and from langchain-core: ``RunnableLambda`` of a sync
identity function, ``RunnableLambda`` with both a sync and an async identity (``afunc=``), a
sequence of three sync ``RunnableLambda`` steps, and a fake chat model
(``GenericFakeChatModel`` answering "hello world" forever). Each repeat runs every contender
for every operation, alternating which goes first; ratios linguafranca / langchain-core are
taken per repeat. Within a repeat, the 1,000 calls of a per-call operation are timed in ten
slices of 100 with the contenders interleaved, so that a change of the machine's state hits
every contender alike.

Why a thread hand-off floor: ``ainvoke`` of a sync function must run it on a worker thread, and
on a small VM one round trip between two threads can cost ~100 us when they sit on different
vCPUs (the idle one has to be woken), far more than the framework itself. So two plain asyncio
hand-offs that are no library are timed in the same repeats: a minimal one (one worker thread
on a ``SimpleQueue``, the result sent back with ``call_soon_threadsafe``) and the stdlib's
``loop.run_in_executor``. The sync-function ``ainvoke`` / ``astream`` rows are also given as
overhead above the minimal floor of the same repeat: (lf - floor) / (lc - floor).

Why a one-CPU pass: after the main repeats the script runs itself in a child process pinned to
CPU 0 (as ``taskset -c 0`` would) before it imports a library or starts a thread; there a thread
round trip costs tens of us rather than ~100, so the framework's own cost shows. It times the
async operations of the three ``RunnableLambda`` families and the floor.

Targets: issue 3, every RunnableLambda operation <= 0.1x langchain-core (the sync-function
ainvoke / astream three ways: raw, above the floor, one CPU); issue 9, fake-model invoke,
batch(1000) and abatch(1000) <= 0.1x langchain-core (97 us / 144 ms / 300 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from _common import (
    Contender,
    Report,
    build_all,
    child_env,
    fmt,
    fmt_ratio,
    parse_args,
    ratio_target,
    ratios,
    rotated,
    summary,
)

REPLY = "hello world"
OPS = ("invoke", "ainvoke", "stream", "astream", "batch", "abatch")
BATCH_OPS = ("batch", "abatch")
ONE_CPU_OPS = ("ainvoke", "astream", "abatch")
ONE_CPU_FAMILIES = ("lambda", "alambda", "seq3", "floor")
CHILD_FLAG = "--one-cpu-child"
FLOOR = "floor: minimal hand-off"
EXECUTOR = "floor: loop.run_in_executor"
SLICES = 10
"""Per-call operations: each repeat's calls are timed in this many interleaved slices."""


def _identity(x: Any) -> Any:
    return x


async def _aidentity(x: Any) -> Any:
    return x


def lf_lambda() -> Any:
    from linguafranca.runnables import RunnableLambda

    return RunnableLambda(_identity)


def lc_lambda() -> Any:
    from langchain_core.runnables import RunnableLambda

    return RunnableLambda(_identity)


def lf_alambda() -> Any:
    from linguafranca.runnables import RunnableLambda

    return RunnableLambda(_identity, afunc=_aidentity)


def lc_alambda() -> Any:
    from langchain_core.runnables import RunnableLambda

    return RunnableLambda(_identity, afunc=_aidentity)


def lf_seq3() -> Any:
    from linguafranca.runnables import RunnableLambda

    return RunnableLambda(_identity) | RunnableLambda(_identity) | RunnableLambda(_identity)


def lc_seq3() -> Any:
    from langchain_core.runnables import RunnableLambda

    return RunnableLambda(_identity) | RunnableLambda(_identity) | RunnableLambda(_identity)


def lf_fake() -> Any:
    from linguafranca.chat_models.fake import GenericFakeChatModel
    from linguafranca.messages import AIMessage

    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(content=REPLY)))


def lc_fake() -> Any:
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(content=REPLY)))


class MinimalHandoff:
    """The least an event loop can do to run a sync call on another thread and await it."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        threading.Thread(target=self._work, name="bench-floor", daemon=True).start()

    def _work(self) -> None:
        while True:
            loop, future, func, arg = self._jobs.get()
            loop.call_soon_threadsafe(future.set_result, func(arg))

    def ainvoke(self, x: Any) -> asyncio.Future[Any]:
        """A future for ``_identity(x)`` run on the worker thread."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((loop, future, _identity, x))
        return future


class ExecutorHandoff:
    """The stdlib way: ``loop.run_in_executor`` on the loop's default executor."""

    def ainvoke(self, x: Any) -> asyncio.Future[Any]:
        """A future for ``_identity(x)`` run in the default executor."""
        return asyncio.get_running_loop().run_in_executor(None, _identity, x)


# family -> display label, linguafranca build, langchain-core build.
FAMILIES: dict[str, tuple[str, Callable[[], Any], Callable[[], Any]]] = {
    "lambda": ("RunnableLambda", lf_lambda, lc_lambda),
    "alambda": ("RunnableLambda+afunc", lf_alambda, lc_alambda),
    "seq3": ("3-step RunnableLambda sequence", lf_seq3, lc_seq3),
    "fake": ("GenericFakeChatModel", lf_fake, lc_fake),
}


def _contenders(families: Sequence[str]) -> list[tuple[str, Contender]]:
    """(family, contender) for the families asked for; ``floor`` adds the two hand-offs."""
    out = []
    for fam in families:
        if fam == "floor":
            out.append((fam, Contender(FLOOR, "baseline", MinimalHandoff)))
            out.append((fam, Contender(EXECUTOR, "baseline", ExecutorHandoff)))
            continue
        label, lf_build, lc_build = FAMILIES[fam]
        out.append((fam, Contender(f"linguafranca {label}", "linguafranca", lf_build)))
        out.append((fam, Contender(f"langchain-core {label}", "reference", lc_build)))
    return out


def _text(out: Any) -> str:
    return out if isinstance(out, str) else str(getattr(out, "content", out))


def _check(family: str, r: Any, loop: asyncio.AbstractEventLoop) -> None:
    """The contender must give the expected output before it is timed."""
    want = REPLY if family == "fake" else "hi"

    async def once() -> Any:
        return await r.ainvoke("hi")

    if _text(loop.run_until_complete(once())) != want:
        raise AssertionError("wrong ainvoke output")
    if family == "floor":
        return
    got = _text(r.invoke("hi"))
    streamed = "".join(_text(c) for c in r.stream("hi"))
    batched = [_text(o) for o in r.batch(["hi", "hi"])]
    if got != want or streamed != want or batched != [want, want]:
        raise AssertionError(f"wrong output: {got!r} / {streamed!r} / {batched!r}")


def _timer(op: str, r: Any, loop: asyncio.AbstractEventLoop, n: int) -> Callable[[], float]:
    """A function that runs ``op`` (n calls, or one batch of n) and returns seconds."""

    async def ainvoke() -> None:
        for _ in range(n):
            await r.ainvoke("hi")

    async def astream() -> None:
        for _ in range(n):
            async for _c in r.astream("hi"):
                pass

    def invoke() -> None:
        for _ in range(n):
            r.invoke("hi")

    def stream() -> None:
        for _ in range(n):
            for _c in r.stream("hi"):
                pass

    inputs = ["hi"] * n
    bodies: dict[str, Callable[[], Any]] = {
        "invoke": invoke,
        "ainvoke": lambda: loop.run_until_complete(ainvoke()),
        "stream": stream,
        "astream": lambda: loop.run_until_complete(astream()),
        "batch": lambda: r.batch(inputs),
        "abatch": lambda: loop.run_until_complete(r.abatch(inputs)),
    }
    body = bodies[op]

    def run() -> float:
        t0 = time.perf_counter()
        body()
        return time.perf_counter() - t0

    return run


Values = dict[str, dict[str, list[float | None]]]


def _summary(values: Iterable[float | None]) -> dict[str, float] | None:
    """``summary`` of the repeats that have a value."""
    return summary(v for v in values if v is not None)


@dataclass
class Run:
    """What one pass measured: per contender and operation, one value per repeat (or None)."""

    contenders: dict[str, Contender]
    values: Values
    op_status: dict[str, dict[str, str]]
    repeats: int
    batch: int
    status: str = "ok"
    affinity: list[int] | None = None  # the CPUs the one-CPU child ran on

    def vals(self, name: str, op: str) -> list[float | None]:
        """Per-repeat values (us per call, ms per batch); empty when not measured."""
        return self.values.get(name, {}).get(op, [])

    def ok(self, name: str) -> bool:
        """Whether the contender was built in this pass and still works."""
        c = self.contenders.get(name)
        return c is not None and c.ok

    def cell(self, name: str, op: str) -> str:
        """``median [min-max]``, or why there is no figure ("-" when the whole pass failed)."""
        if self.status != "ok":
            return "-"  # the reason is in the table's title and the report's notes
        s = _summary(self.vals(name, op))
        if s:
            return fmt(s, 2)
        c = self.contenders.get(name)
        return self.op_status.get(name, {}).get(op) or (c.status if c else self.status)


def _measure(args: argparse.Namespace, families: Sequence[str], ops: Sequence[str]) -> Run:
    """Build, check and time the contenders; every op turn rotates who goes first."""
    repeats, calls, batch = (1, 50, 100) if args.quick else (5, 1000, 1000)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pairs = _contenders(families)
    family = {c.name: fam for fam, c in pairs}
    contenders = build_all([c for _, c in pairs], args)
    for c in contenders:
        if c.ok:
            try:
                _check(family[c.name], c.obj, loop)
            except Exception as exc:
                c.fail(exc)
    # The floors are hand-offs only: they take part in the ainvoke turn of each repeat.
    takes = {c.name: ("ainvoke",) if family[c.name] == "floor" else ops for c in contenders}
    values: Values = {c.name: {op: [None] * repeats for op in takes[c.name]} for c in contenders}
    op_status: dict[str, dict[str, str]] = {c.name: {} for c in contenders}
    for rep in range(repeats):
        for op in ops:
            per_batch = op in BATCH_OPS
            # Per-call operations are timed in slices with the contenders interleaved, so a
            # change in the machine's state (a CPU going idle, another process) hits them all
            # alike; this matters most for the floor, which is compared per repeat.
            slices = 1 if per_batch or args.quick else SLICES
            n = batch if per_batch else calls // slices
            takers = [c for c in contenders if op in takes[c.name]]
            timers: dict[str, Callable[[], float]] = {}
            secs = dict.fromkeys((c.name for c in takers), 0.0)
            for piece in range(slices):
                for c in rotated(takers, rep + piece):
                    if not c.ok or "error" in op_status[c.name].get(op, ""):
                        continue
                    try:
                        if c.name not in timers:
                            timers[c.name] = _timer(op, c.obj, loop, n)
                            if rep == 0:
                                _timer(op, c.obj, loop, min(n, 20))()  # warm-up
                        secs[c.name] += timers[c.name]()
                        op_status[c.name][op] = "ok"
                    except Exception as exc:
                        op_status[c.name][op] = f"error: {type(exc).__name__}: {exc}"[:200]
            for c in takers:
                if op_status[c.name].get(op) == "ok":
                    total = secs[c.name]
                    values[c.name][op][rep] = total * 1000 if per_batch else total / calls * 1e6
    loop.close()
    return Run({c.name: c for c in contenders}, values, op_status, repeats, batch)


# ---------------------------------------------------------------- the one-CPU pass


def _one_cpu_unavailable() -> str | None:
    """Why this process cannot be pinned to CPU 0 (None when it can)."""
    if not hasattr(os, "sched_setaffinity"):
        return "skipped: os.sched_setaffinity is missing on this platform"
    allowed = os.sched_getaffinity(0)
    if 0 not in allowed:
        return f"skipped: CPU 0 is not allowed here (allowed: {sorted(allowed)})"
    return None


def _add_child_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(CHILD_FLAG, action="store_true", help="internal: the one-CPU pass")


def _child_main(pin_problem: str | None) -> None:
    """The one-CPU child: time the async operations, print the values as one JSON line."""
    args = parse_args(__doc__.splitlines()[0], _add_child_flag)
    if pin_problem is not None:
        print(json.dumps({"status": pin_problem}))
        return
    run = _measure(args, ONE_CPU_FAMILIES, ONE_CPU_OPS)
    out = {
        "status": "ok",
        "affinity": sorted(os.sched_getaffinity(0)),
        "repeats": run.repeats,
        "batch": run.batch,
        "contenders": {
            name: {"status": c.status, "values": run.values[name], "ops": run.op_status[name]}
            for name, c in run.contenders.items()
        },
    }
    print(json.dumps(out))


def _one_cpu_pass(args: argparse.Namespace) -> Run:
    """Run the one-CPU pass in a child process; an empty run with a status when it cannot."""
    data: dict[str, Any] = {"status": _one_cpu_unavailable()}
    timeout = 90 if args.quick else 600
    if data["status"] is None:
        cmd = [sys.executable, os.path.abspath(__file__), CHILD_FLAG]
        cmd += ["--quick"] * args.quick + ["--only-linguafranca"] * args.only_linguafranca
        try:
            proc = subprocess.run(
                cmd, env=child_env(), capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            data = {"status": f"failed: the one-CPU child did not finish within {timeout} s"}
        else:
            lines = proc.stdout.strip().splitlines()
            if proc.returncode == 0 and lines:
                data = json.loads(lines[-1])
            else:
                last = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
                data = {"status": f"failed: one-CPU child exited {proc.returncode}: {last}"[:300]}
    got = data.get("contenders", {})
    contenders: dict[str, Contender] = {}
    for _, c in _contenders(ONE_CPU_FAMILIES):
        c.status = got[c.name]["status"] if c.name in got else f"one-CPU pass {data['status']}"
        contenders[c.name] = c
    values = {name: g["values"] for name, g in got.items()}
    op_status = {name: g["ops"] for name, g in got.items()}
    repeats, batch = data.get("repeats", 0), data.get("batch", 0)
    return Run(contenders, values, op_status, repeats, batch, data["status"], data.get("affinity"))


# ---------------------------------------------------------------- tables and targets


def _names(family: str) -> tuple[str, str]:
    label = FAMILIES[family][0]
    return f"linguafranca {label}", f"langchain-core {label}"


def _pair_table(
    report: Report, title: str, run: Run, families: Sequence[str], ops: Sequence[str]
) -> None:
    rows = []
    for fam in families:
        lf, lc = _names(fam)
        for op in ops:
            unit = f"ms per batch({run.batch or '?'})" if op in BATCH_OPS else "us per call"
            r = ratios(run.vals(lf, op), run.vals(lc, op))
            rows.append(
                [FAMILIES[fam][0], op, unit, run.cell(lf, op), run.cell(lc, op), fmt_ratio(r)]
            )
    columns = ["runnable", "operation", "unit", "linguafranca", "langchain-core"]
    report.table(title, [*columns, "lf / lc (same repeat)"], rows)


def _minus(vals: Sequence[float | None], floor: Sequence[float | None]) -> list[float | None]:
    """Per repeat ``value - floor`` (None where either is missing)."""
    if not vals or not floor:
        return []
    return [None if a is None or f is None else a - f for a, f in zip(vals, floor, strict=True)]


def _ref(lc_values: Sequence[float | None], unit: str) -> str:
    """The reference column of a target: langchain-core's median in this run."""
    s = _summary(lc_values)
    return f"langchain-core {s['median']:,.1f} {unit}" if s else "-"


def _floor_table(report: Report, main: Run, one: Run) -> None:
    rows = []
    for name, what in (
        (FLOOR, "1 worker thread on a SimpleQueue, result via call_soon_threadsafe"),
        (EXECUTOR, "await loop.run_in_executor(None, f, x) (stdlib default executor)"),
    ):
        rows.append([name, what, main.cell(name, "ainvoke"), one.cell(name, "ainvoke")])
    columns = ["hand-off", "what", "main run: us per call", "one CPU: us per call"]
    report.table(
        "thread hand-off floor (no library; same repeats as the contenders)", columns, rows
    )


def _above_floor_table(report: Report, main: Run, one: Run) -> None:
    rows = []
    for fam, op in (("lambda", "ainvoke"), ("lambda", "astream"), ("seq3", "ainvoke")):
        lf, lc = _names(fam)
        for where, run in (("main run", main), ("one CPU", one)):
            floor = run.vals(FLOOR, "ainvoke")
            lf_net, lc_net = _minus(run.vals(lf, op), floor), _minus(run.vals(lc, op), floor)
            lf_s, lc_s = _summary(lf_net), _summary(lc_net)
            rows.append(
                [
                    FAMILIES[fam][0],
                    op,
                    where,
                    run.cell(FLOOR, "ainvoke"),
                    fmt(lf_s, 2) if lf_s else run.cell(lf, op),
                    fmt(lc_s, 2) if lc_s else run.cell(lc, op),
                    fmt_ratio(ratios(lf_net, lc_net)),
                ]
            )
    columns = ["runnable", "operation", "run", "floor", "lf - floor", "lc - floor"]
    report.table(
        "overhead above the minimal hand-off floor (us per call; per repeat, floor of that repeat)",
        [*columns, "(lf - floor) / (lc - floor)"],
        rows,
    )


def _target(report: Report, what: str, run: Run, fam: str, op: str, unit: str) -> None:
    """Issue 3's check ``lf / lc <= 0.1x`` for one family and operation of one run."""
    lf, lc = (run.contenders[n] for n in _names(fam))
    lf_vals, lc_vals = run.vals(lf.name, op), run.vals(lc.name, op)
    ratio_target(report, what, _ref(lc_vals, unit), lf, lc, lf_vals, lc_vals, 0.1)


def _floor_target(report: Report, what: str, run: Run, op: str) -> None:
    """Target ``(lf - floor) / (lc - floor) <= 0.1x`` for the sync-function RunnableLambda."""
    lf, lc = (run.contenders[n] for n in _names("lambda"))
    floor = run.vals(FLOOR, "ainvoke")
    lc_vals = run.vals(lc.name, op)
    fs = _summary(floor)
    if not run.ok(FLOOR) or fs is None:
        report.target(
            what, _ref(lc_vals, "us"), "<= 0.1x", f"{FLOOR}: {run.cell(FLOOR, 'ainvoke')}", None
        )
        return
    reference = ", ".join(
        x for x in (_ref(lc_vals, "us"), f"floor {fs['median']:,.1f} us") if x != "-"
    )
    lf_net, lc_net = _minus(run.vals(lf.name, op), floor), _minus(lc_vals, floor)
    ratio_target(report, what, reference, lf, lc, lf_net, lc_net, 0.1)


def _targets(report: Report, main: Run, one: Run) -> None:
    lf, lc = (main.contenders[n] for n in _names("fake"))
    for op, ref in (("invoke", "97 us per invoke"), ("batch", "144 ms"), ("abatch", "300 ms")):
        what = f"fake chat model {op}" + (f"({main.batch})" if op in BATCH_OPS else "")
        ratio_target(report, what, ref, lf, lc, main.vals(lf.name, op), main.vals(lc.name, op), 0.1)
    for op in ("invoke", "stream", "batch", "abatch"):
        what = f"RunnableLambda {op}" + (f"({main.batch})" if op in BATCH_OPS else "")
        _target(report, what, main, "lambda", op, "ms" if op in BATCH_OPS else "us")
    for op in ("ainvoke", "astream"):
        what = f"RunnableLambda {op} (sync function)"
        _target(report, what, main, "lambda", op, "us")
        _floor_target(report, f"{what}, above the hand-off floor", main, op)
        _target(report, f"{what}, one CPU", one, "lambda", op, "us")
    _target(report, "RunnableLambda ainvoke (async function)", main, "alambda", "ainvoke", "us")
    _target(report, "3-step sync sequence ainvoke", main, "seq3", "ainvoke", "us")
    _target(report, "3-step sync sequence ainvoke, one CPU", one, "seq3", "ainvoke", "us")


def _results(run: Run) -> dict[str, Any]:
    """The JSON form of a run: status and per-operation summary of every contender."""
    out: dict[str, Any] = {}
    for name, c in run.contenders.items():
        ops = {
            op: {"value": _summary(v), "status": run.op_status.get(name, {}).get(op)}
            for op, v in run.values.get(name, {}).items()
        }
        out[name] = {"status": c.status, "ops": ops}
    return out


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], _add_child_flag)
    report = Report("overhead", "framework overhead per call (no network)", args)
    main_run = _measure(args, ("lambda", "alambda", "seq3", "fake", "floor"), OPS)
    one = _one_cpu_pass(args)
    _pair_table(
        report,
        f"median [min-max] over {main_run.repeats} repeats",
        main_run,
        ("lambda", "alambda", "seq3", "fake"),
        OPS,
    )
    _floor_table(report, main_run, one)
    _above_floor_table(report, main_run, one)
    one_title = (
        f"one CPU (taskset-like, child pinned to CPUs {one.affinity}): "
        f"median [min-max] over {one.repeats} repeats"
    )
    if one.status != "ok":
        one_title = f"one CPU (taskset-like): {one.status}"
        report.notes.append(f"one-CPU pass {one.status}")
    _pair_table(report, one_title, one, ("lambda", "alambda", "seq3"), ONE_CPU_OPS)
    _targets(report, main_run, one)
    report.results = _results(main_run)
    report.results["one CPU"] = {
        "status": one.status,
        "affinity": one.affinity,
        "contenders": _results(one),
    }
    report.write()


if __name__ == "__main__":
    if CHILD_FLAG in sys.argv:
        # Pin before any library is imported or any thread started: every thread the child
        # starts afterwards inherits CPU 0.
        problem = _one_cpu_unavailable()
        if problem is None:
            os.sched_setaffinity(0, {0})
        _child_main(problem)
    else:
        main()
