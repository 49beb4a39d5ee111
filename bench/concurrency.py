"""1,000 requests with 100 in flight against a local server that waits 50 ms per request.

The ideal is 1000 / 100 x 0.05 s = 0.5 s. Raw httpx configurations (async with its default
pool, async with 100 keep-alive connections, sync with 100 threads and a client per thread)
give the baseline: the best of them in the same round. Then the openai SDK (``AsyncOpenAI`` +
a semaphore) and the chat models' ``abatch`` / ``batch`` with ``max_concurrency=100``, every
client with its defaults.
Each client gets a warm-up run (200 requests) before the first round. To bound the time, a
client whose first run took over ``SLOW`` seconds is not repeated (its figure is that one
run), and an async run slower than the cap is stopped, reported as "> cap" and not repeated.

Target (issue 9): linguafranca ``batch`` and ``abatch`` <= 1.1x the best raw httpx
configuration (reference: raw httpx async 1.5 s; openai SDK 11.0 s; langchain-openai
abatch 11.6 s).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from _common import (
    Contender,
    LocalServer,
    Report,
    build_all,
    fmt,
    parse_args,
    ratio_target,
    rotated,
    summary,
)
from _http import text_of
from _server import MODEL_OPENAI, TEXT

BODY = {"model": MODEL_OPENAI, "messages": [{"role": "user", "content": "hi"}]}
HEADERS = {"authorization": "Bearer sk-bench"}
KEY = "sk-bench"

# A runner: (n, concurrency) -> list of reply texts; async runners return a coroutine.
Runner = Callable[[int, int], Any]


async def _gather(one: Callable[[], Any], n: int, conc: int) -> list[str]:
    sem = asyncio.Semaphore(conc)

    async def bounded() -> str:
        async with sem:
            return await one()

    return await asyncio.gather(*[bounded() for _ in range(n)])


def httpx_async(limits: httpx.Limits | None) -> Callable[[str], Runner]:
    def build(base: str) -> Runner:
        client = httpx.AsyncClient() if limits is None else httpx.AsyncClient(limits=limits)
        url = base + "/v1/chat/completions"

        async def one() -> str:
            r = await client.post(url, json=BODY, headers=HEADERS)
            r.raise_for_status()
            return r.json()["choices"][0]["message"]["content"]

        return lambda n, conc: _gather(one, n, conc)

    return build


def httpx_threads(base: str) -> Runner:
    """100 threads, each with its own ``httpx.Client``.

    One client shared by the threads failed here now and then ("Bad file descriptor" when its
    pool closed a connection another thread was using).
    """
    local = threading.local()
    url = base + "/v1/chat/completions"
    pools: dict[int, ThreadPoolExecutor] = {}

    def one(_: int) -> str:
        if not hasattr(local, "client"):
            local.client = httpx.Client()
        r = local.client.post(url, json=BODY, headers=HEADERS)
        r.raise_for_status()
        return r.json()["choices"][0]["message"]["content"]

    def run(n: int, conc: int) -> list[str]:
        # The same threads (and so the same clients and connections) in every run.
        pool = pools.setdefault(conc, ThreadPoolExecutor(conc))
        return list(pool.map(one, range(n)))

    return run


def openai_async(base: str) -> Runner:
    import openai

    create = openai.AsyncOpenAI(base_url=base + "/v1", api_key=KEY).chat.completions.create

    async def one() -> str:
        out = await create(model=MODEL_OPENAI, messages=BODY["messages"])
        return out.choices[0].message.content

    return lambda n, conc: _gather(one, n, conc)


def chat_model(module: str, is_async: bool) -> Callable[[str], Runner]:
    def build(base: str) -> Runner:
        cls = importlib.import_module(module).ChatOpenAI
        model = cls(model=MODEL_OPENAI, base_url=base + "/v1", api_key=KEY)

        async def arun(n: int, conc: int) -> list[str]:
            out = await model.abatch(["hi"] * n, config={"max_concurrency": conc})
            return [text_of(m) for m in out]

        def run(n: int, conc: int) -> list[str]:
            out = model.batch(["hi"] * n, config={"max_concurrency": conc})
            return [text_of(m) for m in out]

        return arun if is_async else run

    return build


SLOW = 5.0
KEEPALIVE_100 = httpx.Limits(max_connections=100, max_keepalive_connections=100)
# (name, group, is_async, build)
CLIENTS = [
    ("httpx async, default pool (100 conns / 20 keep-alive)", "baseline", True, httpx_async(None)),
    ("httpx async, 100 keep-alive", "baseline", True, httpx_async(KEEPALIVE_100)),
    ("httpx sync, 100 threads, a client per thread", "baseline", False, httpx_threads),
    ("openai AsyncOpenAI, defaults", "reference", True, openai_async),
    ("langchain-openai abatch, defaults", "reference", True, chat_model("langchain_openai", True)),
    ("langchain-openai batch, defaults", "reference", False, chat_model("langchain_openai", False)),
    (
        "linguafranca abatch, defaults",
        "linguafranca",
        True,
        chat_model("linguafranca_openai", True),
    ),
    (
        "linguafranca batch, defaults",
        "linguafranca",
        False,
        chat_model("linguafranca_openai", False),
    ),
]
LF_TARGETS = [
    ("linguafranca abatch, defaults", "langchain-openai abatch 11.6 s; raw httpx async 1.5 s"),
    ("linguafranca batch, defaults", "ideal 0.5 s; raw httpx async 1.5 s"),
]


def extend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cap", type=float, default=None, help="seconds before a run is stopped")


def _run(
    c: Contender, is_async: bool, n: int, conc: int, cap: float, loop: asyncio.AbstractEventLoop
) -> tuple[float | None, float]:
    """One run: (wall seconds or None when stopped at the cap, client CPU seconds)."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    if is_async:
        try:
            out = loop.run_until_complete(asyncio.wait_for(c.obj(n, conc), cap))
        except asyncio.TimeoutError:
            return None, time.process_time() - cpu0
    else:
        out = c.obj(n, conc)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if len(out) != n or any(t != TEXT for t in out):
        raise AssertionError("a reply is not the expected text")
    return wall, cpu


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], extend, pin=True)
    if args.quick:
        rounds, n, conc, delay_ms, cap, warm = 1, 100, 20, 20, args.cap or 5.0, 20
    else:
        rounds, n, conc, delay_ms, cap, warm = 3, 1000, 100, 50, args.cap or 15.0, 200
    ideal = n / conc * delay_ms / 1000
    report = Report("concurrency", f"{n:,} requests, {conc} in flight, {delay_ms} ms server", args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    is_async = {name: a for name, _, a, _ in CLIENTS}
    walls: dict[str, list[float | None]] = {name: [] for name, *_ in CLIENTS}
    cpus: dict[str, list[float | None]] = {name: [] for name, *_ in CLIENTS}
    capped: set[str] = set()
    slow: set[str] = set()
    with LocalServer(delay_ms=delay_ms) as server:
        base = server.base_url
        contenders = build_all(
            [Contender(name, g, _bind(b, base)) for name, g, _, b in CLIENTS], args
        )
        for c in contenders:
            if c.ok:
                try:
                    _run(c, is_async[c.name], warm, conc, cap, loop)
                except Exception as exc:
                    c.fail(exc)
        for r in range(rounds):
            for c in rotated(contenders, r):
                wall = cpu = None
                if c.ok and c.name not in capped and c.name not in slow:
                    try:
                        wall, cpu = _run(c, is_async[c.name], n, conc, cap, loop)
                    except Exception as exc:
                        c.fail(exc)
                    if wall is None and c.ok:
                        capped.add(c.name)
                    elif wall is not None and wall > SLOW:
                        slow.add(c.name)
                walls[c.name].append(wall)
                cpus[c.name].append(cpu)
    loop.close()

    baselines = [c.name for c in contenders if c.group == "baseline"]
    best = [
        min((walls[b][i] for b in baselines if walls[b][i] is not None), default=None)
        for i in range(rounds)
    ]
    rows = []
    for c in contenders:
        s = summary(walls[c.name])
        if c.name in capped:
            shown = f"> {cap:g} (stopped)"
        else:
            shown = fmt(s, 3) if s else "-"
        x_ideal = f"{s['median'] / ideal:.1f}" if s and c.name not in capped else ""
        rows.append([c.name, shown, x_ideal, fmt(summary(cpus[c.name]), 2), c.status])
        report.results[c.name] = {
            "status": c.status,
            "wall_s": s,
            "capped": c.name in capped,
            "client_cpu_s": summary(cpus[c.name]),
        }
    report.table(
        f"wall s for {n:,} requests (ideal {ideal:g} s), median [min-max] over {rounds} rounds",
        ["client", "wall s", "x ideal", "client CPU s", "status"],
        rows,
    )
    best_c = Contender("best raw httpx configuration (same round)", "baseline", lambda: None)
    best_c.status = "ok" if any(best) else "no raw httpx run"
    for name, ref in LF_TARGETS:
        c = next(x for x in contenders if x.name == name)
        if name in capped:
            report.target(name, ref, "<= 1.1x best raw httpx", f"> {cap:g} s (stopped)", False)
        else:
            ratio_target(report, name, ref, c, best_c, walls[name], best, 1.1)
    report.results["best_raw_s"] = summary(best)
    report.write()


def _bind(build: Callable[[str], Runner], base: str) -> Callable[[], Runner]:
    return lambda: build(base)


if __name__ == "__main__":
    main()
