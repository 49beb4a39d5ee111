"""Check the Markdown docs: every relative link points at a file that exists.

Usage: python scripts/check_docs.py [ROOT]   (exit 1 and list the broken links otherwise)
The site generator (mkdocs) is not set up yet; until then this is what `make docs` runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def broken_links(root: Path) -> list[str]:
    problems = []
    files = [root / "README.md", root / "CHANGELOG.md", *sorted((root / "docs").rglob("*.md"))]
    for md in files:
        if not md.exists() or ".venv" in md.parts:
            continue
        for target in LINK.findall(md.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (md.parent / target).exists():
                problems.append(f"{md.relative_to(root)}: broken link {target}")
    return problems


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    problems = broken_links(root)
    for problem in problems:
        print(problem)
    print(f"docs: {'ok' if not problems else f'{len(problems)} broken link(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
