"""Peak RSS of a fresh process after import, and after 1,000 calls to the local server.

Each row is a child ``python -c "<import>; <calls>"`` that reports its own ``VmHWM`` (peak
resident set) from ``/proc/self/status`` at the end. Rounds shuffle the order; ratios per round.

Target (issue 9): linguafranca <= 0.5x langchain-openai, after import and after 1,000 calls.
"""

from __future__ import annotations

import random

from _common import (
    Contender,
    LocalServer,
    Report,
    build_all,
    child_env,
    fmt,
    parse_args,
    ratio_target,
    run_child,
    summary,
)

REPORT_HWM = (
    "\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
)
BASE = "import os; base = os.environ['BENCH_BASE_URL']\n"
ARGS = "model='gpt-4o-mini', base_url=base + '/v1', api_key='sk-bench'"
MESSAGES = "[{'role': 'user', 'content': 'hi'}]"

# (name, group, import code, calls code run N times; N is set by the mode)
CASES = [
    ("bare python", "baseline", "pass", ""),
    (
        "httpx",
        "baseline",
        "import httpx; c = httpx.Client()",
        "c.post(base + '/v1/chat/completions', "
        f"json={{'model': 'gpt-4o-mini', 'messages': {MESSAGES}}}).json()",
    ),
    (
        "openai",
        "reference",
        "import openai; c = openai.OpenAI(base_url=base + '/v1', api_key='sk-bench')",
        f"c.chat.completions.create(model='gpt-4o-mini', messages={MESSAGES})",
    ),
    (
        "langchain-openai",
        "reference",
        f"from langchain_openai import ChatOpenAI; m = ChatOpenAI({ARGS})",
        "m.invoke('hi')",
    ),
    (
        "linguafranca",
        "linguafranca",
        f"from linguafranca_openai import ChatOpenAI; m = ChatOpenAI({ARGS})",
        "m.invoke('hi')",
    ),
]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], pin=True)
    rounds, calls = (1, 20) if args.quick else (3, 1000)
    report = Report("rss", "peak RSS (fresh process)", args)
    rng = random.Random(3)
    mib: dict[str, list[float | None]] = {}
    wall: dict[str, list[float | None]] = {}
    with LocalServer() as server:
        env = child_env({"BENCH_BASE_URL": server.base_url})
        contenders = []
        for name, group, imp, call in CASES:
            code = BASE + imp + REPORT_HWM
            contenders.append(_contender(f"{name}: import + construct", group, code, code, env))
            if call:
                code = BASE + imp + f"\nfor _ in range({calls}): {call}" + REPORT_HWM
                check = BASE + imp + f"\nfor _ in range(2): {call}" + REPORT_HWM
                contenders.append(_contender(f"{name}: {calls:,} calls", group, code, check, env))
        build_all(contenders, args)
        for c in contenders:
            mib[c.name], wall[c.name] = [], []
        for _ in range(rounds):
            order = list(contenders)
            rng.shuffle(order)
            got: dict[str, tuple[float, float]] = {}
            for c in order:
                if not c.ok:
                    continue
                try:
                    secs, out = run_child(c.obj, env, timeout=300)
                    got[c.name] = (int(out.split()[-1]) / 1024, secs * 1000)
                except Exception as exc:
                    c.fail(exc)
            for c in contenders:
                m, w = got.get(c.name, (None, None))
                mib[c.name].append(m)
                wall[c.name].append(w)

    rows = []
    for c in contenders:
        rows.append([c.name, fmt(summary(mib[c.name])), fmt(summary(wall[c.name]), 0), c.status])
        report.results[c.name] = {
            "status": c.status,
            "peak_rss_mib": summary(mib[c.name]),
            "wall_ms": summary(wall[c.name]),
        }
    report.table(
        f"peak RSS MiB and wall ms of the whole process, median [min-max] over {rounds} rounds",
        ["process", "peak RSS MiB", "wall ms", "status"],
        rows,
    )
    by = {c.name: c for c in contenders}
    phases = (("import + construct", "90 MiB after import"), (f"{calls:,} calls", "108 MiB"))
    for phase, ref in phases:
        lf, lc = by[f"linguafranca: {phase}"], by[f"langchain-openai: {phase}"]
        what = f"peak RSS after {phase}"
        ratio_target(report, what, ref, lf, lc, mib[lf.name], mib[lc.name], 0.5)
    report.write()


def _contender(name: str, group: str, code: str, check: str, env: dict[str, str]) -> Contender:
    def build() -> str:
        run_child(check, env)  # fails with ImportError when missing; warms the caches
        return code

    return Contender(name, group, build)


if __name__ == "__main__":
    main()
