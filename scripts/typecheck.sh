#!/usr/bin/env bash
# mypy --strict over every package's sources and tests (tests under core/ and partners/ may
# leave defs untyped, see the overrides in the root pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(core/src core/tests standard-tests/src)
for d in partners/*/src partners/*/tests docs/examples/*/src; do
  [ -d "$d" ] && targets+=("$d")
done
.venv/bin/mypy "${targets[@]}"
# Test folders under a hyphenated directory (standard-tests/, docs/examples/<name>/) are not
# importable package paths, so their modules are named by file name alone: check each folder
# on its own so that two test_plugin.py files do not collide.
for d in standard-tests/tests docs/examples/*/tests; do
  [ -d "$d" ] && .venv/bin/mypy "$d"
done
echo "typecheck: ok"
