"""The Markdown docs stay true: every relative link resolves (scripts/check_docs.py)."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_links_resolve():
    check = runpy.run_path(str(ROOT / "scripts" / "check_docs.py"))
    assert check["broken_links"](ROOT) == []


def test_link_checker_reports_a_broken_link(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("see [the guide](docs/guide.md)\n")
    check = runpy.run_path(str(ROOT / "scripts" / "check_docs.py"))
    assert check["broken_links"](tmp_path) == ["README.md: broken link docs/guide.md"]
