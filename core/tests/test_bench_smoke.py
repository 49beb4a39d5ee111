"""Smoke test of the benchmark harness: every case runs in quick mode on our own code.

The full `make bench` compares against the reference libraries in a separate venv and takes
minutes; here each script runs with `--quick --only-linguafranca` and must write its JSON
report with measured linguafranca figures. No timing is asserted.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
CASES = ["merge", "overhead", "import_time", "cold_start", "http_openai", "http_anthropic"]


@pytest.mark.parametrize("case", CASES)
def test_bench_case_runs_quick(case, tmp_path):
    result = subprocess.run(
        [sys.executable, f"{case}.py", "--quick", "--only-linguafranca", "--out", str(tmp_path)],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [report] = list(tmp_path.glob(f"{case}*.json"))
    data = json.loads(report.read_text())
    text = json.dumps(data)
    assert "linguafranca" in text
    assert "not built yet" not in text  # every linguafranca contender was measured
