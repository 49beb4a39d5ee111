"""Import time in a fresh interpreter: linguafranca next to langchain-core, openai, litellm.

Each statement runs as ``python -c "<stmt>"`` in a fresh interpreter; rounds shuffle the order.
Two figures: the in-process time from the statement's start to its end (used for the ratios:
precise, no interpreter start-up or shutdown) and, as in the reference, the wall time minus a
bare ``python -c pass`` of the same round. Ratios are taken per round.

Target (issue 9): ``import linguafranca`` <= 0.15x ``import langchain_core.language_models``
(and <= 0.15x ``import langchain_core.messages``).
"""

from __future__ import annotations

from _common import (
    Report,
    build_all,
    fmt,
    fmt_ratio,
    parse_args,
    ratio_target,
    ratios,
    statement,
    summary,
    time_statements,
)

LF = "import linguafranca"
LC_MESSAGES = "import langchain_core.messages"
LC_LM = "import langchain_core.language_models"
LF_BCM = "from linguafranca.chat_models import BaseChatModel"
LC_BCM = "from langchain_core.language_models import BaseChatModel"
HTTPX = "import httpx"

# (statement, group): the statement is also the contender's name.
STATEMENTS = [
    (HTTPX, "baseline"),
    (LF, "linguafranca"),
    ("from linguafranca.messages import AIMessage", "linguafranca"),
    (LF_BCM, "linguafranca"),
    (LC_MESSAGES, "reference"),
    (LC_LM, "reference"),
    (LC_BCM, "reference"),
    ("import openai", "reference"),
    ("import langchain_openai", "reference"),
    ("import litellm", "reference"),
]

# (numerator, denominator, target ratio or None for "report", the reference figure)
TARGETS = [
    (LF, LC_LM, 0.15, "langchain_core.language_models 260 ms"),
    (LF, LC_MESSAGES, 0.15, "langchain_core.messages 193 ms"),
    (LF_BCM, LC_BCM, None, "BaseChatModel import 590 ms"),
]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    rounds = 1 if args.quick else 10
    report = Report("import_time", "import time (fresh interpreter)", args)
    contenders = build_all([statement(f"`{s}`", g, s) for s, g in STATEMENTS], args)
    by_stmt = {s: c for (s, _), c in zip(STATEMENTS, contenders, strict=True)}
    bare, wall, inproc = time_statements(contenders, rounds)

    httpx_times = inproc[by_stmt[HTTPX].name]
    rows = [["bare `python -c pass`", "baseline", "", fmt(summary(bare)), "", "ok"]]
    for c in contenders:
        s = summary(inproc[c.name])
        rel = fmt_ratio(ratios(inproc[c.name], httpx_times)) if s else ""
        rows.append([c.name, c.group, fmt(s), fmt(summary(wall[c.name])), rel, c.status])
        report.results[c.name] = {
            "status": c.status,
            "group": c.group,
            "inproc_ms": s,
            "wall_net_ms": summary(wall[c.name]),
        }
    report.results["bare_ms"] = summary(bare)
    report.table(
        f"import ms, median [min-max] over {rounds} rounds",
        ["statement", "group", "in-process ms", "wall ms - bare", "x httpx", "status"],
        rows,
    )
    for num, den, target, ref in TARGETS:
        n, d = by_stmt[num], by_stmt[den]
        ratio_target(report, n.name, ref, n, d, inproc[n.name], inproc[d.name], target)
    report.write()


if __name__ == "__main__":
    main()
