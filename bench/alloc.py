"""Memory allocated per invoke, measured with tracemalloc.

For each contender, after a warm-up: the peak of traced memory during one call (what one call
allocates at its high-water mark, KiB, median over calls) and the memory still held after N
calls (bytes per call: a leak shows here). Fake chat models (no network) and HTTP invokes
against the local server (raw httpx, openai SDK, langchain-openai, linguafranca).

Target (issue 9): report.
"""

from __future__ import annotations

import gc
import itertools
import statistics
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx
from _common import Contender, LocalServer, Report, build_all, parse_args, rotated
from _http import text_of
from _server import MODEL_OPENAI, TEXT

REPLY = "hello world"
BODY = {"model": MODEL_OPENAI, "messages": [{"role": "user", "content": "hi"}]}


def fake(lib: str) -> Callable[[str], Callable[[], str]]:
    def build(_base: str) -> Callable[[], str]:
        if lib == "linguafranca":
            from linguafranca.chat_models.fake import GenericFakeChatModel
            from linguafranca.messages import AIMessage
        else:
            from langchain_core.language_models import GenericFakeChatModel
            from langchain_core.messages import AIMessage
        model = GenericFakeChatModel(messages=itertools.repeat(AIMessage(content=REPLY)))
        return lambda: text_of(model.invoke("hi"))

    return build


def raw_httpx(base: str) -> Callable[[], str]:
    client, url = httpx.Client(), base + "/v1/chat/completions"
    return lambda: client.post(url, json=BODY).json()["choices"][0]["message"]["content"]


def openai_sdk(base: str) -> Callable[[], str]:
    import openai

    create = openai.OpenAI(base_url=base + "/v1", api_key="sk-bench").chat.completions.create
    return lambda: create(**BODY).choices[0].message.content


def chat_openai(module: str) -> Callable[[str], Callable[[], str]]:
    def build(base: str) -> Callable[[], str]:
        if module == "linguafranca_openai":
            from linguafranca_openai import ChatOpenAI
        else:
            from langchain_openai import ChatOpenAI
        model = ChatOpenAI(model=MODEL_OPENAI, base_url=base + "/v1", api_key="sk-bench")
        return lambda: text_of(model.invoke("hi"))

    return build


# (name, group, expected reply, build(base_url) -> call)
CASES = [
    ("linguafranca GenericFakeChatModel.invoke", "linguafranca", REPLY, fake("linguafranca")),
    ("langchain-core GenericFakeChatModel.invoke", "reference", REPLY, fake("langchain")),
    ("httpx post + json()", "baseline", TEXT, raw_httpx),
    ("openai chat.completions.create", "reference", TEXT, openai_sdk),
    ("langchain-openai ChatOpenAI.invoke", "reference", TEXT, chat_openai("langchain_openai")),
    ("linguafranca ChatOpenAI.invoke", "linguafranca", TEXT, chat_openai("linguafranca_openai")),
]


def measure(call: Callable[[], Any], n: int) -> tuple[float, float]:
    """(median peak KiB of one call, bytes retained per call over n calls)."""
    peaks = []
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        peaks.append((tracemalloc.get_traced_memory()[1] - before) / 1024)
    gc.collect()
    retained = (tracemalloc.get_traced_memory()[0] - start) / n
    tracemalloc.stop()
    return statistics.median(peaks), retained


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], pin=True)
    rounds, n = (1, 20) if args.quick else (3, 200)
    report = Report("alloc", "memory allocated per invoke (tracemalloc)", args)
    expected = {name: want for name, _, want, _ in CASES}
    peaks: dict[str, list[float]] = {name: [] for name, *_ in CASES}
    kept: dict[str, list[float]] = {name: [] for name, *_ in CASES}
    with LocalServer() as server:
        contenders = build_all(
            [Contender(name, g, _bind(b, server.base_url)) for name, g, _, b in CASES], args
        )
        for c in contenders:
            if c.ok:
                try:
                    for _ in range(20):  # warm-up: caches, pools, lazy imports
                        got = c.obj()
                    if got != expected[c.name]:
                        raise AssertionError(f"reply {got[:40]!r} is not the expected text")
                except Exception as exc:
                    c.fail(exc)
        for r in range(rounds):
            for c in rotated(contenders, r):
                if c.ok:
                    try:
                        peak, retained = measure(c.obj, n)
                    except Exception as exc:
                        c.fail(exc)
                        continue
                    peaks[c.name].append(peak)
                    kept[c.name].append(retained)
    rows = []
    for c in contenders:
        p = statistics.median(peaks[c.name]) if peaks[c.name] else None
        k = statistics.median(kept[c.name]) if kept[c.name] else None
        rows.append(
            [
                c.name,
                f"{p:,.1f}" if p is not None else "-",
                f"{k:,.0f}" if k is not None else "-",
                c.status,
            ]
        )
        report.results[c.name] = {"status": c.status, "peak_kib": p, "retained_bytes": k}
    report.table(
        f"tracemalloc, {n} calls per round, median over {rounds} rounds",
        ["call", "peak KiB during one call", "bytes retained per call", "status"],
        rows,
    )
    for lf, lc, what in (
        (CASES[0][0], CASES[1][0], "fake chat model invoke"),
        (CASES[5][0], CASES[4][0], "ChatOpenAI.invoke over HTTP"),
    ):
        a = statistics.median(peaks[lf]) if peaks[lf] else None
        b = statistics.median(peaks[lc]) if peaks[lc] else None
        shown = f"{a:,.1f} KiB vs {b:,.1f} KiB ({a / b:.2f}x)" if a and b else "-"
        if not a:
            shown = next(c.status for c in contenders if c.name == lf)
        report.target(f"peak allocation per {what}", "measure", "report", shown, None)
    report.write()


def _bind(build: Callable[[str], Callable[[], str]], base: str) -> Callable[[], Any]:
    return lambda: build(base)


if __name__ == "__main__":
    main()
