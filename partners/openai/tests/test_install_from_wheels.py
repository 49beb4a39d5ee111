"""``pip install "linguafranca[openai]"`` from freshly built wheels, in a fresh venv (~30 s).

Builds the wheels of core and of this package with hatch, creates a virtual environment
that does not see this one's packages, installs the core package with its ``openai`` extra
from those wheels (dependencies such as pydantic come from the configured package index),
then checks that ``init_chat_model("openai:...")`` builds a ``ChatOpenAI`` there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HATCH = Path(sys.executable).with_name("hatch")
# pip failures that mean the package index cannot be reached, not a broken package.
_OFFLINE = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Could not fetch URL",
    "connection broken",
)
CHECK = (
    "from linguafranca import init_chat_model; "
    "m = init_chat_model('openai:gpt-4.1', api_key='sk-test'); "
    "print(type(m).__name__, m.provider, m.base_url)"
)


def _run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _clean_env() -> dict[str, str]:
    """This environment without keys, endpoints, or the dev venv on the path."""
    drop = ("OPENAI_", "AZURE_OPENAI", "LINGUAFRANCA_", "VIRTUAL_ENV", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@pytest.mark.skipif(not HATCH.exists(), reason=f"hatch is not installed next to {sys.executable}")
def test_install_openai_extra_from_wheels(tmp_path):
    wheels = tmp_path / "wheels"
    for package in ("core", "partners/openai"):
        built = _run([str(HATCH), "build", "-t", "wheel", str(wheels)], cwd=ROOT / package)
        assert built.returncode == 0, f"hatch build failed in {package}:\n{built.stderr}"
    names = sorted(p.name for p in wheels.glob("*.whl"))
    assert names == [
        "linguafranca-0.1.0-py3-none-any.whl",
        "linguafranca_openai-0.1.0-py3-none-any.whl",
    ]

    venv = tmp_path / "venv"
    created = _run([sys.executable, "-m", "venv", str(venv)])
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    env = _clean_env()
    # Pinned, so that a same-named project on the index can never be picked instead.
    install = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--find-links",
            str(wheels),
            "linguafranca[openai]==0.1.0",
            "linguafranca-openai==0.1.0",
        ],
        env=env,
    )
    if install.returncode != 0 and any(marker in install.stderr for marker in _OFFLINE):
        pytest.skip(
            f"the package index is unreachable, dependencies cannot be installed:\n"
            f"{install.stderr[-800:]}"
        )
    assert install.returncode == 0, f"pip install failed:\n{install.stdout}\n{install.stderr}"

    listed = _run([str(python), "-m", "pip", "list", "--format=freeze"], env=env)
    installed = dict(line.split("==", 1) for line in listed.stdout.split() if "==" in line)
    assert installed.get("linguafranca") == "0.1.0"
    assert installed.get("linguafranca-openai") == "0.1.0"
    assert "openai" not in installed and "langchain-core" not in installed  # no vendor SDK

    checked = _run([str(python), "-c", CHECK], env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.split() == ["ChatOpenAI", "openai", "https://api.openai.com/v1"]
