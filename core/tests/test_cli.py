"""The ``linguafranca`` command: through a subprocess, and the REPL in-process."""

from __future__ import annotations

import builtins
import importlib.metadata
import importlib.util
import io
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from linguafranca import cli
from linguafranca.callbacks import CallbackManagerForLLMRun
from linguafranca.chat_models.fake import ScriptedFakeChatModel
from linguafranca.errors import RateLimitError
from linguafranca.messages import BaseMessage
from linguafranca.outputs import ChatResult
from linguafranca.registry import get_registry

TIMEOUT = 60
_KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LINGUAFRANCA_MODEL", "OPENAI_BASE_URL")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _KEY_VARS}
    return {**env, "PYTHONIOENCODING": "utf-8", **extra}


def run_cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linguafranca.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        env=_env(**env),
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("linguafranca: error: ")
    return lines[0]


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


needs_openai = pytest.mark.skipif(
    not _installed("linguafranca_openai.chat_models"), reason="linguafranca-openai not built yet"
)


# --- help and providers ------------------------------------------------------------------


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("providers", "models", "chat", "emulate"):
        assert command in result.stdout


def test_version_is_the_package_version():
    result = run_cli("--version")
    assert result.stdout.strip() == importlib.metadata.version("linguafranca")


def _rows(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines()[1:] if line.strip()}


def test_providers_lists_packages_versions_and_key_status():
    result = run_cli("providers", ANTHROPIC_API_KEY="sk-ant-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:5] == ["PROVIDER", "PACKAGE", "VERSION", "MODEL", "PREFIXES"]
    rows = _rows(result.stdout)
    core_version = importlib.metadata.version("linguafranca")
    assert "linguafranca " in rows["fake"] and core_version in rows["fake"]
    assert rows["fake"].rstrip().endswith("not needed")
    for name in ("openai", "anthropic"):
        spec = get_registry().get(name)
        if spec is None:
            continue
        assert spec.package is not None and spec.package in rows[name]
        assert importlib.metadata.version(spec.package) in rows[name]
    if "anthropic" in rows:
        assert rows["anthropic"].rstrip().endswith("ANTHROPIC_API_KEY set")
        assert "sk-ant-test" not in result.stdout
    if "openai" in rows:
        assert rows["openai"].rstrip().endswith("OPENAI_API_KEY not set")


def test_providers_table_stays_readable():
    result = run_cli("providers")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        assert len(line) <= 140, f"too wide: {line!r}"


# --- models -------------------------------------------------------------------------------


@pytest.mark.skipif(get_registry().get("openai") is None, reason="linguafranca-openai missing")
def test_models_lists_the_profiles_of_a_provider():
    result = run_cli("models", "openai")
    assert result.returncode == 0, result.stderr
    profiles = get_registry().load_profiles(get_registry().resolve("openai"))
    rows = _rows(result.stdout)
    assert set(rows) == set(profiles)
    profile = profiles["gpt-4.1"]
    assert str(profile["max_input_tokens"]) in rows["gpt-4.1"]
    assert ("tools" in rows["gpt-4.1"]) == bool(profile.get("tool_calling"))


def test_models_of_a_provider_without_profiles():
    result = run_cli("models", "fake")
    assert result.returncode == 0
    assert result.stdout.strip() == "Provider 'fake' ships no model profiles."


def test_models_of_an_unknown_provider_is_one_line():
    result = run_cli("models", "nope")
    assert "Unknown provider 'nope'" in one_error_line(result)
    assert result.stdout == ""


def test_models_without_a_provider_is_a_usage_error():
    result = run_cli("models")
    assert result.returncode == 2
    assert "provider" in result.stderr


def test_broken_pipe_ends_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone: every write raises BrokenPipeError
    broken = os.fdopen(write_end, "w", buffering=1)
    monkeypatch.setattr(sys, "stdout", broken)
    try:
        assert cli.main(["providers"]) == 1
    finally:
        monkeypatch.undo()
        broken.close()
    assert capsys.readouterr().err == ""


# --- chat ---------------------------------------------------------------------------------


def test_chat_prints_the_reply():
    result = run_cli("chat", "-m", "fake:fake-model", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: hello\n"


def test_chat_joins_prompt_words_and_takes_a_system_prompt():
    result = run_cli("chat", "-m", "fake:fake-model", "--system", "Be brief.", "two", "words")
    assert result.stdout == "You said: two words\n"


def test_chat_reads_a_piped_prompt():
    result = run_cli("chat", "-m", "fake:fake-model", stdin="hi from a pipe\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: hi from a pipe\n"


def test_chat_without_streaming():
    result = run_cli("chat", "-m", "fake:fake-model", "--no-stream", "hello")
    assert result.stdout == "You said: hello\n"


def test_chat_model_from_the_environment():
    result = run_cli("chat", "hello", LINGUAFRANCA_MODEL="fake:fake-model")
    assert result.stdout == "You said: hello\n"


def test_chat_without_a_model_gives_the_hint():
    line = one_error_line(run_cli("chat", "hello"))
    assert "-m provider:model" in line and "LINGUAFRANCA_MODEL" in line


def test_chat_with_an_empty_pipe_is_one_line():
    line = one_error_line(run_cli("chat", "-m", "fake:fake-model", stdin=""))
    assert "no prompt" in line


@needs_openai
def test_chat_without_a_key_names_the_variable():
    assert "OPENAI_API_KEY" in one_error_line(run_cli("chat", "-m", "openai:gpt-4.1", "hi"))


@needs_openai
def test_chat_with_a_real_provider_against_the_emulator():
    from linguafranca_tests.emulators import OpenAIEmulator

    with OpenAIEmulator() as emulator:
        result = run_cli(
            "chat",
            "-m",
            "openai:gpt-4.1-mini",
            "hello emulator",
            OPENAI_BASE_URL=emulator.base_url,
            OPENAI_API_KEY="sk-emulator",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "You said: hello emulator\n"
        [request] = [r for r in emulator.requests if r.method == "POST"]
        assert request.body["stream"] is True
        assert request.body["messages"] == [{"role": "user", "content": "hello emulator"}]


# --- emulate ------------------------------------------------------------------------------


def _read_line(stream: Any, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def test_emulate_serves_until_stopped():
    process = subprocess.Popen(
        [sys.executable, "-m", "linguafranca.cli", "emulate", "openai", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        announced = _read_line(process.stdout, TIMEOUT)
        assert announced.startswith("openai emulator listening on http://127.0.0.1:")
        base_url = announced.split()[-1]
        response = httpx.post(
            f"{base_url}/chat/completions",
            json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "ping"}]},
            headers={"authorization": "Bearer sk-test"},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["choices"][0]["message"]["content"] == "You said: ping"
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]


def test_emulate_an_unknown_provider_is_one_line():
    line = one_error_line(run_cli("emulate", "nope"))
    assert "openai" in line and "anthropic" in line


# --- the interactive session (in-process) -------------------------------------------------


class RecordingModel(ScriptedFakeChatModel):
    """The scripted fake, remembering each conversation it was sent."""

    seen: list[list[str]] = []

    def _record(self, messages: list[BaseMessage]) -> None:
        self.seen.append([f"{m.type}:{m.text}" for m in messages])
        if messages[-1].text == "fail":
            raise RateLimitError("slow down", status_code=429, provider="fake")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._record(messages)
        return super()._generate(messages, stop, run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        self._record(messages)
        return super()._stream(messages, stop, run_manager, **kwargs)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _typed(monkeypatch: pytest.MonkeyPatch, *lines: str) -> list[str]:
    """Make ``input()`` return ``lines`` then raise EOFError (Ctrl-D); returns the prompts."""
    pending = list(lines)
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        return pending.pop(0)

    monkeypatch.setattr(builtins, "input", fake_input)
    return prompts


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> RecordingModel:
    recording = RecordingModel()
    monkeypatch.setattr(cli, "init_chat_model", lambda name: recording)
    return recording


def _session(*argv: str) -> tuple[int, str]:
    args = cli.build_parser().parse_args(["chat", "-m", "fake:fake-model", *argv])
    out = io.StringIO()
    code = cli.cmd_chat(args, out, Terminal())
    return code, out.getvalue()


def test_repl_yields_lines_until_exit():
    lines = iter(["  hello ", "", "again", "/exit", "never"])
    assert list(cli._repl(lambda prompt: next(lines))) == ["hello", "again"]


def test_repl_ends_on_end_of_input():
    def read(prompt: str) -> str:
        raise EOFError

    assert list(cli._repl(read)) == []


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
def test_session_keeps_the_history(
    monkeypatch: pytest.MonkeyPatch, model: RecordingModel, stream: bool
):
    prompts = _typed(monkeypatch, "hello", "", "how are you", "/quit", "not read")
    code, out = _session("--system", "Be brief.", *([] if stream else ["--no-stream"]))
    assert code == 0
    assert out.startswith("Chatting with fake:fake-model. /exit or Ctrl-D to leave.\n")
    assert "ai> You said: hello\n" in out and "ai> You said: how are you\n" in out
    assert prompts == ["you> "] * 4
    assert model.seen == [
        ["system:Be brief.", "human:hello"],
        ["system:Be brief.", "human:hello", "ai:You said: hello", "human:how are you"],
    ]


def test_session_survives_a_failed_turn(monkeypatch: pytest.MonkeyPatch, model: RecordingModel):
    _typed(monkeypatch, "first", "fail", "second")
    code, out = _session()
    assert code == 0
    assert "\nerror: fake HTTP 429: slow down\nai> You said: second" in out
    # The failed turn is not part of the history the next turn sends.
    assert model.seen[-1] == ["human:first", "ai:You said: first", "human:second"]


def test_session_ends_on_ctrl_d(monkeypatch: pytest.MonkeyPatch, model: RecordingModel):
    _typed(monkeypatch)
    code, out = _session()
    assert code == 0
    assert model.seen == []
