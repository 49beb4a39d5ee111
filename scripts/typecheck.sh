#!/usr/bin/env bash
# mypy --strict over every package's sources and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(core/src standard-tests/src)
for d in partners/*/src docs/examples/*/src; do [ -d "$d" ] && targets+=("$d"); done
.venv/bin/mypy "${targets[@]}"
echo "typecheck: ok"
