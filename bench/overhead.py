"""Framework overhead per call, no network: invoke, ainvoke, stream, astream, batch, abatch.

Two runnables, each from linguafranca and from langchain-core: a trivial ``RunnableLambda``
(identity) and a fake chat model (``GenericFakeChatModel`` answering "hello world" forever).
Each repeat runs every contender for every operation, alternating which goes first; ratios
linguafranca / langchain-core are taken per repeat.

Targets (issue 9): fake-model invoke <= 0.1x langchain-core (97 us); batch(1000) and
abatch(1000) on the fake model <= 0.1x (144 ms / 300 ms).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from _common import (
    Contender,
    Report,
    build_all,
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


def _identity(x: Any) -> Any:
    return x


def lf_lambda() -> Any:
    from linguafranca.runnables import RunnableLambda

    return RunnableLambda(_identity)


def lc_lambda() -> Any:
    from langchain_core.runnables import RunnableLambda

    return RunnableLambda(_identity)


def lf_fake() -> Any:
    from linguafranca.chat_models.fake import GenericFakeChatModel
    from linguafranca.messages import AIMessage

    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(content=REPLY)))


def lc_fake() -> Any:
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(content=REPLY)))


# (family, contender name, group, build); the input and expected output depend on the family.
CONTENDERS = [
    ("lambda", "linguafranca RunnableLambda", "linguafranca", lf_lambda),
    ("lambda", "langchain-core RunnableLambda", "reference", lc_lambda),
    ("fake", "linguafranca GenericFakeChatModel", "linguafranca", lf_fake),
    ("fake", "langchain-core GenericFakeChatModel", "reference", lc_fake),
]


def _text(out: Any) -> str:
    return out if isinstance(out, str) else str(getattr(out, "content", out))


def _check(family: str, r: Any, loop: asyncio.AbstractEventLoop) -> None:
    """The contender must give the expected output before it is timed."""
    want = "hi" if family == "lambda" else REPLY
    got = _text(r.invoke("hi"))
    streamed = "".join(_text(c) for c in r.stream("hi"))
    batched = [_text(o) for o in r.batch(["hi", "hi"])]
    if got != want or streamed != want or batched != [want, want]:
        raise AssertionError(f"wrong output: {got!r} / {streamed!r} / {batched!r}")
    if _text(loop.run_until_complete(r.ainvoke("hi"))) != want:
        raise AssertionError("wrong ainvoke output")


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


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    repeats, calls, batch = (1, 50, 100) if args.quick else (5, 1000, 1000)
    report = Report("overhead", "framework overhead per call (no network)", args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    family = {name: fam for fam, name, _, _ in CONTENDERS}
    contenders = build_all([Contender(n, g, b) for _, n, g, b in CONTENDERS], args)
    for c in contenders:
        if c.ok:
            try:
                _check(family[c.name], c.obj, loop)
            except Exception as exc:
                c.fail(exc)

    # results[name][op] = per-repeat values (us per call; ms per batch)
    values: dict[str, dict[str, list[float | None]]] = {
        c.name: {op: [] for op in OPS} for c in contenders
    }
    op_status: dict[str, dict[str, str]] = {c.name: {} for c in contenders}
    for rep in range(repeats):
        for op in OPS:
            n = batch if op in BATCH_OPS else calls
            for c in rotated(contenders, rep):
                v: float | None = None
                if c.ok and "error" not in op_status[c.name].get(op, ""):
                    try:
                        run = _timer(op, c.obj, loop, n)
                        if rep == 0:
                            _timer(op, c.obj, loop, min(n, 20))()  # warm-up
                        secs = run()
                        v = secs * 1000 if op in BATCH_OPS else secs / n * 1e6
                        op_status[c.name][op] = "ok"
                    except Exception as exc:
                        op_status[c.name][op] = f"error: {type(exc).__name__}: {exc}"[:200]
                values[c.name][op].append(v)
    loop.close()

    _tables(report, contenders, values, op_status, repeats, batch)
    by_name = {c.name: c for c in contenders}
    lf, lc = (
        by_name["linguafranca GenericFakeChatModel"],
        by_name["langchain-core GenericFakeChatModel"],
    )
    for op, ref in (("invoke", "97 us per invoke"), ("batch", "144 ms"), ("abatch", "300 ms")):
        what = f"fake chat model {op}" + (f"({batch})" if op in BATCH_OPS else "")
        ratio_target(report, what, ref, lf, lc, values[lf.name][op], values[lc.name][op], 0.1)
    lfl, lcl = by_name["linguafranca RunnableLambda"], by_name["langchain-core RunnableLambda"]
    lam = values[lfl.name]["invoke"], values[lcl.name]["invoke"]
    ratio_target(report, "RunnableLambda invoke", "-", lfl, lcl, *lam, None)
    for c in contenders:
        ops = {}
        for op in OPS:
            ops[op] = {"value": summary(values[c.name][op]), "status": op_status[c.name].get(op)}
        report.results[c.name] = {"status": c.status, "ops": ops}
    report.write()


def _tables(
    report: Report,
    contenders: list[Contender],
    values: dict[str, dict[str, list[float | None]]],
    op_status: dict[str, dict[str, str]],
    repeats: int,
    batch: int,
) -> None:
    pairs = [
        ("linguafranca RunnableLambda", "langchain-core RunnableLambda"),
        ("linguafranca GenericFakeChatModel", "langchain-core GenericFakeChatModel"),
    ]
    rows = []
    for lf_name, lc_name in pairs:
        for op in OPS:
            unit = f"ms per batch({batch})" if op in BATCH_OPS else "us per call"
            cells = []
            for name in (lf_name, lc_name):
                c = next(x for x in contenders if x.name == name)
                s = summary(values[name][op])
                cells.append(fmt(s, 2) if s else op_status[name].get(op, c.status))
            r = ratios(values[lf_name][op], values[lc_name][op])
            rows.append([lf_name.split()[-1], op, unit, *cells, fmt_ratio(r)])
    report.table(
        f"median [min-max] over {repeats} repeats",
        [
            "runnable",
            "operation",
            "unit",
            "linguafranca",
            "langchain-core",
            "lf / lc (same repeat)",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
