"""Aggregating N streamed ``AIMessageChunk``s: text chunks and tool-call argument fragments.

Methods: ``merge_chunks(chunks)`` (linguafranca's aggregator), ``full = full + chunk`` in a
loop (the LangChain idiom, both libraries) and langchain-core's variadic
``chunks[0] + chunks[1:]``. Chunks are built before timing. Every result is checked (the text,
or the parsed ``tool_calls[0]["args"]``). The reference's quadratic loop is stopped at a time
limit and reported as "> limit"; a method whose runs of one size have taken more than the
budget is not repeated at that size.

Targets (issue 9): linear growth; 50k tool-call fragments <= 0.5 s (langchain-core's loop:
13 s at 10k, 326 s at 50k).
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from collections.abc import Callable
from typing import Any

from _common import Contender, Report, build_all, parse_args, rotated, summary

FRAG = " tok"
PREFIX = '{"query": "'
SUFFIX = '"}'


def text_chunks(cls: Any, n: int) -> list[Any]:
    return [cls(content=FRAG) for _ in range(n)]


def tool_chunks(cls: Any, n: int) -> list[Any]:
    def tcc(args: str, first: bool) -> dict[str, Any]:
        name, cid = ("search", "call_1") if first else (None, None)
        return {"name": name, "args": args, "id": cid, "index": 0, "type": "tool_call_chunk"}

    middle = [cls(content="", tool_call_chunks=[tcc(FRAG, False)]) for _ in range(n - 2)]
    first = cls(content="", tool_call_chunks=[tcc(PREFIX, True)])
    last = cls(content="", tool_call_chunks=[tcc(SUFFIX, False)])
    return [first, *middle, last]


def check(shape: str, n: int, merged: Any) -> None:
    if shape == "text":
        ok = merged.content == FRAG * n
    else:
        calls = merged.tool_calls
        ok = len(calls) == 1 and calls[0]["args"] == {"query": FRAG * (n - 2)}
    if not ok:
        raise AssertionError(f"wrong merge result for {shape} N={n}")


def loop_add(chunks: list[Any], limit: float) -> Any:
    """``full = full + chunk``; returns None when the time limit is reached."""
    t0 = time.perf_counter()
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
        if time.perf_counter() - t0 > limit:
            return None
    return full


# A method: (library, label, group, build) where build returns (chunk class, merge function).
def lf_merge() -> tuple[Any, Callable[[list[Any], float], Any]]:
    from linguafranca.messages import AIMessageChunk, merge_chunks

    return AIMessageChunk, lambda chunks, _limit: merge_chunks(chunks)


def lf_loop() -> tuple[Any, Callable[[list[Any], float], Any]]:
    from linguafranca.messages import AIMessageChunk

    return AIMessageChunk, loop_add


def lc_loop() -> tuple[Any, Callable[[list[Any], float], Any]]:
    from langchain_core.messages import AIMessageChunk

    return AIMessageChunk, loop_add


def lc_variadic() -> tuple[Any, Callable[[list[Any], float], Any]]:
    from langchain_core.messages import AIMessageChunk

    return AIMessageChunk, lambda chunks, _limit: chunks[0] + chunks[1:]


METHODS = [
    ("linguafranca merge_chunks(chunks)", "linguafranca", lf_merge),
    ("linguafranca full = full + chunk", "linguafranca", lf_loop),
    ("langchain-core full = full + chunk", "reference", lc_loop),
    ("langchain-core chunks[0] + chunks[1:]", "reference", lc_variadic),
]
LF_MAIN, LC_MAIN = METHODS[0][0], METHODS[2][0]


def extend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=float, default=None, help="seconds per run (cap)")


def measure(
    methods: list[Contender], sizes: list[int], repeats: int, limit: float, budget: float
) -> dict[tuple[str, str, int], dict[str, Any]]:
    """Per (method, shape, N): run seconds per repeat, or the cap when a run was stopped."""
    out: dict[tuple[str, str, int], dict[str, Any]] = {}
    for shape in ("text", "tool"):
        for n in sizes:
            built: dict[Any, list[Any]] = {}
            for m in methods:
                key = (m.name, shape, n)
                out[key] = {"runs": [], "capped": False, "status": m.status}
                if m.ok and m.obj[0] not in built:
                    make = text_chunks if shape == "text" else tool_chunks
                    try:
                        built[m.obj[0]] = make(m.obj[0], n)
                    except Exception as exc:
                        m.fail(exc)
                        out[key]["status"] = m.status
            spent = {m.name: 0.0 for m in methods}
            for rep in range(repeats):
                for m in rotated(methods, rep):
                    cell = out[(m.name, shape, n)]
                    if not m.ok or cell["capped"] or cell["status"].startswith("error"):
                        continue
                    if rep and spent[m.name] > budget:
                        continue
                    gc.collect()
                    t0 = time.perf_counter()
                    try:
                        merged = m.obj[1](built[m.obj[0]], limit)
                        secs = time.perf_counter() - t0
                        if merged is None:
                            cell["capped"] = True
                        else:
                            check(shape, n, merged)
                            cell["runs"].append(secs)
                            cell["status"] = "ok"
                    except Exception as exc:
                        secs = time.perf_counter() - t0
                        cell["status"] = f"error: {type(exc).__name__}: {exc}"[:200]
                    spent[m.name] += secs
            del built
    return out


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], extend)
    if args.quick:
        sizes, repeats, limit, budget = [100, 1000], 1, args.limit or 2.0, 2.0
    else:
        sizes, repeats, limit, budget = [1000, 10_000, 50_000], 5, args.limit or 30.0, 10.0
    report = Report("merge", "aggregating N stream chunks", args)
    methods = build_all([Contender(n, g, b) for n, g, b in METHODS], args)
    cells = measure(methods, sizes, repeats, limit, budget)

    def shown(cell: dict[str, Any]) -> str:
        s = summary(cell["runs"])
        if cell["capped"]:
            return f"> {limit:g} (stopped)"
        if s is None:
            return cell["status"]
        return f"{s['median']:.4f} [{s['min']:.4f}-{s['max']:.4f}] ({s['n']})"

    for shape in ("text", "tool"):
        rows = []
        for m in methods:
            row = [m.name]
            meds = []
            for n in sizes:
                cell = cells[(m.name, shape, n)]
                row.append(shown(cell))
                s = summary(cell["runs"])
                meds.append(s["median"] if s and not cell["capped"] else None)
            row += [_exponent(meds, sizes, i) for i in range(1, len(sizes))]
            rows.append(row)
        label = "text chunks" if shape == "text" else "tool-call argument fragments"
        growth = [f"exp {sizes[i - 1] // 1000}k->{sizes[i] // 1000}k" for i in range(1, len(sizes))]
        if args.quick:
            growth = [f"exp {sizes[i - 1]}->{sizes[i]}" for i in range(1, len(sizes))]
        report.table(
            f"{label}: total seconds, median [min-max] (runs); growth exponent (1 = linear)",
            ["method", *[f"N={n:,}" for n in sizes], *growth],
            rows,
        )
    report.results = {
        f"{name}|{shape}|{n}": {**cell, "summary": summary(cell["runs"])}
        for (name, shape, n), cell in cells.items()
    }
    _targets(report, methods, cells, sizes, limit)
    report.write()


def _exponent(meds: list[float | None], sizes: list[int], i: int) -> str:
    a, b = meds[i - 1], meds[i]
    if not a or not b:
        return "-"
    return f"{math.log(b / a) / math.log(sizes[i] / sizes[i - 1]):.2f}"


def _targets(
    report: Report,
    methods: list[Contender],
    cells: dict[tuple[str, str, int], dict[str, Any]],
    sizes: list[int],
    limit: float,
) -> None:
    big = sizes[-1]
    lf = cells[(LF_MAIN, "tool", big)]
    s = summary(lf["runs"])
    goal = 0.5 * big / 50_000
    measured = f"{s['median']:.3f} s" if s else lf["status"]
    report.target(
        f"merge_chunks, {big:,} tool-call fragments",
        "langchain-core loop: 13 s at 10k, 326 s at 50k",
        f"<= {goal:g} s",
        measured,
        None if s is None else s["median"] <= goal,
    )
    for shape in ("text", "tool"):
        meds = []
        for n in sizes:
            s = summary(cells[(LF_MAIN, shape, n)]["runs"])
            meds.append(s["median"] if s else None)
        exp = _exponent(meds, sizes, len(sizes) - 1)
        report.target(
            f"merge_chunks growth, {shape}, {sizes[-2]:,} -> {big:,}",
            "tool loop exponent 2.00 (quadratic); text 1.40",
            "linear (exponent <= 1.2)",
            exp if exp != "-" else cells[(LF_MAIN, shape, big)]["status"],
            None if exp == "-" else float(exp) <= 1.2,
        )
    lc = cells[(LC_MAIN, "tool", big)]
    lc_s = summary(lc["runs"])
    if lc["capped"]:
        ref = f"langchain-core loop > {limit:g} s (stopped)"
    elif lc_s:
        ref = f"langchain-core loop {lc_s['median']:.2f} s"
    else:
        ref = f"langchain-core loop: {lc['status']}"
    lf_s = summary(lf["runs"])
    speedup = None
    if lf_s and (lc_s or lc["capped"]):
        base = limit if lc["capped"] else lc_s["median"]  # type: ignore[index]
        speedup = f"{'>' if lc['capped'] else ''}{base / lf_s['median']:,.0f}x faster"
    report.target(
        f"merge_chunks vs langchain-core loop, {big:,} tool fragments (this run)",
        ref,
        "report",
        speedup or "-",
        None,
    )


if __name__ == "__main__":
    main()
