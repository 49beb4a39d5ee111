"""Shared helpers for the benchmark scripts.

Timing and statistics, the contender registry (a linguafranca contender that is not importable
yet is reported as missing, never hidden), fresh-interpreter timing, the local server launcher
and the JSON report every script writes to ``bench/results/<case>.json``.

Method (same as the reference measurements): every figure is the median over repeats with
[min-max]; every ratio is computed inside one repeat between contenders measured in that same
repeat (contenders alternate), then the median of those ratios is reported.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
CLIENT_CPU = 0
SERVER_CPU = 1

MISSING_LF = "missing (not built yet)"
MISSING_REF = "missing (not installed)"
SKIPPED = "skipped (--only-linguafranca)"
OK = "ok"

# Reference caveat 1: any proxy variable (even NO_PROXY alone) changes ChatOpenAI's code path.
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy", "socks_proxy")
# No tracing, no callbacks, no keys picked up from the environment.
CLEARED_PREFIXES = ("LANGSMITH_", "LANGCHAIN_", "OPENAI_", "ANTHROPIC_", "LITELLM_", "AZURE_OPENAI")

VERSIONED = (
    "linguafranca",
    "linguafranca-openai",
    "linguafranca-anthropic",
    "langchain-core",
    "langchain",
    "langchain-openai",
    "langchain-anthropic",
    "langsmith",
    "openai",
    "anthropic",
    "litellm",
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "aiohttp",
    "pydantic",
    "pydantic-core",
)


# ---------------------------------------------------------------- environment and arguments


def clean_environment() -> None:
    """Unset proxy, tracing and provider variables for this process and its children."""
    for name in list(os.environ):
        if name.lower() in PROXY_VARS or name.startswith(CLEARED_PREFIXES):
            del os.environ[name]
    # Imports must hit bytecode caches as a user's do (this machine sets PYTHONDONTWRITEBYTECODE).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    os.environ["LANGSMITH_TRACING"] = "false"
    os.environ["LANGCHAIN_TRACING_V2"] = "false"
    # litellm otherwise fetches its model cost map from the network at import time.
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


def pin_client() -> str:
    """Pin this process to CPU 0 (the server goes on CPU 1); return what was done."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpus = os.sched_getaffinity(0)
    if CLIENT_CPU in cpus and len(cpus) >= 2:
        os.sched_setaffinity(0, {CLIENT_CPU})
        return f"client on CPU {CLIENT_CPU}"
    return f"not pinned (CPUs available: {sorted(cpus)})"


def raise_priority() -> str:
    """Run at nice -10 when allowed; children and the server inherit it.

    With the kernel's autogroup scheduling, nice only ranks processes within one session, and
    other sessions on a small machine each take an equal share of the CPUs (measured: httpx's
    async client at 3x its CPU time in wall time). So when this process leads its own session
    (``scripts/bench.sh`` starts every case with ``setsid``), that session's group is raised
    too; it holds only this run and goes away with it.
    """
    done = []
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -10)
        done.append("nice -10")
    except (OSError, AttributeError):
        done.append("normal priority")
    if os.getsid(0) == os.getpid():
        try:
            Path("/proc/self/autogroup").write_text("-10")
            done.append("own session group at nice -10")
        except OSError:
            pass
    return ", ".join(done)


def parse_args(
    description: str,
    extend: Callable[[argparse.ArgumentParser], None] | None = None,
    pin: bool = False,
) -> argparse.Namespace:
    """Parse the options every script shares (plus any the script adds).

    ``pin`` pins this process to CPU 0: the cases that talk to the local server (on CPU 1).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="few repeats (smoke test)")
    parser.add_argument(
        "--only-linguafranca",
        action="store_true",
        help="skip the reference libraries (baselines such as raw httpx still run)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    if extend is not None:
        extend(parser)
    args = parser.parse_args()
    clean_environment()
    args.pinning = pin_client() if pin else "not pinned"
    args.pinning += ", " + raise_priority()
    return args


# ---------------------------------------------------------------- contenders


@dataclass
class Contender:
    """One thing being measured.

    ``group`` is ``"linguafranca"``, ``"reference"`` (a library we compare against) or
    ``"baseline"`` (raw httpx, a plain function: always available). ``build`` returns whatever
    the script times; an ImportError while building means the contender is missing.
    """

    name: str
    group: str
    build: Callable[[], Any]
    obj: Any = None
    status: str = "not built"
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the contender was built and still works."""
        return self.status == OK

    def fail(self, exc: BaseException) -> None:
        """Record that the contender broke; it is reported, and skipped from then on."""
        self.status = f"error: {type(exc).__name__}: {exc}"[:300]


# Every contender a script built; the report lists them with their status and details.
_BUILT: list[Contender] = []


def build_all(contenders: Sequence[Contender], args: argparse.Namespace) -> list[Contender]:
    """Build every contender, recording why any of them cannot run."""
    _BUILT.extend(contenders)
    for c in contenders:
        if args.only_linguafranca and c.group == "reference":
            c.status = SKIPPED
            continue
        try:
            c.obj = c.build()
        except ImportError as exc:
            c.status = MISSING_LF if c.group == "linguafranca" else MISSING_REF
            c.notes.append(str(exc)[:200])
        except Exception as exc:
            c.fail(exc)
        else:
            c.status = OK
    return list(contenders)


def rotated(items: Sequence[Any], k: int) -> list[Any]:
    """The items rotated by k, so each contender takes its turn first (alternation)."""
    if not items:
        return []
    k %= len(items)
    return list(items[k:]) + list(items[:k])


# ---------------------------------------------------------------- statistics


def summary(values: Iterable[float]) -> dict[str, float] | None:
    """Median, min, max and count of the values (None when there are none)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {
        "median": statistics.median(vals),
        "min": min(vals),
        "max": max(vals),
        "n": len(vals),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def fmt(s: dict[str, float] | None, digits: int = 1, scale: float = 1.0) -> str:
    """Format a summary as ``median [min-max]``."""
    if not s:
        return "-"
    m, lo, hi = s["median"] * scale, s["min"] * scale, s["max"] * scale
    return f"{m:,.{digits}f} [{lo:,.{digits}f}-{hi:,.{digits}f}]"


def fmt_ratio(s: dict[str, float] | None) -> str:
    """Format a ratio summary as ``0.12x [0.10-0.15]``."""
    if not s:
        return "-"
    return f"{s['median']:.2f}x [{s['min']:.2f}-{s['max']:.2f}]"


def ratios(num: Sequence[float | None], den: Sequence[float | None]) -> dict[str, float] | None:
    """Summary of per-repeat ratios num[i] / den[i] (only repeats where both exist)."""
    return summary(a / b for a, b in zip(num, den, strict=True) if a is not None and b)


# ---------------------------------------------------------------- fresh interpreters


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for child interpreters: the cleaned one, plus extras."""
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    if extra:
        env.update(extra)
    return env


def run_child(code: str, env: dict[str, str], timeout: float = 120.0) -> tuple[float, str]:
    """Run ``python -c code`` in a fresh interpreter; return (wall seconds, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        if "ModuleNotFoundError" in last or "ImportError" in last or "ProviderNotFound" in last:
            raise ImportError(last)
        raise RuntimeError(f"child failed ({proc.returncode}): {last}")
    return wall, proc.stdout


# ---------------------------------------------------------------- the local server


class LocalServer:
    """Start ``bench/_server.py`` on 127.0.0.1 (pinned to CPU 1) and stop it by its PID.

    The server also stops by itself after ``max_seconds`` or ``max_requests`` and when this
    process goes away.
    """

    def __init__(self, delay_ms: float = 0.0, max_seconds: int = 1200, max_requests: int = 500_000):
        self.args = [
            sys.executable,
            str(BENCH / "_server.py"),
            "--delay-ms",
            str(delay_ms),
            "--max-seconds",
            str(max_seconds),
            "--max-requests",
            str(max_requests),
            "--cpu",
            str(SERVER_CPU),
            "--parent-pid",
            str(os.getpid()),
        ]
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> LocalServer:
        # The server must not inherit the client's pinning to CPU 0; it pins itself to CPU 1.
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True, env=child_env())
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 15.0)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"bench server did not start (got {line!r})")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 5 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


# ---------------------------------------------------------------- machine, versions, report


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mem_gib": mem_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
    }


def versions() -> dict[str, str | None]:
    """Installed versions of the libraries that matter to the figures."""
    out: dict[str, str | None] = {}
    for dist in VERSIONED:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def status_map(contenders: Iterable[Contender]) -> dict[str, str]:
    """Name -> status, for the JSON."""
    return {c.name: c.status for c in contenders}


class Report:
    """Collects tables and target checks, prints them and writes the case's JSON."""

    def __init__(self, case: str, title: str, args: argparse.Namespace):
        self.case = case
        self.title = title
        self.args = args
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.t0 = time.perf_counter()
        # Other work on the machine shows up in the figures; the load says how much there was.
        self.load = f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
        self.tables: list[dict[str, Any]] = []
        self.targets: list[dict[str, Any]] = []
        self.results: dict[str, Any] = {}
        self.notes: list[str] = []

    def table(self, title: str, columns: list[str], rows: list[list[str]]) -> None:
        """Add a display table (cells are already formatted)."""
        self.tables.append({"title": title, "columns": columns, "rows": rows})

    def target(
        self,
        what: str,
        reference: str,
        target: str,
        measured: str,
        passed: bool | None,
    ) -> None:
        """Record one target check; ``passed`` is None when it could not be measured."""
        self.targets.append(
            {
                "case": self.title,
                "what": what,
                "reference": reference,
                "target": target,
                "measured": measured,
                "pass": passed,
            }
        )

    def write(self) -> Path:
        """Print the tables and write ``<out>/<case>.json`` (``<case>.quick.json`` in quick)."""
        duration = time.perf_counter() - self.t0
        data = {
            "case": self.case,
            "title": self.title,
            "mode": "quick" if self.args.quick else "full",
            "only_linguafranca": bool(self.args.only_linguafranca),
            "started": self.started.isoformat(timespec="seconds"),
            "duration_s": round(duration, 1),
            "load": self.load,
            "machine": machine_info(),
            "pinning": self.args.pinning,
            "versions": versions(),
            "tables": self.tables,
            "targets": self.targets,
            "results": self.results,
            "notes": self.notes,
            "contenders": {
                c.name: {"group": c.group, "status": c.status, "details": c.notes} for c in _BUILT
            },
        }
        out_dir = self.args.out or RESULTS
        out_dir.mkdir(parents=True, exist_ok=True)
        suffix = ".quick.json" if self.args.quick else ".json"
        path = out_dir / f"{self.case}{suffix}"
        path.write_text(json.dumps(data, indent=1, default=str) + "\n")
        print(f"\n## {self.title}  ({data['mode']}, {duration:.1f} s, {self.args.pinning})")
        for t in self.tables:
            print(render_text_table(t))
        if self.targets:
            print(render_text_table(targets_table(self.targets)))
        for note in self.notes:
            print(f"note: {note}")
        print(f"wrote {path}")
        return path


def verdict(passed: bool | None) -> str:
    """Display form of a target check."""
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def targets_table(targets: list[dict[str, Any]]) -> dict[str, Any]:
    """The target checks as a display table."""
    rows = [
        [t["what"], t["reference"], t["target"], t["measured"], verdict(t["pass"])] for t in targets
    ]
    return {
        "title": "targets",
        "columns": ["what", "reference figure", "target", "measured (this run)", "verdict"],
        "rows": rows,
    }


def render_text_table(table: dict[str, Any]) -> str:
    """A plain-text rendering for the terminal."""
    cols = table["columns"]
    rows = [[str(cell) for cell in row] for row in table["rows"]]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
    lines = [f"\n### {table['title']}"]
    lines.append("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)))
    return "\n".join(lines)


def statement(name: str, group: str, code: str, env: dict[str, str] | None = None) -> Contender:
    """A contender that is a Python snippet run in a fresh interpreter.

    Building a linguafranca or baseline snippet runs it once: it must work, and the run writes
    the bytecode caches (the timed runs are warm-cache imports, as a user's second run is).
    The reference libraries are installed with compiled bytecode, so for them a look-up of the
    top-level module is enough (their imports take seconds each).
    """

    def build() -> str:
        if group == "reference":
            match = re.search(r"(?:from|import)\s+(\w+)", code)
            if match and importlib.util.find_spec(match.group(1)) is None:
                raise ImportError(f"No module named {match.group(1)!r}")
        else:
            run_child(code, child_env(env))
        return code

    c = Contender(name, group, build)
    c.notes.append(code)
    return c


# The snippet also times itself from its first statement to its last: the import cost without
# interpreter start-up and shutdown, much less noisy than the difference of two wall times.
_TIMED = (
    "import time as _bench_time\n_bench_t0 = _bench_time.perf_counter()\n{code}\n"
    "print('BENCH_INPROC', _bench_time.perf_counter() - _bench_t0)"
)


def time_statements(
    contenders: Sequence[Contender], rounds: int, env: dict[str, str] | None = None, seed: int = 1
) -> tuple[list[float], dict[str, list[float | None]], dict[str, list[float | None]]]:
    """Time each snippet in fresh interpreters, ``rounds`` times in shuffled order.

    Returns the bare ``python -c pass`` wall ms of each round and, per contender and round
    (None where it did not run): the wall ms net of the bare interpreter of the same round (the
    reference's method), and the in-process ms from the snippet's first line to its last.
    """
    rng = random.Random(seed)
    bare: list[float] = []
    wall: dict[str, list[float | None]] = {c.name: [] for c in contenders}
    inproc: dict[str, list[float | None]] = {c.name: [] for c in contenders}
    base_env = child_env(env)
    for _ in range(rounds):
        order = [None, *contenders]
        rng.shuffle(order)
        got: dict[str, tuple[float, float]] = {}
        bare_ms = 0.0
        for c in order:
            if c is None:
                bare_ms = run_child("pass", base_env)[0] * 1000
                continue
            if not c.ok:
                continue
            try:
                secs, out = run_child(_TIMED.format(code=c.obj), base_env)
                line = [x for x in out.splitlines() if x.startswith("BENCH_INPROC ")][-1]
                got[c.name] = (secs * 1000, float(line.split()[1]) * 1000)
            except ImportError as exc:
                c.status = MISSING_LF if c.group == "linguafranca" else MISSING_REF
                c.notes.append(str(exc)[:200])
            except Exception as exc:
                c.fail(exc)
        bare.append(bare_ms)
        for c in contenders:
            w, i = got.get(c.name, (None, None))
            wall[c.name].append(None if w is None else max(w - bare_ms, 0.0))
            inproc[c.name].append(i)
    return bare, wall, inproc


def ratio_target(
    report: Report,
    what: str,
    reference: str,
    num: Contender,
    den: Contender,
    num_values: Sequence[float | None],
    den_values: Sequence[float | None],
    target: float | None,
) -> dict[str, float] | None:
    """Record the target check ``num / den <= target`` (per-round ratios); return the ratio."""
    r = ratios(num_values, den_values) if num.ok and den.ok else None
    if r is not None:
        measured = f"{fmt_ratio(r)} of {den.name}"
    elif not num.ok:
        measured = f"{num.name}: {num.status}"
    else:
        measured = f"{den.name}: {den.status}"
    passed = None if r is None or target is None else r["median"] <= target
    goal = f"<= {target}x {den.name}" if target is not None else "report"
    report.target(what, reference, goal, measured, passed)
    return r
