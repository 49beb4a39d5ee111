#!/usr/bin/env bash
# What CI runs: lint, type-check, then every test suite. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh
bash scripts/typecheck.sh
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
