#!/usr/bin/env bash
# The docs are Markdown under docs/ (no site generator yet): check their links.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/check_docs.py
