"""Sequential HTTP requests against the local server: the loop shared by the HTTP cases.

Each contender is a callable (sync) or coroutine function (async) that sends one request and
returns the reply's text; the text is checked before timing. Every round runs every contender
in rotated order, ``n`` requests each (``n_stream`` for streams), each request timed alone.
Per round: p50, p99, req/s (n / loop wall), client CPU per request. Reported: medians over
rounds [min-max]; ratios against raw httpx of the same kind (sync/async), per round. The
targets are on p50; the client-CPU ratio is shown beside it because it stays stable when other
work shares the machine, while latency does not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from _common import (
    Contender,
    LocalServer,
    Report,
    build_all,
    fmt,
    fmt_ratio,
    percentile,
    ratio_target,
    ratios,
    rotated,
    summary,
)
from _server import TEXT


@dataclass
class Spec:
    """A contender of an HTTP case: ``build(base_url)`` returns the request function."""

    name: str
    group: str
    mode: str  # "invoke" or "stream"
    is_async: bool
    build: Callable[[str], Callable[[], Any]]


@dataclass
class Target:
    """``name`` p50 <= ``limit`` x the raw baseline of the same mode and kind."""

    name: str
    limit: float | None  # None: report only
    reference: str


def text_of(msg: Any) -> str:
    """A message's text for LangChain-style messages (``.text`` may be a method)."""
    t = msg.text
    return str(t() if callable(t) and not isinstance(t, str) else t)


def join_text(chunks: Any) -> str:
    return "".join(text_of(c) for c in chunks)


async def ajoin_text(chunks: Any) -> str:
    return "".join([text_of(c) async for c in chunks])


def _one_round(c: Contender, is_async: bool, n: int, loop: asyncio.AbstractEventLoop) -> dict:
    lat: list[float] = []
    if is_async:

        async def seq() -> None:
            for _ in range(n):
                t = time.perf_counter()
                await c.obj()
                lat.append(time.perf_counter() - t)

        cpu0, t0 = time.process_time(), time.perf_counter()
        loop.run_until_complete(seq())
    else:
        cpu0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            c.obj()
            lat.append(time.perf_counter() - t)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "p50": percentile(lat, 50) * 1e6,
        "p99": percentile(lat, 99) * 1e6,
        "rps": n / wall,
        "cpu": cpu / n * 1e6,
    }


def run_http_case(
    case: str,
    title: str,
    specs: Sequence[Spec],
    baselines: dict[tuple[str, bool], str],
    targets: Sequence[Target],
    args: Any,
) -> None:
    """Measure every spec against one local server, then print and write the report."""
    rounds, n, n_stream = (1, 20, 10) if args.quick else (5, 150, 80)
    report = Report(case, title, args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    by_name = {s.name: s for s in specs}
    with LocalServer() as server:
        contenders = build_all(
            [Contender(s.name, s.group, _bind(s, server.base_url)) for s in specs], args
        )
        for c in contenders:
            if c.ok:
                _check(c, by_name[c.name].is_async, loop)
        stats: dict[str, list[dict | None]] = {c.name: [] for c in contenders}
        for r in range(rounds):
            for c in rotated(contenders, r):
                spec = by_name[c.name]
                got = None
                if c.ok:
                    try:
                        count = n_stream if spec.mode == "stream" else n
                        got = _one_round(c, spec.is_async, count, loop)
                    except Exception as exc:
                        c.fail(exc)
                stats[c.name].append(got)
    loop.close()

    def col(name: str, key: str) -> list[float | None]:
        return [None if s is None else s[key] for s in stats[name]]

    for mode in ("invoke", "stream"):
        rows = []
        for c in contenders:
            spec = by_name[c.name]
            if spec.mode != mode:
                continue
            base = baselines[(mode, spec.is_async)]
            p50 = summary(col(c.name, "p50"))
            rel = ratios(col(c.name, "p50"), col(base, "p50"))
            rel_cpu = ratios(col(c.name, "cpu"), col(base, "cpu"))
            added = summary(
                a - b
                for a, b in zip(col(c.name, "p50"), col(base, "p50"), strict=True)
                if a is not None and b is not None
            )
            rows.append(
                [
                    c.name,
                    fmt(p50, 0),
                    fmt(summary(col(c.name, "p99")), 0),
                    fmt(summary(col(c.name, "rps")), 0),
                    fmt(summary(col(c.name, "cpu")), 0),
                    fmt_ratio(rel) if c.name != base else "1.00x",
                    fmt_ratio(rel_cpu) if c.name != base else "1.00x",
                    f"{added['median']:+,.0f}" if added and c.name != base else "",
                    c.status,
                ]
            )
            report.results[c.name] = {
                "status": c.status,
                "mode": mode,
                "async": spec.is_async,
                "p50_us": p50,
                "p99_us": summary(col(c.name, "p99")),
                "req_per_s": summary(col(c.name, "rps")),
                "client_cpu_us": summary(col(c.name, "cpu")),
                "x_raw": rel,
                "cpu_x_raw": rel_cpu,
            }
        count = n_stream if mode == "stream" else n
        report.table(
            f"{mode}: {count} sequential requests per client per round, {rounds} rounds; "
            "median [min-max] over rounds",
            ["client", "p50 us", "p99 us", "req/s", "client CPU us/req", "p50 x raw httpx"]
            + ["CPU x raw httpx", "added us (p50)", "status"],
            rows,
        )
    cs = {c.name: c for c in contenders}
    for t in targets:
        spec = by_name[t.name]
        base = baselines[(spec.mode, spec.is_async)]
        p50 = col(t.name, "p50"), col(base, "p50")
        ratio_target(report, t.name, t.reference, cs[t.name], cs[base], *p50, t.limit)
        cpu = ratios(col(t.name, "cpu"), col(base, "cpu"))
        if cpu:
            # Client CPU per request is robust to other load on the machine; shown beside p50.
            report.targets[-1]["measured"] += f"; client CPU {fmt_ratio(cpu)}"
    report.notes.append(f"server: {LocalServer.__doc__.splitlines()[0]}")
    report.write()


def _bind(spec: Spec, base_url: str) -> Callable[[], Any]:
    return lambda: spec.build(base_url)


def _check(c: Contender, is_async: bool, loop: asyncio.AbstractEventLoop) -> None:
    """Warm the client up and check its reply before anything is timed."""
    try:
        for _ in range(3):
            got = loop.run_until_complete(c.obj()) if is_async else c.obj()
        if got != TEXT:
            raise AssertionError(f"reply {str(got)[:60]!r} is not the expected text")
    except Exception as exc:
        c.fail(exc)
