#!/usr/bin/env bash
# ruff lint and format check over the whole repo.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
echo "lint: ok"
