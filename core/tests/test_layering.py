"""The core package's layers import downward only (DESIGN.md), checked on the source.

Every ``import`` / ``from ... import`` of a ``linguafranca`` module is read from the syntax
tree of every module under ``core/src/linguafranca``. One that goes to a higher layer, or
one inside a function, fails the test unless it is in ``ALLOWED`` below with its reason.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "linguafranca"

# Lower numbers sit lower; a module may import its own layer or any lower one.
LAYERS = {
    "errors": 0,
    "_handoff": 0,
    "http": 1,
    "messages": 1,
    "registry": 1,
    "outputs": 2,
    "callbacks": 3,
    "runnables": 4,
    "tools": 5,
    "output_parsers": 6,
    "caches": 7,
    "rate_limiters": 7,
    "chat_models": 8,
    "cli": 9,
    "__init__": 10,
}

# (importing module, imported module, where) -> why it is there.
ALLOWED = {
    ("linguafranca", "linguafranca.chat_models", "function"): (
        "the one lazy re-export (init_chat_model) that keeps `import linguafranca` instant"
    ),
    ("linguafranca", "linguafranca.chat_models", "type-checking"): "its annotation",
    ("linguafranca.runnables._base", "linguafranca.tools._from_runnable", "function"): (
        "Runnable.as_tool builds a tool, and tools subclass runnables"
    ),
    ("linguafranca.runnables._base", "linguafranca.tools", "type-checking"): (
        "as_tool's return annotation"
    ),
}

# Function-local imports of modules outside linguafranca that are optional at run time.
OPTIONAL = {"readline"}


class Import(NamedTuple):
    module: str
    target: str
    where: str  # "top", "function" or "type-checking"
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(path: Path, module: str | None = None) -> list[Import]:
    module = module or _module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = "function"
            elif _is_type_checking(child) and where == "top":
                inner = "type-checking"
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, inner, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.append(Import(module, child.module, inner, child.lineno))
            elif isinstance(child, ast.ImportFrom) and child.level:
                raise AssertionError(f"{module}:{child.lineno}: use absolute imports")
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "top")
    return found


@functools.cache
def _all_imports() -> list[Import]:
    return [i for path in sorted(ROOT.rglob("*.py")) for i in _imports(path)]


def test_every_package_of_core_has_a_layer():
    names = {p.stem for p in ROOT.glob("*.py")} | {
        p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()
    }
    assert names - set(LAYERS) == set(), "give each new package or module a layer"


def test_imports_go_downward_only():
    wrong = []
    for imp in _all_imports():
        if not imp.target.startswith("linguafranca"):
            continue
        if (imp.module, imp.target, imp.where) in ALLOWED:
            continue
        if imp.where == "function":
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} inside a function")
        elif LAYERS[_layer(imp.target)] > LAYERS[_layer(imp.module)]:
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} (a higher layer)")
    assert wrong == []


def test_function_local_imports_are_only_for_optional_dependencies():
    local = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in _all_imports()
        if imp.where == "function"
        and not imp.target.startswith("linguafranca")
        and imp.target.split(".")[0] not in OPTIONAL
    ]
    assert local == []


@pytest.mark.parametrize("key", sorted(ALLOWED))
def test_every_allowed_exception_is_still_needed(key):
    # A stale entry would let a future upward import slip through unnoticed.
    assert key in {(i.module, i.target, i.where) for i in _all_imports()}


def test_the_checker_tells_top_function_and_type_checking_imports_apart(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from linguafranca.messages import AIMessage\n"
        "if TYPE_CHECKING:\n"
        "    from linguafranca.tools import BaseTool\n"
        "def f():\n"
        "    from linguafranca.cli import main\n"
    )
    found = _imports(source, "linguafranca.outputs._probe")
    assert [(i.target, i.where) for i in found] == [
        ("typing", "top"),
        ("linguafranca.messages", "top"),
        ("linguafranca.tools", "type-checking"),
        ("linguafranca.cli", "function"),
    ]
