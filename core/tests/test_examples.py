"""Every script in examples/ runs offline, exits 0 and prints what it should."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIMEOUT = 60
# Variables that would send an example to a real service or change its answers.
_SCRUBBED = ("LINGUAFRANCA_LIVE", "LINGUAFRANCA_MODEL")
_SCRUBBED_PREFIXES = ("OPENAI_", "ANTHROPIC_", "AZURE_OPENAI_")

# Lines each example must print: facts computed by the run (the emulators and the fake
# provider are deterministic), not just headings.
EXPECTED: dict[str, list[str]] = {
    "quickstart": [
        "== invoke",
        "You said: Why do parrots talk?",
        "1. You said: How do airplanes fly?",
        "3. You said: Why is the sky blue?",
        "get_weather(location='Boston')",
        "tool result: sunny and 22 degrees in Boston",
        "Movie(title='Inception', year=2010",
        "== token usage (get_usage_metadata_callback)",
    ],
    "streaming_events": [
        "You said: What color is the sky?",
        "[{'type': 'text', 'text': 'You said: What color is the sky?'}]",
        "chunk: name=get_weather args=''",
        "tool calls: [('get_weather', {'location': 'Tokyo'})]",
        "Input: Hello",
        "Token: ' said:'",
        "Full message: You said: Hello",
    ],
    "rate_limit_and_cache": [
        "You said: Question 4",
        "second: You said: Why do parrots talk?",
        "requests sent for the two calls: 1",
    ],
    "anthropic_quickstart": [
        "== ChatAnthropic (claude-sonnet-4-5)",
        "You said: Why do parrots talk?",
        "You| said:| Tell| me| a| joke|",
        "get_weather(location='Paris')",
        "Movie(title='Inception', year=2010)",
    ],
    "tool_calling": [
        "get_weather(location='Boston') -> sunny in Boston",
        "get_population(location='Tokyo') -> 14000000",
        "final: The get_weather tool returned sunny in Boston.",
        "get_weather(location='Oslo')",
        "get_population(location='Lisbon')",
        "1 call: get_weather(location='Boston')",
    ],
    "structured_output": [
        "Movie(title='Inception', year=2010, director='Christopher Nolan', rating=8.8)",
        "TypedDict:   {'title': 'Inception', 'year': 2010}",
        "JSON schema: {'title': 'Inception', 'year': 2010}",
        "error=None",
        "nested:      MovieDetails(title='Inception', year=2010, cast=[Actor(",
    ],
    "usage_and_config": [
        "gpt-4o-mini: {'input_tokens': 2, 'output_tokens': 3, 'total_tokens': 5",
        "claude-haiku-4-5-20251001: {'input_tokens': 2",
        "{'gpt-4o-mini': 5, 'claude-haiku-4-5-20251001': 5}",
        "run 'joke_generation': tags=['humor', 'demo'] metadata={'user_id': '123'",
        "gpt-5-nano: You said: what's your name",
        "claude-sonnet-4-5-20250929: You said: what's your name",
    ],
    "custom_provider": [
        "ChatShout model=loud-1",
        "HELLO FROM A CUSTOM PROVIDER",
        "ONE| TWO| THREE",
        "{'input_tokens': 1, 'output_tokens': 1, 'total_tokens': 2}",
    ],
}


def _env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SCRUBBED and not key.startswith(_SCRUBBED_PREFIXES)
    }
    return {**env, "PYTHONIOENCODING": "utf-8", **extra}


def _requires(path: Path) -> list[str]:
    """The modules named on the ``Requires:`` line(s) of the example's docstring."""
    match = re.search(r"^Requires:(.*?)(?:\n\s*\n|\"\"\")", path.read_text(), re.M | re.S)
    return re.findall(r"[\w.]+", match.group(1)) if match else []


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _run(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env=_env(**env),
        encoding="utf-8",
    )


@functools.cache
def _output(path: Path) -> subprocess.CompletedProcess[str]:
    """One run per example, shared by the tests that read its output."""
    return _run(path)


def test_examples_exist_and_each_has_checks():
    names = {path.stem for path in EXAMPLES}
    assert "quickstart" in names
    assert names == set(EXPECTED), "add the new example's expected lines to EXPECTED"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_small(path: Path):
    if path.stem == "quickstart":  # the demo covers every topic at once
        return
    lines = len(path.read_text().splitlines())
    assert lines < 60, f"{path.name} has {lines} lines; keep examples under 60"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path: Path):
    missing = [module for module in _requires(path) if not _importable(module)]
    if missing:
        pytest.skip(f"{path.name} needs {', '.join(missing)}, which is not importable yet")
    result = _output(path)
    assert result.returncode == 0, f"{path.name} failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    for line in EXPECTED[path.stem]:
        assert line in result.stdout, f"{path.name} did not print {line!r}:\n{result.stdout}"


def test_quickstart_reports_usage_that_adds_up():
    result = _output(ROOT / "examples" / "quickstart.py")
    assert result.returncode == 0, result.stderr
    counts = re.findall(r"^(\S+): (\d+) in \+ (\d+) out = (\d+) tokens$", result.stdout, re.M)
    assert counts, result.stdout
    for _name, tokens_in, tokens_out, total in counts:
        assert int(tokens_in) > 0 and int(tokens_out) > 0
        assert int(tokens_in) + int(tokens_out) == int(total)
    if _importable("linguafranca_openai.chat_models"):
        assert "on the OpenAI wire emulator at http://127.0.0.1:" in result.stdout
        assert [name for name, *_ in counts] == ["gpt-4.1-mini"]


def test_quickstart_stream_prints_tokens_one_by_one():
    result = _output(ROOT / "examples" / "quickstart.py")
    assert result.returncode == 0, result.stderr
    streamed = result.stdout.split("== stream", 1)[1].splitlines()[1]
    tokens = [token for token in streamed.split("|") if token]
    assert len(tokens) >= 4, streamed
    assert "".join(tokens).strip() == "You said: Tell me a joke"


def test_rate_limiter_spaces_requests():
    if not all(_importable(m) for m in _requires(ROOT / "examples" / "rate_limit_and_cache.py")):
        pytest.skip("needs linguafranca_openai.chat_models and the emulators")
    result = _output(ROOT / "examples" / "rate_limit_and_cache.py")
    assert result.returncode == 0, result.stderr
    found = re.search(r"4 requests took ([\d.]+) s", result.stdout)
    assert found, result.stdout
    # 10 requests per second from an empty bucket: the 4th request waits >= 0.4 s.
    assert float(found.group(1)) >= 0.39


def test_quickstart_fails_with_one_clear_line():
    if not _importable("linguafranca_openai.chat_models"):
        pytest.skip("needs linguafranca_openai.chat_models")
    # Live mode against a closed port: the connection error must be one line, exit 1.
    result = _run(
        ROOT / "examples" / "quickstart.py",
        LINGUAFRANCA_LIVE="1",
        OPENAI_API_KEY="sk-test-not-a-key",
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("quickstart: error: ")
    assert "sk-test-not-a-key" not in result.stdout + result.stderr
