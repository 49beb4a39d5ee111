"""Cold start: import + build a chat model in a fresh interpreter.

``from linguafranca_openai import ChatOpenAI; ChatOpenAI(...)`` next to langchain-openai's,
``init_chat_model("openai:...")`` from linguafranca next to ``langchain.chat_models``'s, the
same for Anthropic, and the openai SDK's import alone. In-process time of the snippet (used for
the ratios) and wall time net of a bare interpreter of the same round; the order is shuffled
every round; ratios per round.

Target (issue 9): import + construct ChatOpenAI <= 0.15x langchain-openai.
"""

from __future__ import annotations

from _common import (
    Report,
    build_all,
    fmt,
    parse_args,
    ratio_target,
    statement,
    summary,
    time_statements,
)

OPENAI_ARGS = "model='gpt-4o-mini', api_key='sk-bench'"
ANTHROPIC_ARGS = "model='claude-haiku-4-5', api_key='sk-ant-bench'"

# (key, group, code)
CASES = [
    ("openai import", "reference", "import openai"),
    ("openai client", "reference", "import openai; openai.OpenAI(api_key='sk-bench')"),
    (
        "linguafranca ChatOpenAI",
        "linguafranca",
        f"from linguafranca_openai import ChatOpenAI; ChatOpenAI({OPENAI_ARGS})",
    ),
    (
        "langchain-openai ChatOpenAI",
        "reference",
        f"from langchain_openai import ChatOpenAI; ChatOpenAI({OPENAI_ARGS})",
    ),
    (
        "linguafranca init_chat_model",
        "linguafranca",
        "from linguafranca import init_chat_model; "
        "init_chat_model('openai:gpt-4o-mini', api_key='sk-bench')",
    ),
    (
        "langchain init_chat_model",
        "reference",
        "from langchain.chat_models import init_chat_model; "
        "init_chat_model('openai:gpt-4o-mini', api_key='sk-bench')",
    ),
    (
        "linguafranca ChatAnthropic",
        "linguafranca",
        f"from linguafranca_anthropic import ChatAnthropic; ChatAnthropic({ANTHROPIC_ARGS})",
    ),
    (
        "langchain-anthropic ChatAnthropic",
        "reference",
        f"from langchain_anthropic import ChatAnthropic; ChatAnthropic({ANTHROPIC_ARGS})",
    ),
]

# (what, numerator, denominator, target, reference figure)
TARGETS = [
    (
        "import + construct ChatOpenAI",
        "linguafranca ChatOpenAI",
        "langchain-openai ChatOpenAI",
        0.15,
        "1,650 ms",
    ),
    (
        "init_chat_model('openai:...')",
        "linguafranca init_chat_model",
        "langchain init_chat_model",
        0.15,
        "langchain init_chat_model (not in the reference)",
    ),
    (
        "import + construct ChatAnthropic",
        "linguafranca ChatAnthropic",
        "langchain-anthropic ChatAnthropic",
        None,
        "-",
    ),
    (
        "linguafranca ChatOpenAI vs openai SDK import alone",
        "linguafranca ChatOpenAI",
        "openai import",
        None,
        "980 ms",
    ),
]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    rounds = 1 if args.quick else 6
    report = Report("cold_start", "cold start: import + construct a chat model", args)
    contenders = build_all([statement(k, g, code) for k, g, code in CASES], args)
    by_key = {c.name: c for c in contenders}
    bare, wall, times = time_statements(contenders, rounds, seed=2)

    rows = [
        [c.name, f"`{c.notes[0]}`", fmt(summary(times[c.name])), fmt(summary(wall[c.name]))]
        + [c.status]
        for c in contenders
    ]
    report.table(
        f"ms, median [min-max] over {rounds} rounds (bare interpreter: {fmt(summary(bare))} ms)",
        ["contender", "code", "in-process ms", "wall ms - bare", "status"],
        rows,
    )
    for c in contenders:
        report.results[c.name] = {
            "status": c.status,
            "group": c.group,
            "inproc_ms": summary(times[c.name]),
            "wall_net_ms": summary(wall[c.name]),
        }
    for what, num, den, target, ref in TARGETS:
        n, d = by_key[num], by_key[den]
        ratio_target(report, what, ref, n, d, times[num], times[den], target)
    report.write()


if __name__ == "__main__":
    main()
