"""The entry point works: linguafranca finds the provider without any import by the user."""

import importlib.metadata
import subprocess
import sys

from linguafranca import init_chat_model
from linguafranca.registry import get_registry
from linguafranca_echo import ChatEcho


def test_entry_point_is_declared() -> None:
    found = importlib.metadata.entry_points(group="linguafranca", name="echo")
    assert [ep.value for ep in found] == ["linguafranca_plugins.echo"]


def test_registered_by_its_distribution() -> None:
    spec = get_registry().resolve("echo")
    assert spec.chat_model == "linguafranca_echo.chat_models:ChatEcho"
    assert spec.package == "linguafranca-echo"
    assert get_registry().origin("echo") == "linguafranca-echo"


def test_init_chat_model_finds_echo() -> None:
    model = init_chat_model("echo:anything")
    assert type(model) is ChatEcho
    assert model.model == "anything"
    assert model.invoke("hello there").text == "hello there"


def test_provider_inferred_from_model_prefix() -> None:
    assert type(init_chat_model("echo-1")) is ChatEcho


def test_model_profiles_listed() -> None:
    profiles = get_registry().load_profiles(get_registry().resolve("echo"))
    assert profiles["echo-1"]["tool_calling"] is True


def test_plugin_import_loads_neither_the_model_nor_httpx() -> None:
    code = (
        "import sys, linguafranca_plugins.echo; "
        "print('httpx' in sys.modules or 'linguafranca_echo' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_command_line_lists_the_provider_and_its_models() -> None:
    def cli(*args: str) -> str:
        command = [sys.executable, "-m", "linguafranca.cli", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    [row] = [line for line in cli("providers").splitlines() if line.startswith("echo ")]
    assert "linguafranca-echo" in row and "echo-" in row
    assert cli("models", "echo").splitlines()[1].split()[:3] == ["echo-1", "100000", "100000"]
    assert cli("chat", "-m", "echo:echo-1", "hello", "echo").strip() == "hello echo"
